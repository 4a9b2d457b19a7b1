// tansod as a child process (see node_process.h).
#include "node_process.h"

#include <thread>

#include "core/tx.h"
#include "http/client.h"

namespace tanso::bench {

NodeProcess::NodeProcess(fs::path binary, fs::path dir, fs::path genesis,
                         std::vector<std::string> extra_args)
    : binary_(std::move(binary)),
      dir_(std::move(dir)),
      genesis_(std::move(genesis)),
      extra_(std::move(extra_args)) {}

NodeProcess::~NodeProcess() {
  if (started_ && proc_.running()) stop();
}

void NodeProcess::start() {
  port_ = free_tcp_port();
  argv_ = {binary_.string(),  "--data-dir", (dir_ / "data").string(),           "--genesis",
           genesis_.string(), "--listen",   host_ + ":" + std::to_string(port_)};
  argv_.insert(argv_.end(), extra_.begin(), extra_.end());
  proc_.start(argv_, stdout_path(), stderr_path());
  started_ = true;
}

std::optional<uint64_t> node_height(const std::string& host, unsigned short port) {
  try {
    http::ClientOptions o;
    o.timeout_ms = 2000;
    http::Client cl(host, port, o);
    auto r = cl.get("/healthz");
    if (r.status != 200) return std::nullopt;
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    if (auto h = json_u64(j.value("height", Json()))) return *h;
    return 0;
  } catch (...) {
    return std::nullopt;
  }
}

NodeMetrics node_metrics(const std::string& host, unsigned short port) {
  NodeMetrics m;
  try {
    http::ClientOptions o;
    o.timeout_ms = 5000;
    http::Client cl(host, port, o);
    auto r = cl.get("/metrics");
    if (r.status == 200) m.text = std::move(r.body);
  } catch (...) {
  }
  return m;
}

std::optional<double> NodeMetrics::value(const std::string& series) const {
  // A line "<series> <value>" (the exact series, labels included if given).
  size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t v = pos + series.size() + 1;
      size_t e = text.find('\n', v);
      try {
        return std::stod(text.substr(v, e == std::string::npos ? std::string::npos : e - v));
      } catch (...) {
        return std::nullopt;
      }
    }
    pos += series.size();
  }
  return std::nullopt;
}

std::optional<double> NodeMetrics::mean(const std::string& histogram) const {
  auto s = value(histogram + "_sum"), c = value(histogram + "_count");
  if (!s || !c || *c <= 0) return std::nullopt;
  return *s / *c;
}

bool NodeProcess::wait_healthy(double timeout_s, std::string& why) {
  auto t0 = Clock::now();
  for (;;) {
    if (!proc_.running()) {
      why = "tansod exited with status " + std::to_string(proc_.exit_status().value_or(-1));
      return false;
    }
    if (node_height(host_, port_)) return true;
    if (interrupted()) {
      why = "interrupted";
      return false;
    }
    if (seconds_since(t0) > timeout_s) {
      why = "no 200 from GET /healthz within " + fmt_num(timeout_s, 0) + " s";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int NodeProcess::stop(double grace_s) {
  if (!started_) return -1;
  return proc_.stop(std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000)));
}

std::string NodeProcess::log_tail(size_t lines) const {
  std::string out = "--- tansod stderr (" + stderr_path().string() + ", last " +
                    std::to_string(lines) + " lines) ---\n" + tail_file(stderr_path(), lines);
  out += "--- tansod stdout (" + stdout_path().string() + ", last " + std::to_string(lines) +
         " lines) ---\n" + tail_file(stdout_path(), lines);
  return out;
}

}  // namespace tanso::bench
