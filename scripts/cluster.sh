#!/usr/bin/env bash
# `make cluster`: a demo network on loopback (docs/CLUSTER.md) — a 3-member etcd cluster as the
# ordering service and 3 tansod nodes of three organizations (the regulator, the exchange and the
# settlement bank), each with its own RocksDB, over one demo genesis that names them.
#
#   scripts/cluster.sh [start]   start (first run: makes keys, genesis and data dirs) and wait
#                                 for Ctrl-C, then stop everything
#   scripts/cluster.sh stop      stop a cluster started in the background (DETACH=1)
#
# Environment: CLUSTER_DIR (default cluster/), TANSO_BIN_DIR (default build/bin), BASE_PORT
# (default 8181: nodes at 8181..8183; etcd clients at 23791..23793, peers 23801..23803),
# DETACH=1 (start and return; `stop` ends it). `rm -rf cluster` starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
CMD=${1:-start}
DIR=${CLUSTER_DIR:-cluster}
BIN=${TANSO_BIN_DIR:-build/bin}
BASE_PORT=${BASE_PORT:-8181}
ETCD_CLIENT=${ETCD_CLIENT_BASE:-23791}
ETCD_PEER=${ETCD_PEER_BASE:-23801}
NODES=(regulator-1=moe exchange-1=krx bank-1=settle-bank)

if [ "$CMD" = stop ]; then
  if [ -f "$DIR/pids" ]; then
    tac "$DIR/pids" | while read -r pid; do kill "$pid" 2>/dev/null || true; done
    rm -f "$DIR/pids"
    echo "stopped the cluster in $DIR"
  else
    echo "no cluster running from $DIR"
  fi
  exit 0
fi
[ "$CMD" = start ] || { echo "usage: $0 [start|stop]" >&2; exit 2; }
command -v etcd >/dev/null || { echo "etcd is missing: scripts/install-deps.sh installs it" >&2; exit 1; }

mkdir -p "$DIR/logs"
: >"$DIR/pids"
cleanup() {
  tac "$DIR/pids" 2>/dev/null | while read -r pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$DIR/pids"
}
[ -z "${DETACH:-}" ] && trap cleanup EXIT INT TERM

# The etcd cluster.
INITIAL=""
for i in 1 2 3; do
  INITIAL="${INITIAL:+$INITIAL,}e$i=http://127.0.0.1:$((ETCD_PEER + i - 1))"
done
ENDPOINTS=""
for i in 1 2 3; do
  c=$((ETCD_CLIENT + i - 1)) p=$((ETCD_PEER + i - 1))
  state=new
  [ -d "$DIR/etcd/e$i/member" ] && state=existing
  etcd --name "e$i" --data-dir "$DIR/etcd/e$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$INITIAL" --initial-cluster-state "$state" \
    --initial-cluster-token tanso-cluster >"$DIR/logs/etcd-e$i.log" 2>&1 &
  echo $! >>"$DIR/pids"
  ENDPOINTS="${ENDPOINTS:+$ENDPOINTS,}http://127.0.0.1:$c"
done
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$ETCD_CLIENT/health" 2>/dev/null | grep -q true && break
  sleep 0.1
done

# Keys, genesis (first run only).
if [ ! -f "$DIR/genesis.json" ]; then
  "$BIN/tanso" genesis demo --chain-id tanso-cluster --keys-dir "$DIR/keys" \
    --devices-dir "$DIR/devices" --out "$DIR/genesis.json" >/dev/null
  args=()
  for spec in "${NODES[@]}"; do
    id=${spec%%=*} org=${spec#*=}
    mkdir -p "$DIR/$id"
    "$BIN/tanso" keygen -o "$DIR/$id/node_key.json" --account "$id" >/dev/null
    args+=(--node "$id=$org:$DIR/$id/node_key.json")
  done
  "$BIN/tanso" genesis network "$DIR/genesis.json" "${args[@]}" -o "$DIR/genesis.json" >/dev/null
fi

# The nodes; each knows the others' API (catch-up from their blocks, docs/CLUSTER.md).
PEERS=""
port=$BASE_PORT
for spec in "${NODES[@]}"; do
  PEERS="$PEERS${PEERS:+,}${spec%%=*}=http://127.0.0.1:$port"
  port=$((port + 1))
done
port=$BASE_PORT
URLS=""
for spec in "${NODES[@]}"; do
  id=${spec%%=*}
  "$BIN/tansod" --data-dir "$DIR/$id" --genesis "$DIR/genesis.json" --listen "127.0.0.1:$port" \
    --cluster-etcd "$ENDPOINTS" --node-id "$id" --cluster-peers "$PEERS" \
    >"$DIR/logs/$id.log" 2>&1 &
  echo $! >>"$DIR/pids"
  URLS="$URLS  $id: http://127.0.0.1:$port/v1/status  (log: $DIR/logs/$id.log)
"
  port=$((port + 1))
done
for p in $(seq "$BASE_PORT" $((BASE_PORT + 2))); do
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$p/healthz" >/dev/null || { echo "node on port $p did not start" >&2; exit 1; }
done

cat <<MSG
Tanso cluster running: 3 etcd members ($ENDPOINTS) and 3 nodes
$URLS
Try: $BIN/tanso query status --node http://127.0.0.1:$((BASE_PORT + 1))
     curl -s http://127.0.0.1:$BASE_PORT/v1/blocks/1/attestations
Keys of the demo users: $DIR/keys/. $( [ -n "${DETACH:-}" ] && echo "Stop: scripts/cluster.sh stop" || echo "Ctrl-C stops everything." )
MSG
[ -n "${DETACH:-}" ] && exit 0
wait
