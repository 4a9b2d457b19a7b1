// Prometheus text rendering of the node's counters and histograms.
#include "node/metrics.h"

#include <cstdio>

namespace tanso {

void Histogram::observe(double s) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  ++counts_[i];
  sum_ += s;
  ++n_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  std::lock_guard lock(mu_);
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cum = 0;
  char buf[64];
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cum += counts_[i];
    std::snprintf(buf, sizeof buf, "%g", kBounds[i]);
    out += name + "_bucket{le=\"" + buf + "\"} " + std::to_string(cum) + "\n";
  }
  cum += counts_[kBounds.size()];
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  std::snprintf(buf, sizeof buf, "%.6f", sum_);
  out += name + "_sum " + buf + "\n" + name + "_count " + std::to_string(n_) + "\n";
}

void Metrics::bump(std::map<std::string, uint64_t>& m, const std::string& k) {
  std::lock_guard lock(mu_);
  ++m[k];
}

static void gauge(std::string& out, const char* name, const char* type, const char* help,
                  uint64_t v) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(v) + "\n";
}

std::string Metrics::render(uint64_t pending) const {
  std::string out;
  gauge(out, "tanso_height", "gauge", "Height of the last committed block.", height);
  gauge(out, "tanso_blocks_committed_total", "counter", "Blocks committed since start.",
        blocks_committed);
  gauge(out, "tanso_txs_committed_total", "counter",
        "Transactions committed in blocks since start (accepted and rejected).", txs_committed);
  gauge(out, "tanso_txs_admitted_total", "counter", "Transactions admitted to ordering.",
        txs_admitted);
  gauge(out, "tanso_pending_txs", "gauge", "Admitted transactions waiting for a block.", pending);
  gauge(out, "tanso_sse_clients", "gauge", "Connected event-stream clients.", sse_clients);
  {
    std::lock_guard lock(mu_);
    auto labeled = [&](const char* name, const char* help, const char* label,
                       const std::map<std::string, uint64_t>& m) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
      for (const auto& [k, v] : m)
        out += std::string(name) + "{" + label + "=\"" + k + "\"} " + std::to_string(v) + "\n";
    };
    labeled("tanso_txs_rejected_total", "Committed transactions rejected by a rule, by code.",
            "code", rejected_);
    labeled("tanso_admission_refused_total", "Transactions refused at admission, by code.", "code",
            refused_);
    labeled("tanso_http_responses_total", "HTTP responses by status.", "status", http_);
  }
  commit_seconds.render(out, "tanso_block_commit_seconds",
                        "Time to execute, write and sync one block.");
  submit_seconds.render(out, "tanso_submit_seconds",
                        "Time from receiving a submission to answering it.");
  return out;
}

}  // namespace tanso
