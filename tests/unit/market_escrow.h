// The market's escrow invariant, checked from state alone (core/market.h): @market holds, per
// instrument, exactly what open orders, open OTC proposals, sealed auction bids and open
// government auctions reserve, and every stored book entry is an open order record.
#pragma once

#include <map>
#include <string>

#include "core/holdings.h"
#include "core/market.h"

namespace tanso::mktest {

inline std::string escrow_problems(const State& st) {
  std::map<std::string, uint64_t> want;
  std::string out;
  st.scan("mkt/m/", [&](const std::string& k, const std::string& v) {
    std::string market = k.substr(6);
    Json m = Json::parse(v);
    for (const auto& o : market::load_open_orders(st, market)) {
      want[o.side == market::Side::buy ? m["cash"].get<std::string>() : market] +=
          market::reservation(o.side, o.price, o.open);
      auto rec = st.get("mkt/o/" + market + "/" + market::pad20(o.id));
      if (!rec || Json::parse(*rec)["status"] != "open" || Json::parse(*rec)["open"] != o.open)
        out += "order " + std::to_string(o.id) + " of " + market + " disagrees with its record\n";
    }
  });
  st.scan("mkt/otc/", [&](const std::string&, const std::string& v) {
    Json p = Json::parse(v);
    if (p["status"] != "open") return;
    want[p["reserved_instrument"].get<std::string>()] +=
        parse_u64_or0(p["reserved"].get<std::string>());
  });
  st.scan("mkt/auc/", [&](const std::string&, const std::string& v) {
    Json a = Json::parse(v);
    if (a["status"] != "settled")
      want[a["instrument"].get<std::string>()] += a["qty"].get<uint64_t>();
  });
  st.scan("mkt/bid/", [&](const std::string&, const std::string& v) {
    Json b = Json::parse(v);
    if (b["status"] == "sealed" || b["status"] == "revealed")
      want[b["cash"].get<std::string>()] += parse_u64_or0(b["deposit"].get<std::string>());
  });
  std::map<std::string, uint64_t> have;
  st.scan("bal/@market/", [&](const std::string& k, const std::string& v) {
    have[k.substr(12)] = parse_u64_or0(v);
  });
  for (const auto& [i, n] : want)
    if (n && have[i] != n)
      out += "@market holds " + std::to_string(have[i]) + " " + i + ", reservations " +
             std::to_string(n) + "\n";
  for (const auto& [i, n] : have)
    if (!want.contains(i) || want[i] != n)
      out += "@market holds " + std::to_string(n) + " " + i + " nothing reserves\n";
  return out;
}

}  // namespace tanso::mktest
