// Shared CLI helpers: node connection, signed reads, JSON output, progress bars.
#include "cli.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "node/read_auth.h"

namespace tanso::cli {

void fail(int code, const std::string& message) { throw Failure{code, message}; }

Global& global() {
  static Global g;
  return g;
}

http::Client connect() {
  std::string error;
  auto ep = http::parse_endpoint(global().node, &error, 8080);
  if (!ep) fail(kUsage, "bad --node '" + global().node + "': " + error);
  http::ClientOptions o;
  o.timeout_ms = 150'000;
  return http::Client(*ep, o);
}

void reads_signed_by(const std::vector<std::string>& key_files) {
  if (global().channel_key.empty() && !key_files.empty()) global().channel_key = key_files[0];
}

http::Headers read_headers(const KeyFile& key, const std::string& chain, const std::string& method,
                           const std::string& target) {
  if (key.account.empty())
    fail(kUsage, "the key file names no account; add \"account\" to it to sign reads");
  std::string t = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  Signature s = sign(key.key.secret, read_message(chain, method, target, t));
  return {{"X-Tanso-Account", key.account},
          {"X-Tanso-Key", key_to_text(key.key.pub)},
          {"X-Tanso-Time", t},
          {"X-Tanso-Signature", to_hex(ByteView(s.data(), s.size()))}};
}

// The chain id reads are signed over: the node's default chain's, or with --channel that
// channel's, from GET /v1/channels signed by `key` (a member sees its channels there).
static std::string chain_id_of_node(http::Client& c, const KeyFile& key) {
  if (!global().channel.empty()) {
    auto r = c.request("GET", "/v1/channels", {}, read_headers(key, "", "GET", "/v1/channels"));
    fail_on_api_error(r);
    Json j = parse_json_or_fail(r.body, "/v1/channels");
    for (const auto& ch : j.value("channels", Json::array()))
      if (ch.value("name", "") == global().channel) return ch.value("chain_id", "");
    fail(kRefused, "channel.unknown: no channel '" + global().channel + "' for " + key.account +
                       " at this node");
  }
  auto r = c.get("/v1/status");
  if (r.status != 200) fail(kUnreachable, "GET /v1/status answered " + std::to_string(r.status));
  return parse_json_or_fail(r.body, "/v1/status")["chain_id"].get<std::string>();
}

http::Response call(const std::string& method, const std::string& target_in,
                    const std::string& body, const KeyFile* key) {
  try {
    http::Client c = connect();
    http::Headers hs;
    std::string target = target_in;
    std::optional<KeyFile> channel_key;
    if (!global().channel.empty()) {
      if (target.starts_with("/v1/") && !target.starts_with("/v1/channels"))
        target = "/v1/channels/" + global().channel + target.substr(3);
      std::string path = target.substr(0, target.find('?'));
      bool tx_post = method == "POST" && (path.ends_with("/txs") || path.ends_with("/txs/batch"));
      if (!key && !tx_post) {
        if (global().channel_key.empty())
          fail(kUsage, "--channel " + global().channel +
                           ": a channel answers only its members' signed reads; give --key or "
                           "--channel-key (TANSO_CHANNEL_KEY)");
        channel_key = load_key(global().channel_key);
        key = &*channel_key;
      }
    }
    if (key) hs = read_headers(*key, chain_id_of_node(c, *key), method, target);
    if (!body.empty()) hs.push_back({"Content-Type", "application/json"});
    return c.request(method, target, body, hs);
  } catch (const Failure&) {
    throw;
  } catch (const std::exception& e) {
    fail(kUnreachable, e.what());
  }
}

Json parse_json_or_fail(const std::string& text, const std::string& what) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) fail(kUsage, what + " is not valid JSON");
  return j;
}

std::string read_text(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(kLocal, "cannot read " + path);
    ss << f.rdbuf();
  }
  return ss.str();
}

void print_json(const Json& j) { std::cout << j.dump(2) << std::endl; }

KeyFile load_key(const std::string& path) {
  auto k = read_key_file(path);
  if (!k) fail(kLocal, k.error().code + ": " + k.error().message);
  return *k;
}

void fail_on_api_error(const http::Response& r) {
  if (r.status < 400) return;
  Json j = Json::parse(r.body, nullptr, false);
  std::string code = "http." + std::to_string(r.status), msg = r.body;
  if (!j.is_discarded() && j.contains("error")) {
    code = j["error"].value("code", code);
    msg = j["error"].value("message", msg);
  }
  fail(r.status >= 500 ? kUnreachable : kRefused, code + ": " + msg);
}

void progress(uint64_t done, uint64_t total, const std::string& label) {
  static auto last = std::chrono::steady_clock::time_point{};
  auto now = std::chrono::steady_clock::now();
  if (global().quiet || !isatty(STDERR_FILENO)) return;
  if (done != total && now - last < std::chrono::milliseconds(100)) return;
  last = now;
  int pct = total ? static_cast<int>(done * 100 / total) : 100;
  int bars = pct * 30 / 100;
  std::cerr << "\r[" << std::string(bars, '=') << (bars < 30 ? ">" : "")
            << std::string(bars < 30 ? 29 - bars : 0, ' ') << "] " << pct << "% " << label << " "
            << done << "/" << total << std::flush;
  if (done == total) std::cerr << "\n";
}

}  // namespace tanso::cli
