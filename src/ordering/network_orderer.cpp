// NetworkOrderer (ordering/network_orderer.h): proposer and follower threads over a SharedLog.
#include "ordering/network_orderer.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "ordering/batch_queue.h"
#include "ordering/network_batch.h"

namespace tanso {

struct NetworkOrderer::Impl {
  NetworkOrdererOptions o;
  NetworkOrderer* self = nullptr;
  BatchQueue queue;
  const NetworkNode* me = nullptr;

  std::unique_ptr<SharedLog> proposer_log, follower_log;
  std::thread proposer, follower;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable cv;
  std::deque<OrderedBatch> ready;              // checked batches for next()
  std::map<uint64_t, std::vector<TxPtr>> own;  // seq -> txs appended by this node, not yet read
  LogHead known;                               // newest head either thread has seen
  uint64_t seq = 0;                            // this node's last appended sequence
  size_t in_flight = 0;                        // txs cut but not yet handed to next()
  bool stopped = false;
  std::string failed;
  std::optional<FollowCursor> resume_at;  // set by resume() after a catch_up marker

  explicit Impl(NetworkOrdererOptions opts) : o(std::move(opts)), queue(o.limits) {}

  bool stopping() {
    std::lock_guard lock(mu);
    return stopped || !failed.empty();
  }

  void fail(std::string why) {
    std::lock_guard lock(mu);
    if (failed.empty()) failed = std::move(why);
    cv.notify_all();
    queue.stop();
  }

  void sleep_retry() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(o.retry_ms),
                [&] { return stopped || !failed.empty(); });
  }

  void see_head(const LogHead& h) {
    std::lock_guard lock(mu);
    if (h.slot > known.slot) known = h;
  }

  // Appends one batch; returns when it is in the log (or the orderer stops).
  void propose(std::vector<TxPtr> txs) {
    BatchProposal p{o.node_id, 0, txs, batch_tx_root(txs)};
    {
      std::lock_guard lock(mu);
      p.seq = seq + 1;
      own[p.seq] = std::move(txs);
    }
    while (!stopping()) {
      LogHead head;
      {
        std::lock_guard lock(mu);
        head = known;
      }
      AppendAttempt a = prepare_append(p, head, o.clock(), o.key);
      try {
        AppendResult r = proposer_log->append(a.expected, a.time_ms, o.node_id, p.seq, a.value);
        see_head(r.head);
        if (!append_done(r)) continue;
        std::lock_guard lock(mu);
        seq = p.seq;
        self->appended_++;
        return;
      } catch (const LogUnavailable& e) {
        spdlog::warn("ordering: cannot append a batch of {} txs yet: {}", p.txs.size(), e.what());
        sleep_retry();
      } catch (const std::exception& e) {
        fail(std::string("ordering: ") + e.what());
      }
    }
  }

  void proposer_loop() {
    while (auto txs = queue.cut()) {
      {
        std::lock_guard lock(mu);
        in_flight += txs->size();
      }
      propose(std::move(*txs));
    }
  }

  // Checks one log entry and turns it into a batch; an error halts the node.
  Result<OrderedBatch> check(const LogEntry& e, uint64_t prev_time) {
    auto take_own = [this](uint64_t sq) -> std::optional<std::vector<TxPtr>> {
      std::lock_guard lock(mu);
      auto it = own.find(sq);
      if (it == own.end()) return std::nullopt;
      std::vector<TxPtr> txs = std::move(it->second);
      // Own batches of lower sequence numbers are in lower slots: if they are still here, this
      // node caught up past them from other nodes' blocks (and will never read them).
      for (auto stale = own.begin(); stale != it; stale = own.erase(stale))
        in_flight -= std::min(in_flight, stale->second.size());
      own.erase(it);
      return txs;
    };
    auto c = check_log_entry(e, prev_time, o.network, me, take_own, o.admit);
    if (!c) return c.error();
    if (c->mine) {
      std::lock_guard lock(mu);
      in_flight -= std::min(in_flight, c->batch.txs.size());
    }
    return std::move(c->batch);
  }

  void follower_loop() {
    FollowCursor at{o.next_slot, o.last_time_ms};
    while (!stopping()) {
      const uint64_t next = at.next;
      LogRead r;
      try {
        r = follower_log->read(next, 64, 8 * 1024 * 1024);
      } catch (const LogUnavailable& e) {
        spdlog::warn("ordering: cannot read the log at slot {}: {}", next, e.what());
        sleep_retry();
        continue;
      } catch (const std::exception& e) {
        fail(std::string("ordering: ") + e.what());
        return;
      }
      if (r.compacted && o.catch_up) {
        std::unique_lock lock(mu);
        OrderedBatch marker;
        marker.height = next;
        marker.catch_up = true;
        resume_at.reset();
        ready.push_back(std::move(marker));
        cv.notify_all();
        cv.wait(lock, [&] { return resume_at || stopped || !failed.empty(); });
        if (stopped || !failed.empty()) return;
        at = *resume_at;
        continue;
      }
      if (r.compacted) {
        Error e = err("ordering.compacted",
                      "the log no longer holds slot " + std::to_string(next) +
                          " (compacted behind this node); restore from another node's backup");
        fail(e.code + ": " + e.message);
        return;
      }
      if (r.entries.empty()) {
        follower_log->wait(r.revision, o.wait_ms);
        continue;
      }
      for (const auto& e : r.entries) {
        // A back end returns consecutive slots from the one asked for; anything else is skipped
        // (seen) or read again (ahead).
        if (at.place(e.slot) == FollowCursor::Place::seen) continue;
        if (at.place(e.slot) == FollowCursor::Place::ahead) break;
        auto b = check(e, at.prev_time);
        if (!b) {
          fail(b.error().code + ": " + b.error().message);
          return;
        }
        at.advance(*b);
        see_head({b->height, b->time_ms});
        std::unique_lock lock(mu);
        // Back-pressure: the pipeline executes at most a few batches behind the reader.
        cv.wait(lock, [&] { return ready.size() < 16 || stopped || !failed.empty(); });
        if (stopped || !failed.empty()) return;
        ready.push_back(std::move(*b));
        cv.notify_all();
      }
    }
  }
};

NetworkOrderer::NetworkOrderer(NetworkOrdererOptions opts)
    : impl_(std::make_unique<Impl>(std::move(opts))) {
  impl_->self = this;
  impl_->me = impl_->o.network.find(std::string_view(impl_->o.node_id));
  if (!impl_->me) throw std::invalid_argument("node '" + impl_->o.node_id + "' is not in genesis");
  if (impl_->me->key != impl_->o.key.pub)
    throw std::invalid_argument("node '" + impl_->o.node_id +
                                "': the node key is not the one genesis names");
}

NetworkOrderer::~NetworkOrderer() { stop(); }

void NetworkOrderer::start() {
  Impl& m = *impl_;
  m.proposer_log = m.o.make_log();
  m.follower_log = m.o.make_log();
  m.seq = m.proposer_log->open(m.o.node_id, m.o.genesis_time_ms);
  m.known = m.proposer_log->head();
  m.proposer = std::thread([&m] { m.proposer_loop(); });
  m.follower = std::thread([&m] { m.follower_loop(); });
}

bool NetworkOrderer::submit(std::vector<TxPtr> txs) {
  if (!failure().empty()) return false;
  return impl_->queue.push(std::move(txs));
}

std::optional<OrderedBatch> NetworkOrderer::next() {
  Impl& m = *impl_;
  std::unique_lock lock(m.mu);
  m.cv.wait(lock, [&] { return !m.ready.empty() || m.stopped || !m.failed.empty(); });
  if (m.stopped || m.ready.empty()) return std::nullopt;
  OrderedBatch b = std::move(m.ready.front());
  m.ready.pop_front();
  m.cv.notify_all();
  return b;
}

void NetworkOrderer::stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    m.stopped = true;
    m.cv.notify_all();
  }
  m.queue.stop();
  if (m.proposer.joinable()) m.proposer.join();
  if (m.follower.joinable()) m.follower.join();
}

void NetworkOrderer::resume(uint64_t next_slot, uint64_t last_time_ms) {
  std::lock_guard lock(impl_->mu);
  impl_->resume_at = FollowCursor{next_slot, last_time_ms};
  impl_->cv.notify_all();
}

size_t NetworkOrderer::pending() const {
  std::lock_guard lock(impl_->mu);
  return impl_->queue.size() + impl_->in_flight;
}

std::string NetworkOrderer::failure() const {
  std::lock_guard lock(impl_->mu);
  return impl_->failed;
}

}  // namespace tanso
