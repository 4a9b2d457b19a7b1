// Channels (docs/CHANNELS.md): one tansod hosts, besides its default chain, extra chains of
// their own (own genesis, membership, state, block store, orderer, metrics, events), each served
// under /v1/channels/<name>/ with the same routes as /v1. A channel answers only its members:
// signed reads by one of its accounts; anyone else, and an unknown channel, get the same
// 404 channel.unknown, so a non-member learns nothing of a channel's existence.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/state.h"
#include "http/server.h"
#include "node/config.h"
#include "node/node.h"
#include "node/private_store.h"

namespace tanso {

struct Channel {
  std::string name;
  std::unique_ptr<Node> node;
  std::unique_ptr<PrivateStore> private_data;
};

// Opens (initializing it from spec.genesis if new) the channel's chain in
// <base.data_dir>/channels/<name>/chain. Network channels are not built yet: a genesis with a
// "network" section is refused (config.invalid). Errors carry the channel's name.
Result<Channel> open_channel(const Config& base, const ChannelSpec& spec, const KeyPair& node_key);

// "/v1/channels/<name>"
std::string channel_prefix(std::string_view name);

// The visibility rule. Does the request's signed read authenticate as an account of the chain
// with this state and chain id? `chain` is the id signed over: the channel's chain id for a
// channel's routes, "" for GET /v1/channels (which a reader signs before knowing any channel).
bool channel_member(const http::Request& req, const StateReader& st, std::string_view chain,
                    int64_t now_s);

// The gate of a channel's routes: nullopt lets the request through; else the 404
// channel.unknown answer. Passes a member's signed read (channel_member) and, unsigned by
// design, POST .../txs, .../txs/batch (txs carry their chain id and signatures) and
// .../private/{id}/deliver (node-signed).
std::optional<http::Response> channel_gate(Node& node, std::string_view name,
                                           const http::Request& req, int64_t now_s);
http::Response channel_unknown(std::string_view name);

// Registers GET /v1/channels and every channel's routes under its prefix (register_api and
// register_private_api in a gated scope), and the same routes under /v1/channels/{channel}/ for
// unknown names (404 channel.unknown). `default_node` is the chain served at /v1.
void register_channels(http::Server& s, Node& default_node, std::vector<Channel>& channels);

}  // namespace tanso
