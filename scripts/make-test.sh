#!/usr/bin/env bash
# `make test` (and CI's .ci/run): builds what the tests need and runs every default test —
# release (unit, docs, web, e2e, browser), the unit tests under AddressSanitizer + UBSan, and
# each fuzz target for FUZZ_SECONDS (default 30), two at a time.
#
# Time on CI's 2 cores (budget 25 min): the release tests spend most of their ~4 min waiting
# on nodes, brokers, browsers and interval timers, so the sanitizer builds (asan-ubsan, fuzz;
# ~12 min of compiling) start beside them, at the lowest CPU and I/O priority (nice 19, ionice
# idle), and use the idle cores; the tests keep priority. Benchmarks are not built here
# (`make build` and `make bench` do).
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGETS=(fuzz_tx_decode fuzz_http_request fuzz_api_request fuzz_ets_import fuzz_reading)

cmake --preset release >/dev/null || exit 1
cmake --build build/release -j"$JOBS" --target test_deps || exit 1
cmake --preset asan-ubsan >/dev/null || exit 1
cmake --preset fuzz -DTANSO_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null || exit 1

log=build/sanitizer-builds.log
(
  nice -n 19 ionice -c 3 cmake --build build/asan-ubsan -j"$JOBS" --target unit_tests &&
    nice -n 19 ionice -c 3 cmake --build build/fuzz -j"$JOBS" --target "${FUZZ_TARGETS[@]}"
) >"$log" 2>&1 &
builds=$!

ctest --test-dir build/release --output-on-failure -j2 -LE soak
release=$?

echo "make test: waiting for the sanitizer builds (log: $log)"
if ! wait "$builds"; then
  tail -50 "$log"
  echo "make test: the asan-ubsan or fuzz build failed (full log: $log)"
  exit 1
fi
ctest --test-dir build/asan-ubsan --output-on-failure -j2 -L unit
asan=$?
ctest --test-dir build/fuzz --output-on-failure -j2 -L fuzz
fuzz=$?
echo "make test: release $([ $release = 0 ] && echo ok || echo FAILED)," \
  "asan-ubsan $([ $asan = 0 ] && echo ok || echo FAILED), fuzz $([ $fuzz = 0 ] && echo ok || echo FAILED)"
[ $release = 0 ] && [ $asan = 0 ] && [ $fuzz = 0 ]
