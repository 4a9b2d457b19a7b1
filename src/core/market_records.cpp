// Order, trade and day records of the market written and read without the JSON library
// (core/market_records.h): the same text nlohmann's dump() writes.
#include "core/market_records.h"

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tanso::market {
namespace {

using Json = nlohmann::json;

// Characters a JSON string holds as they are (dump() escapes the rest; it also writes every
// byte >= 0x80 as it is when the text is valid UTF-8, which the fallback handles).
bool plain(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80 || c == '"' ||
        c == '\\')
      return false;
  return true;
}

// Writes into a buffer sized beforehand: literal pieces, plain strings and decimals.
struct Writer {
  char* p;
  void lit(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void str(std::string_view s) {
    *p++ = '"';
    lit(s);
    *p++ = '"';
  }
  template <typename T>
  void num(T v) {
    p = std::to_chars(p, p + 24, v).ptr;
  }
};

template <typename T>
void num(std::string& o, T v) {
  char b[24];
  auto [e, ec] = std::to_chars(b, b + sizeof b, v);
  o.append(b, e);
}

void key(std::string& o, std::string_view k) {
  o += '"';
  o += k;
  o += "\":";
}

// Walks a flat object of "key":value pairs as the writers above give them: values are unescaped
// strings or unsigned integers. false on anything else (the caller then asks the JSON library).
class Flat {
 public:
  explicit Flat(std::string_view t) : t_(t) {}
  bool open() { return eat('{'); }
  // The next pair with key `k` (fields come in the writers' order).
  bool str(std::string_view k, std::string_view& v) {
    if (!name(k) || !eat('"')) return false;
    size_t e = t_.find('"', p_);
    if (e == std::string_view::npos) return false;
    v = t_.substr(p_, e - p_);
    p_ = e + 1;
    return plain(v) && sep();  // escapes, control bytes, UTF-8: left to the library
  }
  template <typename T>
  bool u(std::string_view k, T& v) {
    if (!name(k)) return false;
    auto [end, ec] = std::from_chars(t_.data() + p_, t_.data() + t_.size(), v);
    if (ec != std::errc() || end == t_.data() + p_ || t_[p_] == '-' ||
        (t_[p_] == '0' && end != t_.data() + p_ + 1))  // JSON has no leading zeros
      return false;
    p_ = static_cast<size_t>(end - t_.data());
    return sep();
  }
  bool ustr(std::string_view k, uint64_t& v) {  // a decimal in a string
    std::string_view s;
    if (!str(k, s) || s.empty() || (s[0] == '0' && s.size() > 1)) return false;
    return std::from_chars(s.data(), s.data() + s.size(), v).ptr == s.data() + s.size();
  }
  bool peek(std::string_view k) const { return t_.substr(p_).starts_with("\"" + std::string(k)); }
  bool done() const { return closed_ && p_ == t_.size(); }

 private:
  bool eat(char c) {
    if (p_ >= t_.size() || t_[p_] != c) return false;
    ++p_;
    return true;
  }
  bool name(std::string_view k) {
    if (closed_ || !eat('"') || t_.substr(p_, k.size()) != k) return false;
    p_ += k.size();
    return eat('"') && eat(':');
  }
  bool sep() {
    if (eat(',')) return true;
    closed_ = eat('}');
    return closed_;
  }
  std::string_view t_;
  size_t p_ = 0;
  bool closed_ = false;
};

uint64_t dec(const Json& j) {
  const std::string& s = j.get_ref<const std::string&>();
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  if (plain(s)) {
    out += '"';
    out += s;
    out += '"';
  } else {
    out += Json(std::string(s)).dump();
  }
}

std::string OrderRecord::to_text() const {
  std::string o;
  if (plain(owner) && plain(status) && (!client_id || plain(*client_id))) {
    // The common case: into a buffer sized beforehand (numbers are at most 20 digits).
    o.resize(260 + owner.size() + status.size() + (client_id ? client_id->size() : 0));
    Writer w{o.data()};
    if (client_id)
      w.lit("{\"client_id\":"), w.str(*client_id), w.lit(",\"filled\":");
    else
      w.lit("{\"filled\":");
    w.num(filled);
    w.lit(",\"notional\":\""), w.num(notional);
    w.lit("\",\"open\":"), w.num(open);
    w.lit(",\"owner\":"), w.str(owner);
    w.lit(",\"placed_ms\":"), w.num(placed_ms);
    w.lit(",\"price\":"), w.num(price);
    w.lit(",\"qty\":"), w.num(qty);
    w.lit(",\"seq\":"), w.num(seq);
    w.lit(side == Side::buy ? ",\"side\":\"buy\",\"status\":" : ",\"side\":\"sell\",\"status\":");
    w.str(status);
    w.lit(",\"updated_ms\":"), w.num(updated_ms);
    w.lit("}");
    o.resize(static_cast<size_t>(w.p - o.data()));
    return o;
  }
  o += '{';
  if (client_id) {
    key(o, "client_id");
    append_json_string(o, *client_id);
    o += ',';
  }
  key(o, "filled"), num(o, filled), o += ',';
  key(o, "notional"), o += '"', num(o, notional), o += "\",";
  key(o, "open"), num(o, open), o += ',';
  key(o, "owner"), append_json_string(o, owner), o += ',';
  key(o, "placed_ms"), num(o, placed_ms), o += ',';
  key(o, "price"), num(o, price), o += ',';
  key(o, "qty"), num(o, qty), o += ',';
  key(o, "seq"), num(o, seq), o += ',';
  key(o, "side"), o += side == Side::buy ? "\"buy\"," : "\"sell\",";
  key(o, "status"), append_json_string(o, status), o += ',';
  key(o, "updated_ms"), num(o, updated_ms), o += '}';
  return o;
}

std::optional<OrderRecord> OrderRecord::parse(std::string_view text) {
  OrderRecord r;
  Flat f(text);
  std::string_view cid, owner, side, status;
  bool ok = f.open();
  if (ok && f.peek("client_id\"")) ok = f.str("client_id", cid) && (r.client_id = cid, true);
  ok = ok && f.u("filled", r.filled) && f.ustr("notional", r.notional) && f.u("open", r.open) &&
       f.str("owner", owner) && f.u("placed_ms", r.placed_ms) && f.u("price", r.price) &&
       f.u("qty", r.qty) && f.u("seq", r.seq) && f.str("side", side) && f.str("status", status) &&
       f.u("updated_ms", r.updated_ms) && f.done() && (side == "buy" || side == "sell");
  if (ok) {
    r.owner = owner;
    r.side = side == "buy" ? Side::buy : Side::sell;
    r.status = status;
    return r;  // exactly the form this writer gives (fields, order, plain strings, integers)
  }
  // Anything else: the JSON library reads it.
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    OrderRecord x;
    x.owner = j.at("owner").get<std::string>();
    x.side = j.at("side") == "buy" ? Side::buy : Side::sell;
    x.price = j.at("price").get<Price>();
    x.qty = j.at("qty").get<Qty>();
    x.seq = j.at("seq").get<Seq>();
    x.open = j.at("open").get<Qty>();
    x.filled = j.at("filled").get<Qty>();
    x.notional = dec(j.at("notional"));
    x.status = j.at("status").get<std::string>();
    if (j.contains("client_id")) x.client_id = j["client_id"].get<std::string>();
    x.placed_ms = j.at("placed_ms").get<uint64_t>();
    x.updated_ms = j.at("updated_ms").get<uint64_t>();
    return x;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::string trade_text(Price price, Qty qty, uint64_t t, std::string_view kind,
                       std::string_view buy, std::string_view sell, std::string_view buyer,
                       std::string_view seller) {
  std::string o;
  if (plain(buy) && plain(sell) && plain(buyer) && plain(seller) && plain(kind)) {
    o.resize(160 + buy.size() + sell.size() + buyer.size() + seller.size() + kind.size());
    Writer w{o.data()};
    w.lit("{\"buy\":"), w.str(buy);
    w.lit(",\"buyer\":"), w.str(buyer);
    w.lit(",\"kind\":"), w.str(kind);
    w.lit(",\"price\":"), w.num(price);
    w.lit(",\"qty\":"), w.num(qty);
    w.lit(",\"sell\":"), w.str(sell);
    w.lit(",\"seller\":"), w.str(seller);
    w.lit(",\"t\":"), w.num(t);
    w.lit("}");
    o.resize(static_cast<size_t>(w.p - o.data()));
    return o;
  }
  o += '{';
  key(o, "buy"), append_json_string(o, buy), o += ',';
  key(o, "buyer"), append_json_string(o, buyer), o += ',';
  key(o, "kind"), append_json_string(o, kind), o += ',';
  key(o, "price"), num(o, price), o += ',';
  key(o, "qty"), num(o, qty), o += ',';
  key(o, "sell"), append_json_string(o, sell), o += ',';
  key(o, "seller"), append_json_string(o, seller), o += ',';
  key(o, "t"), num(o, t), o += '}';
  return o;
}

std::string DayStats::to_text() const {
  std::string o;
  o.reserve(120);
  o += '{';
  key(o, "close"), num(o, close), o += ',';
  key(o, "high"), num(o, high), o += ',';
  key(o, "low"), num(o, low), o += ',';
  key(o, "open"), num(o, open), o += ',';
  key(o, "trades"), num(o, trades), o += ',';
  key(o, "turnover"), o += '"', num(o, turnover), o += "\",";
  key(o, "volume"), num(o, volume), o += '}';
  return o;
}

std::optional<DayStats> DayStats::parse(std::string_view text) {
  DayStats d;
  Flat f(text);
  if (f.open() && f.u("close", d.close) && f.u("high", d.high) && f.u("low", d.low) &&
      f.u("open", d.open) && f.u("trades", d.trades) && f.ustr("turnover", d.turnover) &&
      f.u("volume", d.volume) && f.done())
    return d;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    DayStats x;
    x.open = j.at("open").get<Price>();
    x.high = j.at("high").get<Price>();
    x.low = j.at("low").get<Price>();
    x.close = j.at("close").get<Price>();
    x.volume = j.at("volume").get<uint64_t>();
    x.trades = j.at("trades").get<uint64_t>();
    x.turnover = dec(j.at("turnover"));
    return x;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace tanso::market
