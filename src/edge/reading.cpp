// The sensor reading protocol: topic parsing, strict message decoding, signing and verification
// (docs/SENSOR_PROTOCOL.md).
#include "edge/reading.h"

#include "core/json_fast.h"
#include "core/merkle.h"
#include "core/tx.h"

namespace tanso::edge {
namespace {

constexpr std::string_view domain_tag = "tanso/reading/v1";
constexpr size_t depth_max = 4;

Error malformed(const std::string& what) { return err("reading.malformed", what); }

bool known_unit(std::string_view u) {
  return u == "Nm3" || u == "kWh" || u == "MWh" || u == "kg" || u == "t";
}

// A JSON integer in [lo, hi] (not a float, not a string).
std::optional<uint64_t> json_int(const nlohmann::json& v, uint64_t lo, uint64_t hi) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) {
    uint64_t x = v.get<uint64_t>();
    if (x < lo || x > hi) return std::nullopt;
    return x;
  }
  int64_t x = v.get<int64_t>();
  if (x < 0 || static_cast<uint64_t>(x) < lo || static_cast<uint64_t>(x) > hi) return std::nullopt;
  return static_cast<uint64_t>(x);
}

// Parses `text` as a JSON object with exactly the `keys` (strict: no duplicates, depth-limited).
std::optional<nlohmann::json> strict_object(std::string_view text,
                                            std::initializer_list<std::string_view> keys) {
  auto p = parse_json_checked(text, depth_max);
  if (!p.valid || p.too_deep || p.duplicate || !p.value.is_object()) return std::nullopt;
  if (p.value.size() != keys.size()) return std::nullopt;
  for (auto k : keys)
    if (!p.value.contains(k)) return std::nullopt;
  return std::move(p.value);
}

}  // namespace

std::optional<Topic> parse_topic(std::string_view topic) {
  constexpr std::string_view prefix = "tanso/";
  if (!topic.starts_with(prefix)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  auto slash = topic.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Topic t{std::string(topic.substr(0, slash)), std::string(topic.substr(slash + 1))};
  if (!valid_id(t.installation) || !valid_id(t.device)) return std::nullopt;
  return t;
}

std::string topic_for(std::string_view installation, std::string_view device) {
  return "tanso/" + std::string(installation) + "/" + std::string(device);
}

Bytes reading_signing_message(std::string_view reading_text) {
  Bytes m;
  m.reserve(domain_tag.size() + 1 + reading_text.size());
  put_bytes(m, as_bytes(domain_tag));
  m.push_back(0);
  put_bytes(m, as_bytes(reading_text));
  return m;
}

Result<Reading> decode_reading_message(std::string_view message) {
  if (message.size() > reading_message_max)
    return err("reading.too_large", "reading message of " + std::to_string(message.size()) +
                                        " bytes exceeds " + std::to_string(reading_message_max));
  auto env = strict_object(message, {"reading", "sig"});
  if (!env) return malformed("message must be a JSON object with exactly \"reading\" and \"sig\"");
  const auto& rt = (*env)["reading"];
  const auto& st = (*env)["sig"];
  if (!rt.is_string()) return malformed("\"reading\" must be a string holding the reading JSON");
  if (!st.is_string() || st.get_ref<const std::string&>().size() != 128)
    return malformed("\"sig\" must be 128 lower-case hex digits");
  Reading r;
  const auto& sig_hex = st.get_ref<const std::string&>();
  for (char c : sig_hex)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return malformed("\"sig\" must be 128 lower-case hex digits");
  auto sig = from_hex(sig_hex);
  if (!sig || sig->size() != r.sig.size()) return malformed("\"sig\" is not hex");
  std::copy(sig->begin(), sig->end(), r.sig.begin());

  r.text = rt.get<std::string>();
  auto body = strict_object(r.text, {"device", "seq", "time", "value", "unit"});
  if (!body)
    return malformed(
        "reading must be a JSON object with exactly device, seq, time, value and unit");
  const auto& b = *body;
  if (!b["device"].is_string() || !valid_id(b["device"].get_ref<const std::string&>()))
    return malformed("\"device\" must be an id (1-64 of A-Z a-z 0-9 . _ : -)");
  r.device = b["device"].get<std::string>();
  auto seq = json_int(b["seq"], 1, reading_seq_max);
  if (!seq) return malformed("\"seq\" must be an integer from 1 to 2^53-1");
  r.seq = *seq;
  auto time = json_int(b["time"], 0, reading_seq_max);
  if (!time) return malformed("\"time\" must be an integer, milliseconds since 1970 UTC");
  r.time_ms = *time;
  const auto& v = b["value"];
  std::optional<uint64_t> milli;
  if (v.is_string()) milli = parse_decimal_milli(v.get_ref<const std::string&>());
  if (!milli || *milli > reading_value_milli_max)
    return err("reading.bad_value",
               "\"value\" must be a decimal string (e.g. \"12.345\", at most 3 fraction digits, "
               "at most 10^12)");
  r.value_milli = *milli;
  if (!b["unit"].is_string() || !known_unit(b["unit"].get_ref<const std::string&>()))
    return err("reading.bad_unit", "\"unit\" must be one of Nm3, kWh, MWh, kg, t");
  r.unit = b["unit"].get<std::string>();
  return r;
}

bool verify_reading(const Reading& r, const PublicKey& device_key) {
  return verify(device_key, reading_signing_message(r.text), r.sig);
}

std::string reading_text(std::string_view device, uint64_t seq, uint64_t time_ms,
                         uint64_t value_milli, std::string_view unit) {
  nlohmann::json dev = std::string(device), u = std::string(unit);
  return "{\"device\":" + dev.dump() + ",\"seq\":" + std::to_string(seq) +
         ",\"time\":" + std::to_string(time_ms) + ",\"value\":\"" + format_milli(value_milli) +
         "\",\"unit\":" + u.dump() + "}";
}

std::string encode_reading_message(std::string_view text, const SecretKey& device_secret) {
  Signature s = sign(device_secret, reading_signing_message(text));
  nlohmann::json t = std::string(text);
  return "{\"reading\":" + t.dump() + ",\"sig\":\"" + to_hex(ByteView(s.data(), s.size())) + "\"}";
}

Hash reading_leaf(std::string_view text) { return merkle::leaf_hash(as_bytes(text)); }

std::optional<uint64_t> parse_decimal_milli(std::string_view s) {
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 13) return std::nullopt;
  if (whole.size() > 1 && whole[0] == '0') return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 3)) return std::nullopt;
  uint64_t v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  uint64_t f = 0;
  for (size_t i = 0; i < 3; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + static_cast<uint64_t>(c - '0');
  }
  return v * 1000 + f;
}

std::string format_milli(uint64_t milli) {
  std::string s = std::to_string(milli / 1000);
  uint64_t f = milli % 1000;
  if (f == 0) return s;
  std::string fs = std::to_string(f);
  fs.insert(0, 3 - fs.size(), '0');
  while (fs.back() == '0') fs.pop_back();
  return s + "." + fs;
}

}  // namespace tanso::edge
