"""End-to-end: the market's data from the users' side (docs/MARKET.md "Market data", docs/API.md
"Market"), on a real tansod with the demo genesis.

- Candles: trades on a round-the-clock KAU-2026 market show up in the 1-minute and 5-minute
  candles with OHLC, volume, turnover and VWAP recomputed here from the trades; bad intervals
  and ranges get their stable codes.
- The live stream GET /v1/markets/{m}/stream, read as raw Server-Sent Events: crossing orders
  give a `trade` event and a `depth` event with the right numbers and no owner names.
- The year's average price: with block time a year back (tansod --clock-back-days), trades on a
  KAU-<Y> market set the average price of year Y; after a restart at today's time, the ETS
  settlement of Y charges the shortfall company shortfall x min(3 x average, 100,000) KRW, the
  expected won amount computed here from the trades alone.
Txs are signed by ed25519_tool.js (Node.js crypto, independent of Tanso's code).
"""

import datetime
import http.client
import json
import time

import tanso_e2e as e2e
from tanso_e2e import E2ETest

ALWAYS_OPEN = {"pre_open_ms": 0, "open_ms": 0, "close_auction_ms": 85800000,
               "close_ms": 86340000, "weekdays_only": False}
KST = datetime.timezone(datetime.timedelta(hours=9))


class MarketDataBase(E2ETest):

    def start_node(self, edit_genesis=None, extra_args=()):
        self.demo = e2e.Demo(self.tmp)
        if edit_genesis:
            with open(self.demo.genesis) as f:
                g = json.load(f)
            edit_genesis(g)
            with open(self.demo.genesis, "w") as f:
                json.dump(g, f, indent=1)
        self.node = self.new_node(genesis=self.demo.genesis, extra_args=extra_args)
        self.node.start()
        self.chain = self.demo.chain

    def tx(self, sender, type_, body, code="ok"):
        n = self.node.nonce(sender) + 1
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        seeds = ([self.demo.officer(1).seed] if sender == "regulator"
                 else [self.demo.key(sender).seed])
        env, tx_id = e2e.sign_one(self.chain, p, seeds)
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)
        return r.json

    def read(self, target, status=200, code=None):
        r = self.node.get(target)
        if code:
            self.assertCode(r, status, code)
        else:
            self.assertEqual(r.status, status, r)
        return r.json

    def place(self, market, who, side, price, qty):
        self.tx(who, "market.order.place",
                {"market": market, "side": side, "price": price, "qty": qty})


class CandlesAndStreamTest(MarketDataBase):
    M = "KAU-2026"

    def setUp(self):
        super().setUp()
        self.start_node()
        self.tx("krx", "market.create", {"market": self.M, "tick": 50, "base_price": 9000,
                                         "schedule": ALWAYS_OPEN})

    def test_candles(self):
        M = self.M
        self.place(M, "seoul-petrochem", "sell", 9050, 300)
        self.place(M, "seoul-petrochem", "sell", 9100, 300)
        self.place(M, "hanbit-steel", "buy", 9100, 100)  # 100 @ 9,050
        self.place(M, "hanbit-steel", "buy", 9100, 250)  # 200 @ 9,050, 50 @ 9,100
        self.place(M, "daehan-cement", "buy", 9100, 7)  # 7 @ 9,100
        trades = sorted(self.read("/v1/markets/%s/trades" % M)["trades"], key=lambda t: t["id"])
        self.assertEqual([(t["price"], t["qty"]) for t in trades],
                         [(9050, 100), (9050, 200), (9100, 50), (9100, 7)])

        def expect(interval_ms):
            """Candles recomputed from the public trades."""
            out = {}
            for t in trades:
                start = t["t"] // interval_ms * interval_ms
                c = out.setdefault(start, {"t": start, "open": t["price"], "high": t["price"],
                                           "low": t["price"], "volume": 0, "turnover": 0,
                                           "trades": 0})
                c["high"], c["low"] = max(c["high"], t["price"]), min(c["low"], t["price"])
                c["close"] = t["price"]
                c["volume"] += t["qty"]
                c["turnover"] += t["price"] * t["qty"]
                c["trades"] += 1
            for c in out.values():
                c["vwap"] = c["turnover"] // c["volume"]
                c["turnover"] = str(c["turnover"])
            return [out[k] for k in sorted(out)]

        for name, ms in (("1m", 60000), ("5m", 300000), ("1h", 3600000)):
            j = self.read("/v1/markets/%s/candles?interval=%s" % (M, name))
            self.assertEqual((j["interval"], j["interval_ms"]), (name, ms))
            self.assertEqual(j["candles"], expect(ms), name)
        c = self.read("/v1/markets/%s/candles?interval=1h" % M)["candles"]
        self.assertEqual(c[-1]["vwap"], (100 * 9050 + 200 * 9050 + 57 * 9100) // 357)
        # An explicit window: the trades' own hour; the hour after it holds nothing.
        t0 = trades[0]["t"] // 3600000 * 3600000
        j = self.read("/v1/markets/%s/candles?interval=15m&from=%d&to=%d" % (M, t0, t0 + 3600000))
        self.assertEqual(sum(x["volume"] for x in j["candles"]), 357)
        j = self.read("/v1/markets/%s/candles?interval=1m&from=%d&to=%d"
                      % (M, t0 + 7200000, t0 + 10800000))
        self.assertEqual(j["candles"], [])
        # The daily record has the same VWAP.
        day = self.read("/v1/markets/%s/daily" % M)["days"][-1]
        self.assertEqual((day["volume"], day["vwap"]), (357, (300 * 9050 + 57 * 9100) // 357))

        # Bad input: stable codes.
        base = "/v1/markets/%s/candles" % M
        self.read(base + "?interval=7m", 400, "market.bad_interval")
        self.read(base + "?interval=1m&from=600000&to=60000", 400, "market.bad_range")
        self.read(base + "?interval=1m&from=0&to=60000001", 400, "market.range_too_wide")
        self.read(base + "?interval=1m&from=abc", 400, "request.bad_parameter")
        self.read("/v1/markets/NOPE/candles", 404, "market.unknown_market")
        # 1,000 one-minute candles is the most one read returns.
        self.read(base + "?interval=1m&from=0&to=60000000")

    def open_stream(self, market):
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=10)
        conn.request("GET", "/v1/markets/%s/stream" % market,
                     headers={"Accept": "text/event-stream"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
        self.addCleanup(conn.close)
        return resp

    def test_stream(self):
        M = self.M
        resp = self.open_stream(M)
        first = e2e.parse_events(resp, lambda evs: len(evs) >= 1, 10)
        self.assertEqual(first[0]["event"], "depth")
        d0 = json.loads(first[0]["data"])
        self.assertEqual((d0["market"], d0["bids"], d0["asks"]), (M, [], []))

        self.place(M, "seoul-petrochem", "sell", 9050, 500)
        self.place(M, "hanbit-steel", "buy", 9100, 200)  # 200 t at the resting 9,050

        def done(evs):
            return any(e.get("event") == "trade" for e in evs) and any(
                e.get("event") == "depth" and json.loads(e["data"])["asks"] ==
                [{"price": 9050, "qty": 300, "orders": 1}] for e in evs)
        evs = e2e.parse_events(resp, done, 15)
        trades = [json.loads(e["data"]) for e in evs if e.get("event") == "trade"]
        self.assertEqual([(t["market"], t["price"], t["qty"], t["kind"]) for t in trades],
                         [(M, 9050, 200, "continuous")])
        self.assertEqual(set(trades[0]), {"market", "id", "price", "qty", "t", "kind"})
        depths = [json.loads(e["data"]) for e in evs if e.get("event") == "depth"]
        # The first depth after the sell: 500 t offered (unless both blocks came in one read);
        # the last: 300 t left, no bids.
        self.assertIn(depths[0]["asks"][0]["qty"], (500, 300))
        self.assertEqual((depths[-1]["bids"], depths[-1]["last"]), ([], 9050))
        for e in evs:
            self.assertEqual(e["id"], str(json.loads(e["data"]).get("height", e["id"])))
        raw = json.dumps(first + evs)
        for name in ("seoul", "hanbit", "petrochem", "steel", "owner", "buyer", "seller"):
            self.assertNotIn(name, raw)

        # An unknown market and a bad levels value: one `error` event, then the stream ends.
        for url, code in (("/v1/markets/NOPE/stream", "market.unknown_market"),
                          ("/v1/markets/%s/stream?levels=0" % M, "request.bad_parameter")):
            conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=10)
            conn.request("GET", url)
            r = conn.getresponse()
            body = r.read().decode()  # close-delimited: read() returns once the server ends it
            conn.close()
            self.assertEqual(r.status, 200)
            self.assertIn("event: error\n", body)
            self.assertEqual(json.loads(body.split("data: ", 1)[1].split("\n")[0])["error"]["code"],
                             code)

        # Shutdown with the stream open: tansod exits cleanly and promptly, the stream ends.
        t0 = time.time()
        self.assertEqual(self.node.stop(), 0)
        self.assertLess(time.time() - t0, 5)
        self.assertEqual(resp.read(), b"")


class YearAveragePriceTest(MarketDataBase):
    """Trades of year Y (block time a year back) set the penalty price of Y's settlement."""

    def setUp(self):
        super().setUp()
        now = datetime.datetime.now(KST)
        if (now.month, now.day) == (1, 1) or now.hour == 23:
            self.skipTest("too near a day's or a year's end in Korea")
        self.Y = now.year - 1
        # Block time on 1 July of Y at today's time of day (KST).
        self.back_days = (now.date() - datetime.date(self.Y, 7, 1)).days
        genesis_ms = int((time.time() - self.back_days * 86400 - 3600) * 1000)

        def edit(g):
            g.pop("ets", None)  # the registry is built here for year Y
            g.pop("mrv", None)
            for a in g["accounts"]:
                a.get("type_thresholds", {}).pop("ets.allocation.order", None)
            g["time_ms"] = genesis_ms
        self.start_node(edit, ["--clock-back-days", str(self.back_days)])

    def test_market_average_sets_penalty(self):
        Y, KAU = self.Y, "KAU-%d" % self.Y
        self.tx("regulator", "ets.plan.set", {"year": Y, "cap": 1000000})
        self.tx("regulator", "ets.designate", {
            "company": "daehan-cement", "name": "Daehan Cement Co.", "sector": "cement",
            "from_year": Y, "installations": []})
        self.tx("regulator", "ets.allocation.order", {
            "order": "ORD-%d" % Y, "year": Y, "basis": "grandfathering",
            "entries": [["daehan-cement", 50000]]})
        self.tx("krx", "market.create", {"market": KAU, "tick": 50, "base_price": 20000,
                                         "schedule": ALWAYS_OPEN})
        fills = [(20000, 1000), (20150, 2000), (19950, 7)]
        for price, qty in fills:
            self.place(KAU, "daehan-cement", "sell", price, qty)
            self.place(KAU, "hanbit-steel", "buy", price, qty)
        trades = self.read("/v1/markets/%s/trades" % KAU)["trades"]
        self.assertEqual(sorted((t["price"], t["qty"]) for t in trades), sorted(fills))
        for t in trades:  # all in year Y, Korean time
            self.assertEqual(datetime.datetime.fromtimestamp(t["t"] / 1000, KST).year, Y)

        volume = sum(q for _, q in fills)
        turnover = sum(p * q for p, q in fills)
        avg = turnover // volume  # 60,439,650 // 3,007 = 20,099
        j = self.read("/v1/markets/average-price?year=%d" % Y)
        self.assertEqual(j["kau"], {"volume": volume, "turnover": str(turnover),
                                    "trades": 3, "avg_price_krw": str(avg)})
        self.assertEqual(j["penalty_price"], {"avg_price_krw": str(avg), "source": "market"})
        self.assertEqual([(m["market"], m["kau"], m["vwap"]) for m in j["markets"]],
                         [(KAU, True, avg)])
        self.read("/v1/markets/average-price?year=%d" % (Y + 1))  # no trades: nulls
        self.read("/v1/markets/average-price?year=20x5", 400, "request.bad_parameter")

        # daehan surrenders 45,000 of a 50,000 t obligation.
        self.tx("regulator", "ets.emissions.certify",
                {"company": "daehan-cement", "year": Y, "tco2e": 50000})
        self.tx("daehan-cement", "ets.surrender", {"year": Y, "units": [[KAU, 45000]]})

        # Today: a restart without the clock setting; the deadline moved into the past.
        self.node.stop()
        self.node.extra_args = []
        self.node.start(genesis=False)
        self.tx("regulator", "ets.params.set", {"surrender_deadline": "01-01"})
        self.tx("regulator", "ets.compliance.settle", {"year": Y})

        per_t = min(3 * avg, 100000)
        t = self.read("/v1/ets/years/%d/totals" % Y)
        self.assertEqual((t["avg_price_krw"], t["price_source"]), (str(avg), "market"))
        s = t["settled"]
        self.assertEqual((s["shortfall"], s["shortfall_t"], s["avg_price_krw"], s["price_source"],
                          s["penalty_krw_per_t"], s["penalty_krw"]),
                         (1, "5000", str(avg), "market", str(per_t), str(5000 * per_t)))
        self.assertEqual(s["penalty_krw"], "301485000")  # 5,000 x 3 x 20,099

        # Determinism: the chain, both clock settings included, re-executes to the same roots.
        root = self.node.status()["state_root"]
        self.node.stop()
        r = e2e.tanso("verify", "--data-dir", self.node.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(root, r.stdout)


if __name__ == "__main__":
    e2e.main()
