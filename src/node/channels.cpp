// Channels: opening each channel's chain, the membership gate, GET /v1/channels, and mounting
// each channel's API under /v1/channels/<name>/ (docs/CHANNELS.md).
#include "node/channels.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/tx.h"
#include "node/api.h"
#include "node/api_private.h"
#include "node/read_auth.h"

namespace tanso {

namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::Response json_answer(const Json& j, int status = 200) {
  http::Response r;
  r.status = status;
  r.body = j.dump();
  return r;
}

// Routes of a chain's API as mounted under `prefix`: /v1/x -> prefix/x, /healthz and /metrics
// -> prefix/healthz, prefix/metrics; the rest (the OpenAPI document, the dashboard) is the
// node's and not mounted.
http::Server::Scope scope_for(
    const std::string& prefix,
    std::function<std::optional<http::Response>(const http::Request&)> gate) {
  return {[prefix](const std::string& p) -> std::optional<std::string> {
            if (p == "/v1/openapi.json") return std::nullopt;
            if (p.starts_with("/v1/")) return prefix + p.substr(3);
            if (p == "/healthz" || p == "/metrics") return prefix + p;
            return std::nullopt;
          },
          std::move(gate)};
}

}  // namespace

std::string channel_prefix(std::string_view name) { return "/v1/channels/" + std::string(name); }

Result<Channel> open_channel(const Config& base, const ChannelSpec& spec, const KeyPair& node_key) {
  auto fail = [&](const Error& e) {
    return err(e.code, "channel " + spec.name + ": " + e.message);
  };
  Config cfg = base;
  cfg.data_dir = base.data_dir + "/channels/" + spec.name;
  cfg.genesis = spec.genesis;
  cfg.cluster_etcd.clear();
  cfg.cluster_prefix.clear();
  cfg.node_id.clear();
  cfg.cluster_peers.clear();
  cfg.channels.clear();
  std::string chain_dir = cfg.data_dir + "/chain";
  bool exists = std::filesystem::exists(chain_dir);
  std::string genesis;
  {
    std::ifstream f(spec.genesis, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    genesis = ss.str();
  }
  if (genesis.empty() && !exists)
    return fail(err("config.invalid", "cannot read genesis file " + spec.genesis));
  if (!genesis.empty()) {
    Json g = Json::parse(genesis, nullptr, false);
    if (g.is_object() && g.contains("network"))
      return fail(err("config.invalid",
                      "network channels are not built yet: genesis " + spec.genesis +
                          " has a \"network\" section (serve it as a node's default chain)"));
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  if (ec) return fail(err("config.invalid", "cannot create " + cfg.data_dir + ": " + ec.message()));
  auto store = open_rocks_store(chain_dir, /*sync=*/true, cfg.state_every_blocks);
  if (!store) return fail(store.error());
  ChainStore* raw = store->get();
  auto node = Node::open(cfg, std::move(*store), genesis, node_key);
  if (!node) return fail(node.error());
  Channel ch;
  ch.name = spec.name;
  ch.node = std::move(*node);
  ch.private_data = std::make_unique<PrivateStore>(*ch.node, *raw, node_key,
                                                   std::map<std::string, std::string>{});
  return ch;
}

bool channel_member(const http::Request& req, const StateReader& st, std::string_view chain,
                    int64_t now_s) {
  auto r = authenticate_read(req, st, chain, now_s);
  return r && r->has_value();
}

http::Response channel_unknown(std::string_view name) {
  return http::error_response(404, "channel.unknown",
                              "no channel '" + std::string(name) +
                                  "' for this reader (a channel answers only signed reads by "
                                  "its members)");
}

std::optional<http::Response> channel_gate(Node& node, std::string_view name,
                                           const http::Request& req, int64_t now_s) {
  std::string_view rel = req.path;
  std::string prefix = channel_prefix(name);
  if (rel.starts_with(prefix)) rel.remove_prefix(prefix.size());
  if (req.method == "POST" && (rel == "/txs" || rel == "/txs/batch" ||
                               (rel.starts_with("/private/") && rel.ends_with("/deliver"))))
    return std::nullopt;
  bool member = node.with_state([&](const State& st, const BlockHeader&, const Params& p) {
    return channel_member(req, st, p.chain_id, now_s);
  });
  if (member) return std::nullopt;
  return channel_unknown(name);
}

void register_channels(http::Server& s, Node& default_node, std::vector<Channel>& channels) {
  s.route("GET", "/v1/channels", [&default_node, &channels](const http::Request& req) {
    int64_t now = now_seconds();
    // Errors that do not depend on any chain's accounts are reported; otherwise a read that
    // does not authenticate on a channel just does not list it.
    if (req.headers.contains("x-tanso-account") || req.headers.contains("x-tanso-signature")) {
      auto probe = default_node.with_state([&](const State& st, const BlockHeader&, const Params&) {
        return authenticate_read(req, st, "", now);
      });
      if (!probe && (probe.error().code == "auth.malformed" || probe.error().code == "auth.stale"))
        return http::error_response(probe.error().http, probe.error().code, probe.error().message);
    }
    Json list = Json::array();
    default_node.with_state([&](const State&, const BlockHeader& h, const Params& p) {
      list.push_back({{"name", "default"},
                      {"chain_id", p.chain_id},
                      {"path", "/v1"},
                      {"default", true},
                      {"height", h.height}});
      return 0;
    });
    for (auto& ch : channels) {
      ch.node->with_state([&](const State& st, const BlockHeader& h, const Params& p) {
        if (!channel_member(req, st, "", now)) return 0;
        list.push_back({{"name", ch.name},
                        {"chain_id", p.chain_id},
                        {"path", channel_prefix(ch.name)},
                        {"default", false},
                        {"height", h.height}});
        return 0;
      });
    }
    return json_answer({{"channels", list}});
  });
  for (auto& ch : channels) {
    Node* node = ch.node.get();
    std::string name = ch.name;
    s.set_scope(scope_for(channel_prefix(name), [node, name](const http::Request& req) {
      return channel_gate(*node, name, req, now_seconds());
    }));
    register_api(s, *node, ApiOptions{});
    register_private_api(s, *ch.private_data);
  }
  // Every other name: the same routes, all answering 404 channel.unknown. The handlers are
  // never run (the gate always answers); they are bound to the default node only to exist.
  s.set_scope(scope_for("/v1/channels/{channel}", [](const http::Request& req) {
    auto it = req.params.find("channel");
    return std::optional<http::Response>(
        channel_unknown(it == req.params.end() ? std::string() : it->second));
  }));
  register_api(s, default_node, ApiOptions{});
  s.set_scope(std::nullopt);
}

}  // namespace tanso
