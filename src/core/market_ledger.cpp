// Market state on the ledger: the stored market (config, schedule, session), the book loaded from
// and saved to state for one tx, the session steps by block time, and delivery-versus-payment
// settlement out of the @market escrow (core/market.h).
#include "core/market_ledger.h"

#include <charconv>
#include <cstdio>

#include "core/holdings.h"
#include "core/market_data.h"
#include "core/market_surveillance.h"

namespace tanso::market {

namespace {
constexpr uint64_t kDayMs = 86'400'000;

Json sched_json(const Schedule& s) {
  return {{"utc_offset_min", s.utc_offset_min},
          {"pre_open_ms", s.pre_open_ms},
          {"open_ms", s.open_ms},
          {"close_auction_ms", s.close_auction_ms},
          {"close_ms", s.close_ms},
          {"lock_ms", s.lock_ms},
          {"weekdays_only", s.weekdays_only}};
}
}  // namespace

Json MarketState::to_json() const {
  return {{"market", id},
          {"cash", cash},
          {"tick", cfg.tick},
          {"base_price", cfg.base_price},
          {"band_bps", cfg.band_bps},
          {"max_qty", cfg.max_qty},
          {"schedule", sched_json(sched)},
          {"day", day},
          {"phase", static_cast<int>(phase)},
          {"last", last},
          {"next_id", next_id},
          {"next_seq", next_seq},
          {"next_trade", next_trade},
          {"created_by", created_by}};
}

Result<MarketState> MarketState::from_json(const Json& j) {
  MarketState m;
  m.id = j["market"];
  m.cash = j["cash"];
  m.cfg.tick = j["tick"];
  m.cfg.base_price = j["base_price"];
  m.cfg.band_bps = j["band_bps"];
  m.cfg.max_qty = j["max_qty"];
  const Json& s = j["schedule"];
  m.sched.utc_offset_min = s["utc_offset_min"];
  m.sched.pre_open_ms = s["pre_open_ms"];
  m.sched.open_ms = s["open_ms"];
  m.sched.close_auction_ms = s["close_auction_ms"];
  m.sched.close_ms = s["close_ms"];
  m.sched.lock_ms = s["lock_ms"];
  m.sched.weekdays_only = s["weekdays_only"];
  m.day = j["day"];
  m.phase = static_cast<Phase>(j["phase"].get<int>());
  m.last = j["last"];
  m.next_id = j["next_id"];
  m.next_seq = j["next_seq"];
  m.next_trade = j["next_trade"];
  m.created_by = j["created_by"];
  return m;
}

std::pair<int64_t, Phase> session_at(const Schedule& s, uint64_t t_ms) {
  int64_t local = static_cast<int64_t>(t_ms) + int64_t{s.utc_offset_min} * 60'000;
  int64_t day =
      local >= 0 ? local / int64_t{kDayMs} : (local - int64_t{kDayMs} + 1) / int64_t{kDayMs};
  auto tod = static_cast<uint64_t>(local - day * int64_t{kDayMs});
  int64_t wd = ((day % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  if (s.weekdays_only && (wd == 0 || wd == 6)) return {day, Phase::before};
  if (tod < s.pre_open_ms) return {day, Phase::before};
  if (tod < s.open_ms) return {day, Phase::pre_open};
  if (tod < s.close_auction_ms) return {day, Phase::continuous};
  if (tod < s.close_ms) return {day, Phase::closing};
  return {day, Phase::closed};
}

std::string civil_date(int64_t z) {
  // Howard Hinnant's civil_from_days.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string pad20(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v));
  return buf;
}

std::string order_key(std::string_view market, OrderId id) {
  return "mkt/o/" + std::string(market) + "/" + pad20(id);
}

std::string side_text(Side s) { return s == Side::buy ? "buy" : "sell"; }

uint64_t open_count(const StateReader& st, std::string_view account) {
  return parse_u64_or0(st.get("mkt/open/" + std::string(account)));
}

std::optional<MarketState> load_market(const StateReader& st, std::string_view market) {
  auto v = st.get("mkt/m/" + std::string(market));
  if (!v) return std::nullopt;
  auto m = MarketState::from_json(Json::parse(*v));
  if (!m) return std::nullopt;
  return *m;
}

// mkt/book/<market> is plain text, not JSON: every market tx reads and writes the whole book, and
// this format parses and prints about ten times faster. One line per open order, in priority
// order: "<id> <owner> <b|s> <price> <open> <seq>\n" (decimal; owners are identifiers, which
// hold no space). The empty book is "".
std::vector<OpenOrder> load_open_orders(const StateReader& st, std::string_view market) {
  std::vector<OpenOrder> out;
  auto v = st.get("mkt/book/" + std::string(market));
  if (!v) return out;
  const char* p = v->data();
  const char* end = p + v->size();
  auto word = [&]() {
    const char* b = p;
    while (p < end && *p != ' ' && *p != '\n') ++p;
    std::string_view w(b, static_cast<size_t>(p - b));
    if (p < end) ++p;
    return w;
  };
  auto num = [&](auto& x) {
    std::string_view w = word();
    std::from_chars(w.data(), w.data() + w.size(), x);
  };
  while (p < end) {
    OpenOrder o;
    num(o.id);
    o.owner = std::string(word());
    o.side = word() == "b" ? Side::buy : Side::sell;
    num(o.price);
    num(o.open);
    num(o.seq);
    out.push_back(std::move(o));
  }
  return out;
}

std::string book_text(const std::vector<OpenOrder>& orders) {
  std::string out;
  out.reserve(orders.size() * 48);
  char buf[24];
  auto put = [&](auto x, char sep) {
    auto [e, ec] = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, e);
    out.push_back(sep);
  };
  for (const auto& o : orders) {
    put(o.id, ' ');
    out.append(o.owner).push_back(' ');
    out.append(o.side == Side::buy ? "b " : "s ");
    put(o.price, ' ');
    put(o.open, ' ');
    put(o.seq, '\n');
  }
  return out;
}

static Status reserve(Overlay& st, std::string_view instrument, std::string_view from,
                      uint64_t amount, Error shortfall) {
  if (amount == 0) return ok_status();
  uint64_t have = balance(st, from, instrument);
  if (have < amount) {
    shortfall.message = std::string(from) + " holds " + u64_text(have) + " " +
                        std::string(instrument) + ", the order needs " + u64_text(amount);
    return shortfall;
  }
  return transfer_units(st, instrument, from, kMarketEscrow, amount);
}

Status reserve_cash(Overlay& st, std::string_view cash, std::string_view from, uint64_t amount) {
  return reserve(st, cash, from, amount, err("market.insufficient_cash", ""));
}

Status reserve_units(Overlay& st, std::string_view instrument, std::string_view from,
                     uint64_t amount) {
  return reserve(st, instrument, from, amount, err("market.insufficient_units", ""));
}

Status release(Overlay& st, std::string_view instrument, std::string_view to, uint64_t amount) {
  if (amount == 0) return ok_status();
  return transfer_units(st, instrument, kMarketEscrow, to, amount);
}

Result<Side> side_field(const Json& b, std::string_view type) {
  auto it = b.find("side");
  if (it == b.end() || !it->is_string() || (*it != "buy" && *it != "sell"))
    return err("tx.malformed", std::string(type) + ": body.side must be \"buy\" or \"sell\"");
  return *it == "buy" ? Side::buy : Side::sell;
}

// ---- Ledger ----

Result<Ledger> Ledger::load(TxEnv& env, std::string_view market) {
  auto ms = load_market(env.st, market);
  if (!ms) return err("market.unknown_market", "no market '" + std::string(market) + "'", 404);
  Ledger l(env, std::move(*ms));
  auto book = Book::create(l.ms_.cfg, l.ms_.next_seq);
  if (!book) return book.error();
  l.book_.emplace(std::move(*book));
  for (auto& o : load_open_orders(env.st, market)) {
    OwnerId oid = l.owner_id(o.owner);
    if (auto s = l.book_->restore({o.id, oid, o.side, o.price, o.open, o.seq}); !s)
      return s.error();
    ++l.before_[o.owner];
    l.open_[o.id] = std::move(o);
  }
  if (l.ms_.phase == Phase::pre_open || l.ms_.phase == Phase::closing) l.book_->begin_auction();
  return l;
}

OwnerId Ledger::owner_id(const std::string& account) {
  auto it = owner_ids_.find(account);
  if (it != owner_ids_.end()) return it->second;
  OwnerId id = owners_.size();
  owners_.push_back(account);
  owner_ids_.emplace(account, id);
  return id;
}

const OpenOrder* Ledger::order(OrderId id) const {
  auto it = open_.find(id);
  return it == open_.end() ? nullptr : &it->second;
}

Json Ledger::record(OrderId id) const {
  auto v = env_->st.get(order_key(ms_.id, id));
  return v ? Json::parse(*v) : Json();
}

void Ledger::put_record(OrderId id, const Json& rec) {
  env_->st.put(order_key(ms_.id, id), rec.dump());
}

void Ledger::record_trade(Price price, Qty qty, std::string_view kind, const std::string& buy,
                          const std::string& sell, const std::string& buyer,
                          const std::string& seller) {
  Overlay& st = env_->st;
  st.put("mkt/t/" + ms_.id + "/" + pad20(ms_.next_trade++), Json({{"price", price},
                                                                  {"qty", qty},
                                                                  {"t", env_->time_ms},
                                                                  {"kind", kind},
                                                                  {"buy", buy},
                                                                  {"sell", sell},
                                                                  {"buyer", buyer},
                                                                  {"seller", seller}})
                                                                .dump());
  env_->touch(buyer);
  env_->touch(seller);
  surveillance::on_trade(*env_, ms_, buyer);  // large positions (market_surveillance.cpp)
  if (kind == "otc") return;
  ms_.last = price;
  std::string dk = "mkt/day/" + ms_.id + "/" + civil_date(ms_.day);
  auto v = st.get(dk);
  uint64_t notional = static_cast<uint64_t>(price) * static_cast<uint64_t>(qty);
  Json d;
  if (!v) {
    d = {{"open", price},  {"high", price}, {"low", price},
         {"close", price}, {"volume", qty}, {"turnover", u64_text(notional)},
         {"trades", 1}};
  } else {
    d = Json::parse(*v);
    if (price > d["high"].get<Price>()) d["high"] = price;
    if (price < d["low"].get<Price>()) d["low"] = price;
    d["close"] = price;
    d["volume"] = d["volume"].get<Qty>() + qty;
    d["turnover"] = u64_text(parse_u64_or0(d["turnover"].get<std::string>()) + notional);
    d["trades"] = d["trades"].get<uint64_t>() + 1;
  }
  st.put(dk, d.dump());
  record_trade_data(st, ms_.id, env_->time_ms, ms_.day, price, qty);  // core/market_data.h
}

Status Ledger::settle(const std::vector<Fill>& fills, std::string_view kind) {
  Overlay& st = env_->st;
  for (const Fill& f : fills) {
    OrderId buy_id = f.taker_side == Side::buy ? f.taker : f.maker;
    OrderId sell_id = f.taker_side == Side::buy ? f.maker : f.taker;
    const OpenOrder* buy = order(buy_id);
    const OpenOrder* sell = order(sell_id);
    if (!buy || !sell) return err("market.corrupt_book", "a fill names an order not loaded", 500);
    uint64_t qty = static_cast<uint64_t>(f.qty);
    uint64_t pay = static_cast<uint64_t>(f.price) * qty;
    uint64_t refund = static_cast<uint64_t>(buy->price - f.price) * qty;
    // Delivery versus payment: all three moves in this tx's overlay, or none (a failure drops it).
    if (auto s = release(st, ms_.id, buy->owner, qty); !s) return s;
    if (auto s = release(st, ms_.cash, sell->owner, pay); !s) return s;
    if (auto s = release(st, ms_.cash, buy->owner, refund); !s) return s;
    for (auto [id, left] : {std::pair{f.maker, f.maker_left}, std::pair{f.taker, f.taker_left}}) {
      Json rec = record(id);
      rec["open"] = left;
      rec["filled"] = rec["filled"].get<Qty>() + f.qty;
      rec["notional"] = u64_text(parse_u64_or0(rec["notional"].get<std::string>()) + pay);
      if (left == 0) rec["status"] = "filled";
      rec["updated_ms"] = env_->time_ms;
      put_record(id, rec);
      open_[id].open = left;
    }
    record_trade(f.price, f.qty, kind, u64_text(buy_id), u64_text(sell_id), buy->owner,
                 sell->owner);
  }
  return ok_status();
}

Status Ledger::remove(OrderId id, std::string_view status) {
  const OpenOrder* o = order(id);
  auto found = book_->find(id);
  if (!o || !found)
    return err("market.unknown_order", "order " + u64_text(id) + " is not open", 404);
  if (auto s = book_->cancel(id, found->owner); !s) return s.error();
  uint64_t amount = reservation(o->side, o->price, found->qty);
  if (auto s = release(env_->st, o->side == Side::buy ? ms_.cash : ms_.id, o->owner, amount); !s)
    return s;
  Json rec = record(id);
  rec["open"] = 0;
  rec["status"] = status;
  rec["updated_ms"] = env_->time_ms;
  put_record(id, rec);
  open_[id].open = 0;
  env_->touch(o->owner);
  return ok_status();
}

Status Ledger::expire_all() {
  for (const auto& o : book_->orders())
    if (auto s = remove(o.id, "expired"); !s) return s;
  return ok_status();
}

Status Ledger::step() {
  std::vector<Fill> fills;
  switch (ms_.phase) {
    case Phase::before:
      book_->begin_auction();
      ms_.phase = Phase::pre_open;
      return ok_status();
    case Phase::pre_open: {
      auto c = book_->uncross(ms_.cfg.base_price, fills);
      if (!c) return c.error();
      ms_.phase = Phase::continuous;
      return settle(fills, "open");
    }
    case Phase::continuous:
      book_->begin_auction();
      ms_.phase = Phase::closing;
      return ok_status();
    case Phase::closing: {
      auto c = book_->uncross(ms_.last ? ms_.last : ms_.cfg.base_price, fills);
      if (!c) return c.error();
      ms_.phase = Phase::closed;
      if (auto s = settle(fills, "close"); !s) return s;
      surveillance::on_close(*env_, ms_);  // stabilization triggers (market_surveillance.cpp)
      // Day orders: what is left expires; the close is the next day's base price.
      if (auto s = expire_all(); !s) return s;
      if (ms_.last > 0) {
        ms_.cfg.base_price = ms_.last;
        if (auto s = book_->set_base_price(ms_.last); !s) return s;
      }
      return ok_status();
    }
    case Phase::closed:
      return ok_status();
  }
  return ok_status();
}

Status Ledger::advance() {
  auto [day, phase] = session_at(ms_.sched, env_->time_ms);
  if (day < ms_.day) return ok_status();  // block time never runs backwards; stay put if it did
  if (day > ms_.day) {
    // Finish the stored day (a day with no market tx after its close still closes), then start
    // the new one from the beginning.
    if (ms_.phase != Phase::before)
      while (ms_.phase != Phase::closed)
        if (auto s = step(); !s) return s;
    ms_.day = day;
    ms_.phase = Phase::before;
    ms_.last = 0;
  }
  while (ms_.phase < phase)
    if (auto s = step(); !s) return s;
  return ok_status();
}

void Ledger::save() {
  Overlay& st = env_->st;
  std::vector<OpenOrder> list;
  std::map<std::string, int64_t> after;
  for (const auto& o : book_->orders()) {
    const std::string& owner = owners_.at(o.owner);
    list.push_back({o.id, owner, o.side, o.price, o.qty, o.seq});
    ++after[owner];
  }
  st.put("mkt/book/" + ms_.id, book_text(list));
  // Open-order counts per owner: apply the change of this market's share.
  std::map<std::string, int64_t> delta = after;
  for (const auto& [owner, n] : before_) delta[owner] -= n;
  for (const auto& [owner, d] : delta) {
    if (d == 0) continue;
    std::string k = "mkt/open/" + owner;
    int64_t n = static_cast<int64_t>(parse_u64_or0(st.get(k))) + d;
    if (n <= 0)
      st.erase(k);
    else
      st.put(k, u64_text(static_cast<uint64_t>(n)));
  }
  before_ = std::move(after);
  ms_.next_seq = book_->next_seq();
  st.put("mkt/m/" + ms_.id, ms_.to_json().dump());
}

}  // namespace tanso::market
