#!/usr/bin/env bash
# Seeds a fresh demo chain with some activity (only when it is still at height 0): Goyang city
# creates its carbon points and local currency and gives citizens some, a citizen pays a
# merchant, the bank moves cash, companies pay each other; in the emissions-trading registry
# (allocated in genesis) daehan-cement surrenders its 2026 KAU and nuri-power records its
# projected 2026 emissions; a KAU-2026 market opens with a few orders and trades; each demo
# installation gets a week of daily MRV batches.
set -euo pipefail
LISTEN=$1
DEMO=$2
T="${TANSO_BIN_DIR:-build/bin}/tanso --node $LISTEN -q"
height=$(curl -fs "http://$LISTEN/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])')
[ "$height" = "0" ] || exit 0
echo "seeding demo activity..."
$T tx send -k "$DEMO/keys/goyang-city.json" --type instrument.create \
  --body '{"instrument":"GOYANG-PT","name":"Goyang carbon points","unit":"point"}' >/dev/null
$T tx send -k "$DEMO/keys/settle-bank.json" --type instrument.create \
  --body '{"instrument":"KRW-DEPOSIT-RECEIPT","name":"Deposit receipts","unit":"KRW"}' >/dev/null
$T tx send -k "$DEMO/keys/hanbit-steel.json" --type holdings.transfer \
  --body '{"instrument":"KRW","to":"daehan-cement","amount":"25000000","memo":"demo payment"}' >/dev/null
$T tx send -k "$DEMO/keys/nuri-power.json" --type holdings.transfer \
  --body '{"instrument":"KRW","to":"krx","amount":"1000000"}' >/dev/null
$T tx send -k "$DEMO/keys/goyang-city.json" --type holdings.issue \
  --body '{"instrument":"GOYANG-PT","to":"goyang-city","amount":"100000"}' >/dev/null
# Goyang's citizens: carbon points for low-carbon actions, and the city's local currency.
$T tx send -k "$DEMO/keys/goyang-city.json" --type holdings.transfer \
  --body '{"instrument":"GOYANG-PT","to":"citizen-kim","amount":"1200","memo":"bus and subway instead of car, October"}' >/dev/null
$T tx send -k "$DEMO/keys/goyang-city.json" --type holdings.transfer \
  --body '{"instrument":"GOYANG-PT","to":"citizen-lee","amount":"800","memo":"home electricity saving, October"}' >/dev/null
$T tx send -k "$DEMO/keys/goyang-city.json" --type instrument.create \
  --body '{"instrument":"GOYANG-PAY","name":"Goyang Pay (local currency)","unit":"KRW"}' >/dev/null
$T tx send -k "$DEMO/keys/goyang-city.json" --type holdings.issue \
  --body '{"instrument":"GOYANG-PAY","to":"citizen-kim","amount":"50000","memo":"points converted, October"}' >/dev/null
$T tx send -k "$DEMO/keys/citizen-kim.json" --type holdings.transfer \
  --body '{"instrument":"GOYANG-PAY","to":"goyang-market","amount":"12000","memo":"vegetables"}' >/dev/null
$T ets surrender -k "$DEMO/keys/daehan-cement.json" --year 2026 --kau 780,000 >/dev/null
$T ets project -k "$DEMO/keys/nuri-power.json" --year 2026 --tco2e 2,250,000 >/dev/null
# A live KAU-2026 market at the exchange (krx). The demo's market trades around the clock (its
# schedule: continuous from 00:00 KST, closing call auction 23:50-23:59), so the dashboard has
# a book at any hour; without a schedule a market keeps the KRX hours (docs/MARKET.md).
$T tx send -k "$DEMO/keys/krx.json" --type market.create --body '{"market":"KAU-2026","tick":50,
  "base_price":9000,"schedule":{"pre_open_ms":0,"open_ms":0,"close_auction_ms":85800000,
  "close_ms":86340000,"weekdays_only":false}}' >/dev/null
order() {  # company side price qty
  $T tx send -k "$DEMO/keys/$1.json" --type market.order.place \
    --body "{\"market\":\"KAU-2026\",\"side\":\"$2\",\"price\":$3,\"qty\":$4}" >/dev/null
}
order seoul-petrochem sell 9050 3000
order hanbit-steel sell 9100 5000
order nuri-power buy 9100 4000
order daehan-cement buy 8950 2000
order nuri-power buy 9000 1000
order hanbit-steel sell 9000 500
order seoul-petrochem sell 9200 2500
# nuri-power's buys (it holds ~40 % of KAU-2026, above the default large-position threshold of
# 10 % of the supply) raise a large_position surveillance alert for the regulator's dashboard
# (docs/MARKET.md "Surveillance"; `tanso market alerts -k keys/regulator-officer1.json`).
# A week of MRV history (daily batches signed by each company's edge account), so the emissions
# chart has days to show before the live pipeline adds today's.
HIST=$(mktemp -d)
python3 "$(dirname "$0")/demo_history.py" "$DEMO/genesis.json" "$HIST" 7
for f in "$HIST"/*.json; do
  company=$(basename "$f" | cut -d. -f1)
  $T mrv batch submit -k "$DEMO/keys/$company.edge.json" --file "$f" >/dev/null
done
rm -rf "$HIST"
echo "demo activity committed"
