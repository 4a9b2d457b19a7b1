// Negotiated (OTC) trades (core/market.h, DOMAIN.md §6): 1,000 to 1,000,000 t at a price the two
// parties agreed, signed by both through two txs, settled delivery-versus-payment on acceptance.
//   market.otc.propose {market, ref, side, counterparty, price, qty, expires_ms}
//       The proposer's side is reserved in @market at once (the buyer's price x qty in cash or
//       the seller's units); the price must be on the market's tick and inside the day's band.
//   market.otc.accept {proposer, ref}      the counterparty, before expires_ms: its side moves
//       directly to the proposer and the reservation to it, in the same tx.
//   market.otc.cancel {ref}                the proposer, while open (also after expiry): releases.
// OTC trades are allowed at any block time (not tied to the exchange's sessions), are recorded
// among the market's trades with kind "otc", and stay out of the day's prices (OHLC, close).
// Record mkt/otc/<proposer>/<ref>: {market, cash, side, counterparty, price, qty, expires_ms,
// reserved, reserved_instrument, status ("open"|"accepted"|"cancelled"), proposed_ms, done_ms?};
// mkt/otcn/<account>: the proposer's open proposals (bounded by limits::market_otc_open_max).
#include "core/holdings.h"
#include "core/limits.h"
#include "core/market_ledger.h"

namespace tanso::market {
namespace {

constexpr Qty kOtcMin = 1'000;
constexpr Qty kOtcMax = 1'000'000;

std::string otc_key(const std::string& proposer, const std::string& ref) {
  return "mkt/otc/" + proposer + "/" + ref;
}

void add_open(Overlay& st, const std::string& account, int64_t d) {
  std::string k = "mkt/otcn/" + account;
  int64_t n = static_cast<int64_t>(parse_u64_or0(st.get(k))) + d;
  if (n <= 0)
    st.erase(k);
  else
    st.put(k, u64_text(static_cast<uint64_t>(n)));
}

}  // namespace

namespace otc {

Status propose_check(const Json& b) {
  Fields f(b, "market.otc.propose");
  if (auto s = f.only({"market", "ref", "side", "counterparty", "price", "qty", "expires_ms"}); !s)
    return s;
  if (auto s = f.id("market"); !s) return s.error();
  if (auto s = f.id("ref"); !s) return s.error();
  if (auto s = side_field(b, "market.otc.propose"); !s) return s.error();
  if (auto s = f.id("counterparty"); !s) return s.error();
  if (auto s = f.u64("price", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("qty", 1, kQtyMax); !s) return s.error();
  if (auto s = f.u64("expires_ms", 1, UINT64_MAX); !s) return s.error();
  return ok_status();
}

Status propose_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string market = b["market"], ref = b["ref"], cp = b["counterparty"];
  auto ms = load_market(env.st, market);
  if (!ms) return err("market.unknown_market", "no market '" + market + "'", 404);
  Side side = *side_field(b, "market.otc.propose");
  auto price = static_cast<Price>(*json_u64(b["price"]));
  auto qty = static_cast<Qty>(*json_u64(b["qty"]));
  uint64_t expires = *json_u64(b["expires_ms"]);
  if (cp == from || !env.st.get("acct/" + cp))
    return err("market.bad_counterparty", "the counterparty must be another existing account");
  if (qty < kOtcMin || qty > kOtcMax)
    return err("market.otc_qty_range", "negotiated trades are 1,000 to 1,000,000 t");
  if (price % ms->cfg.tick != 0)
    return err("market.price_off_tick",
               "price not a multiple of the tick " + std::to_string(ms->cfg.tick));
  Band band = price_band(ms->cfg);
  if (price < band.lo || price > band.hi)
    return err("market.price_out_of_band",
               "price outside [" + std::to_string(band.lo) + ", " + std::to_string(band.hi) + "]");
  if (expires <= env.time_ms)
    return err("market.otc_expired", "expires_ms is not after the block time");
  std::string k = otc_key(from, ref);
  if (env.st.get(k)) return err("market.duplicate_ref", "proposal '" + ref + "' exists", 409);
  if (parse_u64_or0(env.st.get("mkt/otcn/" + from)) >= limits::market_otc_open_max)
    return err("market.too_many_proposals", from + " has the maximum of open proposals");
  uint64_t amount = reservation(side, price, qty);
  if (auto s = reserve_for(env.st, *ms, side, from, amount); !s) return s;
  add_open(env.st, from, 1);
  env.st.put(k, Json({{"market", market},
                      {"cash", ms->cash},
                      {"side", side_text(side)},
                      {"counterparty", cp},
                      {"price", price},
                      {"qty", qty},
                      {"expires_ms", expires},
                      {"reserved", u64_text(amount)},
                      {"reserved_instrument", side == Side::buy ? ms->cash : market},
                      {"status", "open"},
                      {"proposed_ms", env.time_ms}})
                    .dump());
  env.touch(cp);
  return ok_status();
}

Status accept_check(const Json& b) {
  Fields f(b, "market.otc.accept");
  if (auto s = f.only({"proposer", "ref"}); !s) return s;
  if (auto s = f.id("proposer"); !s) return s.error();
  if (auto s = f.id("ref"); !s) return s.error();
  return ok_status();
}

Result<Json> open_proposal(const TxEnv& env, const std::string& proposer, const std::string& ref) {
  auto v = env.st.get(otc_key(proposer, ref));
  if (!v) return err("market.unknown_proposal", "no proposal '" + ref + "' by " + proposer, 404);
  Json p = Json::parse(*v);
  if (p["status"] != "open")
    return err("market.proposal_closed",
               "proposal '" + ref + "' is " + p["status"].get<std::string>());
  return p;
}

Status accept_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string proposer = b["proposer"], ref = b["ref"];
  auto p = open_proposal(env, proposer, ref);
  if (!p) return p.error();
  if ((*p)["counterparty"] != from)
    return err("market.not_counterparty", "the proposal names another counterparty", 403);
  if (env.time_ms >= (*p)["expires_ms"].get<uint64_t>())
    return err("market.otc_expired", "the proposal expired");
  auto l = Ledger::load(env, (*p)["market"].get<std::string>());
  if (!l) return l.error();
  const MarketState& ms = l->ms();
  auto price = (*p)["price"].get<Price>();
  auto qty = (*p)["qty"].get<Qty>();
  uint64_t pay = static_cast<uint64_t>(price) * static_cast<uint64_t>(qty);
  bool proposer_sells = (*p)["side"] == "sell";
  const std::string& buyer = proposer_sells ? from : proposer;
  const std::string& seller = proposer_sells ? proposer : from;
  // The acceptor's side goes through @market too, so a shortfall gets the market's code and
  // both legs are the same two moves out of escrow.
  if (auto s = reserve_for(env.st, ms, proposer_sells ? Side::buy : Side::sell, from,
                           proposer_sells ? pay : static_cast<uint64_t>(qty));
      !s)
    return s;
  if (auto s = release(env.st, ms.id, buyer, static_cast<uint64_t>(qty)); !s) return s;
  if (auto s = release(env.st, ms.cash, seller, pay); !s) return s;
  l->record_trade(price, qty, "otc", proposer + "/" + ref, proposer + "/" + ref, buyer, seller);
  l->save();
  (*p)["status"] = "accepted";
  (*p)["done_ms"] = env.time_ms;
  env.st.put(otc_key(proposer, ref), p->dump());
  add_open(env.st, proposer, -1);
  return ok_status();
}

Status cancel_check(const Json& b) {
  Fields f(b, "market.otc.cancel");
  if (auto s = f.only({"ref"}); !s) return s;
  if (auto s = f.id("ref"); !s) return s.error();
  return ok_status();
}

Status cancel_apply(TxEnv& env) {
  const std::string& from = env.tx.payload.from;
  std::string ref = env.tx.payload.body["ref"];
  auto p = open_proposal(env, from, ref);
  if (!p) return p.error();
  if (auto s = release(env.st, (*p)["reserved_instrument"].get<std::string>(), from,
                       parse_u64_or0((*p)["reserved"].get<std::string>()));
      !s)
    return s;
  (*p)["status"] = "cancelled";
  (*p)["done_ms"] = env.time_ms;
  env.st.put(otc_key(from, ref), p->dump());
  add_open(env.st, from, -1);
  return ok_status();
}

}  // namespace otc

}  // namespace tanso::market
