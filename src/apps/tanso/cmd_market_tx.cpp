// tanso market order | cancel | amend (a participant's own orders) and surveillance (the
// regulator's windows and thresholds): each builds one market.* tx (docs/MARKET.md has the
// rules), signs it with -k, submits it and waits for its block, then prints the order as the
// ledger has it (a signed read of the account's own orders). A price off the market's tick is
// refused before anything is sent (exit 1); every other refusal is the ledger's (exit 2 with
// its stable code: market.unknown_market, market.not_owner, market.price_out_of_band, ...).
// --out (write the signed envelope) and --no-wait behave as for every tx command.
#include <iostream>
#include <map>

#include "cmd_common.h"
#include "cmd_market.h"

namespace tanso::cli {

namespace {

// A whole number, thousands separators allowed ("10,000").
uint64_t whole(const std::string& text, const std::string& what) {
  uint64_t v = 0;
  bool digits = false;
  for (char ch : text) {
    if (ch == ',') continue;
    if (ch < '0' || ch > '9' || v > (UINT64_MAX - 9) / 10)
      fail(kUsage, what + " must be a whole number, not '" + text + "'");
    v = v * 10 + static_cast<uint64_t>(ch - '0');
    digits = true;
  }
  if (!digits || v == 0) fail(kUsage, what + " must be a whole number from 1, not '" + text + "'");
  return v;
}

// The market as GET /v1/markets lists it; market.unknown_market (exit 2) if it is not there.
Json market_info(const std::string& market) {
  Json j = get_view("/v1/markets", ReadOpts{});
  for (const auto& m : j.value("markets", Json::array()))
    if (m.value("market", "") == market) return m;
  fail(kRefused, "market.unknown_market: no market '" + market + "' (tanso market list)");
}

// Submits and waits; fails with kRefused (and the code) if the ledger refuses or rejects it.
// With --out or --no-wait it does what every tx command does (send_tx) and returns null.
Json submit_tx(const TxOpts& o, const std::string& type, const Json& body) {
  if (!o.out.empty() || o.no_wait) {
    send_tx(o, type, body);
    return Json();
  }
  BuildArgs a;
  a.type = type;
  a.body = body.dump();
  a.expires = o.expires;
  a.nonce = o.nonce;
  a.from = o.from.empty() ? load_key(o.keys.front()).account : o.from;
  if (a.from.empty()) fail(kUsage, "--from is required (the key file names no account)");
  reads_signed_by(o.keys);
  auto r = call("POST", "/v1/txs", sign_payload(build_payload(a), o.keys));
  fail_on_api_error(r);
  Json j = parse_json_or_fail(r.body, "response");
  if (j.value("status", "") != "committed")
    fail(kUnreachable, "the tx " + j.value("tx_id", "") + " is " + j.value("status", "?") +
                           " (not committed yet; tanso tx wait " + j.value("tx_id", "") + ")");
  if (j.value("code", "") != "ok")
    fail(kRefused, j.value("code", "") + ": " + j.value("message", "") + " (rejected in block " +
                       std::to_string(j.value("height", 0)) + ")");
  return j;
}

// The account's order `id` (or the newest one matching `pick`), from its own-orders view.
template <typename Pick>
Json own_order(const std::string& market, const std::string& key, Pick pick) {
  ReadOpts r;
  r.key = key;
  Json j = get_view("/v1/markets/" + market + "/orders?limit=1000", r);
  for (const auto& o : j.value("orders", Json::array()))
    if (pick(o)) return o;
  return Json();
}

struct OrderTx {
  TxOpts tx;
  std::string market, ref;  // ref: an order id (digits) or a client id
  bool json = false;
};

void add_market_options(CLI::App* c, OrderTx& o, const char* who) {
  add_tx_options(c, o.tx, who);
  c->add_flag("--json", o.json, "Print the tx result and the order as JSON");
}

// The body's order field: "order" for digits, "client_id" otherwise.
void put_ref(Json& b, const std::string& ref) {
  bool digits = !ref.empty() && ref.find_first_not_of("0123456789") == std::string::npos;
  if (digits)
    b["order"] = whole(ref, "the order id");
  else
    b["client_id"] = ref;
}

bool matches_ref(const Json& o, const std::string& ref) {
  return std::to_string(o.value("id", uint64_t{0})) == ref || o.value("client_id", "") == ref;
}

void report(const OrderTx& o, const Json& result, const Json& order) {
  if (o.json) return print_json({{"tx", result}, {"order", order}});
  std::cout << "committed in block " << result.value("height", 0) << " (tx "
            << result.value("tx_id", "") << ")\n";
  if (order.is_object())
    print_rows(Json::array({order}),
               {"id", "client_id", "side", "price", "qty", "open", "filled", "status"});
}

}  // namespace

void add_market_tx(CLI::App* m) {
  const char* who = "the trading account (company, bank, municipality, exchange)";

  static OrderTx pl;
  static std::string pl_side, pl_price, pl_qty, pl_cid;
  auto* pc = m->add_subcommand("order", "Place a limit order (market.order.place)");
  pc->add_option("market", pl.market, "Market (e.g. KAU-2026)")->required();
  pc->add_option("side", pl_side, "buy or sell")->required()->check(CLI::IsMember({"buy", "sell"}));
  pc->add_option("--price", pl_price, "Limit price, KRW per tonne, on the tick")->required();
  pc->add_option("--qty", pl_qty, "Quantity, t (1 to the market's max_qty)")->required();
  pc->add_option("--client-id", pl_cid, "Your own name for the order (once ever per account)");
  add_market_options(pc, pl, who);
  pc->footer(
      "Examples:\n"
      "  tanso market order KAU-2026 buy --price 10,000 --qty 100 -k demo/keys/hanbit-steel.json\n"
      "  tanso market order KAU-2026 sell --price 10,050 --qty 50 --client-id s1 -k key.json\n"
      "Exit 1 for a price off the tick (checked before sending), 2 when the ledger refuses\n"
      "(market.unknown_market, market.price_out_of_band, market.insufficient_cash, ...).\n");
  pc->callback([] {
    uint64_t price = whole(pl_price, "--price"), qty = whole(pl_qty, "--qty");
    Json info = market_info(pl.market);
    uint64_t tick = info.value("tick", uint64_t{1});
    if (price % tick != 0)
      fail(kUsage, "market.price_off_tick: --price " + std::to_string(price) +
                       " is not a multiple of " + pl.market + "'s tick " + std::to_string(tick));
    Json b = {{"market", pl.market}, {"side", pl_side}, {"price", price}, {"qty", qty}};
    if (!pl_cid.empty()) b["client_id"] = pl_cid;
    Json res = submit_tx(pl.tx, "market.order.place", b);
    if (res.is_null()) return;
    Json order = own_order(pl.market, pl.tx.keys.front(), [&](const Json& o) {
      if (!pl_cid.empty()) return o.value("client_id", "") == pl_cid;
      return o.value("side", "") == pl_side && o.value("price", uint64_t{0}) == price &&
             o.value("qty", uint64_t{0}) == qty;
    });
    report(pl, res, order);
  });

  static OrderTx cn;
  auto* cc = m->add_subcommand("cancel", "Cancel one of your open orders (market.order.cancel)");
  cc->add_option("market", cn.market, "Market")->required();
  cc->add_option("order", cn.ref, "Order id (digits) or your client id")->required();
  add_market_options(cc, cn, "the order's owner");
  cc->footer(
      "Examples:\n"
      "  tanso market cancel KAU-2026 17 -k demo/keys/hanbit-steel.json\n"
      "  tanso market cancel KAU-2026 s1 -k key.json      # by client id\n"
      "Exit 2 with market.not_owner for another account's order, market.unknown_order for one\n"
      "that is not open, market.pre_close_lock in the minute before the closing auction.\n");
  cc->callback([] {
    Json b = {{"market", cn.market}};
    put_ref(b, cn.ref);
    Json res = submit_tx(cn.tx, "market.order.cancel", b);
    if (res.is_null()) return;
    report(cn, res, own_order(cn.market, cn.tx.keys.front(), [](const Json& o) {
             return matches_ref(o, cn.ref);
           }));
  });

  static OrderTx am;
  static std::string am_price, am_qty;
  auto* ac = m->add_subcommand(
      "amend",
      "Change one of your open orders' price and/or open quantity (market.order.amend; a price "
      "change or an increase loses priority)");
  ac->add_option("market", am.market, "Market")->required();
  ac->add_option("order", am.ref, "Order id (digits) or your client id")->required();
  ac->add_option("--price", am_price, "New limit price (default: unchanged)");
  ac->add_option("--qty", am_qty, "New open quantity, t (default: unchanged)");
  add_market_options(ac, am, "the order's owner");
  ac->footer(
      "Examples:\n"
      "  tanso market amend KAU-2026 17 --qty 40 -k key.json        # keeps its place\n"
      "  tanso market amend KAU-2026 17 --price 10,100 -k key.json  # back of the new level\n");
  ac->callback([] {
    if (am_price.empty() && am_qty.empty()) fail(kUsage, "give --price, --qty or both");
    Json b = {{"market", am.market}};
    put_ref(b, am.ref);
    if (am_price.empty() || am_qty.empty()) {
      // The tx carries both: take the other one from the order as the ledger has it.
      Json cur = own_order(am.market, am.tx.keys.front(),
                           [](const Json& o) { return matches_ref(o, am.ref); });
      if (!cur.is_object() || cur.value("status", "") != "open")
        fail(kRefused, "market.unknown_order: order " + am.ref + " is not an open order of " +
                           load_key(am.tx.keys.front()).account + " in " + am.market +
                           " (give both --price and --qty to send the amend anyway)");
      b["price"] = am_price.empty() ? cur["price"].get<uint64_t>() : whole(am_price, "--price");
      b["qty"] = am_qty.empty() ? cur["open"].get<uint64_t>() : whole(am_qty, "--qty");
    } else {
      b["price"] = whole(am_price, "--price");
      b["qty"] = whole(am_qty, "--qty");
    }
    Json res = submit_tx(am.tx, "market.order.amend", b);
    if (res.is_null()) return;
    report(am, res, own_order(am.market, am.tx.keys.front(), [](const Json& o) {
             return matches_ref(o, am.ref);
           }));
  });

  static TxOpts sv_o;
  static std::string sv_m;
  static std::map<std::string, std::string> sv;
  auto* sc = m->add_subcommand(
      "surveillance",
      "Regulator: set a market's surveillance windows (trading days) and thresholds (basis "
      "points) (market.surveillance.set; fields left out keep their value)");
  sc->add_option("market", sv_m, "Market")->required();
  for (const char* f : {"ref_days", "recent_days", "sustain_days", "high_bps", "surge_price_bps",
                        "surge_volume_bps", "fall_bps", "large_position_bps"}) {
    std::string flag = std::string("--") + f;
    for (auto& ch : flag)
      if (ch == '_') ch = '-';
    sc->add_option(flag, sv[f], std::string("docs/MARKET.md \"Surveillance\": ") + f);
  }
  add_tx_options(sc, sv_o, "a regulator officer");
  sc->footer(
      "Examples:\n"
      "  tanso market surveillance KAU-2026 --large-position-bps 500 -k officer1.json\n"
      "  tanso market surveillance KAU-2026 --ref-days 2 --recent-days 1 -k officer1.json\n");
  sc->callback([sc] {
    Json b = {{"market", sv_m}};
    for (const auto& [f, v] : sv) {
      std::string flag = "--" + f;
      for (auto& ch : flag)
        if (ch == '_') ch = '-';
      if (sc->count(flag)) b[f] = whole(v, flag);
    }
    send_tx(sv_o, "market.surveillance.set", b);
  });
}

}  // namespace tanso::cli
