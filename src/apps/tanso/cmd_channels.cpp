// tanso channels: the channels of the node the reader is a member of (GET /v1/channels, signed
// over an empty chain id: docs/CHANNELS.md).
#include <iostream>

#include "cli.h"
#include "cmd_common.h"

namespace tanso::cli {

void add_channels(CLI::App& app) {
  static ReadOpts o;
  auto* c = app.add_subcommand(
      "channels",
      "List the node's channels this reader is a member of (the default chain always; the "
      "others only with --key of one of their accounts)");
  add_read_options(c, o, " (an account of the channels to list)");
  c->callback([] {
    std::string key_path = o.key.empty() ? global().channel_key : o.key;
    http::Response r;
    try {
      http::Client cl = connect();
      http::Headers hs;
      if (!key_path.empty()) hs = read_headers(load_key(key_path), "", "GET", "/v1/channels");
      r = cl.request("GET", "/v1/channels", {}, hs);
    } catch (const Failure&) {
      throw;
    } catch (const std::exception& e) {
      fail(kUnreachable, e.what());
    }
    fail_on_api_error(r);
    Json j = parse_json_or_fail(r.body, "/v1/channels");
    if (o.json) return print_json(j);
    print_rows(j["channels"], {"name", "chain_id", "height", "path"});
  });
}

}  // namespace tanso::cli
