# Tanso: the two commands a new user needs are `make run` and `make test`.
# Everything installs what is missing (apt), configures with CMake presets and builds first.

JOBS      ?= $(shell nproc)
BIN       := build/bin
LISTEN    ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 30

.PHONY: all deps build web run cluster test unit e2e browser-test docs-test fuzz-test asan-test bench bench-micro \
        soak fuzz-long format clean help

all: build

help:
	@echo "make run        install deps, build, start a demo node (dashboard + demo data)"
	@echo "make test       install deps, build, run every default test"
	@echo "make cluster    a demo network on loopback: 3 etcd members + 3 nodes (docs/CLUSTER.md)"
	@echo "make build      build into build/bin (preset: release)"
	@echo "make web        build only the dashboard (web/ -> web/dist; npm ci from the lock file)"
	@echo "make browser-test  the dashboard's browser tests (Chromium, headless; screenshots in build/release/test-artifacts/browser)"
	@echo "make bench      micro-benchmarks and tanso-bench ledger (see docs/PERFORMANCE.md)"
	@echo "make soak       long crash-safety (100 SIGKILLs) and fuzz runs (opt-in)"
	@echo "make asan-test  unit tests under AddressSanitizer + UBSan"
	@echo "make format     clang-format every C++ file"

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j$(JOBS)

web: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release --target web

run: build
	@scripts/run-demo.sh $(LISTEN)

# Several organizations' nodes over an etcd cluster on loopback (docs/CLUSTER.md); Ctrl-C stops.
cluster: build
	@scripts/cluster.sh start

# The default test run: unit, docs (OpenAPI lint, error codes, routes), end-to-end and
# crash tests, the asan-ubsan unit tests and 30 s per fuzz target (two at a time: each is one thread).
# The sanitizer builds run beside the release tests at low priority (scripts/make-test.sh).
test: deps
	@JOBS=$(JOBS) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/make-test.sh

unit: build
	@ctest --test-dir build/release --output-on-failure -j2 -L unit

e2e: build
	@ctest --test-dir build/release --output-on-failure -L e2e

browser-test: build
	@ctest --test-dir build/release --output-on-failure -L browser

# The unit tests under gcc's ASan + UBSan (make test runs them in the clang fuzz build instead).
asan-test: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build/asan-ubsan -j$(JOBS) --target unit_tests
	@ctest --test-dir build/asan-ubsan --output-on-failure -j2 -L unit

fuzz-test: deps
	@cmake --preset fuzz -DTANSO_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build/fuzz -j$(JOBS) --target fuzz_tx_decode fuzz_http_request fuzz_api_request fuzz_ets_import fuzz_reading
	@ctest --test-dir build/fuzz --output-on-failure -j2 -L fuzz

fuzz-long:
	@$(MAKE) --no-print-directory fuzz-test FUZZ_SECONDS=1800

soak: build
	@TANSO_CRASH_ROUNDS=100 cmake --preset release >/dev/null
	@TANSO_CRASH_ROUNDS=100 ctest --test-dir build/release --output-on-failure -L e2e -R crash
	@$(MAKE) --no-print-directory fuzz-long

bench: build
	@$(BIN)/tanso-micro-bench --benchmark_min_time=0.5
	@$(BIN)/tanso-bench ledger --json

bench-micro: build
	@$(BIN)/tanso-micro-bench --benchmark_min_time=0.5

format:
	@find src tests bench fuzz -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
