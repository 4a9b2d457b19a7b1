// The PostgreSQL reference: pgbench TPC-B on a throwaway PostgreSQL 15 cluster that the bench
// creates, starts, stops and deletes itself (loopback only, default settings: fsync on,
// synchronous_commit on).
#pragma once

#include <optional>
#include <string>

namespace tanso::bench {

struct PgOptions {
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  int scale = 10;     // pgbench -i -s
  int clients = 8;    // pgbench -c
  int jobs = 2;       // pgbench -j
  int seconds = 30;   // pgbench -T
  bool keep = false;  // keep the cluster directory (it is still stopped)
};

struct PgResult {
  std::optional<double> tps;         // "tps = ... (without initial connection time)"
  std::optional<double> latency_ms;  // "latency average = ... ms"
  uint64_t transactions = 0;         // "number of transactions actually processed"
  std::string settings;              // fsync / synchronous_commit / shared_buffers as running
  std::string version;               // server version
  std::string run_command;           // the pgbench command line of the timed run
  double init_seconds = 0;           // pgbench -i duration
  std::string error;                 // non-empty if the measurement failed
};

// Never throws; failures are reported in PgResult::error (the cluster is always stopped and
// removed, unless opts.keep).
PgResult run_postgres_reference(const PgOptions& opts);

}  // namespace tanso::bench
