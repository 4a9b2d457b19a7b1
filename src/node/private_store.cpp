// Private data copies at a node and their delivery to peers (node/private_store.h).
#include "node/private_store.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/limits.h"
#include "core/network.h"
#include "http/client.h"
#include "node/node_auth.h"

namespace tanso {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string doc_key(const std::string& id_hex) { return "pd/d/" + id_hex; }
std::string out_key(const std::string& id_hex, const std::string& node) {
  return "pd/o/" + id_hex + "/" + node;
}

constexpr int64_t kBackoffMaxMs = 2000;

}  // namespace

PrivateStore::PrivateStore(Node& node, ChainStore& store, KeyPair node_key,
                           std::map<std::string, std::string> peers)
    : node_(node), store_(store), key_(node_key), peers_(std::move(peers)) {
  net_ = node_.with_state(
      [](const State& st, const BlockHeader&, const Params&) { return load_network(st); });
  if (net_)
    if (const NetworkNode* me = net_->find(node_.node_id())) org_ = me->org;
}

PrivateStore::~PrivateStore() { stop(); }

void PrivateStore::start() {
  for (const auto& [k, v] : store_.records("pd/o/", "pd/o0", SIZE_MAX)) {
    if (v != "pending") continue;
    auto slash = k.find('/', 5);
    queue_.push_back({k.substr(5, slash - 5), k.substr(slash + 1)});
  }
  if (!queue_.empty()) spdlog::info("private data: {} deliveries pending", queue_.size());
  thread_ = std::thread([this] { run(); });
}

void PrivateStore::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PrivateStore::may_hold(const StateReader& st, const PrivateCommitment& c) const {
  if (!net_) return true;  // a solo node is every organization's node
  return !org_.empty() && private_may_hold(st, c, org_);
}

std::optional<PrivateCommitment> PrivateStore::commitment(const Hash& id, uint32_t timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (true) {
    auto [c, height] = node_.with_state([&](const State& st, const BlockHeader& h, const Params&) {
      return std::pair(load_private(st, id), h.height);
    });
    if (c || !node_.is_pending(id) || now_ms() >= deadline) {
      if (!c && !node_.is_pending(id))  // committed between the two reads
        c = node_.with_state([&](const State& st, const BlockHeader&, const Params&) {
          return load_private(st, id);
        });
      return c;
    }
    node_.events().wait_after(height, 200);
  }
}

Result<std::vector<std::string>> PrivateStore::put(const PrivateCommitment& c,
                                                   const std::string& salt, std::string_view bytes,
                                                   bool forward) {
  std::string id_hex = to_hex(c.id);
  std::vector<std::string> targets;
  if (forward && net_) {
    node_.with_state([&](const State& st, const BlockHeader&, const Params&) {
      for (const auto& n : net_->nodes)
        if (n.node != node_.node_id() && private_may_hold(st, c, n.org)) targets.push_back(n.node);
      return 0;
    });
  }
  std::vector<Pending> added;
  for (const auto& n : targets) {
    if (!peers_.contains(n)) {
      spdlog::warn("private data {}: node {} is authorized but has no URL in cluster_peers", id_hex,
                   n);
      continue;
    }
    auto prev = store_.records(out_key(id_hex, n), out_key(id_hex, n) + '\0', 1);
    if (!prev.empty()) continue;  // already delivered or queued
    if (auto s = store_.put_record(out_key(id_hex, n), "pending"); !s) return s.error();
    added.push_back({id_hex, n});
  }
  if (auto s = store_.put_record(doc_key(id_hex), salt + std::string(bytes)); !s) return s.error();
  if (!added.empty()) {
    {
      std::lock_guard lock(mu_);
      for (auto& p : added) queue_.push_back(std::move(p));
    }
    cv_.notify_all();
  }
  return targets;
}

std::optional<std::pair<std::string, std::string>> PrivateStore::get(const Hash& id) const {
  std::string k = doc_key(to_hex(id));
  auto r = store_.records(k, k + '\0', 1);
  if (r.empty()) return std::nullopt;
  auto c = node_.with_state(
      [&](const State& st, const BlockHeader&, const Params&) { return load_private(st, id); });
  size_t salt_len = c && c->salted() ? kPrivateSaltBytes : 0;
  const std::string& v = r[0].second;
  if (v.size() < salt_len) return std::nullopt;
  return std::pair(v.substr(0, salt_len), v.substr(salt_len));
}

bool PrivateStore::first_use(const std::string& sig, int64_t now_s) {
  std::lock_guard lock(seen_mu_);
  const int64_t window = 2 * limits::read_auth_skew_s_max;
  if (seen_.size() > 4096)
    std::erase_if(seen_, [&](const auto& e) { return e.second < now_s - window; });
  return seen_.emplace(sig, now_s).second;
}

std::optional<NetworkNode> PrivateStore::peer(std::string_view node_id) const {
  if (!net_) return std::nullopt;
  const NetworkNode* n = net_->find(node_id);
  if (!n) return std::nullopt;
  return *n;
}

void PrivateStore::mark(const Pending& p, std::string_view status) {
  if (auto s = store_.put_record(out_key(p.id_hex, p.node), status); !s)
    spdlog::warn("private data {}: cannot record delivery to {}: {}", p.id_hex, p.node,
                 s.error().message);
}

int PrivateStore::deliver(const Pending& p) {
  auto id = hash_from_hex(p.id_hex);
  auto copy = id ? get(*id) : std::nullopt;
  if (!copy) return -1;
  auto ep = http::parse_endpoint(peers_.at(p.node));
  if (!ep) return -1;
  std::string target = "/v1/private/" + p.id_hex + "/deliver";
  if (!copy->first.empty())
    target += "?salt=" + to_hex(ByteView(reinterpret_cast<const uint8_t*>(copy->first.data()),
                                         copy->first.size()));
  http::Headers hs =
      node_read_headers(node_.chain_id(), node_.node_id(), key_, "POST", target, now_ms() / 1000);
  hs.push_back({"Content-Type", "application/octet-stream"});
  try {
    http::ClientOptions o;
    o.timeout_ms = 2000;
    http::Client c(*ep, o);
    http::Response r = c.request("POST", target, copy->second, hs);
    if (r.status == 200) return 1;
    // The peer has not committed the commitment yet, is halted, or our clocks disagree.
    if (r.status == 404 || r.status == 401 || r.status >= 500) return 0;
    spdlog::warn("private data {}: node {} refused the copy: {} {}", p.id_hex, p.node, r.status,
                 r.body);
    return -1;
  } catch (const std::exception& e) {
    spdlog::debug("private data {}: node {} unreachable: {}", p.id_hex, p.node, e.what());
    return 0;
  }
}

void PrivateStore::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t now = now_ms(), next = now + 60'000;
    std::optional<size_t> due;
    for (size_t i = 0; i < queue_.size(); ++i) {
      if (queue_[i].due_ms <= now) {
        due = i;
        break;
      }
      next = std::min(next, queue_[i].due_ms);
    }
    if (!due) {
      cv_.wait_for(lock, std::chrono::milliseconds(next - now));
      continue;
    }
    Pending p = queue_[*due];
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(*due));
    lock.unlock();
    int r = deliver(p);
    if (r != 0) {
      mark(p, r > 0 ? "done" : "refused");
      if (r > 0) spdlog::info("private data {}: delivered to {}", p.id_hex, p.node);
    }
    lock.lock();
    if (r == 0) {
      p.due_ms = now_ms() + p.backoff_ms;
      p.backoff_ms = std::min(p.backoff_ms * 2, kBackoffMaxMs);
      queue_.push_back(std::move(p));
    }
  }
}

}  // namespace tanso
