// Market transactions of the exchange book (core/market.h): market.create (the exchange lists a
// market), market.session.advance (runs the session steps up to block time; every other market
// tx does it first too), market.order.place / cancel / amend. Bodies:
//   market.create {market, cash?, tick, base_price, band_bps?, max_qty?, schedule?{utc_offset_min,
//                  pre_open_ms, open_ms, close_auction_ms, close_ms, lock_ms, weekdays_only}}
//   market.session.advance {market}
//   market.order.place {market, side: "buy"|"sell", price, qty, client_id?}
//   market.order.cancel {market, order | client_id}
//   market.order.amend {market, order | client_id, price, qty}   (qty: the new open quantity)
#include "core/holdings.h"
#include "core/limits.h"
#include "core/market_ledger.h"
#include "core/market_surveillance.h"

namespace tanso::market {
namespace {

Error bad_config(const std::string& m) { return err("market.bad_config", m); }

Status create_check(const Json& b) {
  Fields f(b, "market.create");
  if (auto s = f.only({"market", "cash", "tick", "base_price", "band_bps", "max_qty", "schedule"});
      !s)
    return s;
  if (auto s = f.id("market"); !s) return s.error();
  if (f.has("cash"))
    if (auto s = f.id("cash"); !s) return s.error();
  if (auto s = f.u64("tick", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("base_price", 1, kPriceMax); !s) return s.error();
  if (f.has("band_bps"))
    if (auto s = f.u64("band_bps", 0, 10'000); !s) return s.error();
  if (f.has("max_qty"))
    if (auto s = f.u64("max_qty", 1, kQtyMax); !s) return s.error();
  if (f.has("schedule")) {
    const Json& s = b["schedule"];
    if (!s.is_object()) return err("tx.malformed", "market.create: body.schedule is an object");
    Fields fs(s, "market.create schedule");
    if (auto r = fs.only({"utc_offset_min", "pre_open_ms", "open_ms", "close_auction_ms",
                          "close_ms", "lock_ms", "weekdays_only"});
        !r)
      return r;
    for (const char* k : {"pre_open_ms", "open_ms", "close_auction_ms", "close_ms", "lock_ms"})
      if (fs.has(k))
        if (auto r = fs.u64(k, 0, 86'400'000); !r) return r.error();
    if (s.contains("utc_offset_min") &&
        (!s["utc_offset_min"].is_number_integer() || s["utc_offset_min"].get<int64_t>() < -720 ||
         s["utc_offset_min"].get<int64_t>() > 840))
      return err("tx.malformed", "market.create: schedule.utc_offset_min is -720..840");
    if (s.contains("weekdays_only") && !s["weekdays_only"].is_boolean())
      return err("tx.malformed", "market.create: schedule.weekdays_only is a boolean");
  }
  return ok_status();
}

Status create_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  MarketState ms;
  ms.id = b["market"];
  ms.cash = b.value("cash", std::string("KRW"));
  ms.cfg.tick = static_cast<Price>(*json_u64(b["tick"]));
  ms.cfg.base_price = static_cast<Price>(*json_u64(b["base_price"]));
  if (b.contains("band_bps")) ms.cfg.band_bps = static_cast<int64_t>(*json_u64(b["band_bps"]));
  if (b.contains("max_qty")) ms.cfg.max_qty = static_cast<Qty>(*json_u64(b["max_qty"]));
  if (b.contains("schedule")) {
    const Json& s = b["schedule"];
    Schedule& d = ms.sched;
    if (s.contains("utc_offset_min")) d.utc_offset_min = s["utc_offset_min"].get<int32_t>();
    if (s.contains("pre_open_ms")) d.pre_open_ms = *json_u64(s["pre_open_ms"]);
    if (s.contains("open_ms")) d.open_ms = *json_u64(s["open_ms"]);
    if (s.contains("close_auction_ms")) d.close_auction_ms = *json_u64(s["close_auction_ms"]);
    if (s.contains("close_ms")) d.close_ms = *json_u64(s["close_ms"]);
    if (s.contains("lock_ms")) d.lock_ms = *json_u64(s["lock_ms"]);
    if (s.contains("weekdays_only")) d.weekdays_only = s["weekdays_only"].get<bool>();
  }
  const Schedule& d = ms.sched;
  if (!(d.pre_open_ms <= d.open_ms && d.open_ms < d.close_auction_ms &&
        d.close_auction_ms < d.close_ms && d.close_ms <= 86'400'000 &&
        d.lock_ms <= d.close_auction_ms - d.open_ms))
    return bad_config(
        "schedule: pre_open <= open < close_auction < close <= 24 h, lock <= continuous session");
  if (load_market(env.st, ms.id)) return err("market.exists", "market '" + ms.id + "' exists", 409);
  if (!load_instrument(env.st, ms.id))
    return err("market.unknown_instrument", "no instrument '" + ms.id + "' to trade");
  if (!load_instrument(env.st, ms.cash) || ms.cash == ms.id)
    return err("market.unknown_instrument", "no cash instrument '" + ms.cash + "'");
  if (auto book = Book::create(ms.cfg); !book) return book.error();
  std::tie(ms.day, ms.phase) = session_at(ms.sched, env.time_ms);
  ms.created_by = env.tx.payload.from;
  env.st.put("mkt/m/" + ms.id, ms.to_json().dump());
  env.st.put("mkt/book/" + ms.id, "");  // the old whole-book value, kept empty (core/market.h)
  return ok_status();
}

Status advance_check(const Json& b) {
  Fields f(b, "market.session.advance");
  if (auto s = f.only({"market"}); !s) return s;
  if (auto s = f.id("market"); !s) return s.error();
  return ok_status();
}
Status advance_apply(TxEnv& env) {
  auto l = Ledger::load(env, env.tx.payload.body["market"].get<std::string>());
  if (!l) return l.error();
  if (auto s = l->advance(); !s) return s;
  l->save();
  return ok_status();
}

Status place_check(const Json& b) {
  Fields f(b, "market.order.place");
  if (auto s = f.only({"market", "side", "price", "qty", "client_id"}); !s) return s;
  if (auto s = f.id("market"); !s) return s.error();
  if (auto s = side_field(b, "market.order.place"); !s) return s.error();
  if (auto s = f.u64("price", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("qty", 1, kQtyMax); !s) return s.error();
  if (f.has("client_id"))
    if (auto s = f.id("client_id"); !s) return s.error();
  return ok_status();
}

Status open_for_orders(const MarketState& ms) {
  if (ms.phase == Phase::pre_open || ms.phase == Phase::continuous || ms.phase == Phase::closing)
    return ok_status();
  return err("market.session_closed",
             "market " + ms.id + " takes no orders now (" +
                 (ms.phase == Phase::closed ? "after the close" : "before the pre-open") + ")");
}

// Cancel and amend: refused from lock_ms before the closing auction until the close.
Status changes_allowed(const MarketState& ms, uint64_t time_ms) {
  if (auto s = open_for_orders(ms); !s) return s;
  uint64_t tod = static_cast<uint64_t>(
      (static_cast<int64_t>(time_ms) + int64_t{ms.sched.utc_offset_min} * 60'000) % 86'400'000);
  if (ms.phase == Phase::closing ||
      (ms.phase == Phase::continuous && tod + ms.sched.lock_ms >= ms.sched.close_auction_ms))
    return err("market.pre_close_lock",
               "cancel and amend are refused from one minute before the closing auction to the "
               "close");
  return ok_status();
}

Status place_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  auto l = Ledger::load(env, b["market"].get<std::string>());
  if (!l) return l.error();
  if (auto s = l->advance(); !s) return s;
  MarketState& ms = l->ms();
  if (auto s = open_for_orders(ms); !s) return s;
  if (open_count(env.st, from) >= limits::market_open_orders_max)
    return err("market.too_many_orders",
               from + " has " + std::to_string(limits::market_open_orders_max) + " open orders");
  std::string cid_key;
  if (b.contains("client_id")) {
    cid_key = "mkt/cid/" + from + "/" + b["client_id"].get<std::string>();
    if (env.st.get(cid_key))
      return err("market.duplicate_client_id", "client_id already used by " + from, 409);
  }
  Side side = *side_field(b, "market.order.place");
  auto price = static_cast<Price>(*json_u64(b["price"]));
  auto qty = static_cast<Qty>(*json_u64(b["qty"]));
  OrderId id = ms.next_id;
  OwnerId owner = l->owner_id(from);
  l->track({id, from, side, price, qty, 0});
  // The engine validates (price, tick, band, quantity) and matches on the tx's own copy of the
  // part of the book it can trade with; nothing here outlives the tx if a later step fails.
  if (auto s = l->load_crossing(side, price, qty); !s) return s;
  std::vector<Fill> fills;
  auto ack = l->book().add({id, owner, side, price, qty}, fills);
  if (!ack) return ack.error();
  ++ms.next_id;
  if (auto s = reserve_for(env.st, ms, side, from, reservation(side, price, qty)); !s) return s;
  OrderRecord rec;
  rec.owner = from;
  rec.side = side;
  rec.price = price;
  rec.qty = qty;
  rec.open = qty;
  rec.status = "open";
  rec.placed_ms = rec.updated_ms = env.time_ms;
  if (!cid_key.empty()) {
    rec.client_id = b["client_id"].get<std::string>();
    env.st.put(cid_key, ms.id + "/" + u64_text(id));
  }
  l->put_record(id, std::move(rec));
  env.st.put("mkt/ao/" + from + "/" + ms.id + "/" + pad20(id), "");
  if (auto s = l->settle(fills, "continuous"); !s) return s;
  l->save();
  return ok_status();
}

// The order a cancel/amend names: by id or by the sender's client_id.
Result<OrderId> target(const TxEnv& env, const Json& b, const std::string& market) {
  if (b.contains("order")) return *json_u64(b["order"]);
  auto v = env.st.get("mkt/cid/" + env.tx.payload.from + "/" + b["client_id"].get<std::string>());
  std::string prefix = market + "/";
  if (!v || !v->starts_with(prefix))
    return err("market.unknown_order", "no order with this client_id in " + market, 404);
  return parse_u64_or0(v->substr(prefix.size()));
}

Status target_check(const Fields& f, const Json& b) {
  if (f.has("order") == f.has("client_id"))
    return err("tx.malformed", "name the order by exactly one of order, client_id");
  if (f.has("order"))
    if (auto s = f.u64("order", 1, UINT64_MAX); !s) return s.error();
  if (f.has("client_id"))
    if (auto s = f.id("client_id"); !s) return s.error();
  (void)b;
  return ok_status();
}

Status cancel_check(const Json& b) {
  Fields f(b, "market.order.cancel");
  if (auto s = f.only({"market", "order", "client_id"}); !s) return s;
  if (auto s = f.id("market"); !s) return s.error();
  return target_check(f, b);
}
Status cancel_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  auto l = Ledger::load(env, b["market"].get<std::string>());
  if (!l) return l.error();
  if (auto s = l->advance(); !s) return s;
  auto id = target(env, b, l->ms().id);
  if (!id) return id.error();
  if (auto s = changes_allowed(l->ms(), env.time_ms); !s) return s;
  if (auto s = l->load_order(*id); !s) return s.error();
  auto found = l->book().find(*id);
  if (!found) return err("market.unknown_order", "order " + u64_text(*id) + " is not open", 404);
  if (l->owner_name(found->owner) != env.tx.payload.from)
    return err("market.not_owner", "order " + u64_text(*id) + " is not yours", 403);
  if (auto s = l->remove(*id, "cancelled"); !s) return s;
  l->save();
  return ok_status();
}

Status amend_check(const Json& b) {
  Fields f(b, "market.order.amend");
  if (auto s = f.only({"market", "order", "client_id", "price", "qty"}); !s) return s;
  if (auto s = f.id("market"); !s) return s.error();
  if (auto s = f.u64("price", 1, kPriceMax); !s) return s.error();
  if (auto s = f.u64("qty", 1, kQtyMax); !s) return s.error();
  return target_check(f, b);
}
Status amend_apply(TxEnv& env) {
  const Json& b = env.tx.payload.body;
  const std::string& from = env.tx.payload.from;
  auto l = Ledger::load(env, b["market"].get<std::string>());
  if (!l) return l.error();
  if (auto s = l->advance(); !s) return s;
  MarketState& ms = l->ms();
  auto id = target(env, b, ms.id);
  if (!id) return id.error();
  if (auto s = changes_allowed(ms, env.time_ms); !s) return s;
  auto price = static_cast<Price>(*json_u64(b["price"]));
  auto qty = static_cast<Qty>(*json_u64(b["qty"]));
  if (auto s = l->load_order(*id); !s) return s.error();
  auto old = l->book().find(*id);
  if (!old) return err("market.unknown_order", "order " + u64_text(*id) + " is not open", 404);
  // What the amended order could trade with, if it loses priority and crosses.
  if (auto s = l->load_crossing(old->side, price, qty); !s) return s;
  std::vector<Fill> fills;
  // The engine checks the owner, the quantity and (if priority is lost) the price.
  auto ack = l->book().amend(*id, l->owner_id(from), price, qty, fills);
  if (!ack) return ack.error();
  OpenOrder o = *l->order(*id);
  uint64_t was = reservation(o.side, o.price, old->qty);
  uint64_t now = reservation(o.side, price, qty);
  const std::string& inst = o.side == Side::buy ? ms.cash : ms.id;
  if (now > was) {
    if (auto s = reserve_for(env.st, ms, o.side, from, now - was); !s) return s;
  } else if (auto s = release(env.st, inst, from, was - now); !s) {
    return s;
  }
  o.price = price;
  o.open = qty;
  l->track(o);
  auto rec = l->record(*id);
  if (!rec) return rec.error();
  (*rec)->price = price;
  (*rec)->open = qty;
  (*rec)->qty = (*rec)->filled + qty;
  (*rec)->updated_ms = env.time_ms;
  l->changed(*id);
  if (auto s = l->settle(fills, "continuous"); !s) return s;
  l->save();
  return ok_status();
}

}  // namespace

const TxHandler kOrderHandlers[] = {
    {"market.create", create_check, create_apply},
    {"market.session.advance", advance_check, advance_apply},
    {"market.order.place", place_check, place_apply},
    {"market.order.cancel", cancel_check, cancel_apply},
    {"market.order.amend", amend_check, amend_apply},
    {"market.otc.propose", otc::propose_check, otc::propose_apply},
    {"market.otc.accept", otc::accept_check, otc::accept_apply},
    {"market.otc.cancel", otc::cancel_check, otc::cancel_apply},
    {"market.auction.open", auction::open_check, auction::open_apply},
    {"market.auction.bid", auction::bid_check, auction::bid_apply},
    {"market.auction.reveal", auction::reveal_check, auction::reveal_apply},
    {"market.auction.settle", auction::settle_check, auction::settle_apply},
    {"market.surveillance.set", surveillance::set_check, surveillance::set_apply},
};

}  // namespace tanso::market

namespace tanso {
std::span<const TxHandler> market_handlers() { return market::kOrderHandlers; }
}  // namespace tanso
