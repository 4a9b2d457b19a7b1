"""End-to-end: market surveillance alerts (docs/MARKET.md "Surveillance", docs/API.md "Market") on
a real tansod with the demo genesis.

The exchange lists KAU-2026 round the clock; the regulator sets the large-position threshold of
the market (market.surveillance.set) just above hanbit-steel's holdings; hanbit-steel buys up to
the threshold (no alert), one tonne more (one `large_position` alert), and more the same day (no
second alert). Only the regulator reads GET /v1/markets/alerts (a company, signed or not, gets
403 auth.forbidden); the filters work; a company may not change the thresholds; `tanso verify`
re-executes the chain to the same state root. The price triggers need day closes, which a
real-time node cannot fast-forward: tests/unit/market_surveillance_test.cpp drives them.
"""

import tanso_e2e as e2e
from tanso_e2e import E2ETest

ALWAYS_OPEN = {"pre_open_ms": 0, "open_ms": 0, "close_auction_ms": 85800000,
               "close_ms": 86340000, "weekdays_only": False}
M = "KAU-2026"
ALERTS = "/v1/markets/alerts"


class MarketAlertsTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.demo = e2e.Demo(self.tmp)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        self.chain = self.demo.chain

    def seed(self, sender):
        return self.demo.officer(1).seed if sender == "regulator" else self.demo.key(sender).seed

    def envelope(self, sender, type_, body):
        n = self.node.nonce(sender) + 1
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        return e2e.sign_one(self.chain, p, [self.seed(sender)])

    def tx(self, sender, type_, body, code="ok"):
        env, tx_id = self.envelope(sender, type_, body)
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)

    def read(self, target, who=None, status=200, code=None):
        key = self.demo.officer(1) if who == "regulator" else self.demo.key(who) if who else None
        h = e2e.signed_read_headers(self.chain, key, "GET", target) if key else None
        r = self.node.get(target, h)
        if code:
            self.assertCode(r, status, code)
        else:
            self.assertEqual(r.status, status, r)
        return r.json

    def kau(self, account):
        j = self.read("/v1/accounts/%s/holdings" % account, account)
        return sum(int(h["amount"]) for h in j["holdings"] if h["instrument"] == M)

    def trade(self, qty):
        """seoul-petrochem sells `qty` to hanbit-steel at 9,000."""
        for who, side in (("seoul-petrochem", "sell"), ("hanbit-steel", "buy")):
            self.tx(who, "market.order.place",
                    {"market": M, "side": side, "price": 9000, "qty": qty})

    def test_large_position_alert_is_the_regulators(self):
        self.tx("krx", "market.create", {"market": M, "tick": 50, "base_price": 9000,
                                         "schedule": ALWAYS_OPEN})
        self.assertEqual(self.read(ALERTS, "regulator")["alerts"], [])
        # Nobody else reads alerts, signed or not.
        self.read(ALERTS, status=403, code="auth.forbidden")
        self.read(ALERTS, "hanbit-steel", 403, "auth.forbidden")
        self.read(ALERTS, "krx", 403, "auth.forbidden")
        self.read(ALERTS + "?from=yesterday", "regulator", 400, "request.bad_parameter")
        self.read(ALERTS + "?limit=0", "regulator", 400, "request.bad_parameter")

        supply = next(int(i["supply"]) for i in self.read("/v1/instruments")["instruments"]
                      if i["instrument"] == M)
        before = self.kau("hanbit-steel")
        bps = before * 10000 // supply + 1            # hanbit-steel is below it now
        limit = supply * bps // 10000                  # the most it may hold without an alert
        self.assertGreater(limit + 1 - before, 0)
        self.assertLessEqual(limit + 1 - before, 100000)

        # Only the regulator sets the thresholds.
        body = {"market": M, "large_position_bps": bps}
        env, _ = self.envelope("hanbit-steel", "market.surveillance.set", body)
        self.assertCode(self.node.post("/v1/txs", env), 403, "tx.unauthorized_type")
        self.tx("regulator", "market.surveillance.set", {"market": "KAU-2099"},
                "market.unknown_market")
        self.tx("regulator", "market.surveillance.set", body)

        if limit > before:
            self.trade(limit - before)
            self.assertEqual(self.kau("hanbit-steel"), limit)
            self.assertEqual(self.read(ALERTS, "regulator")["alerts"], [])  # at, not above
        self.trade(1)
        alerts = self.read(ALERTS, "regulator")["alerts"]
        self.assertEqual(len(alerts), 1, alerts)
        a = alerts[0]
        self.assertEqual((a["seq"], a["kind"], a["market"], a["account"]),
                         (1, "large_position", M, "hanbit-steel"))
        self.assertEqual(a["figures"], {"holding": str(limit + 1), "supply": str(supply),
                                        "share_bps": (limit + 1) * 10000 // supply,
                                        "threshold_bps": bps})
        self.trade(5)  # the same day: no second alert
        self.assertEqual(len(self.read(ALERTS, "regulator")["alerts"]), 1)

        # Filters.
        self.assertEqual(len(self.read(ALERTS + "?kind=large_position&market=" + M,
                                       "regulator")["alerts"]), 1)
        self.assertEqual(self.read(ALERTS + "?kind=price_fall", "regulator")["alerts"], [])
        self.assertEqual(self.read(ALERTS + "?market=KAU-2099", "regulator")["alerts"], [])
        self.assertEqual(len(self.read(ALERTS + "?from=" + a["day"], "regulator")["alerts"]), 1)
        self.assertEqual(self.read(ALERTS + "?from=2999-01-01", "regulator")["alerts"], [])

        # Determinism: the whole chain re-executes to the same state root.
        root = self.node.status()["state_root"]
        self.node.stop()
        r = e2e.tanso("verify", "--data-dir", self.node.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(root, r.stdout)


if __name__ == "__main__":
    e2e.main()
