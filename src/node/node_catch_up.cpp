// The node's side of catch-up from other nodes' blocks (node/catch_up.h, docs/CLUSTER.md): the
// peers of cluster_peers as block sources, and the run on the pipeline thread when the ordering
// log no longer holds the node's next slot. Verified blocks are committed by commit_batch, the
// one commit path (store, state, waiters, events, this node's attestation); the peers'
// attestations that came with them are stored beside the node's own.
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "node/node.h"
#include "node/peer_blocks.h"
#include "ordering/network_orderer.h"

namespace tanso {

Status Node::make_catch_up(const Network& net) {
  auto urls = peer_urls(cfg_);
  if (!urls) return urls.error();
  CatchUpOptions o;
  o.network = net;
  o.chain_id = params_.chain_id;
  o.admit = [this](const std::vector<std::string>& envs) { return admit_peer_batch(envs); };
  for (const auto& [id, url] : *urls) {
    if (id == node_id_) continue;
    if (!net.find(std::string_view(id)))
      return err("config.invalid", "cluster_peers names '" + id + "', not a node of this chain");
    o.peers.push_back(make_http_block_source({id, url, params_.chain_id, node_id_, node_key_}));
  }
  if (o.peers.empty()) return ok_status();  // no peers: a compacted slot halts the node
  o.sleep = [this](uint32_t ms) {
    for (uint32_t t = 0; t < ms && !stopping_; t += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<uint32_t>(50, ms - t)));
  };
  catch_up_ = std::make_unique<CatchUp>(std::move(o));
  return ok_status();
}

bool Node::catch_up_from_peers(uint64_t from) {
  spdlog::warn(
      "ordering: the log no longer holds slot {} (compacted behind this node): catching up from "
      "other nodes' blocks",
      from);
  catching_up_ = true;
  LocalChain local;
  local.head = [this] { return head_; };  // the pipeline thread is the only writer
  local.state = [this]() -> const State& { return state_; };
  local.stopping = [this] { return stopping_.load() || !healthy_; };
  local.commit = [this](VerifiedBlock& v) {
    const BlockHeader& h = v.block.header;
    OrderedBatch b{h.time_ms, std::move(v.txs), h.height, h.proposer, h.signature};
    if (!commit_batch(b, &v.out)) return false;
    for (const auto& a : v.attestations)
      if (a.node != node_id_)
        if (auto s =
                store_->put_record(attestation_record_key(a.height, a.node), a.to_json().dump());
            !s)
          spdlog::error("cannot store the attestation of {}: {}", a.node, s.error().message);
    return true;
  };
  const bool done = catch_up_->run(local);
  catching_up_ = false;
  if (!done) return false;
  net_orderer_->resume(head_.height + 1, head_.time_ms);
  return true;
}

std::optional<CatchUpStatus> Node::catch_up_status() const {
  if (!catch_up_) return std::nullopt;
  return catch_up_->status();
}

}  // namespace tanso
