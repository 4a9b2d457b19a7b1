// The sensor reading protocol (docs/SENSOR_PROTOCOL.md): what a metering device publishes over
// MQTT and how the edge gateway checks it. Pure: no I/O, no clock.
//
// Topic:   tanso/<installation>/<device>           (ids: 1-64 of [A-Za-z0-9._:-])
// Message: {"reading":"<reading JSON text>","sig":"<128 lower-case hex>"}   (at most 1024 bytes)
// Reading: {"device":"<id>","seq":<1..2^53-1>,"time":<ms since 1970 UTC>,
//           "value":"<decimal, at most 3 fraction digits>","unit":"Nm3|kWh|MWh|kg|t"}
// Signature: Ed25519 by the device's registered key over
//           "tanso/reading/v1" 0x00 <the reading text's exact bytes>
// `value` is the quantity measured since the device's previous reading (seq - 1); a missing seq
// is a gap. The reading text is signed and stored exactly as received; it is also the Merkle
// leaf (RFC 6962) of the batch that counts it, so one reading can be proved up to a block.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/status.h"

namespace tanso::edge {

inline constexpr size_t reading_message_max = 1024;
inline constexpr uint64_t reading_seq_max = (uint64_t{1} << 53) - 1;
// Values up to 10^12 units (in thousandths: 10^15), far above any meter's interval.
inline constexpr uint64_t reading_value_milli_max = 1'000'000'000'000'000ULL;

struct Topic {
  std::string installation;
  std::string device;
};
// "tanso/<installation>/<device>", both valid ids; nullopt otherwise.
std::optional<Topic> parse_topic(std::string_view topic);
std::string topic_for(std::string_view installation, std::string_view device);

struct Reading {
  std::string device;
  uint64_t seq = 0;
  uint64_t time_ms = 0;
  uint64_t value_milli = 0;  // thousandths of the unit
  std::string unit;
  std::string text;  // the exact signed bytes
  Signature sig{};
};

// The bytes a device signs.
Bytes reading_signing_message(std::string_view reading_text);

// Decodes a message (strict: exactly the members above, no others, no duplicates, valid UTF-8).
// Checks shape only, not the signature. Errors (HTTP status unused):
//   reading.too_large   the message exceeds reading_message_max bytes
//   reading.malformed   not the message or reading shape (the message says which member)
//   reading.bad_value   value not a non-negative decimal with <= 3 fraction digits, or too big
//   reading.bad_unit    unit not one of Nm3, kWh, MWh, kg, t
Result<Reading> decode_reading_message(std::string_view message);

// True if the device key signed this reading.
bool verify_reading(const Reading& r, const PublicKey& device_key);

// The device side (tanso-sensor-sim, tests): the reading text in the canonical member order
// above, and the signed message.
std::string reading_text(std::string_view device, uint64_t seq, uint64_t time_ms,
                         uint64_t value_milli, std::string_view unit);
std::string encode_reading_message(std::string_view reading_text, const SecretKey& device_secret);

// The reading's Merkle leaf hash: RFC 6962 leaf hash of the reading text's bytes.
Hash reading_leaf(std::string_view reading_text);

// "12.345" <-> 12345 (thousandths). Parsing accepts 0-3 fraction digits, no sign, no leading
// zeros ("0.5" yes, "00.5" no), no exponent; formatting drops trailing fraction zeros.
std::optional<uint64_t> parse_decimal_milli(std::string_view s);
std::string format_milli(uint64_t milli);

}  // namespace tanso::edge
