// SimNode (netsim/sim_node.h).
#include "netsim/sim_node.h"

#include <algorithm>

#include "core/executor.h"
#include "core/identity.h"

namespace tanso::netsim {

struct SimNode::Volatile {
  std::unique_ptr<SharedLog> log;
  State state;
  BlockHeader head;
  Params params;
  std::map<std::string, uint64_t> admitted_nonce;
  std::deque<std::pair<TxPtr, uint64_t>> queue;  // admitted tx, arrival time
  std::map<uint64_t, std::vector<TxPtr>> own;    // seq -> txs appended, not yet read back
  std::optional<BatchProposal> pending;          // the batch being appended
  LogHead known;                                 // newest head seen
  uint64_t seq = 0;                              // last appended sequence number
  FollowCursor at;
  std::map<uint64_t, LogEntry> early;  // delivered before the slots before them
};

SimNode::SimNode(NodeSetup s, ChainStore& store, SimLog& log)
    : s_(std::move(s)), store_(store), log_(log), me_(s_.network.find(std::string_view(s_.id))) {}

Result<TxPtr> VerifiedTxs::get(const std::string& envelope) {
  if (auto it = ok_.find(envelope); it != ok_.end()) return it->second;
  auto t = decode_tx(envelope);
  if (!t) return t.error();
  if (!verify_signatures(*t))
    return err("tx.bad_signature", "a signature does not verify over this payload and chain");
  auto p = std::make_shared<const Tx>(std::move(*t));
  ok_.emplace(envelope, p);
  return p;
}

SimNode::~SimNode() = default;

const State* SimNode::state() const { return v_ ? &v_->state : nullptr; }

bool SimNode::start() {
  if (v_ || !halted_.empty()) return true;
  auto v = std::make_unique<Volatile>();
  v->log = log_.handle();
  try {
    v->seq = v->log->open(s_.id, store_.block(0)->header.time_ms);
    v->known = v->log->head();
  } catch (const LogUnavailable&) {
    return false;
  }
  store_.load_state(v->state);
  const uint64_t last = store_.last_height().value_or(0);
  v->head = store_.block(last)->header;
  v->params = *Params::from_json(Json::parse(*v->state.get("meta/params")));
  v->at = {last + 1, v->head.time_ms};
  v_ = std::move(v);
  return true;
}

void SimNode::crash() {
  v_.reset();
  log_.drop(s_.index);
}

void SimNode::halt(std::string why) {
  if (halted_.empty()) halted_ = std::move(why);
  crash();
}

uint64_t SimNode::height() const { return store_.last_height().value_or(0); }

bool SimNode::idle() const { return v_ && v_->queue.empty() && !v_->pending; }

std::string SimNode::submit(const TxPtr& tx, uint64_t now_ms) {
  if (!v_) return "node.unavailable";
  Volatile& v = *v_;
  const TxHandler* h = find_handler(tx->payload.type);
  if (!h) return "tx.unknown_type";
  if (auto s = h->check(tx->payload.body); !s) return s.error().code;
  if (!s_.verified->get(tx->envelope)) return "tx.bad_signature";
  const std::string& from = tx->payload.from;
  uint64_t last = last_nonce(v.state, from);
  if (auto it = v.admitted_nonce.find(from); it != v.admitted_nonce.end())
    last = std::max(last, it->second);
  if (auto s = check_tx(v.state, v.params, *tx, v.head.height + 1, last, nullptr); !s)
    return s.error().code;
  v.admitted_nonce[from] = tx->payload.nonce;
  v.queue.emplace_back(tx, now_ms);
  return "";
}

void SimNode::propose(uint64_t now_ms) {
  if (!v_) return;
  Volatile& v = *v_;
  if (!v.pending && !v.queue.empty() &&
      (v.queue.size() >= s_.limits.block_txs_max ||
       now_ms >= v.queue.front().second + s_.limits.block_interval_ms)) {
    std::vector<TxPtr> txs;
    if (s_.bug == NodeBug::repropose) txs = last_batch_;
    last_batch_.clear();
    while (!v.queue.empty() && last_batch_.size() < s_.limits.block_txs_max) {
      last_batch_.push_back(v.queue.front().first);
      v.queue.pop_front();
    }
    txs.insert(txs.end(), last_batch_.begin(), last_batch_.end());
    v.pending = BatchProposal{s_.id, v.seq + 1, txs, batch_tx_root(txs)};
    v.own[v.seq + 1] = std::move(txs);
  }
  if (!v.pending) return;
  const uint64_t clock = static_cast<uint64_t>(static_cast<int64_t>(now_ms) + s_.clock_skew_ms);
  AppendAttempt a = prepare_append(*v.pending, v.known, clock, s_.key);
  try {
    AppendResult r = v.log->append(a.expected, a.time_ms, s_.id, v.pending->seq, a.value);
    if (r.head.slot > v.known.slot) v.known = r.head;
    if (!append_done(r)) {
      ++head_moved;
      return;
    }
    if (r.outcome == AppendOutcome::already_appended) ++already_appended;
    ++appended;
    v.seq = v.pending->seq;
    v.pending.reset();
  } catch (const LogUnavailable&) {
    ++retries;  // keeps the batch; a lost answer is found appended on the next attempt
    if (!log_.unavailable()) ++lost_answers;  // the log was up: the append landed
  } catch (const std::exception& e) {
    halt(std::string("ordering: ") + e.what());
  }
}

void SimNode::follow(uint64_t now_ms, bool read,
                     const std::function<void(const Committed&)>& on_commit) {
  if (!v_) return;
  for (const LogEntry& e : log_.take_due(s_.index, now_ms)) handle(e, on_commit);
  if (read && v_) {
    LogRead r;
    try {
      r = v_->log->read(v_->at.next, 16, 1 << 20);
    } catch (const LogUnavailable&) {
      return;
    }
    if (r.compacted)
      return halt("ordering.compacted: the log no longer holds slot " +
                  std::to_string(v_->at.next));
    for (const LogEntry& e : r.entries) handle(e, on_commit);
  }
}

void SimNode::handle(const LogEntry& e, const std::function<void(const Committed&)>& on_commit) {
  if (!v_) return;
  Volatile& v = *v_;
  switch (v.at.place(e.slot)) {
    case FollowCursor::Place::seen:
      ++duplicates_seen;
      return;
    case FollowCursor::Place::ahead:
      v.early.emplace(e.slot, e);
      return;
    case FollowCursor::Place::next:
      break;
  }
  auto take_own = [&v](uint64_t sq) -> std::optional<std::vector<TxPtr>> {
    auto it = v.own.find(sq);
    if (it == v.own.end()) return std::nullopt;
    std::vector<TxPtr> txs = std::move(it->second);
    v.own.erase(it);
    return txs;
  };
  auto admit = [this](const std::vector<std::string>& envs) -> Result<std::vector<TxPtr>> {
    std::vector<TxPtr> out;
    for (const auto& env : envs) {
      auto t = s_.verified->get(env);
      if (!t) return t.error();
      out.push_back(std::move(*t));
    }
    return out;
  };
  auto c = check_log_entry(e, v.at.prev_time, s_.network, me_, take_own, admit);
  if (!c) return halt(c.error().code + ": " + c.error().message);
  if (!c->mine && c->batch.proposer == s_.key.pub) ++own_after_crash;
  v.at.advance(c->batch);
  if (c->batch.height > v.known.slot) v.known = {c->batch.height, c->batch.time_ms};
  commit(c->batch, on_commit);
  if (!v_) return;
  auto next = v_->early.find(v_->at.next);
  v_->early.erase(v_->early.begin(), v_->early.lower_bound(v_->at.next));
  if (next != v_->early.end()) {
    LogEntry n = std::move(next->second);
    v_->early.erase(next);
    handle(n, on_commit);
  }
}

void SimNode::commit(OrderedBatch& b, const std::function<void(const Committed&)>& on_commit) {
  Volatile& v = *v_;
  const uint64_t height = v.head.height + 1;
  if (b.height != height)
    return halt("ordering: a batch for height " + std::to_string(b.height) + " came at height " +
                std::to_string(height));
  if (s_.bug == NodeBug::skip_tx && !b.txs.empty()) b.txs.erase(b.txs.begin());
  const uint64_t time = b.time_ms + (s_.bug == NodeBug::time_skew ? 1 : 0);
  std::vector<const Tx*> ptrs;
  for (const auto& t : b.txs) ptrs.push_back(t.get());
  BlockOutput out = execute_block(v.state, v.head.state_root, height, time, ptrs, false);
  Block blk;
  BlockHeader& h = blk.header;
  h.height = height;
  h.prev_hash = header_hash(v.head);
  h.time_ms = time;
  h.tx_count = static_cast<uint32_t>(b.txs.size());
  h.tx_root = out.tx_root;
  h.receipts_root = out.receipts_root;
  h.state_root = out.state_root;
  h.proposer = b.proposer;
  h.signature = b.signature;
  for (const auto& t : b.txs) blk.txs.push_back(t->envelope);
  if (auto s = store_.commit(blk, out.receipts, out.writes); !s)
    return halt("commit of block " + std::to_string(height) + " failed: " + s.error().message);
  const BlockHeader prev = v.head;
  v.state.apply(out.writes);
  v.head = h;
  if (out.writes.contains("meta/params"))
    v.params = *Params::from_json(Json::parse(*v.state.get("meta/params")));
  // As Node::commit_batch: admissions start again from the committed nonce once caught up.
  for (const auto& t : b.txs) {
    auto it = v.admitted_nonce.find(t->payload.from);
    if (it == v.admitted_nonce.end()) continue;
    const uint64_t committed = last_nonce(v.state, t->payload.from);
    if (it->second <= committed || t->payload.nonce > committed) v.admitted_nonce.erase(it);
  }
  const Attestation att = attest(v.params.chain_id, s_.id, h, s_.key);
  on_commit({prev, blk, out.receipts, v.state, att});
}

}  // namespace tanso::netsim
