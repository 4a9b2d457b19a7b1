// GET /v1/markets/{market}/stream: the public live feed of one market (docs/API.md "Market
// stream"). On connect a `depth` event (the public depth, as GET .../depth, no owners); then,
// after each committed block, a `trade` event per new trade of the market ({id, price, qty, t,
// kind}, as the public trades view: never who) and a `depth` event when the public depth changed.
// Events carry `id:` = the height of the state they were read from. The client count is shared
// with /v1/events (SseSlot, at most limits::sse_subscribers_max); a `: keep-alive` comment every
// 15 s while idle; the handler returns within ~200 ms of the server stopping.
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/market.h"
#include "node/api_market.h"
#include "node/sse_slot.h"

namespace tanso {
namespace {

using Clock = std::chrono::steady_clock;

// One read of a market at a height, shared by every client of the same market and level count.
struct Snapshot {
  uint64_t height = 0;
  uint64_t time_ms = 0;
  std::optional<Error> error;
  std::string depth;        // the depth JSON without height and time
  uint64_t next_trade = 1;  // the market's next trade id
};

Snapshot read_snapshot(Node& node, const std::string& market, size_t levels) {
  static std::mutex mu;
  static std::map<std::pair<std::string, size_t>, Snapshot> cache;
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    std::lock_guard lock(mu);
    auto key = std::pair{market, levels};
    auto it = cache.find(key);
    if (it != cache.end() && it->second.height == head.height && !it->second.error)
      return it->second;
    Snapshot s;
    s.height = head.height;
    s.time_ms = head.time_ms;
    auto d = market::market_depth(st, market, levels);
    if (!d) {
      s.error = d.error();
      return s;
    }
    s.depth = d->dump();
    s.next_trade = market::load_market(st, market)->next_trade;
    if (cache.size() >= 256) cache.clear();  // bounded; refilled on the next block
    cache[key] = s;
    return s;
  });
}

std::string error_event(const Error& e) {
  return Json({{"error", {{"code", e.code}, {"message", e.message}}}}).dump();
}

// The public trades with ids in [from, to), oldest first.
std::vector<std::string> trades_between(Node& node, const std::string& market, uint64_t from,
                                        uint64_t to) {
  return node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    std::vector<std::string> out;
    for (uint64_t id = from; id < to; ++id) {
      auto v = st.get("mkt/t/" + market + "/" + market::pad20(id));
      if (!v) continue;
      Json t = Json::parse(*v);
      out.push_back(Json({{"market", market},
                          {"id", id},
                          {"price", t["price"]},
                          {"qty", t["qty"]},
                          {"t", t["t"]},
                          {"kind", t["kind"]}})
                        .dump());
    }
    return out;
  });
}

std::string with_height(const Snapshot& s) {
  Json j = Json::parse(s.depth);
  j["height"] = s.height;
  j["time_ms"] = s.time_ms;
  return j.dump();
}

void market_stream(Node& node, const http::Request& req, http::EventSink& sink) {
  SseSlot slot(node.metrics());
  if (!slot) {
    sink.send("error", error_event(slot.busy_error()));
    return;
  }
  size_t levels = 10;
  if (auto it = req.query.find("levels"); it != req.query.end()) {
    const std::string& v = it->second;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), levels);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || levels == 0 || levels > 100) {
      sink.send("error", error_event(err("request.bad_parameter",
                                         "levels must be an integer from 1 to 100")));
      return;
    }
  }
  const std::string market = req.params.at("market");
  Snapshot s = read_snapshot(node, market, levels);
  if (s.error) {
    sink.send("error", error_event(*s.error));
    return;
  }
  if (!sink.send("depth", with_height(s), std::to_string(s.height))) return;
  std::string depth = s.depth;
  uint64_t next_trade = s.next_trade;
  uint64_t after = s.height;
  auto last_write = Clock::now();
  while (sink.open()) {
    auto waited = Clock::now();
    auto evs = node.events().wait_after(after, 200);
    if (evs.empty()) {
      if (Clock::now() - waited < std::chrono::milliseconds(50))  // the event log is closed
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Clock::now() - last_write >= std::chrono::seconds(15)) {
        if (!sink.ping()) break;
        last_write = Clock::now();
      }
      continue;
    }
    s = read_snapshot(node, market, levels);
    after = std::max(evs.back().height, s.height);
    if (s.error) break;  // cannot happen: a market is never removed
    std::string id = std::to_string(s.height);
    bool ok = true;
    for (const auto& t : trades_between(node, market, next_trade, s.next_trade))
      if (!(ok = sink.send("trade", t, id))) break;
    if (!ok) break;
    next_trade = s.next_trade;
    if (s.depth != depth) {
      if (!sink.send("depth", with_height(s), id)) break;
      depth = s.depth;
    }
    last_write = Clock::now();
  }
}

}  // namespace

void register_market_stream(http::Server& s, Node& node) {
  s.stream("/v1/markets/{market}/stream", [&node](const http::Request& r, http::EventSink& sink) {
    market_stream(node, r, sink);
  });
}

}  // namespace tanso
