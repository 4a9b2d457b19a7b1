#!/usr/bin/env bash
# `make test` (and CI's .ci/run): builds what the tests need and runs every default test —
# release (unit, docs, web, e2e, browser), then the unit tests under AddressSanitizer + UBSan
# and each fuzz target for FUZZ_SECONDS (default 30), two at a time.
#
# Time on CI's 2 cores (budget 25 min). One sanitizer build serves both: the `fuzz` preset
# (clang, -O1, ASan + UBSan with UB fatal, libFuzzer coverage instrumentation) builds the unit
# tests and the fuzz targets, so the libraries are compiled twice in all (release, sanitizers),
# not three times (a gcc asan-ubsan build as well: `make asan-test` still runs that one). The
# release tests spend most of their ~4 min waiting on nodes, brokers, browsers and interval
# timers, so the sanitizer build starts beside them at the lowest CPU and I/O priority (nice 19,
# ionice idle) and uses the idle cores; the tests keep priority. Benchmarks are not built here
# (`make build` and `make bench` do).
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGETS=(fuzz_tx_decode fuzz_http_request fuzz_api_request fuzz_ets_import fuzz_reading)

cmake --preset release >/dev/null || exit 1
cmake --build build/release -j"$JOBS" --target test_deps || exit 1
cmake --preset fuzz -DTANSO_FUZZ_SECONDS="$FUZZ_SECONDS" >/dev/null || exit 1

log=build/sanitizer-build.log
nice -n 19 ionice -c 3 cmake --build build/fuzz -j"$JOBS" --target unit_tests "${FUZZ_TARGETS[@]}" \
  >"$log" 2>&1 &
builds=$!

ctest --test-dir build/release --output-on-failure -j2 -LE soak
release=$?

echo "make test: waiting for the sanitizer build (log: $log)"
if ! wait "$builds"; then
  tail -50 "$log"
  echo "make test: the sanitizer build failed (full log: $log)"
  exit 1
fi
ctest --test-dir build/fuzz --output-on-failure -j2 -L unit
asan=$?
ctest --test-dir build/fuzz --output-on-failure -j2 -L fuzz
fuzz=$?
echo "make test: release $([ $release = 0 ] && echo ok || echo FAILED)," \
  "unit under ASan+UBSan $([ $asan = 0 ] && echo ok || echo FAILED), fuzz $([ $fuzz = 0 ] && echo ok || echo FAILED)"
[ $release = 0 ] && [ $asan = 0 ] && [ $fuzz = 0 ]
