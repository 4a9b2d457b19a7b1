// The Ed25519 verification ceiling: how many signatures per second this machine verifies with
// tanso::verify (libsodium) on all cores. The node verifies every tx once at admission, so this
// bounds the ledger's throughput on the same machine.
#pragma once

#include <cstdint>

namespace tanso::bench {

struct VerifyCeiling {
  double per_s = 0;       // verifications per second, all threads together
  uint64_t verified = 0;  // total verifications done
  uint64_t failures = 0;  // verifications that returned false (must be 0)
  unsigned threads = 0;
  double seconds = 0;
  unsigned distinct = 0;  // distinct (key, message, signature) triples cycled through
  // CPU time per verification (thread CPU clocks): unlike per_s, hardly lowered by other load
  // on the machine.
  double cpu_us_per_verify = 0;
};

// Pre-makes `distinct` signatures (outside the timing) over tx-sized messages with distinct
// keys, then verifies them round-robin on `threads` threads (0: hardware_concurrency) for about
// `seconds`.
VerifyCeiling measure_verify_ceiling(double seconds = 3.0, unsigned threads = 0,
                                     unsigned distinct = 8192, bool show_progress = true);

}  // namespace tanso::bench
