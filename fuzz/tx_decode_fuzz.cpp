// libFuzzer target: the transaction envelope and payload decoders, and each handler's body
// check, on arbitrary bytes. Beyond "no crash, no sanitizer report" it checks:
// - a refusal has a stable code from the decoder's set and a non-empty message;
// - an accepted tx's id is SHA-256 of its signing message, and decoding its stored envelope text
//   again gives the same id, payload fields and signatures (round trip);
// - the batch path: scan_array_field slices an accepted envelope out of {"txs":[...]} exactly;
// - the fast JSON path accepts only what the checked library parse accepts, with the same value
//   and the same types throughout, and accepts all of that unless it holds a non-integer number.
#include <cstdlib>
#include <set>
#include <string>

#include "core/crypto.h"
#include "core/json_fast.h"
#include "core/json_scan.h"
#include "core/module.h"
#include "core/tx.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::set<std::string> kCodes = {"request.malformed_json", "tx.malformed", "tx.unknown_field",
                                      "tx.oversized", "tx.missing_signature"};

// Equal values with equal JSON types at every level (0 unsigned is not 0 signed here).
bool same(const tanso::Json& a, const tanso::Json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(ia.value(), ib.value())) return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

bool has_float(const tanso::Json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured())
    for (const auto& v : j)
      if (has_float(v)) return true;
  return false;
}

void check_fast_json(std::string_view text) {
  auto fast = tanso::parse_json_fast(text, 16);
  auto ref = tanso::parse_json_checked(text, 16);
  bool ref_ok = ref.valid && !ref.too_deep && !ref.duplicate;
  if (fast) check(ref_ok && same(*fast, ref.value));
  if (ref_ok && !has_float(ref.value)) check(fast.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (tanso::init_crypto(), true);
  (void)init;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_fast_json(text);
  auto tx = tanso::decode_tx(text);
  if (!tx) {
    check(kCodes.contains(tx.error().code));
    check(!tx.error().message.empty());
    return 0;
  }
  check(tx->id == tanso::sha256(tanso::signing_message(tx->payload.chain, tx->payload_text)));
  auto again = tanso::decode_tx(tx->envelope);
  check(again.ok() && again->id == tx->id && again->payload.nonce == tx->payload.nonce &&
        again->payload.from == tx->payload.from &&
        again->signatures.size() == tx->signatures.size());
  if (const auto* h = tanso::find_handler(tx->payload.type)) {
    auto s = h->check(tx->payload.body);
    check(s.ok() || !s.error().code.empty());
  }
  // The batch path: the scanner slices this envelope back out byte for byte.
  std::string body = "{\"txs\":[" + std::string(text) + "," + std::string(text) + "]}";
  auto items = tanso::scan_array_field(body, "txs", 2);
  // (JSON whitespace around the envelope is not part of the element.)
  std::string_view trimmed = text;
  auto ws = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!trimmed.empty() && ws(trimmed.front())) trimmed.remove_prefix(1);
  while (!trimmed.empty() && ws(trimmed.back())) trimmed.remove_suffix(1);
  check(items.ok() && items->size() == 2 && (*items)[0] == trimmed && (*items)[1] == trimmed);
  return 0;
}
