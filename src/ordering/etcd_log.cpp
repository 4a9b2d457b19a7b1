// SharedLog on etcd's v3 JSON gateway (ordering/etcd_log.h). Every call goes to one endpoint and
// moves to the next one on a connection failure, a timeout or a 5xx answer (a member without a
// leader); appends are safe to retry because their compare-and-swap makes them exactly-once.
#include "ordering/etcd_log.h"

#include <openssl/evp.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "core/tx.h"  // Json
#include "http/client.h"

namespace tanso {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(3 * (text.size() / 4), '\0');
  if (text.empty()) return true;
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

std::string slot_text(uint64_t v) {
  std::string s = std::to_string(v);
  return std::string(20 - s.size(), '0') + s;
}

std::string LogHead::text() const { return slot_text(slot) + "/" + std::to_string(time_ms); }

bool LogHead::parse(std::string_view text, LogHead& out) {
  auto slash = text.find('/');
  if (slash != 20) return false;
  auto num = [](std::string_view d, uint64_t& v) {
    auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
    return !d.empty() && ec == std::errc() && p == d.data() + d.size();
  };
  return num(text.substr(0, 20), out.slot) && num(text.substr(21), out.time_ms);
}

namespace {

std::string prefix_end(std::string p) {
  // The smallest key greater than every key starting with p (etcd's range_end for a prefix).
  while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xff) p.pop_back();
  if (!p.empty()) p.back() = static_cast<char>(p.back() + 1);
  return p;
}

std::string decoded(const Json& v) {
  std::string out;
  if (v.is_string() && base64_decode(v.get<std::string>(), out)) return out;
  throw LogUnavailable("etcd answered a value that is not base64");
}

class EtcdLog final : public SharedLog {
 public:
  explicit EtcdLog(const EtcdOptions& o) : o_(o) {
    if (o_.endpoints.empty()) throw std::invalid_argument("etcd: no endpoints");
    for (const auto& e : o_.endpoints) {
      std::string why;
      auto ep = http::parse_endpoint(e, &why, 2379);
      if (!ep) throw std::invalid_argument("etcd endpoint '" + e + "': " + why);
      eps_.push_back(*ep);
    }
    if (o_.attempts == 0) o_.attempts = 2 * static_cast<unsigned>(eps_.size());
  }

  uint64_t open(std::string_view proposer, uint64_t genesis_time_ms) override {
    const std::string head = key("head"), seq = key("p/" + std::string(proposer));
    for (const auto& [k, v] :
         {std::pair{head, LogHead{0, genesis_time_ms}.text()}, std::pair{seq, slot_text(0)}}) {
      Json txn = {{"compare",
                   {{{"key", base64_encode(k)},
                     {"target", "VERSION"},
                     {"result", "EQUAL"},
                     {"version", "0"}}}},
                  {"success",
                   {{{"request_put", {{"key", base64_encode(k)}, {"value", base64_encode(v)}}}}}}};
      call("/v3/kv/txn", txn);
    }
    auto v = get(seq);
    if (!v)
      throw LogUnavailable("etcd: the sequence record of " + std::string(proposer) + " vanished");
    return std::stoull(*v);
  }

  LogHead head() override {
    auto v = get(key("head"));
    LogHead h;
    if (!v || !LogHead::parse(*v, h)) throw LogUnavailable("etcd: no valid log head");
    return h;
  }

  AppendResult append(const LogHead& expected, uint64_t time_ms, std::string_view proposer,
                      uint64_t seq, std::string_view value) override {
    const std::string head = key("head"), pk = key("p/" + std::string(proposer));
    const LogHead next{expected.slot + 1, time_ms};
    auto cmp = [](const std::string& k, const std::string& v) {
      return Json{{"key", base64_encode(k)},
                  {"target", "VALUE"},
                  {"result", "EQUAL"},
                  {"value", base64_encode(v)}};
    };
    auto put = [](const std::string& k, std::string_view v) {
      return Json{{"request_put", {{"key", base64_encode(k)}, {"value", base64_encode(v)}}}};
    };
    auto range = [](const std::string& k) {
      return Json{{"request_range", {{"key", base64_encode(k)}}}};
    };
    Json txn = {{"compare", {cmp(head, expected.text()), cmp(pk, slot_text(seq - 1))}},
                {"success",
                 {put(key("b/" + slot_text(next.slot)), value), put(head, next.text()),
                  put(pk, slot_text(seq))}},
                {"failure", {range(head), range(pk)}}};
    Json r = call("/v3/kv/txn", txn);
    if (r.value("succeeded", false)) return {AppendOutcome::appended, next};
    // Failure branch: responses[0] = head, responses[1] = the proposer's sequence.
    LogHead now;
    std::string h = first_value(r["responses"][0]), s = first_value(r["responses"][1]);
    if (!LogHead::parse(h, now)) throw LogUnavailable("etcd: no valid log head");
    if (s == slot_text(seq)) return {AppendOutcome::already_appended, now};
    if (s != slot_text(seq - 1))
      throw std::logic_error("etcd: proposer " + std::string(proposer) + " is at sequence " + s +
                             ", not " + std::to_string(seq - 1) +
                             " (two nodes with one identity?)");
    return {AppendOutcome::head_moved, now};
  }

  LogRead read(uint64_t from, size_t max_entries, size_t max_bytes) override {
    LogRead out;
    const std::string b = key("b/");
    // The head and the slots in one transaction (one revision): a slot missing at or below the
    // head was compacted, not "not yet appended".
    Json txn = {{"success",
                 {{{"request_range", {{"key", base64_encode(key("head"))}}}},
                  {{"request_range",
                    {{"key", base64_encode(key("b/" + slot_text(from)))},
                     {"range_end", base64_encode(prefix_end(b))},
                     {"limit", std::to_string(max_entries)}}}}}}};
    Json r = call("/v3/kv/txn", txn);
    out.revision = std::stoll(r["header"].value("revision", std::string("0")));
    LogHead head;
    if (!LogHead::parse(first_value(r["responses"][0]), head))
      throw LogUnavailable("etcd: no valid log head");
    size_t bytes = 0;
    for (const auto& kv : r["responses"][1]["response_range"].value("kvs", Json::array())) {
      std::string k = decoded(kv["key"]);
      uint64_t slot = std::stoull(k.substr(b.size()));
      if (slot != from + out.entries.size()) break;
      std::string v = decoded(kv.value("value", Json("")));
      bytes += v.size();
      out.entries.push_back({slot, std::move(v)});
      if (bytes >= max_bytes) break;
    }
    if (out.entries.empty() && from <= head.slot) out.compacted = true;
    return out;
  }

  bool wait(int64_t revision, uint32_t timeout_ms) override {
    const std::string b = key("b/");
    Json req = {{"create_request",
                 {{"key", base64_encode(b)},
                  {"range_end", base64_encode(prefix_end(b))},
                  {"start_revision", std::to_string(revision + 1)}}}};
    http::ClientOptions co;
    co.timeout_ms = o_.timeout_ms;
    co.stream_idle_timeout_ms = timeout_ms;
    http::Client c(eps_[current_], co);
    std::string buf;
    bool happened = false;
    try {
      c.open_body_stream("POST", "/v3/watch", req.dump(), {}, [&](std::string_view bytes) {
        buf.append(bytes);
        for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
          Json m = Json::parse(buf.substr(0, nl), nullptr, false);
          if (m.is_discarded()) continue;
          const Json& res = m.contains("result") ? m["result"] : m;
          if (res.contains("events") || res.contains("compact_revision") ||
              res.value("canceled", false)) {
            happened = true;
            return false;
          }
        }
        return true;
      });
    } catch (const std::exception&) {
      // The idle timeout (nothing appended), or this member failed: the caller reads again.
      if (!happened) next_endpoint();
    }
    return happened;
  }

  void compact(uint64_t slot) override {
    if (slot == 0) return;
    if (slot > head().slot) slot = head().slot;
    Json del = {{"key", base64_encode(key("b/" + slot_text(0)))},
                {"range_end", base64_encode(key("b/" + slot_text(slot)))}};
    Json r = call("/v3/kv/deleterange", del);
    std::string rev = r["header"].value("revision", std::string("0"));
    // History up to this revision goes too; a watcher from before it reads again.
    call("/v3/kv/compaction", Json{{"revision", rev}}, /*compacted_ok=*/true);
  }

  void put_side(std::string_view k, std::string_view v) override {
    call("/v3/kv/put",
         Json{{"key", base64_encode(key("s/" + std::string(k)))}, {"value", base64_encode(v)}});
  }

  void put_sides(const std::vector<std::pair<std::string, std::string>>& records) override {
    if (records.empty()) return;
    Json puts = Json::array();
    for (const auto& [k, v] : records)
      puts.push_back(
          {{"request_put", {{"key", base64_encode(key("s/" + k))}, {"value", base64_encode(v)}}}});
    call("/v3/kv/txn", Json{{"success", std::move(puts)}});  // etcd: at most 128 operations
  }

  std::vector<std::pair<std::string, std::string>> list_side(std::string_view from,
                                                             std::string_view to,
                                                             size_t limit) override {
    const std::string s = key("s/");
    Json r = call("/v3/kv/range", Json{{"key", base64_encode(s + std::string(from))},
                                       {"range_end", base64_encode(s + std::string(to))},
                                       {"limit", std::to_string(limit)}});
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : r.value("kvs", Json::array()))
      out.emplace_back(decoded(kv["key"]).substr(s.size()), decoded(kv.value("value", Json(""))));
    return out;
  }

  void delete_side(std::string_view from, std::string_view to) override {
    call("/v3/kv/deleterange", Json{{"key", base64_encode(key("s/" + std::string(from)))},
                                    {"range_end", base64_encode(key("s/" + std::string(to)))}});
  }

 private:
  std::string key(const std::string& k) const { return o_.prefix + k; }

  std::optional<std::string> get(const std::string& k) {
    Json r = call("/v3/kv/range", Json{{"key", base64_encode(k)}});
    const Json kvs = r.value("kvs", Json::array());
    if (kvs.empty()) return std::nullopt;
    return decoded(kvs[0].value("value", Json("")));
  }

  static std::string first_value(const Json& resp) {
    const Json kvs = resp["response_range"].value("kvs", Json::array());
    if (kvs.empty()) return "";
    return decoded(kvs[0].value("value", Json("")));
  }

  void next_endpoint() {
    client_.reset();
    current_ = (current_ + 1) % eps_.size();
  }

  // POSTs to the current endpoint; on failure moves on and retries, up to `attempts` calls.
  Json call(const std::string& path, const Json& body, bool compacted_ok = false) {
    std::string last;
    for (unsigned a = 0; a < o_.attempts; ++a) {
      if (a > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50u * a, 500u)));
      try {
        if (!client_) {
          http::ClientOptions co;
          co.timeout_ms = o_.timeout_ms;
          client_ = std::make_unique<http::Client>(eps_[current_], co);
        }
        http::Response r = client_->post(path, body.dump());
        Json j = Json::parse(r.body, nullptr, false);
        if (r.status == 200 && j.is_object()) return j;
        std::string msg = j.is_object() ? j.value("message", j.value("error", r.body)) : r.body;
        if (compacted_ok && msg.find("compacted") != std::string::npos) return Json::object();
        last = eps_[current_].to_string() + ": HTTP " + std::to_string(r.status) + " " + msg;
        // A malformed or oversized request fails everywhere; anything else (408 "the client
        // connection is closing" from a member going down, 503 no leader, ...) is retried on the
        // next member.
        if (r.status == 400 || r.status == 413)
          throw std::logic_error("etcd " + path + ": " + last);
      } catch (const std::logic_error&) {
        throw;
      } catch (const std::exception& e) {
        last = e.what();
      }
      next_endpoint();
    }
    throw LogUnavailable("etcd unavailable (" + path + "): " + last);
  }

  EtcdOptions o_;
  std::vector<http::Endpoint> eps_;
  size_t current_ = 0;
  std::unique_ptr<http::Client> client_;
};

}  // namespace

std::unique_ptr<SharedLog> make_etcd_log(const EtcdOptions& opts) {
  return std::make_unique<EtcdLog>(opts);
}

}  // namespace tanso
