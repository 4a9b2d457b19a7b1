// Strict decoding, signing and verification of transaction envelopes.
#include "core/tx.h"

#include <charconv>
#include <set>
#include <vector>

#include "core/json_fast.h"
#include "core/limits.h"

namespace tanso {

Bytes signing_message(std::string_view chain, std::string_view payload) {
  Bytes m;
  m.reserve(kTxDomain.size() + chain.size() + payload.size() + 2);
  put_bytes(m, as_bytes(kTxDomain));
  m.push_back(0);
  put_bytes(m, as_bytes(chain));
  m.push_back(0);
  put_bytes(m, as_bytes(payload));
  return m;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > limits::id_chars_max) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<uint64_t> json_u64(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0) return std::nullopt;
    return static_cast<uint64_t>(i);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

static Error malformed(std::string msg) { return err("tx.malformed", std::move(msg)); }

// Parses JSON refusing nesting deeper than 16 and repeated keys (see parse_json_checked).
// Used for the envelope and the payload.
static Result<Json> parse_strict(std::string_view text, std::string_view what,
                                 const char* not_json_code) {
  // Well-formed txs take the fast path; anything it does not accept exactly as the checked
  // parse would (errors included) is parsed again, so results and messages are the same.
  if (auto fast = parse_json_fast(text, limits::payload_depth_max)) return std::move(*fast);
  CheckedJson c = parse_json_checked(text, limits::payload_depth_max);
  if (text.find('\0') != std::string_view::npos)
    return err(not_json_code, std::string(what) + " is not valid JSON (it holds a NUL byte)");
  if (!c.valid) return err(not_json_code, std::string(what) + " is not valid JSON");
  if (c.too_deep) return malformed(std::string(what) + " nests JSON deeper than 16 levels");
  if (c.duplicate) return malformed(std::string(what) + " repeats a key within an object");
  return std::move(c.value);
}

static Result<Payload> decode_payload(std::string_view text) {
  auto parsed = parse_strict(text, "payload", "tx.malformed");
  if (!parsed) return parsed.error();
  Json& j = *parsed;
  if (!j.is_object()) return malformed("payload must be a JSON object");
  Payload p;
  int seen = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    Json& v = it.value();
    if (k == "chain") {
      if (!v.is_string()) return malformed("payload.chain must be a string");
      p.chain = v.get<std::string>();
    } else if (k == "type") {
      if (!v.is_string()) return malformed("payload.type must be a string");
      p.type = v.get<std::string>();
    } else if (k == "from") {
      if (!v.is_string() || !valid_id(v.get_ref<const std::string&>()))
        return malformed("payload.from must be an account id (1-64 of [A-Za-z0-9._:-])");
      p.from = v.get<std::string>();
    } else if (k == "nonce") {
      auto n = json_u64(v);
      if (!n || *n == 0) return malformed("payload.nonce must be a positive integer");
      p.nonce = *n;
    } else if (k == "expires") {
      auto n = json_u64(v);
      if (!n) return malformed("payload.expires must be a block height (unsigned integer)");
      p.expires = *n;
    } else if (k == "body") {
      if (!v.is_object()) return malformed("payload.body must be a JSON object");
      p.body = std::move(v);  // the parsed document is this function's own
    } else {
      return err("tx.unknown_field", "unknown payload field '" + k + "'");
    }
    ++seen;
  }
  if (seen != 6)
    return malformed("payload needs exactly chain, type, from, nonce, expires and body");
  if (p.type.empty() || p.type.size() > limits::id_chars_max)
    return malformed("payload.type must be 1-64 characters");
  return p;
}

Result<Tx> decode_tx(const Json& j, std::string envelope_text) {
  if (envelope_text.size() > limits::tx_bytes_max)
    return err("tx.oversized", "a transaction may be at most 65536 bytes", 413);
  if (!j.is_object()) return malformed("envelope must be a JSON object");
  Tx tx;
  bool have_payload = false, have_sigs = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "payload") {
      if (!v.is_string()) return malformed("envelope.payload must be a string holding JSON text");
      tx.payload_text = v.get<std::string>();
      have_payload = true;
    } else if (k == "signatures") {
      if (!v.is_array()) return malformed("envelope.signatures must be an array");
      if (v.empty())
        return err("tx.missing_signature", "the transaction carries no signature", 401);
      if (v.size() > limits::tx_signatures_max)
        return malformed("at most 16 signatures per transaction");
      for (const Json& s : v) {
        if (!s.is_object() || s.size() != 2 || !s.contains("key") || !s.contains("sig") ||
            !s["key"].is_string() || !s["sig"].is_string())
          return malformed("each signature is {\"key\": \"ed25519:<hex>\", \"sig\": \"<hex>\"}");
        auto pk = key_from_text(s["key"].get_ref<const std::string&>());
        if (!pk) return malformed("signature key must be 'ed25519:' and 64 hex digits");
        auto sig = from_hex(s["sig"].get_ref<const std::string&>());
        if (!sig || sig->size() != 64) return malformed("signature must be 128 hex digits");
        TxSignature ts;
        ts.key = *pk;
        std::copy(sig->begin(), sig->end(), ts.sig.begin());
        for (const auto& prev : tx.signatures)
          if (prev.key == ts.key) return malformed("the same key signed twice");
        tx.signatures.push_back(ts);
      }
      have_sigs = true;
    } else {
      return err("tx.unknown_field", "unknown envelope field '" + k + "'");
    }
  }
  if (!have_payload) return malformed("envelope.payload is missing");
  if (!have_sigs) return err("tx.missing_signature", "the transaction carries no signature", 401);
  auto p = decode_payload(tx.payload_text);
  if (!p) return p.error();
  tx.payload = std::move(*p);
  tx.id = sha256(signing_message(tx.payload.chain, tx.payload_text));
  tx.envelope = std::move(envelope_text);
  return tx;
}

Result<Tx> decode_tx(std::string_view envelope_json) {
  if (envelope_json.size() > limits::tx_bytes_max)
    return err("tx.oversized", "a transaction may be at most 65536 bytes", 413);
  auto j = parse_strict(envelope_json, "the envelope", "request.malformed_json");
  if (!j) return j.error();
  return decode_tx(*j, std::string(envelope_json));
}

bool verify_signatures(const Tx& tx) {
  Bytes m = signing_message(tx.payload.chain, tx.payload_text);
  for (const auto& s : tx.signatures)
    if (!verify(s.key, m, s.sig)) return false;
  return true;
}

std::string payload_text(const Payload& p) {
  Json j = {{"chain", p.chain}, {"type", p.type},       {"from", p.from},
            {"nonce", p.nonce}, {"expires", p.expires}, {"body", p.body}};
  return j.dump();
}

std::string sign_envelope(std::string_view payload, std::string_view chain,
                          const std::vector<const KeyPair*>& signers) {
  Bytes m = signing_message(chain, payload);
  Json sigs = Json::array();
  for (const KeyPair* kp : signers) {
    Signature s = sign(kp->secret, m);
    sigs.push_back({{"key", key_to_text(kp->pub)}, {"sig", to_hex(ByteView(s.data(), 64))}});
  }
  Json env = {{"payload", std::string(payload)}, {"signatures", sigs}};
  return env.dump();
}

}  // namespace tanso
