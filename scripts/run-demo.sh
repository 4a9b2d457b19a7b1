#!/usr/bin/env bash
# Starts the demo of `make run`: makes (once) a demo genesis and the demo users' keys in demo/,
# then runs tansod on $1 (default 127.0.0.1:8080) and the live MRV pipeline: a mosquitto broker
# (127.0.0.1:$MQTT_PORT, default 18830), one tanso-edge per demo company (1-minute batches) and
# tanso-sensor-sim playing the demo meters in real time (a reading every $SIM_INTERVAL_S s,
# default 10). Ctrl-C stops everything; the chain (demo/data), the gateways' stores (demo/edge)
# and the meters' last seqs (demo/sim-summary.json) stay for the next run. `rm -rf demo` starts
# over. NO_MRV=1 starts the node alone. The tests run it with DEMO_DIR, TANSO_BIN_DIR and
# EDGE_PORT_BASE (default 18841, one port per gateway) set.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN=${1:-127.0.0.1:8080}
BIN=${TANSO_BIN_DIR:-build/bin}
DEMO=${DEMO_DIR:-demo}
if [ ! -f "$DEMO/genesis.json" ]; then
  mkdir -p "$DEMO"
  "$BIN/tanso" genesis demo --chain-id tanso-demo --keys-dir "$DEMO/keys" \
    --devices-dir "$DEMO/devices" --out "$DEMO/genesis.json"
fi
WEB=""
[ -f web/dist/index.html ] && WEB="--web-dir web/dist"
"$BIN/tansod" --data-dir "$DEMO/data" --genesis "$DEMO/genesis.json" --listen "$LISTEN" $WEB &
NODE=$!
PIDS=($NODE)
cleanup() {
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 100); do
  curl -fs "http://$LISTEN/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$LISTEN/healthz" >/dev/null || { echo "the node did not start"; exit 1; }
scripts/demo-activity.sh "$LISTEN" "$DEMO" || echo "(demo activity failed; the node still runs)"

# The live MRV pipeline: meters -> mosquitto -> tanso-edge -> this node (docs/MRV.md).
MQTT_PORT=${MQTT_PORT:-18830}
SIM_INTERVAL_S=${SIM_INTERVAL_S:-10}
MRV_MSG="  MRV pipeline: off (NO_MRV=1)"
if [ -z "${NO_MRV:-}" ] && [ -x "$BIN/tanso-edge" ] && [ -x "$BIN/tanso-sensor-sim" ]; then
  MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  mkdir -p "$DEMO/mqtt" "$DEMO/edge" "$DEMO/logs"
  cat >"$DEMO/mqtt/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
user $(id -un)
allow_anonymous true
persistence true
persistence_location $(cd "$DEMO/mqtt" && pwd)/
max_queued_messages 100000
CONF
  "$MOSQ" -c "$DEMO/mqtt/mosquitto.conf" >"$DEMO/logs/mosquitto.log" 2>&1 &
  PIDS+=($!)
  port=${EDGE_PORT_BASE:-18841}
  EDGES=""
  while read -r company insts; do
    "$BIN/tanso-edge" --data-dir "$DEMO/edge/$company" --broker "127.0.0.1:$MQTT_PORT" \
      --client-id "tanso-edge-$company" --installations "$insts" --node "http://$LISTEN" \
      --key "$DEMO/keys/$company.edge.json" --listen "127.0.0.1:$port" --interval-min 1 \
      --close-grace-s 5 --log-level warn >"$DEMO/logs/edge-$company.log" 2>&1 &
    PIDS+=($!)
    EDGES="$EDGES $company=http://127.0.0.1:$port/metrics"
    port=$((port + 1))
  done < <(python3 -c 'import json,sys
for c, i in sorted(json.load(open(sys.argv[1])).items()): print(c, ",".join(i))' \
    "$DEMO/devices/edges.json")
  # Seqs continue from the last run (the gateways refuse a seq they have seen).
  FIRST_SEQ=1
  if [ -f "$DEMO/sim-summary.json" ]; then
    FIRST_SEQ=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["devices"]
print(1 + max([v.get("last_seq", 0) for v in (d.values() if isinstance(d, dict) else d)] + [0]))' \
      "$DEMO/sim-summary.json" 2>/dev/null || echo 1)
  fi
  "$BIN/tanso-sensor-sim" --devices-dir "$DEMO/devices" --broker "127.0.0.1:$MQTT_PORT" \
    --realtime --interval-s "$SIM_INTERVAL_S" --first-seq "$FIRST_SEQ" --seed 2026 \
    --summary "$DEMO/sim-summary.json" >"$DEMO/logs/sensor-sim.log" 2>&1 &
  PIDS+=($!)
  MRV_MSG="  MRV pipeline: mosquitto 127.0.0.1:$MQTT_PORT, tanso-sensor-sim (a reading every
    ${SIM_INTERVAL_S} s per meter), tanso-edge per company (1-minute batches); logs: $DEMO/logs/
    gateways' metrics:$EDGES"
fi
cat <<MSG

  Tanso demo node: http://$LISTEN/        (API: http://$LISTEN/v1/status, reference: http://$LISTEN/docs)
  Dashboard: open the URL and sign in with a key file from $DEMO/keys/ — hanbit-steel.json (a company),
             regulator-officer1.json + regulator-officer2.json, korea-verify.json, citizen-kim.json
  Chain data: $DEMO/data     Demo users' keys: $DEMO/keys/     Genesis: $DEMO/genesis.json
  Demo meters' keys: $DEMO/devices/

  Try:  $BIN/tanso --node $LISTEN query holdings hanbit-steel -k $DEMO/keys/hanbit-steel.json
        $BIN/tanso --node $LISTEN tx send -k $DEMO/keys/hanbit-steel.json --type holdings.transfer \\
            --body '{"instrument":"KRW","to":"daehan-cement","amount":"1000"}'
        $BIN/tanso verify --data-dir $DEMO/data

  ETS:  $BIN/tanso --node $LISTEN ets position --year 2026 -k $DEMO/keys/hanbit-steel.json
        $BIN/tanso --node $LISTEN ets surrender --year 2026 --kau 1207854 --kcu 42146 \
            -k $DEMO/keys/hanbit-steel.json
        $BIN/tanso --node $LISTEN ets compliance --year 2026 -k $DEMO/keys/regulator-officer1.json

  MRV:  $BIN/tanso --node $LISTEN mrv installation hanbit-pohang -k $DEMO/keys/hanbit-steel.edge.json
        $BIN/tanso --node $LISTEN mrv daily --year $(date -u +%Y) -k $DEMO/keys/hanbit-steel.edge.json
        (meters' keys: $DEMO/devices/; a batch to submit: README.md "Try MRV")

$MRV_MSG

  Ctrl-C stops the node.
MSG
wait $NODE
