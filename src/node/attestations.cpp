// AttestationBook (node/attestations.h).
#include "node/attestations.h"

#include <spdlog/spdlog.h>

#include <set>

namespace tanso {

std::string attestation_record_key(uint64_t height, std::string_view node) {
  return "att/" + slot_text(height) + "/" + std::string(node);
}

AttestationBook::AttestationBook(AttestationOptions o, ChainStore& store,
                                 std::unique_ptr<SharedLog> log)
    : o_(std::move(o)), store_(store), log_(std::move(log)) {}

AttestationBook::~AttestationBook() { stop(); }

void AttestationBook::start() {
  {
    // A restarted node reads its peers' attestations of the blocks it already has at once, not
    // only after its next commit.
    std::lock_guard lock(mu_);
    own_height_ = std::max(own_height_, store_.last_height().value_or(0));
  }
  thread_ = std::thread([this] { run(); });
}

void AttestationBook::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void AttestationBook::committed(const BlockHeader& h) {
  Attestation a = attest(o_.chain_id, o_.node_id, h, o_.key);
  if (auto s = store_.put_record(attestation_record_key(h.height, o_.node_id), a.to_json().dump());
      !s)
    spdlog::error("cannot store this node's attestation of block {}: {}", h.height,
                  s.error().message);
  std::lock_guard lock(mu_);
  own_height_ = h.height;
  outbox_.push_back(std::move(a));
  cv_.notify_all();
}

std::vector<Attestation> AttestationBook::at(uint64_t height) const {
  std::vector<Attestation> out;
  const std::string from = "att/" + slot_text(height) + "/", to = "att/" + slot_text(height) + "0";
  for (const auto& [k, v] : store_.records(from, to, 1000)) {
    auto a = Attestation::from_json(Json::parse(v, nullptr, false));
    if (a) out.push_back(std::move(*a));
  }
  return out;
}

void AttestationBook::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(o_.poll_ms), [&] { return stopped_; });
      if (stopped_) return;
    }
    try {
      publish();
      read_peers();
      if (++polls_ % 25 == 0) compact();
    } catch (const LogUnavailable& e) {
      spdlog::warn("attestations: the log is unavailable: {}", e.what());
    } catch (const std::exception& e) {
      spdlog::error("attestations: {}", e.what());
    }
  }
}

// Sends the queued attestations, up to 63 per request (one etcd transaction: one Raft proposal
// instead of one per block); the request with the newest also marks this node's progress
// ("n/<node>"), so the progress never runs ahead of the attestations published.
void AttestationBook::publish() {
  constexpr size_t kPerRequest = 63;
  std::deque<Attestation> out;
  {
    std::lock_guard lock(mu_);
    out.swap(outbox_);
  }
  while (!out.empty()) {
    const size_t n = std::min(out.size(), kPerRequest);
    std::vector<std::pair<std::string, std::string>> records;
    for (size_t i = 0; i < n; ++i)
      records.emplace_back("a/" + slot_text(out[i].height) + "/" + out[i].node,
                           out[i].to_json().dump());
    if (n == out.size()) records.emplace_back("n/" + o_.node_id, slot_text(out.back().height));
    try {
      log_->put_sides(records);
    } catch (...) {
      std::lock_guard lock(mu_);
      for (auto it = out.rbegin(); it != out.rend(); ++it) outbox_.push_front(std::move(*it));
      throw;
    }
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

// Reads the other nodes' attestations of the blocks this node has, from the lowest height some
// node has not been read at (each node publishes its own in height order; at most a window of
// kReadWindow heights back, so a node that never started does not make every read a full scan).
void AttestationBook::read_peers() {
  constexpr uint64_t kReadWindow = 1000;
  uint64_t own;
  {
    std::lock_guard lock(mu_);
    own = own_height_;
  }
  if (own == 0) return;
  uint64_t from = own + 1;
  for (const auto& n : o_.network.nodes)
    if (n.node != o_.node_id) from = std::min(from, seen_[n.node] + 1);
  from = std::max<uint64_t>(from, own + 1 > kReadWindow ? own + 1 - kReadWindow : 1);
  std::string key = "a/" + slot_text(from);
  const std::string end = "a/" + slot_text(own + 1);
  for (;;) {
    auto rows = log_->list_side(key, end, 1000);
    for (const auto& [k, v] : rows) {
      auto a = Attestation::from_json(Json::parse(v, nullptr, false));
      if (!a) {
        spdlog::warn("attestations: {} is not an attestation: {}", k, a.error().message);
        continue;
      }
      if (a->node == o_.node_id || a->height <= seen_[a->node]) continue;
      const NetworkNode* n = o_.network.find(std::string_view(a->node));
      if (!n || n->key != a->key || !verify_attestation(o_.chain_id, *a) ||
          k != "a/" + slot_text(a->height) + "/" + a->node) {
        spdlog::warn("attestations: {} is not signed by the node it names", k);
        continue;
      }
      check(*a);
      seen_[a->node] = a->height;
    }
    if (rows.size() < 1000) break;
    key = rows.back().first + '\0';
  }
  // Read progress: every other node's attestations up to this height have been read (each node
  // publishes its own in height order). Compaction keeps the ones above every node's progress.
  uint64_t read_to = own;
  for (const auto& n : o_.network.nodes)
    if (n.node != o_.node_id) read_to = std::min(read_to, seen_[n.node]);
  if (read_to > read_reported_) {
    log_->put_sides({{"r/" + o_.node_id, slot_text(read_to)}});
    read_reported_ = read_to;
  }
}

void AttestationBook::check(const Attestation& a) {
  auto blk = store_.block(a.height);
  if (!blk) return;  // cannot happen: only heights this node has are read
  const std::string key = attestation_record_key(a.height, a.node);
  if (auto s = store_.put_record(key, a.to_json().dump()); !s)
    spdlog::error("cannot store the attestation of {}: {}", a.node, s.error().message);
  const Hash mine = header_hash(blk->header);
  if (a.block_hash == mine && a.state_root == blk->header.state_root) return;
  ++mismatches_;
  spdlog::error("node {} attests block {} as {} with state root {}; this node has {} and {}",
                a.node, a.height, to_hex(a.block_hash), to_hex(a.state_root), to_hex(mine),
                to_hex(blk->header.state_root));
  // Halt when a quorum of the other nodes agree with each other and not with this node.
  std::map<std::pair<Hash, Hash>, std::set<std::string>> others;
  for (const auto& x : at(a.height))
    if (x.node != o_.node_id) others[{x.block_hash, x.state_root}].insert(x.node);
  for (const auto& [result, nodes] : others) {
    if (result == std::pair{mine, blk->header.state_root}) continue;
    if (nodes.size() >= o_.network.attest_quorum) {
      std::string names;
      for (const auto& n : nodes) names += (names.empty() ? "" : ", ") + n;
      Error e = err("node.diverged", "at height " + std::to_string(a.height) + " nodes " + names +
                                         " attest block " + to_hex(result.first) +
                                         " and state root " + to_hex(result.second) +
                                         ", but this node has block " + to_hex(mine) +
                                         " and state root " + to_hex(blk->header.state_root));
      o_.halt(e.code + ": " + e.message);
      return;
    }
  }
}

// Deletes log slots and attestations every node has passed, and at most keep_slots behind the
// head even if a node lags further (it then catches up from a backup or another node).
void AttestationBook::compact() {
  LogHead head = log_->head();
  const uint64_t window = head.slot > o_.keep_slots ? head.slot - o_.keep_slots : 0;
  // The lowest of one kind of progress record ("n/": published, "r/": read) over every node,
  // 0 while a node has none yet; never more than keep_slots behind the head.
  auto lowest = [&](const std::string& prefix) {
    auto rows = log_->list_side(prefix, prefix.substr(0, prefix.size() - 1) + "0", 1000);
    uint64_t low = head.slot;
    std::set<std::string> reported;
    for (const auto& [k, v] : rows) {
      reported.insert(k.substr(prefix.size()));
      low = std::min<uint64_t>(low, std::stoull(v));
    }
    if (reported.size() < o_.network.nodes.size()) low = 0;  // a node has not started yet
    return std::max(low, window);
  };
  // Log slots: every node has committed them (its attestations are published up to there).
  const uint64_t floor = lowest("n/");
  if (floor > last_compacted_ + 100) {
    log_->compact(floor);
    last_compacted_ = floor;
    spdlog::info("attestations: compacted the log below slot {}", floor);
  }
  // Attestations: every node has read them, so one published late (by a node that caught up)
  // is not deleted before the others see it, unless it is more than keep_slots behind.
  const uint64_t att_floor = std::min(floor, lowest("r/"));
  if (att_floor > last_att_compacted_ + 100) {
    log_->delete_side("a/", "a/" + slot_text(att_floor));
    last_att_compacted_ = att_floor;
  }
}

}  // namespace tanso
