// libFuzzer target: the sensor reading decoder (edge/reading.h) on arbitrary bytes. Beyond "no
// crash, no sanitizer report" it checks:
// - every refusal has a code from the documented reading.* set and a message;
// - an accepted message's fields are within the protocol's bounds, its reading text is kept
//   byte for byte, and the canonical text rebuilt from the fields decodes to the same fields;
// - the decimal value survives format_milli -> parse_decimal_milli.
#include <cstdlib>
#include <set>
#include <string>

#include "core/crypto.h"
#include "core/tx.h"
#include "edge/reading.h"

namespace {

using namespace tanso::edge;

void check(bool ok) {
  if (!ok) std::abort();
}

const std::set<std::string> kCodes = {"reading.too_large", "reading.malformed", "reading.bad_value",
                                      "reading.bad_unit"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (tanso::init_crypto(), true);
  (void)init;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = decode_reading_message(bytes);
  if (!r.ok()) {
    check(kCodes.count(r.error().code) == 1);
    check(!r.error().message.empty());
    check(size <= reading_message_max || r.error().code == "reading.too_large");
    return 0;
  }
  check(size <= reading_message_max);
  check(tanso::valid_id(r->device));
  check(r->seq >= 1 && r->seq <= reading_seq_max);
  check(r->value_milli <= reading_value_milli_max);
  // The reading text is the "reading" member's string exactly (what the signature covers).
  auto outer = nlohmann::json::parse(bytes, nullptr, false);
  check(!outer.is_discarded() && outer.is_object() && outer["reading"] == r->text);
  check(parse_decimal_milli(format_milli(r->value_milli)) == r->value_milli);
  // The canonical text of the same fields decodes to the same fields.
  std::string canon = reading_text(r->device, r->seq, r->time_ms, r->value_milli, r->unit);
  std::string msg = "{\"reading\":" + nlohmann::json(canon).dump() + ",\"sig\":\"" +
                    std::string(128, '0') + "\"}";
  auto again = decode_reading_message(msg);
  check(again.ok() || msg.size() > reading_message_max);
  if (again.ok()) {
    check(again->device == r->device && again->seq == r->seq && again->time_ms == r->time_ms &&
          again->value_milli == r->value_milli && again->unit == r->unit);
    check(again->text == canon);
  }
  return 0;
}
