// Market state on the ledger: the stored market (config, schedule, session), the book loaded from
// and saved to state for one tx, the session steps by block time, and delivery-versus-payment
// settlement out of the @market escrow (core/market.h).
#include "core/market_ledger.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/holdings.h"
#include "core/json_fast.h"
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

namespace {
// Writes into a buffer sized beforehand: literal pieces and decimals, no reallocation.
struct Writer {
  char* p;
  void lit(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  template <typename T>
  void num(T v) {
    p = std::to_chars(p, p + 24, v).ptr;
  }
  void str(const std::string& s) {  // only for strings JSON holds as they are (plain_id)
    *p++ = '"';
    lit(s);
    *p++ = '"';
  }
};
// Identifiers need no escaping in JSON (what dump() writes for them is the quoted text).
bool plain_id(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80 || c == '"' ||
        c == '\\')
      return false;
  return true;
}
}  // namespace

std::string MarketState::to_text() const {
  // The fields in the order Json (a std::map) dumps them; strings other than plain identifiers
  // (never written by the ledger: ids are validated) go through the JSON writer.
  if (!plain_id(cash) || !plain_id(created_by) || !plain_id(id)) return to_json().dump();
  std::string o(400 + cash.size() + created_by.size() + id.size(), '\0');
  Writer w{o.data()};
  w.lit("{\"band_bps\":"), w.num(cfg.band_bps);
  w.lit(",\"base_price\":"), w.num(cfg.base_price);
  w.lit(",\"cash\":"), w.str(cash);
  w.lit(",\"created_by\":"), w.str(created_by);
  w.lit(",\"day\":"), w.num(day);
  w.lit(",\"last\":"), w.num(last);
  w.lit(",\"market\":"), w.str(id);
  w.lit(",\"max_qty\":"), w.num(cfg.max_qty);
  w.lit(",\"next_id\":"), w.num(next_id);
  w.lit(",\"next_seq\":"), w.num(next_seq);
  w.lit(",\"next_trade\":"), w.num(next_trade);
  w.lit(",\"phase\":"), w.num(static_cast<int>(phase));
  w.lit(",\"schedule\":{\"close_auction_ms\":"), w.num(sched.close_auction_ms);
  w.lit(",\"close_ms\":"), w.num(sched.close_ms);
  w.lit(",\"lock_ms\":"), w.num(sched.lock_ms);
  w.lit(",\"open_ms\":"), w.num(sched.open_ms);
  w.lit(",\"pre_open_ms\":"), w.num(sched.pre_open_ms);
  w.lit(",\"utc_offset_min\":"), w.num(sched.utc_offset_min);
  w.lit(sched.weekdays_only ? ",\"weekdays_only\":true}" : ",\"weekdays_only\":false}");
  w.lit(",\"tick\":"), w.num(cfg.tick);
  w.lit("}");
  o.resize(static_cast<size_t>(w.p - o.data()));
  return o;
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
  std::string out(20, '0');  // 2^64 has 20 digits
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::copy(buf, end, out.end() - (end - buf));
  return out;
}

std::string order_key(std::string_view market, OrderId id) {
  return "mkt/o/" + std::string(market) + "/" + pad20(id);
}

std::string side_text(Side s) { return s == Side::buy ? "buy" : "sell"; }

uint64_t open_count(const StateReader& st, std::string_view account) {
  return parse_u64_or0(st.get("mkt/open/" + std::string(account)));
}

// The stored market state read back without a JSON parser when it is in exactly the form
// to_text() writes (every field in its order, plain strings, canonical integers); nullopt
// otherwise (the caller parses it as JSON). One pass.
static std::optional<MarketState> from_text(std::string_view t) {
  if (t.find('\\') != std::string_view::npos) return std::nullopt;  // escapes: leave to JSON
  MarketState m;
  size_t p = 0;
  bool ok = true;
  // Expects `"k":` at p and returns the raw value up to the next ',' or '}' (unquoted).
  auto field = [&](std::string_view k) -> std::string_view {
    if (!ok) return {};
    if (t.size() < p + k.size() + 4 || (t[p] != ',' && t[p] != '{') || t[p + 1] != '"' ||
        t.substr(p + 2, k.size()) != k || t[p + 2 + k.size()] != '"' ||
        t[p + 3 + k.size()] != ':') {
      ok = false;
      return {};
    }
    p += k.size() + 4;  // past the separator before it, the quoted key and ':'
    size_t e = p;
    if (e < t.size() && t[e] == '"') {
      e = t.find('"', e + 1);
      if (e == std::string_view::npos) {
        ok = false;
        return {};
      }
      std::string_view v = t.substr(p + 1, e - p - 1);
      p = e + 1;
      if (!plain_id(v)) ok = false;  // raw control bytes: not JSON; UTF-8: leave to the library
      return v;
    }
    if (e < t.size() && t[e] == '{') {  // the schedule: its fields follow
      p = e;
      return t.substr(e, 1);
    }
    while (e < t.size() && t[e] != ',' && t[e] != '}') ++e;
    std::string_view v = t.substr(p, e - p);
    p = e;
    return v;
  };
  // JSON integers: no leading zeros (from_chars would take them), no '+'.
  auto num = [&](std::string_view k, auto& x) {
    std::string_view v = field(k);
    std::string_view digits = !v.empty() && v[0] == '-' ? v.substr(1) : v;
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0') ||
        std::from_chars(v.data(), v.data() + v.size(), x).ptr != v.data() + v.size())
      ok = false;
  };
  int phase = 0;
  if (t.empty() || t[0] != '{') return std::nullopt;
  p = 0;  // field() skips one separator ('{' or ',') before each key
  num("band_bps", m.cfg.band_bps);
  num("base_price", m.cfg.base_price);
  m.cash = field("cash");
  m.created_by = field("created_by");
  num("day", m.day);
  num("last", m.last);
  m.id = field("market");
  num("max_qty", m.cfg.max_qty);
  num("next_id", m.next_id);
  num("next_seq", m.next_seq);
  num("next_trade", m.next_trade);
  num("phase", phase);
  field("schedule");
  num("close_auction_ms", m.sched.close_auction_ms);
  num("close_ms", m.sched.close_ms);
  num("lock_ms", m.sched.lock_ms);
  num("open_ms", m.sched.open_ms);
  num("pre_open_ms", m.sched.pre_open_ms);
  num("utc_offset_min", m.sched.utc_offset_min);
  std::string_view wd = field("weekdays_only");
  if (wd != "true" && wd != "false") ok = false;
  m.sched.weekdays_only = wd == "true";
  if (!ok || p >= t.size() || t[p] != '}') return std::nullopt;
  ++p;  // the schedule's '}'
  num("tick", m.cfg.tick);
  m.phase = static_cast<Phase>(phase);
  // Exactly the object to_text() writes (every field, in its order, nothing after).
  if (!ok || p + 1 != t.size() || t[p] != '}' || phase < 0 || phase > 4) return std::nullopt;
  return m;
}

std::optional<MarketState> load_market(const StateReader& st, std::string_view market) {
  auto v = st.get("mkt/m/" + std::string(market));
  if (!v) return std::nullopt;
  if (auto m = from_text(*v)) return m;
  auto j = parse_json_fast(*v, 8);  // a value the ledger wrote; the library parser otherwise
  auto m = MarketState::from_json(j ? *j : Json::parse(*v));
  if (!m) return std::nullopt;
  return *m;
}

// The book, one key per open order: mkt/bk/<market>/<b|s>/<price key>/<seq> = "<id> <owner>
// <open>" (decimal; owners are identifiers, which hold no space), where the price key is the
// price for asks and kPriceMax - price for bids, both 20-digit zero-padded, so each side's keys
// sort in priority order (best price first, then arrival). An order's entry is found by id
// through its record (mkt/o: side, price and seq give the slot).
std::string book_prefix(std::string_view market) { return "mkt/bk/" + std::string(market) + "/"; }

std::string book_slot(Side s, Price p, Seq seq) {
  std::string out = s == Side::buy ? "b/" : "s/";
  out += pad20(static_cast<uint64_t>(s == Side::buy ? kPriceMax - p : p));
  out += '/';
  out += pad20(seq);
  return out;
}

std::optional<OpenOrder> parse_book_entry(std::string_view slot, std::string_view value) {
  // slot: "<b|s>/<20 digits>/<20 digits>"
  if (slot.size() != 43 || (slot[0] != 'b' && slot[0] != 's') || slot[1] != '/' || slot[22] != '/')
    return std::nullopt;
  OpenOrder o;
  o.side = slot[0] == 'b' ? Side::buy : Side::sell;
  uint64_t pk = 0;
  if (std::from_chars(slot.data() + 2, slot.data() + 22, pk).ptr != slot.data() + 22)
    return std::nullopt;
  o.price = o.side == Side::buy ? kPriceMax - static_cast<Price>(pk) : static_cast<Price>(pk);
  if (std::from_chars(slot.data() + 23, slot.data() + 43, o.seq).ptr != slot.data() + 43)
    return std::nullopt;
  size_t a = value.find(' ');
  size_t b = a == std::string_view::npos ? a : value.find(' ', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  if (std::from_chars(value.data(), value.data() + a, o.id).ptr != value.data() + a)
    return std::nullopt;
  o.owner = std::string(value.substr(a + 1, b - a - 1));
  if (std::from_chars(value.data() + b + 1, value.data() + value.size(), o.open).ptr !=
      value.data() + value.size())
    return std::nullopt;
  return o;
}

std::vector<OpenOrder> load_open_orders(const StateReader& st, std::string_view market) {
  std::vector<OpenOrder> out;
  std::string prefix = book_prefix(market);
  for (auto c = st.seek(prefix, prefix); c->valid(); c->next())
    if (auto o = parse_book_entry(std::string_view(c->key()).substr(prefix.size()), c->value()))
      out.push_back(std::move(*o));
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
  if (l.ms_.phase == Phase::pre_open || l.ms_.phase == Phase::closing) l.book_->begin_auction();
  return l;
}

Status Ledger::restore(std::string_view key, std::string_view value) {
  auto o = parse_book_entry(key.substr(book_prefix(ms_.id).size()), value);
  if (!o) return err("market.corrupt_book", "bad book entry " + std::string(key), 500);
  if (open_.contains(o->id)) return ok_status();
  OwnerId oid = owner_id(o->owner);
  if (auto s = book_->restore({o->id, oid, o->side, o->price, o->open, o->seq}); !s)
    return s.error();
  ++before_[o->owner];
  stored_[o->id] = *o;
  open_[o->id] = std::move(*o);
  return ok_status();
}

Status Ledger::load_all() {
  if (all_loaded_) return ok_status();
  std::vector<std::pair<std::string, std::string>> entries;  // no writes while walking
  std::string prefix = book_prefix(ms_.id);
  for (auto c = env_->st.seek(prefix, prefix); c->valid(); c->next())
    entries.emplace_back(c->key(), c->value());
  for (const auto& [k, v] : entries)
    if (auto s = restore(k, v); !s) return s;
  all_loaded_ = true;
  return ok_status();
}

Result<bool> Ledger::load_order(OrderId id) {
  if (open_.contains(id)) return book_->find(id).has_value();
  // The order record says whether the order is open and where its book entry is.
  auto rec = record(id, /*must_exist=*/false);
  if (!rec) return rec.error();
  if (!*rec || (*rec)->status != "open") return false;
  std::string key = book_prefix(ms_.id) + book_slot((*rec)->side, (*rec)->price, (*rec)->seq);
  auto v = env_->st.get(key);
  if (!v) return err("market.corrupt_book", "order " + u64_text(id) + " has no book entry", 500);
  if (auto s = restore(key, *v); !s) return s.error();
  return true;
}

Status Ledger::load_crossing(Side side, Price price, Qty qty) {
  if (all_loaded_ || book_->mode() == Mode::auction) return ok_status();
  Side opp = side == Side::buy ? Side::sell : Side::buy;
  std::string prefix = book_prefix(ms_.id) + (opp == Side::buy ? "b/" : "s/");
  // The opposite side's entries cross while their price is at or better than ours: asks up to
  // our bid, bids down to our ask. Key order is priority order, so stop at the first that does
  // not cross, or once the quantity seen covers ours.
  std::string last = prefix + book_slot(opp, price, UINT64_MAX).substr(2);
  std::vector<std::pair<std::string, std::string>> entries;
  Qty seen = 0;
  for (auto c = env_->st.seek(prefix, prefix); c->valid() && seen < qty; c->next()) {
    if (c->key() > last) break;
    entries.emplace_back(c->key(), c->value());
    auto o = parse_book_entry(std::string_view(c->key()).substr(prefix.size() - 2), c->value());
    if (!o) return err("market.corrupt_book", "bad book entry " + c->key(), 500);
    seen += o->open;
  }
  for (const auto& [k, v] : entries)
    if (auto s = restore(k, v); !s) return s;
  return ok_status();
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

Result<OrderRecord*> Ledger::record(OrderId id, bool must_exist) {
  auto it = records_.find(id);
  if (it == records_.end()) {
    auto v = env_->st.get(order_key(ms_.id, id));
    if (!v && !must_exist) return nullptr;
    auto rec = v ? OrderRecord::parse(*v) : std::nullopt;
    if (!rec)
      return err("market.corrupt_book", "order " + u64_text(id) + " has no readable record", 500);
    it = records_.emplace(id, std::pair{std::move(*rec), false}).first;
  }
  return &it->second.first;
}

void Ledger::record_trade(Price price, Qty qty, std::string_view kind, const std::string& buy,
                          const std::string& sell, const std::string& buyer,
                          const std::string& seller) {
  Overlay& st = env_->st;
  st.put("mkt/t/" + ms_.id + "/" + pad20(ms_.next_trade++),
         trade_text(price, qty, env_->time_ms, kind, buy, sell, buyer, seller));
  env_->touch(buyer);
  env_->touch(seller);
  surveillance::on_trade(*env_, ms_, buyer);  // large positions (market_surveillance.cpp)
  if (kind == "otc") return;
  ms_.last = price;
  std::string dk = "mkt/day/" + ms_.id + "/" + civil_date(ms_.day);
  uint64_t notional = static_cast<uint64_t>(price) * static_cast<uint64_t>(qty);
  // This tx's stats of the day so far (save() writes them), else the stored ones, else new.
  auto it = days_.find(dk);
  if (it == days_.end()) {
    std::optional<DayStats> stored;
    if (auto v = st.get(dk)) stored = DayStats::parse(*v);
    if (!stored) {
      days_.emplace(dk,
                    DayStats{price, price, price, price, static_cast<uint64_t>(qty), 1, notional});
      record_trade_data(st, ms_.id, env_->time_ms, ms_.day, price, qty);  // core/market_data.h
      return;
    }
    it = days_.emplace(dk, *stored).first;
  }
  DayStats& d = it->second;
  d.high = std::max(d.high, price);
  d.low = std::min(d.low, price);
  d.close = price;
  d.volume += static_cast<uint64_t>(qty);
  d.turnover += notional;
  d.trades += 1;
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
      auto rec = record(id);
      if (!rec) return rec.error();
      OrderRecord& r = **rec;
      r.open = left;
      r.filled += f.qty;
      r.notional += pay;
      if (left == 0) r.status = "filled";
      r.updated_ms = env_->time_ms;
      changed(id);
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
  auto rec = record(id);
  if (!rec) return rec.error();
  (*rec)->open = 0;
  (*rec)->status = status;
  (*rec)->updated_ms = env_->time_ms;
  changed(id);
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
  if (auto s = load_all(); !s) return s;  // uncross and expiry need the whole book
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
      // The triggers read the day's stats from state: write this tx's so far first.
      for (const auto& [k, d] : days_) env_->st.put(k, d.to_text());
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
  std::string prefix = book_prefix(ms_.id);
  std::map<std::string, int64_t> after;
  // Only the orders this tx loaded or placed can have changed; write those that did.
  for (const auto& [id, o] : open_) {
    auto now = book_->find(id);
    auto was = stored_.find(id);
    std::string old_slot =
        was == stored_.end() ? "" : book_slot(o.side, was->second.price, was->second.seq);
    if (!now) {
      if (was == stored_.end()) continue;
      st.erase(prefix + old_slot);
      stored_.erase(was);
      continue;
    }
    ++after[o.owner];
    std::string slot = book_slot(now->side, now->price, now->seq);
    bool moved = slot != old_slot;
    if (moved && !old_slot.empty()) st.erase(prefix + old_slot);
    if (moved || was->second.open != now->qty)
      st.put(prefix + slot, u64_text(id) + " " + o.owner + " " + u64_text(now->qty));
    if (moved) {  // a new order, or an amend that lost priority: the record keeps the slot
      if (auto rec = record(id); rec) {  // the tx has it already (placed or amended)
        (*rec)->seq = now->seq;
        changed(id);
      }
    }
    stored_[id] = {id, o.owner, now->side, now->price, now->qty, now->seq};
  }
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
  for (auto& [id, rec] : records_)
    if (rec.second) {
      st.put(order_key(ms_.id, id), rec.first.to_text());
      rec.second = false;
    }
  for (const auto& [k, d] : days_) st.put(k, d.to_text());
  ms_.next_seq = book_->next_seq();
  st.put("mkt/m/" + ms_.id, ms_.to_text());
}

}  // namespace tanso::market
