// The network of a multi-node chain (docs/CLUSTER.md): the nodes genesis names, what a proposing
// node signs when it appends a batch to the shared log, and the attestation every node signs
// after executing a block.
//
// Genesis "network": {"nodes": [{"node", "org", "key"}], "attest_quorum"} is stored at
// meta/network. A chain without it is a single-node (solo) chain.
//
// Why two signatures: in a network no node can sign a whole header before the others execute it,
// so the header's proposer signs the batch digest (height, time, tx count, tx root: everything
// ordering decides), and each node signs an attestation (height, block hash, state root: what
// execution decided). A quorum of attestations is what an auditor checks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/block.h"
#include "core/state.h"

namespace tanso {

struct NetworkNode {
  std::string node;  // identifier, e.g. "regulator-1"
  std::string org;   // an org of genesis
  PublicKey key{};
};

struct Network {
  std::vector<NetworkNode> nodes;
  uint32_t attest_quorum = 0;  // attestations that make a block's result final for an auditor
  const NetworkNode* find(const PublicKey& key) const;
  const NetworkNode* find(std::string_view node) const;
  Json to_json() const;
  // Checks the genesis section: unique node ids and keys, known orgs (`org_exists`), quorum in
  // 1..nodes (default: a majority).
  static Result<Network> from_json(const Json& j, const StateReader& st);
};

// meta/network, or nullopt on a solo chain.
std::optional<Network> load_network(const StateReader& st);

inline constexpr std::string_view kBatchDomain = "tanso/batch/v1";
inline constexpr std::string_view kAttestDomain = "tanso/attest/v1";

// What a proposer signs: SHA-256(domain || height || time || tx count || tx root).
Hash batch_digest(uint64_t height, uint64_t time_ms, uint32_t tx_count, const Hash& tx_root);
// Signs the header's ordering fields as its proposer (network chains).
void sign_batch(BlockHeader& h, const KeyPair& proposer);
bool verify_batch_signature(const BlockHeader& h);

struct Attestation {
  std::string node;
  uint64_t height = 0;
  Hash block_hash{};
  Hash state_root{};
  PublicKey key{};
  Signature sig{};
  Json to_json() const;
  static Result<Attestation> from_json(const Json& j);
};

// SHA-256(domain || chain id || height || block hash || state root).
Hash attestation_digest(std::string_view chain_id, uint64_t height, const Hash& block_hash,
                        const Hash& state_root);
Attestation attest(std::string_view chain_id, std::string node, const BlockHeader& h,
                   const KeyPair& key);
bool verify_attestation(std::string_view chain_id, const Attestation& a);

}  // namespace tanso
