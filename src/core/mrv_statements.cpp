// Annual emission statements (core/mrv_statements.h): the canonical content frozen from the draft
// with the company's documented adjustments, its hash, the tonnes rounding, the shared helpers
// and mrv.statement.submit. Attestation and certification are in mrv_attest.cpp.
#include "core/mrv_statements.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/crypto.h"
#include "core/ets.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/mrv_registry.h"

namespace tanso {

uint64_t certified_tonnes(uint64_t grams) {
  return grams / 1'000'000 + (grams % 1'000'000 >= 500'000);
}

namespace {

std::string tonnes_text(uint64_t g) {
  std::string t = u64_text(g);
  return t.size() > 6 ? t.substr(0, t.size() - 6) + "." + t.substr(t.size() - 6)
                      : "0." + std::string(6 - t.size(), '0') + t;
}

std::string row_id(const Json& r) {
  return r["installation"].get<std::string>() + "/" + r["source"].get<std::string>();
}

Error overflow() { return err("mrv.calc_overflow", "the statement's total exceeds 2^62 g"); }

}  // namespace

Result<Json> statement_content(const StateReader& st, std::string_view company, uint32_t year,
                               const Json& adjustments) {
  auto draft = mrv_statement_draft(st, company, year);
  if (!draft) return draft.error();
  Json rows = (*draft)["rows"];
  if (rows.empty())
    return err("mrv.no_data", std::string(company) + " has no batch for " + std::to_string(year));
  std::map<std::string, const Json*> adj;
  if (adjustments.is_array())
    for (const auto& a : adjustments) adj[row_id(a)] = &a;
  std::map<std::string, uint64_t> by_scope, by_fuel;
  uint64_t total = 0;
  for (auto& r : rows) {
    if (auto it = adj.find(row_id(r)); it != adj.end()) {
      const Json& a = *it->second;
      r["measured_co2e_g"] = r["co2e_g"];
      r["co2e_g"] = u64_text(*json_u64(a["co2e_g"]));
      r["adjustment"] = {{"reason", a["reason"]}, {"evidence_hash", a["evidence_hash"]}};
      adj.erase(it);
    }
    uint64_t g = mrv::amount_of(r, "co2e_g");
    if (g > limits::amount_max || total > limits::amount_max - g) return overflow();
    total += g;
    by_scope[std::to_string(r["scope"].get<uint32_t>())] += g;  // each <= total: no overflow
    by_fuel[r["fuel"].is_null() ? "electricity" : r["fuel"].get<std::string>()] += g;
  }
  if (!adj.empty())
    return err("mrv.unknown_row", "adjustment of '" + adj.begin()->first + "': the " +
                                      std::to_string(year) + " draft has no such row");
  Json scopes = Json::object(), fuels = Json::object();
  for (const auto& [k, v] : by_scope) scopes[k] = u64_text(v);
  for (const auto& [k, v] : by_fuel) fuels[k] = u64_text(v);
  return Json{{"company", company},
              {"year", year},
              {"rows", rows},
              {"by_scope", scopes},
              {"by_fuel", fuels},
              {"measured_total_co2e_g", (*draft)["total_co2e_g"]},
              {"total_co2e_g", u64_text(total)},
              {"total_co2e_t", tonnes_text(total)},
              {"certified_tco2e", u64_text(certified_tonnes(total))}};
}

std::string statement_hash(const Json& content) {
  std::string text = "tanso/mrv/statement/v1";
  text.push_back('\0');
  text += content.dump();
  return to_hex(sha256(text));
}

namespace mrv_stmt {

std::string head_key(std::string_view company, uint32_t year) {
  return "mrv/stmt/" + std::string(company) + "/" + std::to_string(year);
}

std::string rev_key(std::string_view company, uint32_t year, uint64_t revision) {
  return "mrv/stmt_rev/" + std::string(company) + "/" + std::to_string(year) + "/" +
         std::to_string(revision);
}

void set_pending(Overlay& st, std::string_view company, uint32_t year, bool pending) {
  std::set<std::string> ids;
  if (auto v = mrv::get_json(st, std::string(kPendingKey)))
    for (const auto& e : *v) ids.insert(e.get<std::string>());
  std::string id = std::string(company) + "/" + std::to_string(year);
  if (pending)
    ids.insert(id);
  else
    ids.erase(id);
  if (ids.empty())
    st.erase(kPendingKey);
  else
    st.put(kPendingKey, Json(ids).dump());
}

bool lower_hex64(const Json& v) {
  if (!v.is_string() || v.get_ref<const std::string&>().size() != 64) return false;
  for (char c : v.get_ref<const std::string&>())
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status target_fields(const Json& b, std::string_view type) {
  Fields f(b, type);
  if (auto s = f.id("company"); !s) return s.error();
  if (auto s = f.u64("year", ets::kYearMin, ets::kYearMax); !s) return s.error();
  if (b.contains("revision"))
    if (auto s = f.u64("revision", 1, kRevisionsMax); !s) return s.error();
  return ok_status();
}

Result<Json> load_head(const StateReader& st, std::string_view company, uint32_t year) {
  if (auto h = mrv::get_json(st, head_key(company, year))) return *h;
  return err(
      "mrv.unknown_statement",
      "no statement of " + std::string(company) + " for " + std::to_string(year) + " was submitted",
      404);
}

Status not_certified(const Json& head) {
  if (head["status"] == "certified")
    return err("mrv.statement_certified",
               head["company"].get<std::string>() + "'s statement for " +
                   std::to_string(head["year"].get<uint32_t>()) + " is certified (revision " +
                   std::to_string(head["certification"]["revision"].get<uint64_t>()) +
                   "); it is final");
  return ok_status();
}

Status known_revision(const Json& head, uint64_t revision) {
  uint64_t latest = head["revision"].get<uint64_t>();
  if (revision < 1 || revision > latest)
    return err("mrv.unknown_revision",
               "revision " + std::to_string(revision) +
                   " does not exist (latest: " + std::to_string(latest) + ")",
               404);
  return ok_status();
}

// mrv.statement.submit {company, year, revision?, adjustments?, comment?}. `revision`, when
// given, must be the number this submission gets (the latest + 1): two accounts of the company
// cannot submit over each other unseen. Each adjustment {installation, source, co2e_g, reason,
// evidence_hash} replaces the CO2e of one draft row (each row at most once) with a reason (1-256
// bytes) and the SHA-256 (64 lower-case hex) of the evidence kept off the ledger; `comment`
// (at most 2,000 bytes) answers the verifier.
Status submit_check(const Json& b) {
  constexpr std::string_view t = "mrv.statement.submit";
  if (auto s = Fields(b, t).only({"company", "year", "revision", "adjustments", "comment"}); !s)
    return s;
  if (auto s = target_fields(b, t); !s) return s;
  if (b.contains("comment") && (!b["comment"].is_string() ||
                                b["comment"].get_ref<const std::string&>().size() > kCommentsMax))
    return mrv::malformed(t, "comment must be a string of at most 2000 bytes");
  if (!b.contains("adjustments")) return ok_status();
  const Json& adj = b["adjustments"];
  if (!adj.is_array() || adj.size() > kAdjustmentsMax)
    return mrv::malformed(t, "adjustments must be a list of at most 256 adjustments");
  std::set<std::string> seen;
  for (const auto& a : adj) {
    constexpr std::string_view ta = "mrv.statement.submit adjustment";
    if (!a.is_object())
      return mrv::malformed(t,
                            "an adjustment is {installation, source, co2e_g, reason, "
                            "evidence_hash}");
    Fields f(a, ta);
    if (auto s = f.only({"installation", "source", "co2e_g", "reason", "evidence_hash"}); !s)
      return s;
    if (auto s = f.id("installation"); !s) return s.error();
    if (auto s = f.id("source"); !s) return s.error();
    if (auto s = f.u64("co2e_g", 0, limits::amount_max); !s) return s.error();
    auto reason = f.text("reason", true);
    if (!reason) return reason.error();
    if (reason->empty()) return mrv::malformed(t, "adjustments[].reason must not be empty");
    if (!a.contains("evidence_hash") || !lower_hex64(a["evidence_hash"]))
      return mrv::malformed(t, "adjustments[].evidence_hash must be 64 lower-case hex (SHA-256)");
    if (!seen.insert(row_id(a)).second)
      return mrv::malformed(t, "row '" + row_id(a) + "' is adjusted twice");
  }
  return ok_status();
}

Status submit_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string company = b["company"].get<std::string>();
  const uint32_t year = static_cast<uint32_t>(*json_u64(b["year"]));
  if (auto s = mrv::may_act_for(env.st, env, company, false); !s) return s;
  // The year is over once the block time reaches 1 January of year + 1, local time (the ETS
  // module's utc_offset_minutes: KST by default).
  auto params = load_ets_params(env.st);
  int64_t end = days_from_civil(int64_t{year} + 1, 1, 1) * 86'400'000 -
                int64_t{params->utc_offset_minutes} * 60'000;
  if (static_cast<int64_t>(env.time_ms) < end)
    return err("mrv.year_not_over", std::to_string(year) + " is not over (block time " +
                                        std::to_string(env.time_ms) + " < " + std::to_string(end) +
                                        ")");
  auto old = mrv::get_json(env.st, head_key(company, year));
  Json head = old ? *old : Json{{"company", company},         {"year", year},
                                {"status", "none"},           {"revision", 0},
                                {"revisions", Json::array()}, {"certification", nullptr}};
  if (auto s = not_certified(head); !s) return s;
  const uint64_t revision = head["revision"].get<uint64_t>() + 1;
  if (head["status"] == "submitted")
    return err("mrv.statement_pending",
               "revision " + std::to_string(revision - 1) + " awaits a verifier's attestation");
  if (b.contains("revision") && json_u64(b["revision"]) != revision)
    return err("mrv.statement_revision_mismatch",
               "this submission would be revision " + std::to_string(revision));
  if (revision > kRevisionsMax)
    return err("mrv.limit_reached", "a statement has at most 100 revisions");
  auto content = statement_content(env.st, company, year, b.value("adjustments", Json()));
  if (!content) return content.error();
  const std::string hash = statement_hash(*content);
  Json rec = {{"revision", revision},
              {"hash", hash},
              {"content", *content},
              {"comment", b.value("comment", "")},
              {"submitted_by", env.tx.payload.from},
              {"height", env.height},
              {"time_ms", env.time_ms}};
  env.st.put(rev_key(company, year, revision), rec.dump());
  head["status"] = "submitted";
  head["revision"] = revision;
  head["revisions"].push_back({{"revision", revision},
                               {"hash", hash},
                               {"total_co2e_g", (*content)["total_co2e_g"]},
                               {"certified_tco2e", (*content)["certified_tco2e"]},
                               {"submitted_by", env.tx.payload.from},
                               {"height", env.height},
                               {"time_ms", env.time_ms},
                               {"attestation", nullptr}});
  env.st.put(head_key(company, year), head.dump());
  set_pending(env.st, company, year, true);
  env.touch(company);
  return ok_status();
}

}  // namespace mrv_stmt

namespace {

const TxHandler kHandlers[] = {
    {"mrv.statement.submit", mrv_stmt::submit_check, mrv_stmt::submit_apply},
    {"mrv.statement.attest", mrv_stmt::attest_check, mrv_stmt::attest_apply},
    {"mrv.statement.certify", mrv_stmt::certify_check, mrv_stmt::certify_apply},
};

}  // namespace

std::span<const TxHandler> mrv_statement_handlers() { return kHandlers; }

}  // namespace tanso
