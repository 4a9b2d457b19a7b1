// tansod as a child process of the bench: started with a data dir and a genesis file on a free
// loopback port, health-checked, stopped with SIGTERM (SIGKILL after a grace period).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common.h"

namespace tanso::bench {

class NodeProcess {
 public:
  // `binary`: the tansod executable; `dir`: where data/ and the logs go.
  NodeProcess(fs::path binary, fs::path dir, fs::path genesis, std::vector<std::string> extra_args);
  ~NodeProcess();  // stop() if still running

  void start();  // throws std::runtime_error if it cannot be spawned
  // Polls GET /healthz until 200. False on timeout, early exit or interruption; `why` says which.
  bool wait_healthy(double timeout_s, std::string& why);
  // SIGTERM, then SIGKILL after grace_s. Returns the exit status.
  int stop(double grace_s = 10);
  bool running() { return proc_.running(); }
  pid_t pid() const { return proc_.pid(); }

  const std::string& host() const { return host_; }
  unsigned short port() const { return port_; }
  std::string command() const { return join_args(argv_); }
  fs::path stdout_path() const { return dir_ / "tansod.stdout.log"; }
  fs::path stderr_path() const { return dir_ / "tansod.stderr.log"; }
  // The last lines of the node's stderr and stdout, labelled, for error reports.
  std::string log_tail(size_t lines = 30) const;

 private:
  fs::path binary_, dir_, genesis_;
  std::vector<std::string> extra_;
  std::vector<std::string> argv_;
  std::string host_ = "127.0.0.1";
  unsigned short port_ = 0;
  Subprocess proc_;
  bool started_ = false;
};

// GET /healthz once; the height if the answer is 200.
std::optional<uint64_t> node_height(const std::string& host, unsigned short port);

// Selected numbers from GET /metrics (Prometheus text), for the report.
struct NodeMetrics {
  std::string text;  // the whole page (empty if it could not be read)
  std::optional<double> value(const std::string& series) const;  // e.g. "tanso_height"
  // sum/count of a histogram, in the histogram's unit; nullopt if absent or empty.
  std::optional<double> mean(const std::string& histogram) const;
};
NodeMetrics node_metrics(const std::string& host, unsigned short port);

}  // namespace tanso::bench
