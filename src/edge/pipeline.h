// The gateway's reading pipeline, without threads of its own so the tests drive it directly:
// check a group of received messages (signatures in parallel on the pool, then the sequence
// checks in arrival order), build one WriteBatch with the accepted readings, device states,
// interval markers and counters, write it with sync, and only then return the acks to publish
// (group commit: one fsync for the whole group). An ack is {"seq": acked}: only the contiguous
// prefix of handled seqs (checker.h DeviceState), never past a reading the edge has not got.
// resolve_due() declares missing the holes whose wait is over; close_due() turns intervals whose
// end + grace has passed into pending batches (aggregation, gap totals, Merkle root), declaring
// missing first every hole below a reading of the interval. Both return the acks that moved.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "edge/checker.h"
#include "edge/pool.h"
#include "edge/registry.h"
#include "edge/store.h"

namespace tanso::edge {

struct Message {
  std::string topic, payload;
};
struct Ack {
  std::string topic;  // tanso/<installation>/<device>/ack
  uint64_t seq = 0;
  std::string payload() const { return "{\"seq\":" + std::to_string(seq) + "}"; }
};

// Counter names (persisted as m/<name>): accepted, duplicate, gaps, substituted,
// refused.<code>, batches_closed.
inline constexpr std::string_view kRefusalCodes[] = {
    "reading.too_large",     "reading.malformed",        "reading.bad_value",
    "reading.bad_unit",      "reading.bad_topic",        "reading.unknown_device",
    "reading.bad_signature", "reading.replayed",         "reading.out_of_order",
    "reading.clock_skew",    "reading.impossible_value", "reading.late"};

class Pipeline {
 public:
  Pipeline(Store& store, SequenceLimits limits, unsigned verify_threads);
  // Reads device states, open and closed intervals and counters back from the store.
  void load();
  void set_registry(std::shared_ptr<const Registry> r);
  std::shared_ptr<const Registry> registry() const;

  // Step 1 (parallel, no shared state): decode and verify.
  std::vector<Prechecked> precheck_all(const std::vector<Message>& msgs);
  // Step 2 (in order): sequence checks; writes the group with sync; returns the acks.
  // Throws std::runtime_error if the store cannot write (the gateway must stop: nothing of the
  // group was acknowledged).
  std::vector<Ack> commit(const std::vector<Message>& msgs, const std::vector<Prechecked>& pre,
                          int64_t now_ms);
  std::vector<Ack> handle(const std::vector<Message>& msgs, int64_t now_ms) {
    return commit(msgs, precheck_all(msgs), now_ms);
  }
  // Declares the holes whose gap wait is over (synced write); returns the acks that advanced.
  std::vector<Ack> resolve_due(int64_t now_ms);
  // Closes every open interval with end + grace <= now_ms; returns the batch keys created. The
  // holes below the interval's readings are declared missing in the same write; the acks that
  // advanced are appended to `acks`.
  std::vector<std::string> close_due(int64_t now_ms, int64_t grace_ms,
                                     std::vector<Ack>* acks = nullptr);

  std::map<std::string, uint64_t> counters() const;
  size_t open_intervals() const;

 private:
  Store& store_;
  SequenceLimits lim_;
  ParallelPool pool_;
  mutable std::mutex mu_;  // registry_, counters_, open_ (read by metrics)
  std::shared_ptr<const Registry> registry_;
  std::map<std::string, uint64_t> counters_;
  std::map<std::string, DeviceState> devices_;  // "<inst>/<device>"
  // The gaps of each reading of the interval (from the stored readings below it).
  void fill_gaps(const std::string& inst, std::vector<StoredReading>& readings) const;
  std::set<std::pair<std::string, int64_t>> open_;  // (inst, interval start)
  std::set<std::pair<std::string, int64_t>> closed_;
};

}  // namespace tanso::edge
