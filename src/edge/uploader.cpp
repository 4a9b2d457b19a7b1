// Registry reads and batch submission to the ledger node (see uploader.h).
#include "edge/uploader.h"

#include <chrono>

#include "node/read_auth.h"

namespace tanso::edge {

NodeLink::NodeLink(const http::Endpoint& node, KeyFile key)
    : client_(node, http::ClientOptions{.timeout_ms = 40'000}), key_(std::move(key)) {}

std::string NodeLink::chain() {
  if (chain_.empty()) {
    auto r = client_.get("/v1/status");
    auto j = Json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object() || !j.contains("chain_id"))
      throw std::runtime_error("GET /v1/status: HTTP " + std::to_string(r.status));
    chain_ = j["chain_id"].get<std::string>();
  }
  return chain_;
}

http::Headers NodeLink::read_headers(const std::string& method, const std::string& target) {
  std::string t = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  Signature s = sign(key_.key.secret, read_message(chain(), method, target, t));
  return {{"X-Tanso-Account", key_.account},
          {"X-Tanso-Key", key_to_text(key_.key.pub)},
          {"X-Tanso-Time", t},
          {"X-Tanso-Signature", to_hex(ByteView(s.data(), s.size()))}};
}

Result<Json> NodeLink::installation(const std::string& id) {
  const std::string target = "/v1/mrv/installations/" + id;
  auto r = client_.get(target, read_headers("GET", target));
  auto j = Json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object()) {
    std::string code = "registry.unavailable";
    if (j.is_object() && j.contains("error")) code = j["error"].value("code", code);
    return err(code, "GET " + target + ": HTTP " + std::to_string(r.status), r.status);
  }
  return j;
}

NodeLink::Submitted NodeLink::submit_batch(const Json& body) {
  Submitted out;
  try {
    const std::string ch = chain();
    auto st = client_.get("/v1/status");
    auto acc = client_.get("/v1/accounts/" + key_.account);
    auto sj = Json::parse(st.body, nullptr, false);
    auto aj = Json::parse(acc.body, nullptr, false);
    if (st.status != 200 || acc.status != 200 || !sj.is_object() || !aj.is_object()) {
      out.code = "node.unavailable";
      out.message =
          "status/account: HTTP " + std::to_string(st.status) + "/" + std::to_string(acc.status);
      return out;
    }
    Payload p;
    p.chain = ch;
    p.type = "mrv.batch.submit";
    p.from = key_.account;
    p.nonce = json_u64(aj["nonce"]).value_or(0) + 1;
    p.expires = json_u64(sj["height"]).value_or(0) + 100;
    p.body = body;
    std::string env = sign_envelope(payload_text(p), ch, {&key_.key});
    auto r = client_.post("/v1/txs?wait=commit&timeout_ms=20000", env);
    auto j = Json::parse(r.body, nullptr, false);
    if (!j.is_object()) {
      out.code = "node.bad_answer";
      out.message = "HTTP " + std::to_string(r.status);
      return out;
    }
    if (r.status == 200 && j.value("status", "") == "committed") {
      out.tx_id = j.value("tx_id", "");
      out.height = json_u64(j.value("height", Json(0))).value_or(0);
      out.code = j.value("code", "");
      out.message = j.value("message", "");
      out.outcome = out.code == "ok" ? Outcome::done : Outcome::rejected;
      return out;
    }
    out.code = j.contains("error") ? j["error"].value("code", "") : j.value("status", "");
    out.message = j.contains("error") ? j["error"].value("message", "") : r.body;
    return out;  // retry: admission refusal (nonce race), timeout, unavailable
  } catch (const std::exception& e) {
    out.code = "node.unreachable";
    out.message = e.what();
    return out;
  }
}

}  // namespace tanso::edge
