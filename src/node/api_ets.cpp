// HTTP handlers of the K-ETS registry (read side) and the public SSE events of the modules:
// `ets` (ets.* txs, and the ETS certification a certified MRV statement makes) and `mrv` (MRV
// statements submitted, attested, certified).
//
// Access rules (docs/ETS.md "Who may read what"), following K-ETS disclosure practice: the
// parameters, allocation plans, designations and yearly aggregates are published; a company's
// own figures (allocation, certified emissions, surrenders, banking, borrowing, holdings,
// position) are visible to its organization and to the regulator; once a year is settled, its
// compliance table (per company: allocated, certified, surrendered, status, penalty) is public,
// as the registry (ETRS) discloses each company's certified emissions and surrendered units.
#include "node/api_ets.h"

#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "core/ets.h"
#include "core/identity.h"
#include "core/tx.h"
#include "node/api_util.h"

namespace tanso {

namespace {

using http::Request;
using http::Response;

Response error(const Error& e) { return error_answer(e); }

Response forbidden(std::string_view what) {
  return forbidden_answer(what, "the company's organization and the regulator");
}

// A compliance year: 1 to 4 decimal digits (the views answer 404 ets.unknown_year for a year in
// no phase). Anything else is 400 request.bad_parameter.
Result<uint32_t> parse_year(const std::string& s, std::string_view what) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 4 || ec != std::errc() || p != s.data() + s.size())
    return err("request.bad_parameter", std::string(what) + " must be a year (up to 4 digits)");
  return v;
}

// The calendar year of `time_ms` in the ETS local time (KST by default): the compliance year a
// position report is about when the request names none.
uint32_t local_year(const EtsParams& p, uint64_t time_ms) {
  using namespace std::chrono;
  auto t = sys_time<milliseconds>(milliseconds(static_cast<int64_t>(time_ms))) +
           minutes(p.utc_offset_minutes);
  year_month_day ymd{floor<days>(t)};
  return static_cast<uint32_t>(static_cast<int>(ymd.year()));
}

bool is_designated(const StateReader& st, std::string_view account) {
  return load_designation(st, account) != nullptr;
}

Response never_designated(std::string_view account) {
  return error(
      err("ets.not_designated", "'" + std::string(account) + "' was never designated", 404));
}

// GET /v1/ets/params
Response params(Node& node) {
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    Json j = ets_params_view(st);
    j["height"] = head.height;
    return json_response(j);
  });
}

// GET /v1/ets/years/{year}/totals: public aggregates.
Response totals(Node& node, const Request& req) {
  auto year = parse_year(req.params.at("year"), "year");
  if (!year) return error(year.error());
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    auto j = ets_totals(st, *year);
    if (!j) return error(j.error());
    (*j)["height"] = head.height;
    return json_response(*j);
  });
}

// GET /v1/ets/years/{year}/compliance: the regulator sees every row at any time; once the year
// is settled, everyone does (published); before that, a signed reader of another role sees the
// rows of its own organization's companies, and an anonymous reader is refused.
Response compliance(Node& node, const Request& req, const std::optional<Reader>& reader) {
  auto year = parse_year(req.params.at("year"), "year");
  if (!year) return error(year.error());
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    auto j = ets_compliance_table(st, *year);
    if (!j) return error(j.error());
    bool settled = (*j)["settled"].get<bool>();
    std::string scope = "all";
    if (!settled && !(reader && reader->role == "regulator")) {
      if (!reader)
        return error(err("auth.forbidden",
                         "the compliance table of an unsettled year is visible to the regulator "
                         "(companies see their own rows); sign the read (docs/API.md)",
                         403));
      Json own = Json::array();
      for (auto& row : (*j)["rows"])
        if (may_read_account(reader, st, row["company"].get<std::string>()))
          own.push_back(std::move(row));
      (*j)["rows"] = std::move(own);
      scope = "own_org";
    }
    (*j)["scope"] = scope;
    (*j)["height"] = head.height;
    return json_response(*j);
  });
}

// GET /v1/ets/companies?year=Y: the designations (public), optionally only those covering Y.
Response companies(Node& node, const Request& req) {
  std::optional<uint32_t> year;
  if (auto it = req.query.find("year"); it != req.query.end()) {
    auto y = parse_year(it->second, "year");
    if (!y) return error(y.error());
    year = *y;
  }
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    auto params = load_ets_params(st);
    Json out = Json::array();
    for (const auto& company : designated_companies(st)) {
      auto d = load_designation(st, company);
      if (!d || (year && !d->covers(*year))) continue;
      Json j = d->to_json();
      auto meets = meets_threshold(*params, *d);
      j["meets_threshold"] = meets ? Json(*meets) : Json(nullptr);
      out.push_back(std::move(j));
    }
    Json res = {{"height", head.height}, {"companies", out}};
    res["year"] = year ? Json(*year) : Json(nullptr);
    return json_response(res);
  });
}

// GET /v1/ets/companies/{account}: designation and per-year rows (restricted).
Response company(Node& node, const Request& req, const std::optional<Reader>& reader) {
  const std::string& account = req.params.at("account");
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    if (!is_designated(st, account)) return never_designated(account);
    if (!may_read_account(reader, st, account)) return forbidden("a company's ETS record");
    auto j = ets_company(st, account);
    if (!j) return error(j.error());
    (*j)["height"] = head.height;
    return json_response(*j);
  });
}

// GET /v1/ets/companies/{account}/position?year=Y (restricted; default: the current year in the
// ETS local time of the head block).
Response position(Node& node, const Request& req, const std::optional<Reader>& reader) {
  const std::string& account = req.params.at("account");
  std::optional<uint32_t> year;
  if (auto it = req.query.find("year"); it != req.query.end()) {
    auto y = parse_year(it->second, "year");
    if (!y) return error(y.error());
    year = *y;
  }
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    if (!is_designated(st, account)) return never_designated(account);
    if (!may_read_account(reader, st, account)) return forbidden("a company's position report");
    uint32_t y = year ? *year : local_year(*load_ets_params(st), head.time_ms);
    auto j = ets_position(st, account, y);
    if (!j) return error(j.error());
    (*j)["height"] = head.height;
    (*j)["time_ms"] = head.time_ms;
    return json_response(*j);
  });
}

// ---- SSE ----

Json num_of(const Json& b, const char* key) {
  auto v = b.contains(key) ? json_u64(b[key]) : std::nullopt;
  return v ? Json(*v) : Json(nullptr);
}

Json year_of(const Json& b) { return num_of(b, "year"); }

Json text_of(const Json& b, const char* key) {
  auto v = b.contains(key) ? json_u64(b[key]) : std::nullopt;
  return v ? Json(u64_text(*v)) : Json(nullptr);
}

// The public fields of one applied ets.* tx. Company-side txs (surrender, bank, borrow,
// projection) name neither the company nor an amount: both are private until settlement.
Json ets_event(const StateReader& st, const Tx& tx, const Hash& id, uint64_t height, size_t index) {
  const std::string& type = tx.payload.type;
  const Json& b = tx.payload.body;
  Json e = {{"type", type}, {"tx_id", to_hex(id)}, {"height", height}, {"index", index}};
  if (type == "ets.params.set") {
    Json fields = Json::array();
    for (auto it = b.begin(); it != b.end(); ++it) fields.push_back(it.key());
    e["fields"] = fields;
  } else if (type == "ets.plan.set") {
    e["year"] = year_of(b);
    e["cap"] = text_of(b, "cap");
    e["auction"] = b.contains("auction") ? text_of(b, "auction") : Json("0");
  } else if (type == "ets.designate") {
    e["company"] = b.value("company", "");
    e["name"] = b.value("name", "");
    e["from_year"] = num_of(b, "from_year");
    e["to_year"] = num_of(b, "to_year");
  } else if (type == "ets.undesignate") {
    e["company"] = b.value("company", "");
    e["last_year"] = num_of(b, "last_year");
  } else if (type == "ets.allocation.order") {
    e["order"] = b.value("order", "");
    e["year"] = year_of(b);
    e["basis"] = b.value("basis", "");
    if (auto rec = st.get("ets/order/" + b.value("order", ""))) {
      Json r = Json::parse(*rec, nullptr, false);
      if (r.is_object()) {
        e["companies"] = r.value("entries", Json(0));
        e["total"] = r.value("total", Json("0"));
      }
    }
  } else if (type == "ets.kcu.issue") {
    e["amount"] = text_of(b, "amount");  // the KCU supply is public; the recipient is not
  } else if (type == "ets.emissions.certify") {
    e["company"] = b.value("company", "");  // the figure is published with the settlement
    e["year"] = year_of(b);
  } else if (type == "ets.price.set") {
    e["year"] = year_of(b);
    e["avg_price_krw"] = text_of(b, "avg_price_krw");
  } else if (type == "ets.compliance.settle") {
    e["year"] = year_of(b);
    if (auto y = json_u64(b.value("year", Json())))
      if (auto s = st.get(ets::year_key("settled", static_cast<uint32_t>(*y)))) {
        Json sj = Json::parse(*s, nullptr, false);
        if (sj.is_object())
          for (const char* k :
               {"companies", "compliant", "shortfall", "uncertified", "shortfall_t",
                "avg_price_krw", "price_source", "penalty_krw_per_t", "penalty_krw"})
            if (sj.contains(k)) e[k] = sj[k];
      }
  } else {  // ets.surrender, ets.bank, ets.borrow, ets.position.project
    e["year"] = year_of(b);
  }
  return e;
}

// The public events of one applied mrv.statement.* tx (kind `mrv`): the type and the year; a
// certification also names the company, as its `ets` event does. Submissions and attestations
// name neither the company nor the verifier's decision (a company's statement is visible to its
// organization, the regulator and verifiers only), and no event carries a figure.
Json mrv_event(const Tx& tx, const Hash& id, uint64_t height, size_t index) {
  const Json& b = tx.payload.body;
  Json e = {{"type", tx.payload.type},
            {"tx_id", to_hex(id)},
            {"height", height},
            {"index", index},
            {"year", year_of(b)}};
  if (tx.payload.type == "mrv.statement.certify") e["company"] = b.value("company", "");
  return e;
}

// A certified statement records certified emissions through the path of ets.emissions.certify
// (core/mrv_statements.h), so its `ets` event is that tx's, with `via` naming the tx that did it.
Json statement_certify_ets_event(const Tx& tx, const Hash& id, uint64_t height, size_t index) {
  const Json& b = tx.payload.body;
  return {{"type", "ets.emissions.certify"},
          {"tx_id", to_hex(id)},
          {"height", height},
          {"index", index},
          {"company", b.value("company", "")},
          {"year", year_of(b)},
          {"via", tx.payload.type}};
}

bool has_module_event(std::string_view env) {
  return env.find("ets.") != std::string_view::npos ||
         env.find("mrv.statement.") != std::string_view::npos;
}

struct ModuleEvent {
  const char* kind;  // "ets" or "mrv"
  std::string data;
};
using EventList = std::shared_ptr<const std::vector<ModuleEvent>>;

// The module events of one block, computed once for all subscribers. Keyed by height and checked
// against the header text, so a cache entry never outlives its chain.
struct EventCache {
  std::mutex mu;
  std::map<uint64_t, std::pair<std::string, EventList>> by_height;
};

EventCache& event_cache() {
  static EventCache c;
  return c;
}

EventList compute_events(Node& node, uint64_t height) {
  auto out = std::make_shared<std::vector<ModuleEvent>>();
  auto blk = node.store().block(height);
  if (!blk) return out;
  bool any = false;
  for (const auto& env : blk->txs) any |= has_module_event(env);
  if (!any) return out;
  auto rcs = node.store().receipts(height);
  if (!rcs || rcs->size() != blk->txs.size()) return out;
  node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    for (size_t i = 0; i < blk->txs.size(); ++i) {
      if ((*rcs)[i].code != "ok" || !has_module_event(blk->txs[i])) continue;
      auto tx = decode_tx(blk->txs[i]);
      if (!tx || !tx->payload.body.is_object()) continue;
      const std::string& type = tx->payload.type;
      const Hash& id = (*rcs)[i].tx_id;
      if (type.starts_with("ets.")) {
        out->push_back({"ets", ets_event(st, *tx, id, height, i).dump()});
      } else if (type.starts_with("mrv.statement.")) {
        if (type == "mrv.statement.certify")
          out->push_back({"ets", statement_certify_ets_event(*tx, id, height, i).dump()});
        out->push_back({"mrv", mrv_event(*tx, id, height, i).dump()});
      }
    }
    return 0;
  });
  return out;
}

EventList events_of(Node& node, uint64_t height, const std::string& block_json) {
  EventCache& c = event_cache();
  {
    std::lock_guard lock(c.mu);
    auto it = c.by_height.find(height);
    if (it != c.by_height.end() && it->second.first == block_json) return it->second.second;
  }
  EventList evs = compute_events(node, height);
  std::lock_guard lock(c.mu);
  c.by_height[height] = {block_json, evs};
  while (c.by_height.size() > 1024) c.by_height.erase(c.by_height.begin());
  return evs;
}

}  // namespace

bool send_module_events(Node& node, http::EventSink& sink, uint64_t height, const std::string& id,
                        const std::string& block_json) {
  for (const auto& e : *events_of(node, height, block_json))
    if (!sink.send(e.kind, e.data, id)) return false;
  return true;
}

void register_ets_api(http::Server& s, Node& node, const ReadWrapper& wrap) {
  s.route("GET", "/v1/ets/params",
          wrap([&](const Request&, const std::optional<Reader>&) { return params(node); }));
  s.route("GET", "/v1/ets/years/{year}/totals",
          wrap([&](const Request& r, const std::optional<Reader>&) { return totals(node, r); }));
  s.route("GET", "/v1/ets/years/{year}/compliance",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return compliance(node, r, rd);
          }));
  s.route("GET", "/v1/ets/companies",
          wrap([&](const Request& r, const std::optional<Reader>&) { return companies(node, r); }));
  s.route("GET", "/v1/ets/companies/{account}",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return company(node, r, rd);
          }));
  s.route("GET", "/v1/ets/companies/{account}/position",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            return position(node, r, rd);
          }));
}

}  // namespace tanso
