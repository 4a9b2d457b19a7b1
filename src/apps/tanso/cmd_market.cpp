// tanso market list | depth | trades | daily | orders | fills | alerts: the market's reads
// (GET /v1/markets/..., docs/MARKET.md, docs/API.md) as tables, or the API's JSON with --json.
// Orders and fills are signed reads (the account's organization or the regulator); alerts are
// the regulator's. The order txs are in cmd_market_tx.cpp. Exit codes as everywhere (cli.h).
#include "cmd_market.h"

#include <cstdio>
#include <iostream>

#include "cli.h"
#include "cmd_common.h"
#include "core/market.h"

namespace tanso::cli {

namespace {

std::string query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string q;
  for (const auto& [k, v] : params)
    if (!v.empty()) q += (q.empty() ? "?" : "&") + std::string(k) + "=" + v;
  return q;
}

std::string num(size_t n) { return n ? std::to_string(n) : std::string(); }

void footer(CLI::App* c, const std::string& examples) { c->footer("Examples:\n" + examples); }

// Block time (ms) as "yyyy-mm-dd hh:mm:ss" in KST (UTC+9, the market's local time by default).
std::string kst(const Json& t) {
  if (!t.is_number_unsigned()) return cell(t);
  uint64_t ms = t.get<uint64_t>() + 9 * 3'600'000;
  uint64_t s = ms / 1000 % 86'400;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02u:%02u:%02u", static_cast<unsigned>(s / 3600),
                static_cast<unsigned>(s / 60 % 60), static_cast<unsigned>(s % 60));
  return market::civil_date(static_cast<int64_t>(ms / 86'400'000)) + buf;
}

// Rows with their block time `t` as a KST "time_kst" column.
Json with_kst(Json rows) {
  for (auto& r : rows)
    if (r.is_object() && r.contains("t")) r["time_kst"] = kst(r["t"]);
  return rows;
}

}  // namespace

void add_market(CLI::App& app) {
  auto* m = app.add_subcommand(
      "market",
      "The exchange market: markets, depth, trades, daily prices, your orders and fills, "
      "surveillance alerts (regulator), and order txs (docs/MARKET.md)");
  m->require_subcommand(1);

  static ReadOpts list_r;
  auto* list = m->add_subcommand("list", "Every market: phase, base price, band, last trade");
  add_read_options(list, list_r, " (optional: public)");
  footer(list, "  tanso market list\n  tanso market list --json\n");
  list->callback([] {
    Json j = get_view("/v1/markets", list_r);
    if (list_r.json) return print_json(j);
    Json rows = j.value("markets", Json::array());
    for (auto& r : rows)
      if (r.contains("band")) r["band"] = cell(r["band"]["lo"]) + "-" + cell(r["band"]["hi"]);
    print_rows(
        rows, {"market", "cash", "phase", "date", "tick", "base_price", "band", "last", "max_qty"});
  });

  static ReadOpts dep_r;
  static std::string dep_m;
  static size_t dep_levels = 0;
  auto* dep = m->add_subcommand("depth", "Public depth of a market: price levels, no owners");
  dep->add_option("market", dep_m, "Market (its instrument, e.g. KAU-2026)")->required();
  dep->add_option("--levels", dep_levels, "Price levels per side (1-100, default 10)");
  add_read_options(dep, dep_r, " (optional: public)");
  footer(dep, "  tanso market depth KAU-2026 --levels 5\n");
  dep->callback([] {
    Json j =
        get_view("/v1/markets/" + dep_m + "/depth" + query({{"levels", num(dep_levels)}}), dep_r);
    if (dep_r.json) return print_json(j);
    Json head = j;
    head.erase("bids");
    head.erase("asks");
    print_fields(head);
    for (const char* side : {"bids", "asks"}) {
      std::cout << "\n" << side << "\n";
      print_rows(j.value(side, Json::array()), {"price", "qty", "orders"});
    }
  });

  static ReadOpts tr_r;
  static std::string tr_m;
  static size_t tr_limit = 0;
  auto* tr = m->add_subcommand(
      "trades", "A market's latest trades, newest first (with the regulator's key: who traded)");
  tr->add_option("market", tr_m, "Market")->required();
  tr->add_option("--limit", tr_limit, "At most this many (1-1000, default 100)");
  add_read_options(tr, tr_r, " (optional; the regulator's shows buyers and sellers)");
  footer(tr, "  tanso market trades KAU-2026 --limit 20\n");
  tr->callback([] {
    Json j = get_view("/v1/markets/" + tr_m + "/trades" + query({{"limit", num(tr_limit)}}), tr_r);
    if (tr_r.json) return print_json(j);
    print_rows(with_kst(j.value("trades", Json::array())),
               {"id", "time_kst", "kind", "price", "qty", "buyer", "seller"});
  });

  static ReadOpts day_r;
  static std::string day_m;
  auto* day = m->add_subcommand("daily", "A market's daily open, high, low, close, volume, VWAP");
  day->add_option("market", day_m, "Market")->required();
  add_read_options(day, day_r, " (optional: public)");
  footer(day, "  tanso market daily KAU-2026\n");
  day->callback([] {
    Json j = get_view("/v1/markets/" + day_m + "/daily", day_r);
    if (day_r.json) return print_json(j);
    print_rows(j.value("days", Json::array()),
               {"date", "open", "high", "low", "close", "volume", "turnover", "vwap", "trades"});
  });

  // Own orders and fills: signed reads.
  for (bool fills : {false, true}) {
    static ReadOpts own_r[2];
    static std::string own_m[2], own_acct[2];
    static size_t own_limit[2] = {0, 0};
    int i = fills ? 1 : 0;
    auto* c = m->add_subcommand(
        fills ? "fills" : "orders",
        fills ? "Your fills in a market (signed read: your organization's key or the regulator's)"
              : "Your orders in a market, newest first (signed read; the regulator's key without "
                "--account lists every order)");
    c->add_option("market", own_m[i], "Market")->required();
    c->add_option("--account", own_acct[i], "Account (default: the key's)");
    c->add_option("--limit", own_limit[i], "At most this many (1-1000, default 100)");
    add_read_options(c, own_r[i], " (required: your account's or the regulator's)");
    footer(c, std::string("  tanso market ") + (fills ? "fills" : "orders") +
                  " KAU-2026 -k demo/keys/hanbit-steel.json\n");
    c->callback([i, fills] {
      if (own_r[i].key.empty()) fail(kUsage, "sign the read with -k (your account's key file)");
      Json j = get_view("/v1/markets/" + own_m[i] + (fills ? "/fills" : "/orders") +
                            query({{"account", own_acct[i]}, {"limit", num(own_limit[i])}}),
                        own_r[i]);
      if (own_r[i].json) return print_json(j);
      if (fills)
        print_rows(with_kst(j.value("fills", Json::array())),
                   {"id", "time_kst", "kind", "side", "price", "qty", "order"});
      else
        print_rows(j.value("orders", Json::array()), {"id", "client_id", "owner", "side", "price",
                                                      "qty", "open", "filled", "status"});
    });
  }

  static ReadOpts al_r;
  static std::string al_m, al_kind, al_from;
  static size_t al_limit = 0;
  auto* al = m->add_subcommand(
      "alerts",
      "Regulator: market surveillance alerts, newest first (large positions and the "
      "stabilization triggers; GET /v1/markets/alerts)");
  al->add_option("--market", al_m, "Only this market");
  al->add_option("--kind", al_kind,
                 "Only this kind: large_position, price_sustained_high, price_volume_surge, "
                 "price_fall");
  al->add_option("--from", al_from, "Only alerts of this day (yyyy-mm-dd) and later");
  al->add_option("--limit", al_limit, "At most this many (1-1000, default 100)");
  add_read_options(al, al_r, " (required: a regulator officer's)");
  footer(al, "  tanso market alerts -k demo/keys/regulator-officer1.json --kind large_position\n");
  al->callback([] {
    if (al_r.key.empty()) fail(kUsage, "alerts are the regulator's: sign the read with -k");
    Json j = get_view(
        "/v1/markets/alerts" +
            query(
                {{"market", al_m}, {"kind", al_kind}, {"from", al_from}, {"limit", num(al_limit)}}),
        al_r);
    if (al_r.json) return print_json(j);
    Json rows = j.value("alerts", Json::array());
    for (auto& r : rows) {
      std::string f;
      for (auto it = r["figures"].begin(); it != r["figures"].end(); ++it)
        f += (f.empty() ? "" : " ") + it.key() + "=" + cell(*it);
      r["figures"] = f;
    }
    print_rows(rows, {"seq", "day", "market", "kind", "account", "figures"});
  });
  add_market_tx(m);
}

}  // namespace tanso::cli
