// The edge gateway's durable store (RocksDB, one column family, key prefixes):
//   r/<inst>/<device>/<seq:16 hex>        raw reading: "<interval start ms> <gaps> <subst milli>
//                                         <value milli> <sig hex> <exact reading text>" (gaps and
//                                         subst are 0: they are computed when the interval closes)
//   i/<inst>/<start:16 hex>/<device>/<seq:16 hex>   "" : the readings of an interval
//   o/<inst>/<start:16 hex>               "" : an interval with readings, not closed yet
//   b/<inst>/<start:16 hex>               the interval's batch (JSON: batch_id, body, status
//                                         pending|submitted|rejected, tx_id, height, code)
//   d/<inst>/<device>                     device state: "v2 <acked> <lo-hi,...>" (the handled
//                                         seqs above acked; checker.h DeviceState)
//   m/<counter>                           persisted counters (decimal)
//   reg/<inst>                            the cached registry view (JSON)
// A reading, its device state, the interval markers and the counters go in one WriteBatch
// written with sync before the reading is acknowledged.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "edge/checker.h"

namespace tanso::edge {

struct RawRecord {
  int64_t interval_start = 0;
  uint64_t gaps = 0, subst_milli = 0, value_milli = 0;
  std::string sig_hex, text;
  std::string encode() const;
  static std::optional<RawRecord> decode(std::string_view v);
  std::string sig_and_text() const { return sig_hex + " " + text; }
};

std::string encode_device_state(const DeviceState& s);
DeviceState decode_device_state(std::string_view v);

std::string hex16(uint64_t v);

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::string& dir);
  ~Store();

  static std::string raw_key(std::string_view inst, std::string_view dev, uint64_t seq);
  static std::string interval_prefix(std::string_view inst, int64_t start);
  static std::string interval_key(std::string_view inst, int64_t start, std::string_view dev,
                                  uint64_t seq);
  static std::string open_key(std::string_view inst, int64_t start);
  static std::string batch_key(std::string_view inst, int64_t start);
  static std::string device_key(std::string_view inst, std::string_view dev);

  std::optional<std::string> get(const std::string& key) const;
  Status write(rocksdb::WriteBatch& wb, bool sync);
  // Calls fn(key, value) for each key with this prefix, in key order, until it returns false.
  void scan(const std::string& prefix,
            const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // The readings of an interval, sorted for the Merkle tree (device, then seq).
  std::vector<StoredReading> interval_readings(std::string_view inst, int64_t start) const;
  // The device's stored readings with the highest seqs below `seq`, at most n, highest first:
  // (seq, value milli).
  std::vector<std::pair<uint64_t, uint64_t>> readings_below(std::string_view inst,
                                                            std::string_view dev, uint64_t seq,
                                                            size_t n) const;
  uint64_t size_bytes() const;

 private:
  explicit Store(rocksdb::DB* db) : db_(db) {}
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace tanso::edge
