// HTTP handlers: submission, tx status and proofs, blocks, accounts, events, health, metrics.
#include "node/api.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <filesystem>

#include "core/holdings.h"
#include "core/identity.h"
#include "core/json_scan.h"
#include "core/limits.h"
#include "core/merkle.h"
#include "core/network.h"
#include "node/api_ets.h"
#include "node/api_market.h"
#include "node/api_market_alerts.h"
#include "node/api_mrv.h"
#include "node/api_util.h"
#include "node/node_auth.h"
#include "node/peer_blocks.h"
#include "node/read_auth.h"
#include "node/sse_slot.h"
#include "node/web_assets.h"

namespace tanso {

namespace {

using http::Request;
using http::Response;

Response error(const Error& e) { return error_answer(e); }

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<uint64_t> parse_u64(const std::string& s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

uint32_t wait_timeout_ms(const Request& req) {
  auto it = req.query.find("timeout_ms");
  if (it == req.query.end()) return 30'000;
  auto v = parse_u64(it->second);
  return v ? static_cast<uint32_t>(std::min<uint64_t>(*v, 120'000)) : 30'000;
}

// ?wait=commit (default) | none
Result<bool> wait_param(const Request& req) {
  auto it = req.query.find("wait");
  if (it == req.query.end() || it->second == "commit") return true;
  if (it->second == "none") return false;
  return err("request.bad_parameter", "wait must be 'commit' or 'none'");
}

Response submit_one(Node& node, const Request& req) {
  auto wait = wait_param(req);
  if (!wait) return error(wait.error());
  std::vector<Result<Tx>> txs;
  txs.push_back(decode_tx(req.body));
  auto outs = node.submit(std::move(txs), *wait, wait_timeout_ms(req));
  const TxOutcome& o = outs[0];
  if (o.status == "refused") {
    Response r = error(o.error);
    return r;
  }
  return json_response(outcome_json(o, 0), o.status == "committed" ? 200 : 202);
}

Response submit_batch(Node& node, const Request& req) {
  auto wait = wait_param(req);
  if (!wait) return error(wait.error());
  if (req.body.size() > limits::batch_bytes_max)
    return error(err("batch.oversized", "a batch may be at most 16 MiB", 413));
  auto items = scan_array_field(req.body, "txs", limits::batch_txs_max);
  if (!items) return error(items.error());
  std::vector<Result<Tx>> txs;
  txs.reserve(items->size());
  for (std::string_view e : *items) txs.push_back(decode_tx(e));
  auto outs = node.submit(std::move(txs), *wait, wait_timeout_ms(req));
  // Built as text: one small object per tx, the hot path of bulk submission.
  size_t refused = 0;
  std::string results;
  results.reserve(outs.size() * 140);
  for (size_t i = 0; i < outs.size(); ++i) {
    refused += outs[i].status == "refused";
    if (i) results += ',';
    append_outcome(results, outs[i], i);
  }
  Response r;
  r.body = "{\"accepted\":" + std::to_string(outs.size() - refused) +
           ",\"refused\":" + std::to_string(refused) + ",\"results\":[" + results + "]}";
  return r;
}

// The reader of a request, or an error response.
Result<std::optional<Reader>> reader_of(Node& node, const Request& req) {
  return node.with_state([&](const State& st, const BlockHeader&, const Params& p) {
    return authenticate_read(req, st, p.chain_id, now_s());
  });
}

Response tx_status(Node& node, const Request& req, const std::optional<Reader>& reader) {
  auto id = hash_from_hex(req.params.at("id"));
  if (!id) return error(err("request.bad_parameter", "a tx id is 64 hex digits"));
  auto loc = node.store().tx_location(*id);
  if (!loc) {
    if (node.is_pending(*id)) return json_response({{"tx_id", to_hex(*id)}, {"status", "pending"}});
    return error(err("tx.not_found", "no tx " + to_hex(*id) + " is committed or pending", 404));
  }
  auto blk = node.store().block(loc->height);
  auto rcs = node.store().receipts(loc->height);
  if (!blk || !rcs || loc->index >= blk->txs.size())
    return error(
        err("storage.corrupt", "block " + std::to_string(loc->height) + " is missing", 500));
  std::vector<Hash> leaves;
  leaves.reserve(rcs->size());
  for (const auto& r : *rcs) leaves.push_back(merkle::leaf_hash(r.tx_id));
  Json path = Json::array();
  for (const auto& h : merkle::audit_path(leaves, loc->index)) path.push_back(to_hex(h));
  const Receipt& rc = (*rcs)[loc->index];
  Json out = {{"tx_id", to_hex(*id)},
              {"status", "committed"},
              {"height", loc->height},
              {"index", loc->index},
              {"receipt", receipt_json(rc)},
              {"block", header_json(blk->header)},
              {"proof",
               {{"leaf_index", loc->index},
                {"tree_size", leaves.size()},
                {"leaf_hash", to_hex(leaves[loc->index])},
                {"audit_path", path},
                {"tx_root", to_hex(blk->header.tx_root)}}}};
  bool visible = node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    for (const auto& a : rc.accounts)
      if (may_read_account(reader, st, a)) return true;
    return false;
  });
  if (visible) out["envelope"] = Json::parse(blk->txs[loc->index], nullptr, false);
  return json_response(out);
}

Response block_at(Node& node, const Request& req) {
  auto h = parse_u64(req.params.at("height"));
  if (!h) return error(err("request.bad_parameter", "height must be an unsigned integer"));
  auto blk = node.store().block(*h);
  auto rcs = node.store().receipts(*h);
  if (!blk || !rcs)
    return error(err("block.not_found", "no block at height " + req.params.at("height"), 404));
  Json txs = Json::array();
  for (const auto& r : *rcs) txs.push_back({{"tx_id", to_hex(r.tx_id)}, {"code", r.code}});
  return json_response({{"header", header_json(blk->header)}, {"txs", txs}});
}

// Network chains: the attestations this node holds for a block, and how many agree with it.
Response block_attestations(Node& node, const Request& req) {
  auto h = parse_u64(req.params.at("height"));
  if (!h) return error(err("request.bad_parameter", "height must be an unsigned integer"));
  auto blk = node.store().block(*h);
  if (!blk)
    return error(err("block.not_found", "no block at height " + req.params.at("height"), 404));
  auto net = node.with_state(
      [](const State& st, const BlockHeader&, const Params&) { return load_network(st); });
  if (!net)
    return error(err("network.not_a_network",
                     "this chain has one node: its blocks carry the node's signature", 404));
  const Hash hh = header_hash(blk->header);
  Json list = Json::array();
  uint32_t agree = 0;
  for (const auto& a : node.attestations(*h)) {
    bool same = a.block_hash == hh && a.state_root == blk->header.state_root;
    agree += same ? 1 : 0;
    Json j = a.to_json();
    j["agrees"] = same;
    list.push_back(std::move(j));
  }
  return json_response({{"height", *h},
                        {"block_hash", to_hex(hh)},
                        {"state_root", to_hex(blk->header.state_root)},
                        {"quorum", net->attest_quorum},
                        {"agreeing", agree},
                        {"final", agree >= net->attest_quorum},
                        {"attestations", list}});
}

// Whole blocks as nodes fetch them from each other (catch-up, docs/CLUSTER.md): header, tx
// envelopes exactly as signed, the attestations this node holds. Envelopes are private data:
// only a node of the network (a request signed with its node key) or a regulator's signed read.
Response raw_blocks(Node& node, const Request& req, const std::optional<Reader>& reader) {
  auto h = parse_u64(req.params.at("height"));
  if (!h) return error(err("request.bad_parameter", "height must be an unsigned integer"));
  uint64_t count = 1;
  if (auto it = req.query.find("count"); it != req.query.end()) {
    auto c = parse_u64(it->second);
    if (!c) return error(err("request.bad_parameter", "count must be an unsigned integer"));
    if (*c == 0 || *c > limits::raw_blocks_max)
      return error(
          err("request.bad_range", "count must be 1.." + std::to_string(limits::raw_blocks_max)));
    count = *c;
  }
  auto [net, head] = node.with_state([](const State& st, const BlockHeader& b, const Params&) {
    return std::pair{load_network(st), b.height};
  });
  bool allowed = reader && reader->role == "regulator";
  if (net) {
    auto who = authenticate_node(req, *net, node.chain_id(), now_s());
    if (!who) return error(who.error());
    allowed = allowed || who->has_value();
  }
  if (!allowed)
    return error(err("auth.forbidden",
                     "raw blocks carry every tx envelope: only a node of the network (a request "
                     "signed with its node key) or a regulator's signed read may read them",
                     403));
  if (*h > head)
    return error(err(
        "block.not_found",
        "no block at height " + std::to_string(*h) + " (the head is " + std::to_string(head) + ")",
        404));
  Json blocks = Json::array();
  size_t bytes = 0;
  for (uint64_t k = *h; k <= head && k - *h < count && bytes < limits::raw_blocks_bytes_max; ++k) {
    auto blk = node.store().block(k);
    if (!blk) break;
    for (const auto& t : blk->txs) bytes += t.size();
    blocks.push_back(raw_block_json(*blk, node.attestations(k)));
  }
  return json_response({{"head", head}, {"blocks", blocks}});
}

Response block_range(Node& node, const Request& req) {
  uint64_t head =
      node.with_state([](const State&, const BlockHeader& h, const Params&) { return h.height; });
  uint64_t to = head, from = head >= 19 ? head - 19 : 0;
  if (req.query.contains("from") || req.query.contains("to")) {
    auto f =
        req.query.contains("from") ? parse_u64(req.query.at("from")) : std::optional<uint64_t>(0);
    auto t =
        req.query.contains("to") ? parse_u64(req.query.at("to")) : std::optional<uint64_t>(head);
    if (!f || !t || *f > *t)
      return error(err("request.bad_range", "from and to are heights with from <= to"));
    if (*t - *f >= limits::range_blocks_max)
      return error(err("request.bad_range", "at most 1000 blocks per request"));
    from = *f;
    to = std::min(*t, head);
  }
  Json out = Json::array();
  for (uint64_t h = from; h <= to && from <= to; ++h)
    if (auto b = node.store().block(h)) out.push_back(header_json(b->header));
  return json_response({{"head", head}, {"blocks", out}});
}

Response account(Node& node, const Request& req) {
  const std::string& id = req.params.at("id");
  return node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    auto a = load_account(st, id);
    if (!a) return error(err("account.not_found", "no account '" + id + "'", 404));
    Json j = a->to_json();
    j["nonce"] = last_nonce(st, id);
    return json_response(j);
  });
}

Response holdings(Node& node, const Request& req, const std::optional<Reader>& reader) {
  const std::string& id = req.params.at("id");
  return node.with_state([&](const State& st, const BlockHeader& head, const Params&) {
    if (!load_account(st, id))
      return error(err("account.not_found", "no account '" + id + "'", 404));
    if (!may_read_account(reader, st, id))
      return error(err("auth.forbidden",
                       "holdings are visible to the account's organization and the regulator; "
                       "sign the read (docs/API.md)",
                       403));
    Json hs = Json::array();
    st.scan("bal/" + id + "/", [&](const std::string& k, const std::string& v) {
      hs.push_back({{"instrument", k.substr(5 + id.size())}, {"amount", v}});
    });
    return json_response({{"account", id}, {"height", head.height}, {"holdings", hs}});
  });
}

Response history(Node& node, const Request& req, const std::optional<Reader>& reader) {
  const std::string& id = req.params.at("id");
  bool allowed = node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    return may_read_account(reader, st, id);
  });
  if (!allowed)
    return error(err("auth.forbidden",
                     "history is visible to the account's organization and "
                     "the regulator; sign the read (docs/API.md)",
                     403));
  uint64_t before = UINT64_MAX;
  uint32_t before_index = 0;
  size_t limit = 100;
  if (req.query.contains("before")) {
    // "H" (rows below height H) or "H:I" (rows before tx I of block H), as next_before gives.
    const std::string& b = req.query.at("before");
    auto colon = b.find(':');
    auto h = parse_u64(b.substr(0, colon));
    auto i =
        colon == std::string::npos ? std::optional<uint64_t>(0) : parse_u64(b.substr(colon + 1));
    if (!h || !i || *i > UINT32_MAX)
      return error(err("request.bad_parameter", "before must be a height H or a cursor H:I"));
    before = *h;
    before_index = static_cast<uint32_t>(*i);
  }
  if (req.query.contains("limit")) {
    auto l = parse_u64(req.query.at("limit"));
    if (!l || *l == 0 || *l > limits::history_rows_max)
      return error(err("request.bad_parameter", "limit must be 1..1000"));
    limit = *l;
  }
  auto rows = node.store().history(id, before, limit, before_index);
  Json out = Json::array();
  uint64_t cached_h = UINT64_MAX;
  std::optional<Block> blk;
  std::optional<std::vector<Receipt>> rcs;
  for (const auto& loc : rows) {
    if (loc.height != cached_h) {
      blk = node.store().block(loc.height);
      rcs = node.store().receipts(loc.height);
      cached_h = loc.height;
    }
    if (!blk || !rcs || loc.index >= rcs->size()) continue;
    auto tx = decode_tx(blk->txs[loc.index]);
    out.push_back({{"tx_id", to_hex((*rcs)[loc.index].tx_id)},
                   {"height", loc.height},
                   {"index", loc.index},
                   {"type", tx ? tx->payload.type : ""},
                   {"from", tx ? tx->payload.from : ""},
                   {"body", tx ? tx->payload.body : Json()},
                   {"code", (*rcs)[loc.index].code}});
  }
  Json j = {{"account", id}, {"rows", out}};
  if (rows.size() == limit)
    j["next_before"] = std::to_string(rows.back().height) + ":" + std::to_string(rows.back().index);
  return json_response(j);
}

Response orgs(Node& node) {
  return node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    Json out = Json::array();
    st.scan("org/", [&](const std::string& k, const std::string& v) {
      Json o = Json::parse(v);
      out.push_back({{"org", k.substr(4)}, {"name", o["name"]}, {"role", o["role"]}});
    });
    return json_response({{"orgs", out}});
  });
}

Response instruments(Node& node) {
  return node.with_state([&](const State& st, const BlockHeader&, const Params&) {
    Json out = Json::array();
    st.scan("inst/", [&](const std::string& k, const std::string& v) {
      Json o = Json::parse(v);
      std::string id = k.substr(5);
      out.push_back({{"instrument", id},
                     {"issuer", o["issuer"]},
                     {"name", o["name"]},
                     {"unit", o["unit"]},
                     {"supply", u64_text(supply(st, id))}});
    });
    return json_response({{"instruments", out}});
  });
}

Response status(Node& node) {
  return node.with_state([&](const State& st, const BlockHeader& h, const Params& p) {
    Json r = {{"chain_id", p.chain_id},
              {"height", h.height},
              {"head_hash", to_hex(header_hash(h))},
              {"state_root", to_hex(h.state_root)},
              {"time_ms", h.time_ms},
              {"pending_txs", node.pending_count()},
              {"node_key", key_to_text(node.node_key())},
              {"healthy", node.healthy()},
              {"version", "0.1.0"}};
    if (node.is_network()) {
      auto net = load_network(st);
      r["network"] = {{"node_id", node.node_id()},
                      {"nodes", net ? net->nodes.size() : 0},
                      {"attest_quorum", net ? net->attest_quorum : 0}};
      if (auto c = node.catch_up_status())
        r["network"]["catch_up"] = {{"active", c->active},
                                    {"height", c->height},
                                    {"target", c->target},
                                    {"peer", c->peer},
                                    {"refused", c->refused}};
    }
    return json_response(r);
  });
}

Response checkpoint(Node& node, const Request& req, const std::optional<Reader>& reader) {
  if (!reader || reader->role != "regulator")
    return error(err("auth.forbidden", "only a signed regulator read may checkpoint", 403));
  auto it = req.query.find("dir");
  if (it == req.query.end() || it->second.empty() || it->second[0] != '/' ||
      std::filesystem::exists(it->second))
    return error(err("request.bad_parameter", "dir must be an absolute path that does not exist"));
  if (auto s = node.store().checkpoint(it->second); !s) return error(s.error());
  uint64_t h =
      node.with_state([](const State&, const BlockHeader& b, const Params&) { return b.height; });
  return json_response({{"dir", it->second}, {"height_at_least", h}});
}

bool send_block(Node& node, http::EventSink& sink, const BlockEvents& e) {
  std::string id = std::to_string(e.height);
  if (!sink.send("block", e.block_json, id)) return false;
  for (const auto& r : e.receipt_jsons)
    if (!sink.send("receipt", r, id)) return false;
  return send_module_events(node, sink, e.height, id, e.block_json);  // node/api_ets.cpp
}

void events(Node& node, const Request& req, http::EventSink& sink) {
  uint64_t head =
      node.with_state([](const State&, const BlockHeader& h, const Params&) { return h.height; });
  uint64_t after = head;  // by default, only what comes next
  if (auto v = parse_u64(req.header("last-event-id"))) after = std::min(*v, head);
  SseSlot slot(node.metrics());  // counted in tanso_sse_clients; bounded (node/sse_slot.h)
  if (!slot) {
    const Error e = SseSlot::busy_error();
    sink.send("error", Json({{"error", {{"code", e.code}, {"message", e.message}}}}).dump());
    return;
  }
  // Resume: blocks the in-memory log does not hold (older, or from before a restart) come
  // from the store, then the log takes over.
  while (sink.open() && after < head) {
    uint64_t first = node.events().first_height();
    if (first != 0 && after + 1 >= first) break;
    auto blk = node.store().block(after + 1);
    auto rcs = node.store().receipts(after + 1);
    if (!blk || !rcs || !send_block(node, sink, block_events(blk->header, *rcs))) break;
    ++after;
  }
  while (sink.open()) {
    auto evs = node.events().wait_after(after, 15'000);
    if (evs.empty()) {
      if (!sink.ping()) break;
      continue;
    }
    bool ok = true;
    for (const auto& e : evs) {
      if (!(ok = send_block(node, sink, e))) break;
      after = e.height;
    }
    if (!ok) break;
  }
}

}  // namespace

void register_api(http::Server& s, Node& node, const ApiOptions& opts) {
  // Every route refuses X-Tanso-* credentials that do not authenticate, public ones included
  // (a client with a broken signer learns it at once); handlers get the authenticated reader.
  auto counted = [&node](auto fn) {
    return [&node, fn](const Request& req) {
      bool signed_read =
          req.headers.contains("x-tanso-account") || req.headers.contains("x-tanso-key") ||
          req.headers.contains("x-tanso-time") || req.headers.contains("x-tanso-signature");
      auto reader = signed_read ? reader_of(node, req)
                                : Result<std::optional<Reader>>(std::optional<Reader>{});
      Response r = reader ? fn(req, *reader) : error(reader.error());
      node.metrics().http_status(r.status);
      return r;
    };
  };
  s.route("POST", "/v1/txs", counted([&](const Request& r, const std::optional<Reader>&) {
            return submit_one(node, r);
          }));
  s.route("POST", "/v1/txs/batch", counted([&](const Request& r, const std::optional<Reader>&) {
            return submit_batch(node, r);
          }));
  s.route("GET", "/v1/txs/{id}", counted([&](const Request& r, const std::optional<Reader>& rd) {
            return tx_status(node, r, rd);
          }));
  s.route("GET", "/v1/blocks", counted([&](const Request& r, const std::optional<Reader>&) {
            return block_range(node, r);
          }));
  s.route(
      "GET", "/v1/blocks/{height}",
      counted([&](const Request& r, const std::optional<Reader>&) { return block_at(node, r); }));
  s.route("GET", "/v1/blocks/{height}/raw",
          counted([&](const Request& r, const std::optional<Reader>& rd) {
            return raw_blocks(node, r, rd);
          }));
  s.route("GET", "/v1/blocks/{height}/attestations",
          counted([&](const Request& r, const std::optional<Reader>&) {
            return block_attestations(node, r);
          }));
  s.route("GET", "/v1/accounts/{id}", counted([&](const Request& r, const std::optional<Reader>&) {
            return account(node, r);
          }));
  s.route("GET", "/v1/accounts/{id}/holdings",
          counted([&](const Request& r, const std::optional<Reader>& rd) {
            return holdings(node, r, rd);
          }));
  s.route("GET", "/v1/accounts/{id}/history",
          counted([&](const Request& r, const std::optional<Reader>& rd) {
            return history(node, r, rd);
          }));
  s.route("GET", "/v1/orgs",
          counted([&](const Request&, const std::optional<Reader>&) { return orgs(node); }));
  s.route("GET", "/v1/instruments",
          counted([&](const Request&, const std::optional<Reader>&) { return instruments(node); }));
  s.route("GET", "/v1/status",
          counted([&](const Request&, const std::optional<Reader>&) { return status(node); }));
  s.route("GET", "/v1/genesis", counted([&](const Request&, const std::optional<Reader>&) {
            Response r;
            r.body = node.with_state([](const State& st, const BlockHeader&, const Params&) {
              return *st.get("meta/genesis");
            });
            return r;
          }));
  s.route("POST", "/v1/admin/checkpoint",
          counted([&](const Request& r, const std::optional<Reader>& rd) {
            return checkpoint(node, r, rd);
          }));
  register_ets_api(s, node, [&](ReadHandler h) -> http::Handler { return counted(std::move(h)); });
  register_mrv_api(s, node, [&](ReadHandler h) -> http::Handler { return counted(std::move(h)); });
  register_market_api(s, node,
                      [&](ReadHandler h) -> http::Handler { return counted(std::move(h)); });
  register_market_alerts_api(s, node,
                             [&](ReadHandler h) -> http::Handler { return counted(std::move(h)); });
  s.route("GET", "/v1/openapi.json", [](const Request&) {
    Response r;
    r.body = std::string(openapi_document());
    return r;
  });
  s.route("GET", "/healthz", [&](const Request&) {
    uint64_t h = node.metrics().height;
    if (!node.healthy())
      return json_response({{"status", "halted"}, {"height", h}, {"reason", node.halt_reason()}},
                           503);
    return json_response({{"status", "ok"}, {"height", h}});
  });
  s.route("GET", "/metrics", [&](const Request&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = node.metrics().render(node.pending_count());
    return r;
  });
  s.stream("/v1/events", [&](const Request& r, http::EventSink& sink) { events(node, r, sink); });
  register_market_stream(s, node);
  WebAssets web = load_web_assets(opts.web_dir);
  if (!web.error.empty()) spdlog::warn("dashboard: {}", web.error);
  register_web_routes(s, web);
}

}  // namespace tanso
