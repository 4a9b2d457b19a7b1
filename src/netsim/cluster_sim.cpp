// The seed-driven cluster simulation (netsim/cluster_sim.h): the world a seed makes and the
// loop that runs it.
#include "netsim/cluster_sim.h"

#include <array>
#include <map>
#include <optional>
#include <random>

#include "core/executor.h"
#include "core/identity.h"
#include "core/network.h"
#include "netsim/invariants.h"

namespace tanso::netsim {

namespace {

constexpr std::string_view kChain = "sim-chain";
constexpr uint64_t kGenesisTime = 1'800'000'000'000;
constexpr std::string_view kKrw = "KRW";

const KeyPair& key(uint8_t family, uint8_t n) {
  static std::map<std::pair<uint8_t, uint8_t>, KeyPair> cache;
  auto it = cache.find({family, n});
  if (it == cache.end()) {
    std::array<uint8_t, 32> seed{};
    seed[0] = n;
    seed[1] = family;
    seed[31] = 0x5e;
    it = cache.emplace(std::pair{family, n}, keypair_from_seed(seed)).first;
  }
  return it->second;
}

struct Client {
  std::string account;
  const KeyPair* key = nullptr;
  uint64_t next_nonce = 1;
  uint32_t sent = 0;
  struct Waiting {
    Hash id{};
    size_t node = 0;
    uint64_t since = 0;
  };
  std::optional<Waiting> waiting;
};

class Sim {
 public:
  Sim(uint64_t seed, const SimOptions& o)
      : rng_(seed), checker_(std::string(kChain), std::string(kKrw), 0) {
    r_.seed = seed;
    const size_t nodes = 3 + below(3), clients = 4 + below(3);
    r_.nodes = nodes;
    r_.clients = clients;
    budget_ = 12 + below(30);
    fault_steps_ = 300 + below(400);
    timeout_ms_ = 60 + below(200);
    crash_pm_ = below(12);  // per mille per step
    restart_pm_ = 20 + below(80);
    outage_pm_ = below(8);
    lose_pm_ = below(30);
    read_pct_ = 5 + below(20);
    const DeliveryFaults delivery{static_cast<uint32_t>(1 + below(40)),
                                  static_cast<uint32_t>(below(25))};
    log_ = std::make_unique<SimLog>(nodes, delivery, rng_());
    Network net;
    Json g = {{"chain_id", kChain}, {"time_ms", kGenesisTime}};
    g["orgs"] = {{{"org", "ops"}, {"name", "Operators"}, {"role", "regulator"}},
                 {{"org", "co"}, {"name", "Companies"}, {"role", "company"}},
                 {{"org", "bk"}, {"name", "Bank"}, {"role", "bank"}}};
    Json accounts = Json::array(), balances = Json::array(), nlist = Json::array();
    accounts.push_back(
        {{"account", "bank"}, {"org", "bk"}, {"keys", {key_to_text(key(2, 0).pub)}}});
    uint64_t total = 0;
    for (size_t c = 0; c < clients; ++c) {
      Client cl;
      cl.account = "acct-" + std::to_string(c);
      cl.key = &key(1, static_cast<uint8_t>(c));
      accounts.push_back(
          {{"account", cl.account}, {"org", "co"}, {"keys", {key_to_text(cl.key->pub)}}});
      const uint64_t amount = 100 + below(2000);
      balances.push_back({{"account", cl.account}, {"instrument", kKrw}, {"amount", amount}});
      total += amount;
      clients_.push_back(cl);
    }
    for (size_t n = 0; n < nodes; ++n) {
      net.nodes.push_back(
          {"node-" + std::to_string(n + 1), "ops", key(0, static_cast<uint8_t>(n)).pub});
      nlist.push_back({{"node", net.nodes.back().node},
                       {"org", "ops"},
                       {"key", key_to_text(net.nodes.back().key)}});
    }
    net.attest_quorum = static_cast<uint32_t>(nodes / 2 + 1);
    g["accounts"] = accounts;
    g["instruments"] =
        Json::array({{{"instrument", kKrw}, {"issuer", "bank"}, {"name", "Won"}, {"unit", "KRW"}}});
    g["balances"] = balances;
    g["network"] = {{"nodes", nlist}, {"attest_quorum", net.attest_quorum}};
    auto gen = apply_genesis(g.dump());
    if (!gen) throw std::logic_error("simulation genesis: " + gen.error().message);
    State genesis_state;
    genesis_state.apply(gen->writes);
    net = *load_network(genesis_state);  // as a node reads it
    checker_ = ChainChecker(std::string(kChain), std::string(kKrw), total);
    const CutLimits limits{1 + below(6), 1 << 20, static_cast<uint32_t>(1 + below(25)), 10'000};
    for (size_t n = 0; n < nodes; ++n) {
      stores_.push_back(make_memory_store());
      if (!stores_.back()->commit(Block{gen->header, {}}, {}, gen->writes))
        throw std::logic_error("simulation genesis: commit failed");
      NodeSetup s{n,
                  net.nodes[n].node,
                  key(0, static_cast<uint8_t>(n)),
                  net,
                  limits,
                  static_cast<int64_t>(below(41)) - 20,
                  n == 0 ? o.bug : NodeBug::none,
                  &verified_};
      nodes_.push_back(std::make_unique<SimNode>(std::move(s), *stores_.back(), *log_));
      nodes_.back()->start();
    }
    waiters_.resize(nodes);
  }

  SimResult run() {
    for (uint64_t step = 0; step < fault_steps_ && ok(); ++step) {
      tick(1 + below(3));
      faults();
      clients_step();
      for (size_t n = 0; n < nodes_.size() && ok(); ++n) {
        if (below(100) < 60) nodes_[n]->propose(now_);
        if (below(100) < 70) follow(n, below(100) < read_pct_);
      }
    }
    // Faults stop: the log comes back, every crashed node restarts, clients send no more.
    log_->set_unavailable(false);
    bool converged = false;
    for (uint64_t step = 0; step < 20'000 && ok() && !converged; ++step) {
      tick(1);
      for (size_t n = 0; n < nodes_.size(); ++n) {
        if (!nodes_[n]->running() && nodes_[n]->start()) ++r_.restarts;
        nodes_[n]->propose(now_);
        follow(n, step % 5 == 0);
      }
      converged = true;
      for (auto& n : nodes_)
        converged = converged && n->idle() && n->height() == log_->log().head().slot;
    }
    if (ok()) {
      std::map<std::string, const ChainStore*> stores;
      for (size_t n = 0; n < nodes_.size(); ++n) stores[nodes_[n]->id()] = stores_[n].get();
      checker_.final_check(stores, log_->log().head().slot, converged);
    }
    for (auto& n : nodes_) {
      r_.lost_answers += n->lost_answers;
      r_.own_after_crash += n->own_after_crash;
      r_.already_appended += n->already_appended;
      r_.head_moved += n->head_moved;
      r_.append_retries += n->retries;
      r_.duplicates_seen += n->duplicates_seen;
    }
    r_.duplicates_delivered = log_->duplicates_sent();
    r_.height = log_->log().head().slot;
    const uint64_t last = stores_[0]->last_height().value_or(0);
    r_.head = header_hash(stores_[0]->block(last)->header);
    for (uint64_t h = 1; h <= last; ++h) {
      const std::vector<Receipt> rs = stores_[0]->receipts(h).value_or(std::vector<Receipt>{});
      r_.txs += rs.size();
      for (const Receipt& rc : rs) r_.rejected += rc.code != "ok";
    }
    r_.acks = checker_.acks();
    r_.failure = checker_.failure();
    return r_;
  }

 private:
  uint64_t below(uint64_t n) { return rng_() % n; }
  bool ok() {
    for (auto& n : nodes_)
      if (!n->halted().empty()) checker_.fail("no node halts", n->id() + ": " + n->halted());
    return checker_.ok();
  }

  void tick(uint64_t ms) {
    now_ += ms;
    std::vector<bool> running;
    for (auto& n : nodes_) running.push_back(n->running());
    log_->deliver_new(now_, running);
  }

  void follow(size_t n, bool read) {
    nodes_[n]->follow(now_, read, [&](const Committed& c) { committed(n, c); });
  }

  void committed(size_t n, const Committed& c) {
    checker_.committed(nodes_[n]->id(), c.prev, c.block, c.receipts, c.state, c.attestation);
    for (uint32_t i = 0; i < c.receipts.size(); ++i) {
      const Receipt& rc = c.receipts[i];
      auto w = waiters_[n].find(rc.tx_id);
      if (w == waiters_[n].end()) continue;
      Client& cl = clients_[w->second];
      waiters_[n].erase(w);
      if (!cl.waiting || cl.waiting->id != rc.tx_id) continue;  // it gave up waiting
      checker_.acknowledged({rc.tx_id, nodes_[n]->id(), c.block.header.height, i, rc.code});
      cl.next_nonce = last_nonce(c.state, cl.account) + 1;
      cl.waiting.reset();
    }
  }

  void faults() {
    if (down_until_ && now_ >= down_until_) {
      log_->set_unavailable(false);
      down_until_ = 0;
    }
    if (!down_until_ && below(1000) < outage_pm_) {
      log_->set_unavailable(true);
      down_until_ = now_ + 5 + below(80);
      ++r_.outages;
    }
    if (below(1000) < lose_pm_) {
      log_->log().lose_answers(1);  // the next append that lands loses its answer
    }
    const size_t n = below(nodes_.size());
    if (nodes_[n]->running() && below(1000) < crash_pm_) {
      nodes_[n]->crash();
      waiters_[n].clear();
      ++r_.crashes;
    } else if (!nodes_[n]->running() && below(1000) < restart_pm_ && nodes_[n]->start()) {
      ++r_.restarts;
    }
    if (below(40) == 0) compact();
  }

  // Behind the slowest node, crashed ones included (as the attestation book does).
  void compact() {
    uint64_t floor = UINT64_MAX;
    for (auto& n : nodes_) floor = std::min(floor, n->height());
    if (floor <= compacted_) return;
    try {
      log_->handle()->compact(floor);
      compacted_ = floor;
      ++r_.compactions;
    } catch (const LogUnavailable&) {
    }
  }

  void clients_step() {
    Client& cl = clients_[below(clients_.size())];
    const size_t ci = static_cast<size_t>(&cl - clients_.data());
    if (cl.waiting) {
      if (now_ < cl.waiting->since + timeout_ms_) return;
      waiters_[cl.waiting->node].erase(cl.waiting->id);
      cl.waiting.reset();  // gives up; its next tx reuses the nonce
    }
    if (cl.sent >= budget_) return;
    ++cl.sent;
    uint64_t nonce = cl.next_nonce, amount = 1 + below(150);
    std::string to = clients_[(ci + 1 + below(clients_.size() - 1)) % clients_.size()].account;
    const uint64_t kind = below(100);
    if (kind < 8)
      amount = 1'000'000;  // overdraft
    else if (kind < 14 && nonce > 1)
      nonce = 1 + below(nonce - 1);  // replayed nonce
    else if (kind < 17)
      to = "ghost";  // unknown recipient
    Payload p{std::string(kChain),
              "holdings.transfer",
              cl.account,
              nonce,
              1'000'000,
              {{"to", to},
               {"instrument", kKrw},
               {"amount", amount},
               {"memo", cl.account + "/" + std::to_string(cl.sent)}}};
    auto tx = decode_tx(sign_envelope(payload_text(p), kChain, {cl.key}));
    if (!tx) throw std::logic_error("simulation tx: " + tx.error().message);
    auto ptr = std::make_shared<const Tx>(std::move(*tx));
    const size_t n = below(nodes_.size());
    const std::string refused = nodes_[n]->submit(ptr, now_);
    if (refused.empty()) {
      cl.waiting = Client::Waiting{ptr->id, n, now_};
      waiters_[n][ptr->id] = ci;
      return;
    }
    ++r_.refused;
    // Like a client reading its account's nonce after a "replayed" refusal (a node that is
    // behind refuses a new nonce as skipped: the client tries again elsewhere).
    if (refused == "tx.nonce_replayed" && nodes_[n]->state())
      cl.next_nonce = std::max(cl.next_nonce, last_nonce(*nodes_[n]->state(), cl.account) + 1);
  }

  std::mt19937_64 rng_;
  SimResult r_;
  std::unique_ptr<SimLog> log_;
  ChainChecker checker_;
  VerifiedTxs verified_;
  std::vector<std::unique_ptr<ChainStore>> stores_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<Client> clients_;
  std::vector<std::map<Hash, size_t>> waiters_;  // per node: tx id -> client
  uint64_t now_ = kGenesisTime + 1'000, down_until_ = 0, compacted_ = 0;
  uint64_t budget_, fault_steps_, timeout_ms_, crash_pm_, restart_pm_, outage_pm_, lose_pm_,
      read_pct_;
};

}  // namespace

std::string SimResult::summary() const {
  return "seed " + std::to_string(seed) + ": " + std::to_string(nodes) + " nodes, " +
         std::to_string(clients) + " clients, " + std::to_string(height) + " blocks, " +
         std::to_string(acks) + " acks, " + std::to_string(refused) + " refused, " +
         std::to_string(rejected) + " rejected, " + std::to_string(crashes) + " crashes, " +
         std::to_string(outages) + " outages, " + std::to_string(lost_answers) + " lost answers (" +
         std::to_string(already_appended) + " found appended), " + std::to_string(head_moved) +
         " head moved, " + std::to_string(duplicates_seen) + " duplicates seen, " +
         std::to_string(compactions) + " compactions, " + std::to_string(own_after_crash) +
         " own batches read back after a crash";
}

SimResult run_seed(uint64_t seed, const SimOptions& o) { return Sim(seed, o).run(); }

}  // namespace tanso::netsim
