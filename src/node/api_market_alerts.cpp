// GET /v1/markets/alerts?market=&kind=&from=yyyy-mm-dd&limit=N (node/api_market_alerts.h): the
// surveillance alerts of every market, newest first. The regulator only: any other reader, signed
// or not, gets 403 auth.forbidden, as for other regulator-only reads.
#include "node/api_market_alerts.h"

#include <charconv>

#include "core/limits.h"
#include "core/market_surveillance.h"
#include "node/api_util.h"

namespace tanso {
namespace {

using http::Request;
using http::Response;

std::optional<std::string_view> param(const Request& req, const char* name) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return std::nullopt;
  return std::string_view(it->second);
}

bool is_date(std::string_view s) {
  if (s.size() != 10) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

}  // namespace

void register_market_alerts_api(http::Server& s, Node& node, const ReadWrapper& wrap) {
  s.route("GET", "/v1/markets/alerts", wrap([&](const Request& r, const std::optional<Reader>& rd) {
            if (!rd || rd->role != "regulator")
              return forbidden_answer("market surveillance", "the regulator");
            auto from = param(r, "from");
            if (from && !is_date(*from))
              return error_answer(err("request.bad_parameter", "from must be a date, yyyy-mm-dd"));
            size_t limit = 100;
            if (auto l = param(r, "limit")) {
              auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
              if (l->empty() || ec != std::errc() || p != l->data() + l->size() || limit == 0 ||
                  limit > limits::history_rows_max)
                return error_answer(
                    err("request.bad_parameter", "limit must be an integer from 1 to " +
                                                     std::to_string(limits::history_rows_max)));
            }
            return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
              Json j = {{"alerts", market::surveillance::alerts(st, param(r, "market"),
                                                                param(r, "kind"), from, limit)},
                        {"height", head.height},
                        {"time_ms", head.time_ms}};
              return json_response(j);
            });
          }));
}

}  // namespace tanso
