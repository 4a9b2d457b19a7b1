// Read-only views of the market for the API (core/market.h): the list of markets, public depth
// and trades without owners, an account's own orders and fills, every order and the trades with
// owners for the regulator, and daily OHLC / VWAP. The API decides who may call which.
#include <algorithm>

#include "core/market_ledger.h"

namespace tanso::market {
namespace {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::before:
      return "before_open";
    case Phase::pre_open:
      return "pre_open";
    case Phase::continuous:
      return "continuous";
    case Phase::closing:
      return "closing_auction";
    case Phase::closed:
      return "closed";
  }
  return "?";
}

Result<MarketState> need(const StateReader& st, std::string_view market) {
  auto ms = load_market(st, market);
  if (!ms) return err("market.unknown_market", "no market '" + std::string(market) + "'", 404);
  return *ms;
}

Json summary(const MarketState& ms) {
  Band b = price_band(ms.cfg);
  Json j = ms.to_json();
  for (const char* k : {"next_id", "next_seq", "next_trade", "created_by"}) j.erase(k);
  j["phase"] = phase_name(ms.phase);
  j["band"] = {{"lo", b.lo}, {"hi", b.hi}};
  j["date"] = civil_date(ms.day);
  return j;
}

Json levels_json(const std::vector<DepthLevel>& v) {
  Json a = Json::array();
  for (const auto& l : v) a.push_back({{"price", l.price}, {"qty", l.qty}, {"orders", l.orders}});
  return a;
}

Json trade_json(uint64_t id, const Json& t, bool with_owners) {
  Json j = {
      {"id", id}, {"price", t["price"]}, {"qty", t["qty"]}, {"t", t["t"]}, {"kind", t["kind"]}};
  if (with_owners)
    for (const char* k : {"buyer", "seller", "buy", "sell"}) j[k] = t[k];
  return j;
}

}  // namespace

Json market_list(const State& st) {
  Json out = Json::array();
  st.scan("mkt/m/", [&](const std::string&, const std::string& v) {
    if (auto ms = MarketState::from_json(Json::parse(v))) out.push_back(summary(*ms));
  });
  return out;
}

Result<Json> market_depth(const State& st, std::string_view market, size_t levels) {
  auto ms = need(st, market);
  if (!ms) return ms.error();
  auto book = Book::create(ms->cfg, ms->next_seq);
  if (!book) return book.error();
  for (const auto& o : load_open_orders(st, market))
    if (auto s = book->restore({o.id, 0, o.side, o.price, o.open, o.seq}); !s) return s.error();
  Json j = {{"market", ms->id},
            {"phase", phase_name(ms->phase)},
            {"base_price", ms->cfg.base_price},
            {"last", ms->last},
            {"band", {{"lo", price_band(ms->cfg).lo}, {"hi", price_band(ms->cfg).hi}}},
            {"bids", levels_json(book->depth(Side::buy, levels))},
            {"asks", levels_json(book->depth(Side::sell, levels))}};
  if (ms->phase == Phase::pre_open || ms->phase == Phase::closing) {
    Price ref = ms->phase == Phase::closing && ms->last ? ms->last : ms->cfg.base_price;
    Clearing c = book->indicative(ref);
    j["indicative"] = {{"price", c.price}, {"volume", c.volume}, {"surplus", c.surplus}};
  }
  return j;
}

Result<Json> market_trades(const State& st, std::string_view market, size_t limit,
                           bool with_owners) {
  auto ms = need(st, market);
  if (!ms) return ms.error();
  Json out = Json::array();
  std::string prefix = "mkt/t/" + ms->id + "/";
  for (uint64_t id = ms->next_trade; id > 1 && out.size() < limit;) {
    --id;
    if (auto v = st.get(prefix + pad20(id)))
      out.push_back(trade_json(id, Json::parse(*v), with_owners));
  }
  return Json{{"market", ms->id}, {"trades", out}};
}

Result<Json> market_orders(const State& st, std::string_view market,
                           std::optional<std::string_view> account, size_t limit) {
  auto ms = need(st, market);
  if (!ms) return ms.error();
  std::vector<uint64_t> ids;  // newest first
  if (account) {
    std::string prefix = "mkt/ao/" + std::string(*account) + "/" + ms->id + "/";
    st.scan(prefix, [&](const std::string& k, const std::string&) {
      ids.push_back(parse_u64_or0(k.substr(prefix.size())));
    });
    std::reverse(ids.begin(), ids.end());
    if (ids.size() > limit) ids.resize(limit);
  } else {
    for (uint64_t id = ms->next_id; id > 1 && ids.size() < limit;) ids.push_back(--id);
  }
  Json out = Json::array();
  for (uint64_t id : ids)
    if (auto v = st.get(order_key(ms->id, id))) {
      Json o = Json::parse(*v);
      o.erase("seq");  // where its book entry is (internal)
      o["id"] = id;
      out.push_back(std::move(o));
    }
  return Json{{"market", ms->id}, {"orders", out}};
}

Result<Json> market_fills(const State& st, std::string_view market, std::string_view account,
                          size_t limit) {
  auto ms = need(st, market);
  if (!ms) return ms.error();
  Json out = Json::array();
  std::string prefix = "mkt/t/" + ms->id + "/";
  for (uint64_t id = ms->next_trade; id > 1 && out.size() < limit;) {
    --id;
    auto v = st.get(prefix + pad20(id));
    if (!v) continue;
    Json t = Json::parse(*v);
    bool bought = t["buyer"] == account, sold = t["seller"] == account;
    if (!bought && !sold) continue;
    Json j = trade_json(id, t, false);
    j["side"] = bought && sold ? "both" : bought ? "buy" : "sell";
    j["order"] = bought ? t["buy"] : t["sell"];
    out.push_back(std::move(j));
  }
  return Json{{"market", ms->id}, {"account", account}, {"fills", out}};
}

Result<Json> market_daily(const State& st, std::string_view market) {
  auto ms = need(st, market);
  if (!ms) return ms.error();
  Json out = Json::array();
  std::string prefix = "mkt/day/" + ms->id + "/";
  st.scan(prefix, [&](const std::string& k, const std::string& v) {
    Json d = Json::parse(v);
    uint64_t turnover = parse_u64_or0(d["turnover"].get<std::string>());
    uint64_t volume = d["volume"].get<uint64_t>();
    d["date"] = k.substr(prefix.size());
    d["vwap"] = volume ? turnover / volume : 0;
    out.push_back(std::move(d));
  });
  return Json{{"market", ms->id}, {"days", out}};
}

}  // namespace tanso::market
