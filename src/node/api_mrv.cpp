// HTTP handlers of the MRV registry (read side): factor sets, installations, devices, batches,
// a company's daily emissions, its annual statement draft and its submitted statements, and the
// verifiers' queue of statements awaiting attestation.
//
// Access rules (docs/MRV.md "Read API"): emission factor sets are public (the regulator publishes
// them). An installation's devices, plans and batches and a company's emissions are readable by
// the accounts of the company's organization (its edge gateway included), by the regulator and by
// verifier-role organizations: accredited verifiers calibrate the meters and attest the reports,
// so they must see the evidence. Anonymous readers and other companies get 403 auth.forbidden.
// The queue of pending statements names every company with a statement under review, so only
// the regulator and verifiers may read it.
// Every answer carries `head_height`, the head block it was read at (the records' own `height`
// is the height they were written at).
#include "node/api_mrv.h"

#include "core/identity.h"
#include "core/mrv_factors.h"
#include "core/mrv_registry.h"
#include "core/mrv_statements.h"
#include "node/api_util.h"

namespace tanso {

namespace {

using http::Request;
using http::Response;

Response error(const Error& e) { return error_answer(e); }

Response forbidden(std::string_view what) {
  return forbidden_answer(what, "the company's organization, the regulator and verifiers");
}

// Company data: the company's org (edge account included), the regulator, verifiers.
bool may_read_company(const std::optional<Reader>& reader, const StateReader& st,
                      const std::string& company) {
  if (reader && reader->role == "verifier") return true;
  return may_read_account(reader, st, company);
}

Error bad_parameter(const std::string& m) { return err("request.bad_parameter", m); }

// A year: 4 digits, 2000-2200 (the years MRV dates can have).
Result<uint32_t> year_text(const std::string& s) {
  bool digits = s.size() == 4;
  for (char c : s) digits &= c >= '0' && c <= '9';
  uint32_t y = digits ? static_cast<uint32_t>(std::stoul(s)) : 0;
  if (y < 2000 || y > 2200) return bad_parameter("year must be a year from 2000 to 2200 (YYYY)");
  return y;
}

// ?year=YYYY: required.
Result<uint32_t> year_param(const Request& req) {
  auto it = req.query.find("year");
  if (it == req.query.end()) return bad_parameter("year is required (?year=YYYY)");
  return year_text(it->second);
}

// ?day=YYYY-MM-DD: optional, a real date in 2000-2200.
Result<std::optional<std::string>> day_param(const Request& req) {
  auto it = req.query.find("day");
  if (it == req.query.end()) return std::optional<std::string>{};
  if (!valid_mrv_date(it->second))
    return bad_parameter("day must be a date YYYY-MM-DD (2000-2200)");
  return std::optional<std::string>(it->second);
}

Response answer(Json j, const BlockHeader& head) {
  j["head_height"] = head.height;
  return json_response(j);
}

// The factor set view, with its publication height renamed so `height` never means two things.
Json factor_set_entry(Json j) {
  if (j.contains("height")) {
    j["published_height"] = j["height"];
    j.erase("height");
  }
  return j;
}

// GET /v1/mrv/factors: every version (the built-in default first, then the published ones in
// key order), without the factor tables.
Response factors(Node& node) {
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    std::vector<std::string> versions = {std::string(kDefaultFactorVersion)};
    st.scan("mrv/factors/", [&](const std::string& key, const std::string&) {
      std::string v = key.substr(std::string_view("mrv/factors/").size());
      if (v != "latest") versions.push_back(v);
    });
    Json list = Json::array();
    for (const auto& v : versions) {
      auto fs = mrv_factor_set(st, v);
      if (!fs) return error(fs.error());
      Json e = factor_set_entry(*fs);
      Json fuels = Json::array();
      for (auto it = e["fuels"].begin(); it != e["fuels"].end(); ++it) fuels.push_back(it.key());
      e["fuels"] = std::move(fuels);
      e.erase("grid");
      e.erase("gwp");
      list.push_back(std::move(e));
    }
    return answer({{"latest", latest_factor_version(st)}, {"factor_sets", list}}, head);
  });
}

// GET /v1/mrv/factors/{version} (or `latest`): the whole set.
Response factor_set(Node& node, const Request& req) {
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    auto fs = mrv_factor_set(st, req.params.at("version"));
    if (!fs) return error(fs.error());
    return answer(factor_set_entry(*fs), head);
  });
}

// The views of records that name their company: 404 if unknown, then the access check.
template <typename View>
Response company_record(Node& node, const std::optional<Reader>& reader, std::string_view what,
                        View&& view) {
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    Result<Json> j = view(st);
    if (!j) return error(j.error());
    if (!may_read_company(reader, st, j->value("company", std::string()))) return forbidden(what);
    return answer(std::move(*j), head);
  });
}

// GET /v1/mrv/companies/{company}/daily|statement-draft?year=YYYY and
// /v1/mrv/companies/{company}/statements/{year}: 404 for an unknown company, then the access
// check, then the view (so a refused reader never learns whether a record exists).
template <typename View>
Response company_year(Node& node, const Request& req, const std::optional<Reader>& reader,
                      std::string_view what, View&& view) {
  auto year = req.params.contains("year") ? year_text(req.params.at("year")) : year_param(req);
  if (!year) return error(year.error());
  const std::string& company = req.params.at("company");
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    if (!load_account(st, company))
      return error(err("account.not_found", "no account '" + company + "'", 404));
    if (!may_read_company(reader, st, company)) return forbidden(what);
    Result<Json> j = view(st, company, *year);
    if (!j) return error(j.error());
    return answer(std::move(*j), head);
  });
}

// GET /v1/mrv/statements/pending: the regulator and verifiers only.
Response statements_pending(Node& node, const std::optional<Reader>& reader) {
  if (!reader || (reader->role != "regulator" && reader->role != "verifier"))
    return error(err("auth.forbidden",
                     "the statements awaiting attestation are visible to the regulator and "
                     "verifiers only; sign the read (docs/API.md)",
                     403));
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    return answer(mrv_statements_pending(st), head);
  });
}

}  // namespace

void register_mrv_api(http::Server& s, Node& node, const ReadWrapper& wrap) {
  s.route("GET", "/v1/mrv/factors",
          wrap([&](const Request&, const std::optional<Reader>&) { return factors(node); }));
  s.route(
      "GET", "/v1/mrv/factors/{version}",
      wrap([&](const Request& r, const std::optional<Reader>&) { return factor_set(node, r); }));
  s.route("GET", "/v1/mrv/installations/{installation}",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company_record(node, rd, "an installation's MRV record", [&](const State& st) {
              return mrv_installation(st, r.params.at("installation"));
            });
          }));
  s.route("GET", "/v1/mrv/devices/{device}",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            auto day = day_param(r);
            if (!day) return error(day.error());
            return company_record(node, rd, "a device record", [&](const State& st) {
              return *day ? mrv_device(st, r.params.at("device"), **day)
                          : mrv_device(st, r.params.at("device"));
            });
          }));
  s.route("GET", "/v1/mrv/batches/{batch_id}",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company_record(node, rd, "a batch", [&](const State& st) {
              return mrv_batch(st, r.params.at("batch_id"));
            });
          }));
  s.route("GET", "/v1/mrv/companies/{company}/daily",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company_year(node, r, rd, "a company's daily emissions", mrv_daily_emissions);
          }));
  s.route("GET", "/v1/mrv/companies/{company}/statement-draft",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company_year(node, r, rd, "a company's statement draft", mrv_statement_draft);
          }));
  s.route("GET", "/v1/mrv/companies/{company}/statements/{year}",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company_year(node, r, rd, "a company's statement", mrv_statement);
          }));
  s.route("GET", "/v1/mrv/statements/pending",
          wrap([&](const Request&, const std::optional<Reader>& rd) {
            return statements_pending(node, rd);
          }));
}

}  // namespace tanso
