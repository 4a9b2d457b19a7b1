#!/usr/bin/env bash
# Starts the demo node of `make run`: makes (once) a demo genesis and the demo users' keys in
# demo/, then runs tansod in the foreground on $1 (default 127.0.0.1:8080). Ctrl-C stops it;
# the chain stays in demo/data for the next run. `rm -rf demo` starts over.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN=${1:-127.0.0.1:8080}
BIN=build/bin
DEMO=demo
if [ ! -f "$DEMO/genesis.json" ]; then
  mkdir -p "$DEMO"
  "$BIN/tanso" genesis demo --chain-id tanso-demo --keys-dir "$DEMO/keys" \
    --devices-dir "$DEMO/devices" --out "$DEMO/genesis.json"
fi
WEB=""
[ -f web/dist/index.html ] && WEB="--web-dir web/dist"
"$BIN/tansod" --data-dir "$DEMO/data" --genesis "$DEMO/genesis.json" --listen "$LISTEN" $WEB &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do
  curl -fs "http://$LISTEN/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://$LISTEN/healthz" >/dev/null || { echo "the node did not start"; exit 1; }
scripts/demo-activity.sh "$LISTEN" "$DEMO" || echo "(demo activity failed; the node still runs)"
cat <<MSG

  Tanso demo node: http://$LISTEN/        (API: http://$LISTEN/v1/status)
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

  Ctrl-C stops the node.
MSG
wait $NODE
