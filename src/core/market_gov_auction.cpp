// Government auctions (core/market.h, DOMAIN.md §6): the regulator sells units at one clearing
// price to sealed bids, with a cap per bidder, settled against cash escrowed with each bid.
//   market.auction.open {auction, instrument, cash?, qty, reserve_price, bidder_cap,
//                        bids_close_ms, reveal_close_ms}
//       regulator: moves `qty` of its units into @market; bids are taken from now until
//       bids_close_ms, revealed from then until reveal_close_ms.
//   market.auction.bid {auction, commitment, deposit}
//       a participant, once per auction, before bids_close_ms: `commitment` is the hex SHA-256 of
//       "tanso/auction-bid/v1|<auction>|<bidder>|<price>|<qty>|<salt>" and `deposit` cash is
//       escrowed with it. Price and quantity are on no node and in no tx until the close: the
//       bid is sealed by the hash, not by access control. The deposit is public; a bidder who
//       wants to hide even its bound deposits more than price x qty.
//   market.auction.reveal {auction, price, qty, salt}
//       the bidder, from bids_close_ms until reveal_close_ms: must match the commitment
//       (market.bad_reveal), qty <= bidder_cap (market.above_cap), price >= reserve_price
//       (market.below_reserve), price x qty <= deposit (market.deposit_short). A refused reveal
//       leaves the bid sealed; sealed bids never win and get their deposit back.
//   market.auction.settle {auction}
//       regulator, from reveal_close_ms: revealed bids by price descending, then by bid order;
//       each takes min(its qty, what is left); the clearing price is the lowest price that got
//       units, and every winner pays it (uniform price). Units to winners and payment to the
//       seller in the same tx; unsold units back to the seller; every deposit's rest refunded.
// Records: mkt/auc/<auction> {instrument, cash, seller, qty, reserve_price, bidder_cap,
// opens_ms, bids_close_ms, reveal_close_ms, bidders[], status ("open"|"settled"),
// clearing_price?, sold?}; mkt/bid/<auction>/<bidder> {commitment, deposit, cash, seq,
// status ("sealed"|"revealed"|"won"|"lost"|"unrevealed"), price?, qty?, allocated?, paid?}.
#include <algorithm>

#include "core/crypto.h"
#include "core/holdings.h"
#include "core/limits.h"
#include "core/market_ledger.h"

namespace tanso::market::auction {
namespace {

std::string auc_key(const std::string& a) { return "mkt/auc/" + a; }
std::string bid_key(const std::string& a, const std::string& bidder) {
  return "mkt/bid/" + a + "/" + bidder;
}

Result<Json> load_auction(const StateReader& st, const std::string& a) {
  auto v = st.get(auc_key(a));
  if (!v) return err("market.unknown_auction", "no auction '" + a + "'", 404);
  return Json::parse(*v);
}

}  // namespace

std::string commitment(std::string_view auction, std::string_view bidder, uint64_t price,
                       uint64_t qty, std::string_view salt) {
  std::string s = "tanso/auction-bid/v1|";
  s.append(auction).append("|").append(bidder).append("|").append(u64_text(price));
  s.append("|").append(u64_text(qty)).append("|").append(salt);
  return to_hex(sha256(s));
}

Status open_check(const Json& b) {
  Fields f(b, "market.auction.open");
  if (auto s = f.only({"auction", "instrument", "cash", "qty", "reserve_price", "bidder_cap",
                       "bids_close_ms", "reveal_close_ms"});
      !s)
    return s;
  if (auto s = f.id("auction"); !s) return s.error();
  if (auto s = f.id("instrument"); !s) return s.error();
  if (f.has("cash"))
    if (auto s = f.id("cash"); !s) return s.error();
  if (auto s = f.u64("qty", 1, kQtyMax * 1000); !s) return s.error();
  if (auto s = f.u64("reserve_price", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("bidder_cap", 1, kQtyMax * 1000); !s) return s.error();
  if (auto s = f.u64("bids_close_ms", 1, UINT64_MAX); !s) return s.error();
  if (auto s = f.u64("reveal_close_ms", 1, UINT64_MAX); !s) return s.error();
  return ok_status();
}

Status open_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string a = b["auction"], inst = b["instrument"];
  std::string cash = b.value("cash", std::string("KRW"));
  uint64_t qty = *json_u64(b["qty"]), cap = *json_u64(b["bidder_cap"]);
  uint64_t bids_close = *json_u64(b["bids_close_ms"]), reveal = *json_u64(b["reveal_close_ms"]);
  if (env.st.get(auc_key(a)))
    return err("market.auction_exists", "auction '" + a + "' exists", 409);
  if (!load_instrument(env.st, inst) || !load_instrument(env.st, cash) || inst == cash)
    return err("market.unknown_instrument", "the auctioned and the cash instrument must exist");
  if (!(env.time_ms < bids_close && bids_close < reveal))
    return err("market.bad_window", "need block time < bids_close_ms < reveal_close_ms");
  if (cap > qty) return err("market.bad_config", "bidder_cap above the quantity offered");
  if (auto s = reserve_units(env.st, inst, from, qty); !s) return s;
  env.st.put(auc_key(a), Json({{"instrument", inst},
                               {"cash", cash},
                               {"seller", from},
                               {"qty", qty},
                               {"reserve_price", *json_u64(b["reserve_price"])},
                               {"bidder_cap", cap},
                               {"opens_ms", env.time_ms},
                               {"bids_close_ms", bids_close},
                               {"reveal_close_ms", reveal},
                               {"bidders", Json::array()},
                               {"status", "open"}})
                             .dump());
  return ok_status();
}

Status bid_check(const Json& b) {
  Fields f(b, "market.auction.bid");
  if (auto s = f.only({"auction", "commitment", "deposit"}); !s) return s;
  if (auto s = f.id("auction"); !s) return s.error();
  if (!b.contains("commitment") || !b["commitment"].is_string() ||
      !hash_from_hex(b["commitment"].get<std::string>()))
    return err("tx.malformed", "market.auction.bid: body.commitment is 64 hex digits");
  if (auto s = f.amount("deposit"); !s) return s.error();
  return ok_status();
}

Status bid_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string a = b["auction"];
  auto auc = load_auction(env.st, a);
  if (!auc) return auc.error();
  if ((*auc)["status"] != "open" || env.time_ms >= (*auc)["bids_close_ms"].get<uint64_t>())
    return err("market.auction_closed", "auction '" + a + "' takes no more bids");
  if (env.st.get(bid_key(a, from)))
    return err("market.duplicate_bid", from + " already bid in auction '" + a + "'", 409);
  Json& bidders = (*auc)["bidders"];
  if (bidders.size() >= limits::auction_bids_max)
    return err("market.too_many_bids", "auction '" + a + "' has the maximum of bids");
  std::string cash = (*auc)["cash"];
  uint64_t deposit = *json_u64(b["deposit"]);
  if (auto s = reserve_cash(env.st, cash, from, deposit); !s) return s;
  env.st.put(bid_key(a, from), Json({{"commitment", b["commitment"]},
                                     {"deposit", u64_text(deposit)},
                                     {"cash", cash},
                                     {"seq", bidders.size()},
                                     {"status", "sealed"}})
                                   .dump());
  bidders.push_back(from);
  env.st.put(auc_key(a), auc->dump());
  return ok_status();
}

Status reveal_check(const Json& b) {
  Fields f(b, "market.auction.reveal");
  if (auto s = f.only({"auction", "price", "qty", "salt"}); !s) return s;
  if (auto s = f.id("auction"); !s) return s.error();
  if (auto s = f.u64("price", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("qty", 1, kQtyMax * 1000); !s) return s.error();
  if (auto s = f.text("salt", true); !s) return s.error();
  return ok_status();
}

Status reveal_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  std::string a = b["auction"];
  auto auc = load_auction(env.st, a);
  if (!auc) return auc.error();
  if ((*auc)["status"] != "open" || env.time_ms < (*auc)["bids_close_ms"].get<uint64_t>() ||
      env.time_ms >= (*auc)["reveal_close_ms"].get<uint64_t>())
    return err("market.not_revealing", "auction '" + a + "' is not in its reveal period");
  auto v = env.st.get(bid_key(a, from));
  if (!v) return err("market.unknown_bid", from + " has no bid in auction '" + a + "'", 404);
  Json bid = Json::parse(*v);
  if (bid["status"] != "sealed") return err("market.bad_reveal", "the bid is already revealed");
  uint64_t price = *json_u64(b["price"]), qty = *json_u64(b["qty"]);
  if (commitment(a, from, price, qty, b["salt"].get<std::string>()) != bid["commitment"])
    return err("market.bad_reveal", "price, qty and salt do not match the commitment");
  if (qty > (*auc)["bidder_cap"].get<uint64_t>())
    return err("market.above_cap", "quantity above the per-bidder cap");
  if (price < (*auc)["reserve_price"].get<uint64_t>())
    return err("market.below_reserve", "price below the reserve price");
  if (qty > parse_u64_or0(bid["deposit"].get<std::string>()) / price)  // price x qty, no overflow
    return err("market.deposit_short", "price x qty exceeds the deposit");
  bid["status"] = "revealed";
  bid["price"] = price;
  bid["qty"] = qty;
  env.st.put(bid_key(a, from), bid.dump());
  return ok_status();
}

Status settle_check(const Json& b) {
  Fields f(b, "market.auction.settle");
  if (auto s = f.only({"auction"}); !s) return s;
  if (auto s = f.id("auction"); !s) return s.error();
  return ok_status();
}

Status settle_apply(TxEnv& env) {
  std::string a = env.tx.payload.body["auction"];
  auto auc = load_auction(env.st, a);
  if (!auc) return auc.error();
  if ((*auc)["status"] != "open")
    return err("market.auction_settled", "auction '" + a + "' is settled", 409);
  if (env.time_ms < (*auc)["reveal_close_ms"].get<uint64_t>())
    return err("market.auction_not_over", "the reveal period of '" + a + "' is not over");
  const std::string inst = (*auc)["instrument"], cash = (*auc)["cash"], seller = (*auc)["seller"];
  struct Bid {
    std::string bidder;
    Json rec;
    uint64_t price = 0, qty = 0, seq = 0, alloc = 0;
  };
  std::vector<Bid> bids;
  for (const auto& bidder : (*auc)["bidders"]) {
    Bid x{bidder, Json::parse(*env.st.get(bid_key(a, bidder)))};
    x.seq = x.rec["seq"];
    if (x.rec["status"] == "revealed") {
      x.price = x.rec["price"];
      x.qty = x.rec["qty"];
    }
    bids.push_back(std::move(x));
  }
  std::vector<Bid*> order;
  for (auto& x : bids)
    if (x.qty > 0) order.push_back(&x);
  std::sort(order.begin(), order.end(), [](const Bid* x, const Bid* y) {
    return x->price != y->price ? x->price > y->price : x->seq < y->seq;
  });
  uint64_t left = (*auc)["qty"], clearing = 0;
  for (Bid* x : order) {
    if (left == 0) break;
    x->alloc = std::min(left, x->qty);
    left -= x->alloc;
    clearing = x->price;  // descending: the last one allocated is the lowest
  }
  uint64_t sold = (*auc)["qty"].get<uint64_t>() - left;
  uint64_t proceeds = 0;
  for (auto& x : bids) {
    uint64_t deposit = parse_u64_or0(x.rec["deposit"].get<std::string>());
    uint64_t pay = x.alloc * clearing;
    if (x.alloc > 0)
      if (auto s = release(env.st, inst, x.bidder, x.alloc); !s) return s;
    if (auto s = release(env.st, cash, x.bidder, deposit - pay); !s) return s;
    proceeds += pay;
    x.rec["status"] = x.rec["status"] == "sealed" ? "unrevealed" : x.alloc > 0 ? "won" : "lost";
    x.rec["allocated"] = x.alloc;
    x.rec["paid"] = u64_text(pay);
    env.st.put(bid_key(a, x.bidder), x.rec.dump());
    env.touch(x.bidder);
  }
  if (auto s = release(env.st, cash, seller, proceeds); !s) return s;
  if (auto s = release(env.st, inst, seller, left); !s) return s;
  (*auc)["status"] = "settled";
  (*auc)["clearing_price"] = clearing;
  (*auc)["sold"] = sold;
  (*auc)["settled_ms"] = env.time_ms;
  env.st.put(auc_key(a), auc->dump());
  return ok_status();
}

}  // namespace tanso::market::auction
