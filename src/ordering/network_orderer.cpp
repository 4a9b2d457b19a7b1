// NetworkOrderer (ordering/network_orderer.h): proposer and follower threads over a SharedLog.
#include "ordering/network_orderer.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "core/merkle.h"
#include "ordering/batch_queue.h"

namespace tanso {

std::string encode_log_batch(uint64_t slot, uint64_t time_ms, const std::string& proposer,
                             uint64_t seq, const Signature& sig, const std::vector<TxPtr>& txs) {
  Json list = Json::array();
  for (const auto& t : txs) list.push_back(t->envelope);
  return Json{{"v", 1},
              {"slot", slot},
              {"time_ms", time_ms},
              {"proposer", proposer},
              {"seq", seq},
              {"sig", to_hex(ByteView(sig.data(), sig.size()))},
              {"txs", std::move(list)}}
      .dump();
}

namespace {

Hash tx_root_of(const std::vector<TxPtr>& txs) {
  std::vector<Hash> leaves;
  leaves.reserve(txs.size());
  for (const auto& t : txs) leaves.push_back(merkle::leaf_hash(t->id));
  return merkle::root(leaves);
}

}  // namespace

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
    const Hash root = tx_root_of(txs);
    uint64_t my_seq;
    {
      std::lock_guard lock(mu);
      my_seq = seq + 1;
      own[my_seq] = txs;
    }
    while (!stopping()) {
      LogHead head;
      {
        std::lock_guard lock(mu);
        head = known;
      }
      const uint64_t slot = head.slot + 1;
      const uint64_t time_ms = std::max(head.time_ms, o.clock());
      Signature sig =
          sign(o.key.secret, batch_digest(slot, time_ms, static_cast<uint32_t>(txs.size()), root));
      std::string value = encode_log_batch(slot, time_ms, o.node_id, my_seq, sig, txs);
      try {
        AppendResult r = proposer_log->append(head, time_ms, o.node_id, my_seq, value);
        see_head(r.head);
        if (r.outcome == AppendOutcome::head_moved) continue;
        std::lock_guard lock(mu);
        seq = my_seq;
        self->appended_++;
        return;
      } catch (const LogUnavailable& e) {
        spdlog::warn("ordering: cannot append a batch of {} txs yet: {}", txs.size(), e.what());
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
    auto bad = [&](const std::string& why) {
      return err("ordering.bad_batch", "slot " + std::to_string(e.slot) + ": " + why);
    };
    Json j = Json::parse(e.value, nullptr, false);
    if (!j.is_object() || j.value("v", 0) != 1 || !j.contains("txs") || !j["txs"].is_array() ||
        !j.contains("proposer") || !j["proposer"].is_string() || !j.contains("sig") ||
        !j["sig"].is_string())
      return bad("not a batch");
    auto slot = json_u64(j.value("slot", Json())), time = json_u64(j.value("time_ms", Json())),
         sq = json_u64(j.value("seq", Json()));
    if (!slot || !time || !sq) return bad("slot, time_ms and seq must be integers");
    if (*slot != e.slot) return bad("the batch says slot " + std::to_string(*slot));
    if (*time < prev_time) return bad("its time goes back before the previous block's");
    const NetworkNode* proposer = o.network.find(j["proposer"].get<std::string>());
    if (!proposer) return bad("proposer '" + j["proposer"].get<std::string>() + "' is no node");
    auto sigb = from_hex(j["sig"].get<std::string>());
    if (!sigb || sigb->size() != 64) return bad("sig must be 128 hex digits");
    OrderedBatch b;
    b.height = e.slot;
    b.time_ms = *time;
    b.proposer = proposer->key;
    std::copy(sigb->begin(), sigb->end(), b.signature.begin());
    bool mine = false;
    if (proposer == me) {
      std::lock_guard lock(mu);
      if (auto it = own.find(*sq); it != own.end()) {
        b.txs = std::move(it->second);
        own.erase(it);
        mine = true;
      }
    }
    if (!mine) {
      std::vector<std::string> envs;
      for (const auto& t : j["txs"]) {
        if (!t.is_string()) return bad("txs must be envelope texts");
        envs.push_back(t.get<std::string>());
      }
      auto txs = o.admit(envs);
      if (!txs) return bad(txs.error().code + ": " + txs.error().message);
      b.txs = std::move(*txs);
    } else if (b.txs.size() != j["txs"].size()) {
      return bad("this node's own batch came back with other txs");
    }
    Hash digest =
        batch_digest(b.height, b.time_ms, static_cast<uint32_t>(b.txs.size()), tx_root_of(b.txs));
    if (!verify(b.proposer, digest, b.signature))
      return bad("the signature of " + proposer->node + " does not verify");
    if (mine) {
      std::lock_guard lock(mu);
      in_flight -= std::min(in_flight, b.txs.size());
    }
    return b;
  }

  void follower_loop() {
    uint64_t next = o.next_slot, prev_time = o.last_time_ms;
    while (!stopping()) {
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
        auto b = check(e, prev_time);
        if (!b) {
          fail(b.error().code + ": " + b.error().message);
          return;
        }
        prev_time = b->time_ms;
        ++next;
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

size_t NetworkOrderer::pending() const {
  std::lock_guard lock(impl_->mu);
  return impl_->queue.size() + impl_->in_flight;
}

std::string NetworkOrderer::failure() const {
  std::lock_guard lock(impl_->mu);
  return impl_->failed;
}

}  // namespace tanso
