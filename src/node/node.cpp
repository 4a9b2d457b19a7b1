// The node pipeline: admission, ordering, execution, commit, and waking waiting submitters.
#include "node/node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include "core/identity.h"
#include "core/network.h"
#include "ordering/etcd_log.h"
#include "ordering/network_orderer.h"

namespace tanso {

struct Node::Waiter {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  std::vector<TxOutcome> outcomes;
};

Node::Node(const Config& cfg, std::unique_ptr<ChainStore> store, KeyPair key)
    : cfg_(cfg), store_(std::move(store)), node_key_(key), pool_(cfg.verify_threads) {}

Node::~Node() { stop(); }

// Brings `st` (the stored state, as of `from`) to block `last` by re-executing the blocks in
// between: the store writes the state only every few blocks (see chain_store.h). Each block's
// state root must come out as its header says; the writes go back to the store for its next
// state write.
static Status replay_blocks(ChainStore& store, State& st, uint64_t from, uint64_t last) {
  if (from >= last) return ok_status();
  auto base = store.block(from);
  if (!base) return err("storage.corrupt", "block " + std::to_string(from) + " is missing");
  Hash root = base->header.state_root;
  for (uint64_t h = from + 1; h <= last; ++h) {
    auto blk = store.block(h);
    if (!blk) return err("storage.corrupt", "block " + std::to_string(h) + " is missing");
    std::vector<Result<Tx>> txs;
    std::vector<const Tx*> ptrs;
    txs.reserve(blk->txs.size());
    for (const auto& t : blk->txs) {
      txs.push_back(decode_tx(t));
      if (!txs.back())
        return err("storage.corrupt", "block " + std::to_string(h) + " holds an undecodable tx");
      ptrs.push_back(&*txs.back());
    }
    BlockOutput out = execute_block(st, root, h, blk->header.time_ms, ptrs, false);
    if (out.state_root != blk->header.state_root)
      return err("storage.corrupt", "replaying block " + std::to_string(h) +
                                        " gives a different state root than its header");
    st.apply(out.writes);
    store.stage_replayed(out.writes);
    root = out.state_root;
  }
  spdlog::warn("the node did not stop cleanly: replayed blocks {}..{} above the stored state",
               from + 1, last);
  return ok_status();
}

Result<std::unique_ptr<Node>> Node::open(const Config& cfg, std::unique_ptr<ChainStore> store,
                                         const std::string& genesis_text, KeyPair node_key) {
  std::unique_ptr<Node> n(new Node(cfg, std::move(store), node_key));
  if (!n->store_->last_height()) {
    if (genesis_text.empty())
      return err("node.no_chain", "the data directory holds no chain: pass a genesis file");
    auto g = apply_genesis(genesis_text);
    if (!g) return g.error();
    Block b0{g->header, {}};
    if (auto s = n->store_->commit(b0, {}, g->writes); !s) return s.error();
  }
  const uint64_t state_height = n->store_->load_state(n->state_);
  uint64_t last = *n->store_->last_height();
  if (auto s = replay_blocks(*n->store_, n->state_, state_height, last); !s) return s.error();
  auto head = n->store_->block(last);
  if (!head)
    return err("storage.corrupt", "the last block " + std::to_string(last) + " is missing");
  n->head_ = head->header;
  auto stored_genesis = n->state_.get("meta/genesis");
  if (!stored_genesis) return err("storage.corrupt", "the state has no genesis");
  if (!genesis_text.empty() && *stored_genesis != genesis_text)
    return err("genesis.mismatch",
               "the data directory holds a chain made from a different genesis file");
  auto params = Params::from_json(Json::parse(*n->state_.get("meta/params")));
  if (!params) return params.error();
  n->params_ = *params;
  n->metrics_.height = last;
  auto net = load_network(n->state_);
  if (net && cfg.cluster_etcd.empty())
    return err("config.invalid",
               "this chain's genesis names a network of nodes: give cluster_etcd and node_id "
               "(docs/CLUSTER.md)");
  if (!net && !cfg.cluster_etcd.empty())
    return err("config.invalid", "cluster_etcd is set but this chain's genesis names no network");
  if (net && cfg.clock_back_days != 0)
    return err("config.invalid", "clock_back_days is for single-node test chains only");
  if (net) {
    if (auto s = n->open_network(*net); !s) return s.error();
  } else {
    CutLimits limits{cfg.block_txs_max, cfg.block_bytes_max, cfg.block_interval_ms,
                     cfg.mempool_txs_max};
    const uint64_t back_ms = uint64_t{cfg.clock_back_days} * 86'400'000;
    n->orderer_ = make_solo(limits, n->head_.time_ms, [back_ms] {
      uint64_t now = system_clock_ms();
      return now > back_ms ? now - back_ms : 0;
    });
  }
  return n;
}

Status Node::open_network(const Network& net) {
  const NetworkNode* me = net.find(std::string_view(cfg_.node_id));
  if (!me)
    return err("config.invalid", "node_id '" + cfg_.node_id + "' is not a node of this chain");
  if (me->key != node_key_.pub)
    return err("config.invalid", "node " + cfg_.node_id + ": this data directory's node key (" +
                                     key_to_text(node_key_.pub) +
                                     ") is not the key genesis names for it");
  node_id_ = cfg_.node_id;
  EtcdOptions eo;
  for (size_t a = 0, b; a <= cfg_.cluster_etcd.size(); a = b + 1) {
    b = cfg_.cluster_etcd.find(',', a);
    if (b == std::string::npos) b = cfg_.cluster_etcd.size();
    if (b > a) eo.endpoints.push_back(cfg_.cluster_etcd.substr(a, b - a));
  }
  eo.prefix =
      cfg_.cluster_prefix.empty() ? "/tanso/" + params_.chain_id + "/" : cfg_.cluster_prefix;
  auto make_log = [eo] { return make_etcd_log(eo); };
  NetworkOrdererOptions o;
  // A batch must fit in one etcd request (1.5 MiB by default) once base64-encoded.
  o.limits = {cfg_.block_txs_max, std::min<size_t>(cfg_.block_bytes_max, 1 << 20),
              cfg_.block_interval_ms, cfg_.mempool_txs_max};
  o.network = net;
  o.node_id = node_id_;
  o.key = node_key_;
  o.next_slot = head_.height + 1;
  o.last_time_ms = head_.time_ms;
  o.genesis_time_ms = store_->block(0)->header.time_ms;
  o.make_log = make_log;
  o.admit = [this](const std::vector<std::string>& envs) { return admit_peer_batch(envs); };
  if (auto s = make_catch_up(net); !s) return s.error();
  o.catch_up = catch_up_ != nullptr;
  try {
    auto orderer = std::make_unique<NetworkOrderer>(std::move(o));
    orderer->start();
    net_orderer_ = orderer.get();
    orderer_ = std::move(orderer);
    AttestationOptions ao;
    ao.chain_id = params_.chain_id;
    ao.network = net;
    ao.node_id = node_id_;
    ao.key = node_key_;
    ao.keep_slots = cfg_.cluster_keep_slots;
    ao.halt = [this](const std::string& why) { halt(why); };
    attest_ = std::make_unique<AttestationBook>(ao, *store_, make_log());
  } catch (const std::exception& e) {
    return err("ordering.unavailable", std::string("cannot reach the etcd cluster: ") + e.what(),
               503);
  }
  spdlog::info("node {} of a {}-node network, ordering through etcd at {}", node_id_,
               net.nodes.size(), cfg_.cluster_etcd);
  return ok_status();
}

// Other nodes' txs: decoded and their signatures verified on all cores. Any failure rejects the
// batch (a genesis node signed it, so it is a fault: the follower halts the node).
Result<std::vector<TxPtr>> Node::admit_peer_batch(const std::vector<std::string>& envs) {
  std::vector<Result<Tx>> decoded(envs.size(), err("tx.malformed", ""));
  std::vector<char> ok(envs.size(), 0);
  pool_.parallel_for(envs.size(), [&](size_t i) {
    decoded[i] = decode_tx(envs[i]);
    ok[i] = decoded[i] && verify_signatures(*decoded[i]);
  });
  std::vector<TxPtr> out;
  out.reserve(envs.size());
  for (size_t i = 0; i < envs.size(); ++i) {
    if (!ok[i])
      return err(decoded[i] ? "tx.bad_signature" : decoded[i].error().code,
                 "tx " + std::to_string(i) + " of the batch " +
                     (decoded[i] ? "has a signature that does not verify"
                                 : "does not decode: " + decoded[i].error().message));
    out.push_back(std::make_shared<const Tx>(std::move(*decoded[i])));
  }
  return out;
}

void Node::halt(const std::string& reason) {
  {
    std::lock_guard lock(halt_mu_);
    if (!halt_reason_.empty()) return;
    halt_reason_ = reason;
  }
  healthy_ = false;
  spdlog::critical("the node halts: {}", reason);
}

std::vector<Attestation> Node::attestations(uint64_t height) const {
  return attest_ ? attest_->at(height) : std::vector<Attestation>{};
}

void Node::start() {
  if (attest_) attest_->start();
  thread_ = std::thread([this] { pipeline(); });
}

void Node::stop() {
  stopping_ = true;
  if (orderer_) orderer_->stop();
  events_.close();
  if (thread_.joinable()) thread_.join();
  if (attest_) attest_->stop();
  // Wake submitters still waiting: their txs stay uncommitted ("pending" in the answer).
  std::lock_guard lock(wait_mu_);
  for (auto& [id, entry] : waiting_) {
    std::lock_guard wl(entry.first->mu);
    entry.first->remaining = 0;
    entry.first->cv.notify_all();
  }
  waiting_.clear();
}

bool Node::is_pending(const Hash& id) const {
  std::lock_guard lock(wait_mu_);
  return pending_.contains(id);
}

Status Node::admit_stateful(const Tx& tx, uint64_t next_height) {
  const std::string& from = tx.payload.from;
  uint64_t last = last_nonce(state_, from);
  auto it = admitted_nonce_.find(from);
  if (it != admitted_nonce_.end()) last = std::max(last, it->second);
  return check_tx(state_, params_, tx, next_height, last, nullptr);
}

std::vector<TxOutcome> Node::submit(std::vector<Result<Tx>> txs, bool wait, uint32_t timeout_ms) {
  auto started = std::chrono::steady_clock::now();
  auto w = std::make_shared<Waiter>();
  w->outcomes.resize(txs.size());
  auto refuse = [&](size_t i, const Error& e) {
    w->outcomes[i].status = "refused";
    w->outcomes[i].error = e;
    metrics_.refused(e.code);
  };
  if (!healthy_) {
    for (size_t i = 0; i < txs.size(); ++i)
      refuse(i, err("node.unavailable", "the node halted: " + halt_reason(), 503));
    return std::move(w->outcomes);
  }
  if (catching_up_) {  // its state is behind the network's: admission would judge wrongly
    for (size_t i = 0; i < txs.size(); ++i)
      refuse(i, err("node.catching_up",
                    "the node is catching up from other nodes' blocks; retry later or on another "
                    "node",
                    503));
    return std::move(w->outcomes);
  }
  // 1. Stateless: decoding, chain id, type and body shape.
  std::string chain;
  {
    std::shared_lock lock(state_mu_);
    chain = params_.chain_id;
  }
  std::vector<size_t> ok;
  ok.reserve(txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    if (!txs[i]) {
      refuse(i, txs[i].error());
      continue;
    }
    const Tx& tx = *txs[i];
    w->outcomes[i].id = tx.id;
    if (tx.payload.chain != chain) {
      refuse(i, err("tx.wrong_chain", "the tx is for chain '" + tx.payload.chain +
                                          "', this node serves '" + chain + "'"));
      continue;
    }
    const TxHandler* h = find_handler(tx.payload.type);
    if (!h) {
      refuse(i, err("tx.unknown_type", "unknown tx type '" + tx.payload.type + "'"));
      continue;
    }
    if (auto s = h->check(tx.payload.body); !s) {
      refuse(i, s.error());
      continue;
    }
    ok.push_back(i);
  }
  // 2. Signatures, on every core.
  std::vector<uint8_t> sig_ok(ok.size());
  pool_.parallel_for(ok.size(), [&](size_t k) { sig_ok[k] = verify_signatures(*txs[ok[k]]); });
  // 3. Stateful checks against the committed state plus what is already admitted.
  std::vector<TxPtr> admitted;
  admitted.reserve(ok.size());
  {
    std::shared_lock slock(state_mu_);
    std::lock_guard alock(admit_mu_);
    uint64_t next_height = head_.height + 1;
    // Only submitters holding admit_mu_ add to the orderer, so this room cannot shrink under us.
    size_t pending = orderer_->pending();
    size_t room = cfg_.mempool_txs_max > pending ? cfg_.mempool_txs_max - pending : 0;
    // Each sender's admitted nonce before this submission, to restore if ordering refuses it.
    std::vector<std::pair<std::string, std::optional<uint64_t>>> before;
    for (size_t k = 0; k < ok.size(); ++k) {
      size_t i = ok[k];
      Tx& tx = *txs[i];
      if (!sig_ok[k]) {
        refuse(i, err("tx.bad_signature", "a signature does not verify over this payload and chain",
                      401));
        continue;
      }
      if (stopping_) {
        refuse(i,
               err("node.unavailable", "the node is shutting down; retry on a running node", 503));
        continue;
      }
      // A full mempool judges nothing else: the tx may be retried unchanged.
      if (admitted.size() >= room) {
        refuse(i, err("tx.mempool_full", "the node has too many pending txs; retry later", 503));
        continue;
      }
      if (auto s = admit_stateful(tx, next_height); !s) {
        refuse(i, s.error());
        continue;
      }
      auto it = admitted_nonce_.find(tx.payload.from);
      before.emplace_back(tx.payload.from, it == admitted_nonce_.end()
                                               ? std::nullopt
                                               : std::optional<uint64_t>(it->second));
      admitted_nonce_[tx.payload.from] = tx.payload.nonce;
      w->outcomes[i].status = "pending";
      admitted.push_back(std::make_shared<const Tx>(std::move(tx)));
    }
    // Register waiters before ordering, so a fast commit cannot be missed.
    if (!admitted.empty()) {
      std::lock_guard wlock(wait_mu_);
      for (size_t i = 0; i < w->outcomes.size(); ++i) {
        if (w->outcomes[i].status != "pending") continue;
        pending_.insert(w->outcomes[i].id);
        if (wait) waiting_[w->outcomes[i].id] = {w, i};
      }
      w->remaining = wait ? admitted.size() : 0;
    }
    if (!admitted.empty() && !orderer_->submit(admitted)) {
      // The orderer stopped (shutdown): undo this submission's admissions, newest first.
      std::lock_guard wlock(wait_mu_);
      for (const auto& t : admitted) {
        pending_.erase(t->id);
        waiting_.erase(t->id);
      }
      for (auto& o : w->outcomes)
        if (o.status == "pending") {
          o.status = "refused";
          o.error =
              err("node.unavailable", "the node is shutting down; retry on a running node", 503);
          metrics_.refused(o.error.code);
        }
      for (auto b = before.rbegin(); b != before.rend(); ++b) {
        if (b->second)
          admitted_nonce_[b->first] = *b->second;
        else
          admitted_nonce_.erase(b->first);
      }
      admitted.clear();
      w->remaining = 0;
    }
  }
  metrics_.txs_admitted += admitted.size();
  if (wait && !admitted.empty()) {
    std::unique_lock lock(w->mu);
    bool done = w->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                               [&] { return w->remaining == 0; });
    if (!done) {
      lock.unlock();
      std::lock_guard wlock(wait_mu_);
      for (auto it = waiting_.begin(); it != waiting_.end();)
        it = it->second.first == w ? waiting_.erase(it) : std::next(it);
      lock.lock();
      for (auto& o : w->outcomes)
        if (o.status == "pending") o.status = "timeout";
    }
  }
  metrics_.submit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  std::lock_guard lock(w->mu);
  return w->outcomes;
}

void Node::pipeline() {
  while (auto batch = orderer_->next()) {
    if (!healthy_) return;
    if (batch->catch_up ? !catch_up_from_peers(batch->height) : !commit_batch(*batch)) return;
  }
  if (!stopping_ && !orderer_->failure().empty()) halt(orderer_->failure());
}

bool Node::commit_batch(OrderedBatch& batch, BlockOutput* done) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<const Tx*> ptrs;
  ptrs.reserve(batch.txs.size());
  for (const auto& t : batch.txs) ptrs.push_back(t.get());
  uint64_t height = head_.height + 1;
  BlockOutput out = done ? std::move(*done)
                         : execute_block(state_, head_.state_root, height, batch.time_ms, ptrs,
                                         /*verify_sigs=*/false);
  Block blk;
  BlockHeader& h = blk.header;
  h.height = height;
  h.prev_hash = header_hash(head_);
  h.time_ms = batch.time_ms;
  h.tx_count = static_cast<uint32_t>(batch.txs.size());
  h.tx_root = out.tx_root;
  h.receipts_root = out.receipts_root;
  h.state_root = out.state_root;
  if (batch.height == 0) {
    sign_header(h, node_key_);
  } else {
    // A network batch: ordered for this height, signed by its proposer before anyone executed it.
    if (batch.height != height) {
      halt("ordering: a batch for height " + std::to_string(batch.height) + " came at height " +
           std::to_string(height));
      return false;
    }
    h.proposer = batch.proposer;
    h.signature = batch.signature;
  }
  blk.txs.reserve(batch.txs.size());
  for (const auto& t : batch.txs) blk.txs.push_back(t->envelope);
  if (auto s = store_->commit(blk, out.receipts, out.writes); !s) {
    halt("commit of block " + std::to_string(height) + " failed: " + s.error().code + ": " +
         s.error().message);
    return false;
  }
  bool params_changed = out.writes.contains("meta/params");
  {
    std::unique_lock lock(state_mu_);
    state_.apply(out.writes);
    head_ = h;
    if (params_changed) params_ = *Params::from_json(Json::parse(*state_.get("meta/params")));
    std::lock_guard alock(admit_mu_);
    for (const auto& t : batch.txs) {
      auto it = admitted_nonce_.find(t->payload.from);
      if (it == admitted_nonce_.end()) continue;
      uint64_t committed = last_nonce(state_, t->payload.from);
      // Caught up, or this tx's nonce was not consumed (it failed a pre-check in the block):
      // later admissions must start again from the committed nonce.
      if (it->second <= committed || t->payload.nonce > committed) admitted_nonce_.erase(it);
    }
  }
  // Metrics first: a client woken by its commit may scrape /metrics at once and must see it.
  for (const Receipt& r : out.receipts)
    if (r.code != "ok") metrics_.rejected(r.code);
  metrics_.height = height;
  metrics_.blocks_committed++;
  metrics_.txs_committed += batch.txs.size();
  if (attest_) attest_->committed(h);
  finish_waiters(batch.txs, out.receipts, height);
  events_.publish(block_events(h, out.receipts));
  metrics_.commit_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return true;
}

void Node::finish_waiters(const std::vector<TxPtr>& txs, const std::vector<Receipt>& rs,
                          uint64_t height) {
  std::vector<std::pair<std::shared_ptr<Waiter>, std::pair<size_t, size_t>>> hits;
  {
    std::lock_guard lock(wait_mu_);
    for (size_t i = 0; i < txs.size(); ++i) {
      pending_.erase(txs[i]->id);
      auto it = waiting_.find(txs[i]->id);
      if (it == waiting_.end()) continue;
      hits.push_back({it->second.first, {it->second.second, i}});
      waiting_.erase(it);
    }
  }
  for (auto& [w, idx] : hits) {
    std::lock_guard lock(w->mu);
    TxOutcome& o = w->outcomes[idx.first];
    o.status = "committed";
    o.height = height;
    o.index = static_cast<uint32_t>(idx.second);
    o.code = rs[idx.second].code;
    o.message = rs[idx.second].message;
    if (--w->remaining == 0) w->cv.notify_all();
  }
}

BlockEvents block_events(const BlockHeader& h, const std::vector<Receipt>& receipts) {
  BlockEvents ev;
  ev.height = h.height;
  ev.block_json = header_json(h).dump();
  // Written directly (one per tx, every block): the same text the JSON encoder gives (keys in
  // its sorted order). Receipt codes are stable identifiers: nothing to escape.
  ev.receipt_jsons.reserve(receipts.size());
  const std::string height = std::to_string(h.height);
  for (size_t i = 0; i < receipts.size(); ++i) {
    const std::string& code = receipts[i].code;
    if (!std::all_of(code.begin(), code.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
        })) {
      ev.receipt_jsons.push_back(Json({{"tx_id", to_hex(receipts[i].tx_id)},
                                       {"height", h.height},
                                       {"index", i},
                                       {"code", code}})
                                     .dump());
      continue;
    }
    std::string& e = ev.receipt_jsons.emplace_back();
    e.reserve(128);
    e.append("{\"code\":\"").append(receipts[i].code).append("\",\"height\":").append(height);
    e.append(",\"index\":").append(std::to_string(i)).append(",\"tx_id\":\"");
    e.append(to_hex(receipts[i].tx_id)).append("\"}");
  }
  return ev;
}

Json outcome_json(const TxOutcome& o, size_t index) {
  Json j;
  if (o.status == "refused") {
    j = {{"index", index},
         {"status", "refused"},
         {"error", {{"code", o.error.code}, {"message", o.error.message}}}};
    if (o.id != Hash{}) j["tx_id"] = to_hex(o.id);
    return j;
  }
  j = {{"tx_id", to_hex(o.id)}, {"status", o.status}};
  if (o.status == "committed") {
    j["height"] = o.height;
    j["index"] = o.index;
    j["code"] = o.code;
    if (!o.message.empty()) j["message"] = o.message;
  }
  return j;
}

}  // namespace tanso

namespace tanso {

void append_outcome(std::string& out, const TxOutcome& o, size_t index) {
  // Only refusals and rejections carry free text; they are rare, so they go through the Json
  // encoder (escaping); the common committed/pending case is written directly.
  if (o.status == "refused" || !o.message.empty()) {
    out += outcome_json(o, index).dump();
    return;
  }
  out += "{\"tx_id\":\"";
  out += to_hex(o.id);
  out += "\",\"status\":\"";
  out += o.status;
  out += '"';
  if (o.status == "committed") {
    out += ",\"height\":" + std::to_string(o.height) + ",\"index\":" + std::to_string(o.index) +
           ",\"code\":\"" + o.code + '"';
  }
  out += '}';
}

}  // namespace tanso
