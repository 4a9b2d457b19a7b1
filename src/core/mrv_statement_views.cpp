// Statement views (core/mrv_statements.h): one company's statement for a year with every
// revision, its attestation and the certification, and the verifiers' queue of revisions that
// await attestation. Read-only and pure; grams and tonnes as decimal strings.
#include "core/ets.h"
#include "core/mrv_registry.h"
#include "core/mrv_statements.h"

namespace tanso {

Result<Json> mrv_statement(const StateReader& st, std::string_view company, uint32_t year) {
  if (year < ets::kYearMin || year > ets::kYearMax)
    return err("tx.malformed", "year must be from 2000 to 2200");
  auto head = mrv_stmt::load_head(st, company, year);
  if (!head) return head.error();
  for (auto& entry : (*head)["revisions"]) {
    auto rec =
        mrv::get_json(st, mrv_stmt::rev_key(company, year, entry["revision"].get<uint64_t>()));
    if (!rec) continue;  // written together with the head: always present
    entry["content"] = (*rec)["content"];
    entry["comment"] = (*rec)["comment"];
  }
  auto cert = ets::certified(st, year, company);
  (*head)["ets_certified_tco2e"] = cert ? Json(u64_text(*cert)) : Json(nullptr);
  return *head;
}

Json mrv_statements_pending(const StateReader& st) {
  Json out = Json::array();
  auto ids = mrv::get_json(st, std::string(mrv_stmt::kPendingKey));
  if (ids)
    for (const auto& id : *ids) {
      const std::string& s = id.get_ref<const std::string&>();
      auto slash = s.rfind('/');
      std::string company = s.substr(0, slash);
      uint32_t year = static_cast<uint32_t>(std::stoul(s.substr(slash + 1)));
      auto head = mrv_stmt::load_head(st, company, year);
      if (!head) continue;
      uint64_t corrections = 0;
      for (const auto& e : (*head)["revisions"])
        if (e["attestation"].is_object() && e["attestation"]["decision"] == "correction")
          ++corrections;
      const Json& e = (*head)["revisions"].back();
      out.push_back({{"company", company},
                     {"year", year},
                     {"revision", e["revision"]},
                     {"hash", e["hash"]},
                     {"total_co2e_g", e["total_co2e_g"]},
                     {"certified_tco2e", e["certified_tco2e"]},
                     {"submitted_by", e["submitted_by"]},
                     {"height", e["height"]},
                     {"time_ms", e["time_ms"]},
                     {"corrections", corrections}});
    }
  return Json{{"statements", out}};
}

}  // namespace tanso
