// The shared log a network orders through (docs/CLUSTER.md): numbered slots (slot n holds the
// batch of block n), a head record (last slot, its block time) that only moves by
// compare-and-swap, and one sequence number per proposer, so every batch lands exactly once and
// block times never decrease. Small side records (attestations, each node's progress) live
// beside the slots. Back ends: etcd (ordering/etcd_log.h) and an in-memory log for tests and the
// simulation (ordering/memory_log.h).
//
// Errors: an unreachable or failing back end throws LogUnavailable; callers retry.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tanso {

struct LogUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LogHead {
  uint64_t slot = 0;         // last appended slot (0: none yet; slot 0 is genesis)
  uint64_t time_ms = 0;      // its block time
  std::string text() const;  // "<20-digit slot>/<time_ms>": the value compared and swapped
  static bool parse(std::string_view text, LogHead& out);
  bool operator==(const LogHead&) const = default;
};

enum class AppendOutcome {
  appended,          // the value is at expected.slot + 1
  head_moved,        // someone else appended first: nothing written; `head` is the new head
  already_appended,  // this proposer's seq was appended before (a retry after a lost answer)
};

struct AppendResult {
  AppendOutcome outcome;
  LogHead head;  // the head after the call
};

struct LogEntry {
  uint64_t slot = 0;
  std::string value;
};

struct LogRead {
  std::vector<LogEntry> entries;  // consecutive slots from the one asked for
  bool compacted = false;         // the slot asked for was removed: catch up from other nodes
  int64_t revision = 0;           // position to wait from (back-end specific)
};

class SharedLog {
 public:
  virtual ~SharedLog() = default;
  // Creates the head (slot 0 at genesis_time_ms) and this proposer's sequence record if they do
  // not exist yet; returns this proposer's last appended sequence number (0: none).
  virtual uint64_t open(std::string_view proposer, uint64_t genesis_time_ms) = 0;
  virtual LogHead head() = 0;
  // In one atomic step, if the head is still `expected` and this proposer's last sequence is
  // seq - 1: writes `value` at slot expected.slot + 1, sets the head to (that slot, time_ms) and
  // the proposer's sequence to seq.
  virtual AppendResult append(const LogHead& expected, uint64_t time_ms, std::string_view proposer,
                              uint64_t seq, std::string_view value) = 0;
  // Up to max_entries consecutive entries from `from`, at most ~max_bytes (at least one).
  virtual LogRead read(uint64_t from, size_t max_entries, size_t max_bytes) = 0;
  // Returns when a slot may have been appended after `revision` (of a read), or after
  // timeout_ms. True if something happened.
  virtual bool wait(int64_t revision, uint32_t timeout_ms) = 0;
  // Removes the slots below `slot` (never the head's).
  virtual void compact(uint64_t slot) = 0;
  // Side records under their own key space.
  virtual void put_side(std::string_view key, std::string_view value) = 0;
  // Several side records in one atomic write (one request to the back end); at most 64. The
  // default writes them one by one.
  virtual void put_sides(const std::vector<std::pair<std::string, std::string>>& records) {
    for (const auto& [k, v] : records) put_side(k, v);
  }
  // Records with from <= key < to, in key order, at most `limit`.
  virtual std::vector<std::pair<std::string, std::string>> list_side(std::string_view from,
                                                                     std::string_view to,
                                                                     size_t limit) = 0;
  virtual void delete_side(std::string_view from, std::string_view to) = 0;
};

// 20-digit zero-padded decimal: slot keys and sequence numbers sort as numbers.
std::string slot_text(uint64_t v);

}  // namespace tanso
