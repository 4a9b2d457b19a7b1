// Requests signed by a node of the network (node/node_auth.h).
#include "node/node_auth.h"

#include <charconv>

#include "core/limits.h"
#include "node/read_auth.h"

namespace tanso {

Bytes node_read_message(std::string_view chain, std::string_view method, std::string_view target,
                        std::string_view time_s) {
  return signed_request_message(kNodeReadDomain, chain, method, target, time_s);
}

http::Headers node_read_headers(std::string_view chain, const std::string& node_id,
                                const KeyPair& key, std::string_view method,
                                std::string_view target, int64_t now_s) {
  const std::string t = std::to_string(now_s);
  Signature s = sign(key.secret, node_read_message(chain, method, target, t));
  return {{"X-Tanso-Node", node_id},
          {"X-Tanso-Node-Time", t},
          {"X-Tanso-Node-Signature", to_hex(ByteView(s.data(), s.size()))}};
}

Result<std::optional<std::string>> authenticate_node(const http::Request& req, const Network& net,
                                                     std::string_view chain, int64_t now_s) {
  const std::string node = req.header("x-tanso-node"), time_s = req.header("x-tanso-node-time"),
                    sig = req.header("x-tanso-node-signature");
  if (node.empty() && time_s.empty() && sig.empty()) return std::optional<std::string>{};
  auto sb = from_hex(sig);
  int64_t t = 0;
  auto [p, ec] = std::from_chars(time_s.data(), time_s.data() + time_s.size(), t);
  if (node.empty() || !sb || sb->size() != 64 || time_s.empty() || ec != std::errc() ||
      p != time_s.data() + time_s.size())
    return err("auth.malformed",
               "a node's request needs X-Tanso-Node, X-Tanso-Node-Time (Unix seconds) and "
               "X-Tanso-Node-Signature (hex)",
               401);
  if (t < now_s - limits::read_auth_skew_s_max || t > now_s + limits::read_auth_skew_s_max)
    return err("auth.stale", "X-Tanso-Node-Time is more than 300 s from the node's clock", 401);
  const NetworkNode* n = net.find(std::string_view(node));
  if (!n) return err("auth.unknown_key", "'" + node + "' is not a node of this network", 401);
  Signature s;
  std::copy(sb->begin(), sb->end(), s.begin());
  if (!verify(n->key, node_read_message(chain, req.method, req.target, time_s), s))
    return err("auth.bad_signature", "the node's request signature does not verify", 401);
  return std::optional<std::string>(node);
}

}  // namespace tanso
