// /v1/private/{id}...: private data through the API (node/api_private.h). Every answer is JSON
// but the bytes of GET .../data.
#include "node/api_private.h"

#include <charconv>
#include <chrono>

#include "core/limits.h"
#include "node/api_util.h"
#include "node/node_auth.h"
#include "node/read_auth.h"

namespace tanso {
namespace {

using http::Request;
using http::Response;

// How long an upload waits for the block of a commitment still pending at this node.
constexpr uint32_t kCommitWaitMs = 10'000;

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

Response fail(const Error& e) { return error_answer(e); }

Result<Hash> id_of(const Request& req) {
  auto id = hash_from_hex(req.params.at("id"));
  if (!id) return err("request.bad_parameter", "a private data id is 64 hex digits (a tx id)");
  return *id;
}

Error unknown(const Hash& id) {
  return err("private.unknown_commitment",
             "no private.commit " + to_hex(id) + " is committed at this node", 404);
}

// ?salt=<64 hex>, if given.
Result<std::optional<Bytes>> salt_of(const Request& req) {
  auto it = req.query.find("salt");
  if (it == req.query.end()) return std::optional<Bytes>{};
  auto b = from_hex(it->second);
  if (!b || b->size() != kPrivateSaltBytes)
    return err("private.bad_salt", "salt must be 32 bytes as 64 hex digits");
  return std::optional<Bytes>(std::move(*b));
}

Status size_ok(const Request& req) {
  if (req.body.size() > limits::private_bytes_max)
    return err("private.too_large", "a private document is at most 4 MiB", 413);
  return ok_status();
}

// Does `bytes` (with `salt`) match the commitment? private.bad_salt, private.hash_mismatch.
Status matches(const PrivateCommitment& c, const std::string& bytes,
               const std::optional<Bytes>& salt) {
  auto h = private_copy_hash(c.scheme, as_bytes(bytes), salt);
  if (!h) return h.error();
  if (*h != c.hash)
    return err("private.hash_mismatch",
               "the copy hashes to " + to_hex(*h) + ", the commitment is " + to_hex(c.hash));
  return ok_status();
}

std::string salt_text(const std::optional<Bytes>& salt) {
  return salt ? std::string(salt->begin(), salt->end()) : std::string();
}

// GET /v1/private/{id}: the commitment as on the ledger, and whether this node holds a copy.
Response view(PrivateStore& pd, const Request& req) {
  auto id = id_of(req);
  if (!id) return fail(id.error());
  auto c = pd.commitment(*id, 0);
  if (!c) return fail(unknown(*id));
  Json j = c->to_json();
  j["held"] = pd.get(*id).has_value();
  return json_response(j);
}

// PUT /v1/private/{id}/data?salt=: a signed upload by a member of an authorized organization.
Response upload(PrivateStore& pd, const Request& req, const std::optional<Reader>& rd) {
  auto id = id_of(req);
  if (!id) return fail(id.error());
  if (auto s = size_ok(req); !s) return fail(s.error());
  if (!rd) return forbidden_answer("uploading private data", "members of its organizations");
  if (!pd.first_use(req.header("x-tanso-signature"), now_s()))
    return fail(err("auth.replayed", "this signed request was already used; sign a new one", 401));
  auto salt = salt_of(req);
  if (!salt) return fail(salt.error());
  auto c = pd.commitment(*id, kCommitWaitMs);
  if (!c) return fail(unknown(*id));
  auto [reader_ok, node_ok] =
      pd.node().with_state([&](const State& st, const BlockHeader&, const Params&) {
        return std::pair(private_may_hold(st, *c, rd->org), pd.may_hold(st, *c));
      });
  if (!reader_ok) return forbidden_answer("this private data", "members of its organizations");
  if (!node_ok)
    return fail(err("private.node_not_authorized",
                    "this node's organization (" + pd.org() +
                        ") may not hold it; upload to a node of an authorized organization",
                    403));
  if (auto s = matches(*c, req.body, *salt); !s) return fail(s.error());
  auto to = pd.put(*c, salt_text(*salt), req.body, /*forward=*/true);
  if (!to) return fail(to.error());
  return json_response(
      {{"id", to_hex(*id)}, {"hash", to_hex(c->hash)}, {"stored", true}, {"delivering_to", *to}});
}

// GET /v1/private/{id}/data: the bytes, to a signed reader of an authorized organization.
Response download(PrivateStore& pd, const Request& req, const std::optional<Reader>& rd) {
  auto id = id_of(req);
  if (!id) return fail(id.error());
  auto c = pd.commitment(*id, 0);
  if (!c) return fail(unknown(*id));
  bool allowed =
      rd && pd.node().with_state([&](const State& st, const BlockHeader&, const Params&) {
        return private_may_hold(st, *c, rd->org);
      });
  if (!allowed) return forbidden_answer("this private data", "members of its organizations");
  auto copy = pd.get(*id);
  if (!copy)
    return fail(err("private.not_held",
                    "this node holds no copy of " + to_hex(*id) +
                        " (its organization is not authorized, or the copy has not arrived)",
                    404));
  Response r;
  r.content_type = "application/octet-stream";
  r.body = std::move(copy->second);
  r.headers.push_back({"X-Tanso-Private-Hash", to_hex(c->hash)});
  if (!copy->first.empty()) r.headers.push_back({"X-Tanso-Salt", to_hex(as_bytes(copy->first))});
  return r;
}

// POST /v1/private/{id}/check?salt=: does a disclosed copy match the commitment? Public.
Response check(PrivateStore& pd, const Request& req) {
  auto id = id_of(req);
  if (!id) return fail(id.error());
  if (auto s = size_ok(req); !s) return fail(s.error());
  auto salt = salt_of(req);
  if (!salt) return fail(salt.error());
  auto c = pd.commitment(*id, 0);
  if (!c) return fail(unknown(*id));
  auto h = private_copy_hash(c->scheme, as_bytes(req.body), *salt);
  if (!h) return fail(h.error());
  return json_response({{"id", to_hex(*id)},
                        {"match", *h == c->hash},
                        {"hash", to_hex(c->hash)},
                        {"computed", to_hex(*h)},
                        {"height", c->height}});
}

// POST /v1/private/{id}/deliver?salt=: a copy from another node of the network, signed with its
// node key (a node's signed request, node/node_auth.h).
Response deliver(PrivateStore& pd, const Request& req) {
  auto id = id_of(req);
  if (!id) return fail(id.error());
  if (auto s = size_ok(req); !s) return fail(s.error());
  if (req.header("x-tanso-node").empty())
    return fail(err("auth.malformed",
                    "a delivery needs X-Tanso-Node, X-Tanso-Node-Time and X-Tanso-Node-Signature",
                    401));
  const Network* net = pd.network();
  if (!net) return fail(err("auth.unknown_key", "this chain has no network of nodes", 401));
  auto who = authenticate_node(req, *net, pd.node().chain_id(), now_s());
  if (!who) return fail(who.error());
  if (!*who) return fail(err("auth.malformed", "a delivery needs X-Tanso-Node", 401));
  const std::string& node = **who;
  auto peer = pd.peer(node);
  if (!peer) return fail(err("auth.unknown_key", "no node '" + node + "' in genesis", 401));
  const std::string sig = req.header("x-tanso-node-signature");
  if (!pd.first_use(sig, now_s()))
    return fail(err("auth.replayed", "this signed request was already used; sign a new one", 401));
  auto salt = salt_of(req);
  if (!salt) return fail(salt.error());
  auto c = pd.commitment(*id, 0);
  if (!c) return fail(unknown(*id));  // not committed here yet: the sender retries
  auto [sender_ok, node_ok] =
      pd.node().with_state([&](const State& st, const BlockHeader&, const Params&) {
        return std::pair(private_may_hold(st, *c, peer->org), pd.may_hold(st, *c));
      });
  if (!node_ok)
    return fail(err("private.node_not_authorized",
                    "this node's organization (" + pd.org() + ") may not hold it", 403));
  if (!sender_ok)
    return fail(err("auth.forbidden", "node " + node + "'s organization may not hold it", 403));
  if (auto st = matches(*c, req.body, *salt); !st) return fail(st.error());
  if (!pd.get(*id)) {
    auto put = pd.put(*c, salt_text(*salt), req.body, /*forward=*/false);
    if (!put) return fail(put.error());
  }
  return json_response({{"id", to_hex(*id)}, {"stored", true}});
}

}  // namespace

void register_private_api(http::Server& s, PrivateStore& pd) {
  Node& node = pd.node();
  // Signed requests as in node/api.cpp: credentials that do not authenticate are refused.
  auto signed_route = [&node](auto fn) {
    return [&node, fn](const Request& req) {
      auto reader = node.with_state([&](const State& st, const BlockHeader&, const Params& p) {
        return authenticate_read(req, st, p.chain_id, now_s());
      });
      Response r = reader ? fn(req, *reader) : error_answer(reader.error());
      node.metrics().http_status(r.status);
      return r;
    };
  };
  auto plain = [&node](auto fn) {
    return [&node, fn](const Request& req) {
      Response r = fn(req);
      node.metrics().http_status(r.status);
      return r;
    };
  };
  s.route("GET", "/v1/private/{id}", plain([&pd](const Request& r) { return view(pd, r); }));
  s.route("PUT", "/v1/private/{id}/data",
          signed_route([&pd](const Request& r, const std::optional<Reader>& rd) {
            return upload(pd, r, rd);
          }));
  s.route("GET", "/v1/private/{id}/data",
          signed_route([&pd](const Request& r, const std::optional<Reader>& rd) {
            return download(pd, r, rd);
          }));
  s.route("POST", "/v1/private/{id}/check",
          plain([&pd](const Request& r) { return check(pd, r); }));
  s.route("POST", "/v1/private/{id}/deliver",
          plain([&pd](const Request& r) { return deliver(pd, r); }));
}

}  // namespace tanso
