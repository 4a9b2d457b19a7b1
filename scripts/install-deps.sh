#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages Tanso needs to build, test and benchmark.
# Idempotent: packages already present are skipped; nothing is downloaded outside apt and npm.
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  librocksdb-dev libsodium-dev libssl-dev libboost-dev nlohmann-json3-dev libspdlog-dev
  libcli11-dev libtomlplusplus-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format
  postgresql-15 python3 openssl xxd
  mosquitto mosquitto-clients libmosquitto-dev ccache
  chromium fonts-noto-cjk
  etcd-server etcd-client
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm build the dashboard and lint the OpenAPI document; use what is on the PATH.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
