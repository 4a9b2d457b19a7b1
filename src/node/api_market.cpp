// HTTP handlers of the market's read side (node/api_market.h). Access rules: the list of
// markets, depth (price levels with summed quantities and order counts), trades (price, size,
// time, kind), daily OHLC/VWAP, intraday candles and the year's average price are public and
// carry no owner; an account's orders and fills are visible to its organization and to the
// regulator (a signed read); the regulator's signed reads also get every order of a market and
// the buyer and seller of each trade. The live stream is in api_market_stream.cpp.
#include "node/api_market.h"

#include <charconv>

#include "core/limits.h"
#include "core/market.h"
#include "core/market_data.h"
#include "node/api_util.h"

namespace tanso {
namespace {

using http::Request;
using http::Response;

Response error(const Error& e) { return error_answer(e); }

// ?name=N within 1..max, default `def`.
Result<size_t> count_param(const Request& req, const char* name, size_t def, size_t max) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return def;
  size_t v = 0;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v == 0 || v > max)
    return err("request.bad_parameter",
               std::string(name) + " must be an integer from 1 to " + std::to_string(max));
  return v;
}

// ?name=N, an optional unsigned integer.
Result<std::optional<uint64_t>> u64_param(const Request& req, const char* name) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return std::optional<uint64_t>{};
  uint64_t v = 0;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    return err("request.bad_parameter", std::string(name) + " must be epoch milliseconds");
  return std::optional<uint64_t>{v};
}

bool is_regulator(const std::optional<Reader>& r) { return r && r->role == "regulator"; }

template <typename F>
Response view(Node& node, F&& f) {
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    Result<Json> j = f(st);
    if (!j) return error(j.error());
    (*j)["height"] = head.height;
    (*j)["time_ms"] = head.time_ms;
    return json_response(*j);
  });
}

// The account an own-data read is about: ?account= (the reader's own by default), which the
// reader's organization or the regulator may read.
Result<std::string> own_account(const Request& req, const std::optional<Reader>& reader,
                                const StateReader& st, std::string_view what) {
  if (!reader)
    return err("auth.forbidden",
               std::string(what) +
                   " are visible to the account's organization and the "
                   "regulator; sign the read (docs/API.md)",
               403);
  auto it = req.query.find("account");
  std::string account = it == req.query.end() ? reader->account : it->second;
  if (!may_read_account(reader, st, account))
    return err("auth.forbidden",
               std::string(what) + " of '" + account +
                   "' are visible to its organization and the regulator",
               403);
  return account;
}

}  // namespace

void register_market_api(http::Server& s, Node& node, const ReadWrapper& wrap) {
  // GET /v1/markets
  s.route("GET", "/v1/markets", wrap([&](const Request&, const std::optional<Reader>&) {
            return view(node, [](const State& st) -> Result<Json> {
              return Json{{"markets", market::market_list(st)}};
            });
          }));
  // GET /v1/markets/{market}/depth?levels=N (public, no owners)
  s.route("GET", "/v1/markets/{market}/depth",
          wrap([&](const Request& r, const std::optional<Reader>&) {
            auto levels = count_param(r, "levels", 10, 100);
            if (!levels) return error(levels.error());
            return view(node, [&](const State& st) {
              return market::market_depth(st, r.params.at("market"), *levels);
            });
          }));
  // GET /v1/markets/{market}/trades?limit=N (public; owners for the regulator)
  s.route("GET", "/v1/markets/{market}/trades",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            auto limit = count_param(r, "limit", 100, limits::history_rows_max);
            if (!limit) return error(limit.error());
            return view(node, [&](const State& st) {
              return market::market_trades(st, r.params.at("market"), *limit, is_regulator(rd));
            });
          }));
  // GET /v1/markets/{market}/daily (public)
  s.route("GET", "/v1/markets/{market}/daily",
          wrap([&](const Request& r, const std::optional<Reader>&) {
            return view(node, [&](const State& st) {
              return market::market_daily(st, r.params.at("market"));
            });
          }));
  // GET /v1/markets/{market}/candles?interval=5m&from=&to= (public)
  s.route("GET", "/v1/markets/{market}/candles",
          wrap([&](const Request& r, const std::optional<Reader>&) {
            auto from = u64_param(r, "from");
            if (!from) return error(from.error());
            auto to = u64_param(r, "to");
            if (!to) return error(to.error());
            auto it = r.query.find("interval");
            std::string interval = it == r.query.end() ? "1m" : it->second;
            return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
              auto j = market::market_candles(st, r.params.at("market"), interval, *from, *to,
                                              head.time_ms);
              if (!j) return error(j.error());
              (*j)["height"] = head.height;
              (*j)["time_ms"] = head.time_ms;
              return json_response(*j);
            });
          }));
  // GET /v1/markets/average-price?year=YYYY (public)
  s.route("GET", "/v1/markets/average-price",
          wrap([&](const Request& r, const std::optional<Reader>&) {
            auto it = r.query.find("year");
            uint32_t year = 0;
            const std::string y = it == r.query.end() ? "" : it->second;
            auto [p, ec] = std::from_chars(y.data(), y.data() + y.size(), year);
            if (y.size() != 4 || ec != std::errc() || p != y.data() + y.size())
              return error(err("request.bad_parameter", "year must be a 4-digit year"));
            return view(node, [&](const State& st) -> Result<Json> {
              return market::market_average_price(st, year);
            });
          }));
  // GET /v1/markets/{market}/orders?account=A&limit=N (signed: own org or regulator; the
  // regulator without ?account= gets every order)
  s.route("GET", "/v1/markets/{market}/orders",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            auto limit = count_param(r, "limit", 100, limits::history_rows_max);
            if (!limit) return error(limit.error());
            return view(node, [&](const State& st) -> Result<Json> {
              if (is_regulator(rd) && !r.query.contains("account"))
                return market::market_orders(st, r.params.at("market"), std::nullopt, *limit);
              auto account = own_account(r, rd, st, "orders");
              if (!account) return account.error();
              return market::market_orders(st, r.params.at("market"), *account, *limit);
            });
          }));
  // GET /v1/markets/{market}/fills?account=A&limit=N (signed: own org or regulator)
  s.route("GET", "/v1/markets/{market}/fills",
          wrap([&](const Request& r, const std::optional<Reader>& rd) {
            auto limit = count_param(r, "limit", 100, limits::history_rows_max);
            if (!limit) return error(limit.error());
            return view(node, [&](const State& st) -> Result<Json> {
              auto account = own_account(r, rd, st, "fills");
              if (!account) return account.error();
              return market::market_fills(st, r.params.at("market"), *account, *limit);
            });
          }));
}

}  // namespace tanso
