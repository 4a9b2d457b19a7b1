// libFuzzer target: the transaction envelope and payload decoders, and each handler's body
// check, on arbitrary bytes. Beyond "no crash, no sanitizer report" it checks:
// - a refusal has a stable code from the decoder's set and a non-empty message;
// - an accepted tx's id is SHA-256 of its signing message, and decoding its stored envelope text
//   again gives the same id, payload fields and signatures (round trip);
// - the batch path: scan_array_field slices an accepted envelope out of {"txs":[...]} exactly.
#include <cstdlib>
#include <set>
#include <string>

#include "core/crypto.h"
#include "core/json_scan.h"
#include "core/module.h"
#include "core/tx.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::set<std::string> kCodes = {"request.malformed_json", "tx.malformed", "tx.unknown_field",
                                      "tx.oversized", "tx.missing_signature"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (tanso::init_crypto(), true);
  (void)init;
  std::string_view text(reinterpret_cast<const char*>(data), size);
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
