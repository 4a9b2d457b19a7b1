// libFuzzer target: arbitrary bytes through the node's whole HTTP request path — Beast's parser
// with the server's limits, the router, and the real API handlers of a running node (in-memory
// store, demo genesis, blocks cut every millisecond). Beyond "no crash, no sanitizer report":
// every answer has a status in 200..599, every error answer is {"error":{"code",...}} JSON, and
// the chain stays sound (the conservation invariant holds on the node's state).
#include <cstdlib>
#include <filesystem>

#include "core/crypto.h"
#include "core/holdings.h"
#include "http/server.h"
#include "node/api.h"
#include "node/demo_genesis.h"
#include "node/keyfile.h"
#include "node/node.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct World {
  std::unique_ptr<tanso::Node> node;
  std::unique_ptr<tanso::http::Server> server;
  tanso::http::Options opts;
  std::string dir;
  World() {
    tanso::init_crypto();
    // Its own fresh directory: the demo genesis writes key files (never overwriting one) under
    // keys/ and the meters' under devices/.
    char tmpl[] = "/tmp/tanso-fuzz-api-XXXXXX";
    check(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    auto g =
        tanso::make_demo_genesis("tanso-fuzz", dir + "/keys", 1'700'000'000'000, dir + "/devices");
    check(g.ok());
    tanso::Config cfg;
    cfg.block_interval_ms = 1;
    cfg.verify_threads = 1;
    auto n = tanso::Node::open(cfg, tanso::make_memory_store(), *g, tanso::new_key().key);
    check(n.ok());
    node = std::move(*n);
    node->start();
    server = std::make_unique<tanso::http::Server>(opts);
    tanso::register_api(*server, *node, {});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = tanso::http::parse_request(bytes, w.opts);
  if (!parsed.request) return 0;
  tanso::http::Response r = w.server->dispatch(*parsed.request);
  check(r.status >= 200 && r.status <= 599);
  if (r.status >= 400 && r.content_type == "application/json") {
    auto j = tanso::Json::parse(r.body, nullptr, false);
    check(!j.is_discarded() &&
          ((j.contains("error") && j["error"].contains("code")) || j.contains("status")));
  }
  bool sound = w.node->with_state(
      [](const tanso::State& st, const tanso::BlockHeader&, const tanso::Params&) {
        return tanso::conservation_violations(st).empty();
      });
  check(sound);
  return 0;
}
