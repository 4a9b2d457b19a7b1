"""End-to-end: the market from the users' side (docs/MARKET.md, docs/API.md "Market"), on a real
tansod with the demo genesis (companies hold KAU-2026 and KRW).

The exchange lists KAU-2026 with a round-the-clock schedule; companies place, match, cancel
orders; delivery-versus-payment moves units and cash exactly; the public depth and trades name
nobody, own orders and fills are readable only by the account's organization and the
regulator; every bad input gets its stable code and changes nothing; and `tanso verify`
re-executes the chain to the same state roots. Txs are signed by ed25519_tool.js (Node.js
crypto, independent of Tanso's code).
"""

import json
import os

import tanso_e2e as e2e
from tanso_e2e import E2ETest

ALWAYS_OPEN = {"pre_open_ms": 0, "open_ms": 0, "close_auction_ms": 85800000,
               "close_ms": 86340000, "weekdays_only": False}
M = "KAU-2026"


class MarketTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.demo = e2e.Demo(self.tmp)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        self.chain = self.demo.chain

    def tx(self, sender, type_, body, code="ok"):
        n = self.node.nonce(sender) + 1
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        env, tx_id = e2e.sign_one(self.chain, p, [self.demo.key(sender).seed])
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)
        return r.json

    def read(self, target, who=None, status=200, code=None):
        key = self.demo.officer(1) if who == "regulator" else self.demo.key(who) if who else None
        h = e2e.signed_read_headers(self.chain, key, "GET", target) if key else None
        r = self.node.get(target, h)
        if code:
            self.assertCode(r, status, code)
        else:
            self.assertEqual(r.status, status, r)
        return r.json

    def bal(self, account):
        j = self.read("/v1/accounts/%s/holdings" % account, account)
        return {h["instrument"]: int(h["amount"]) for h in j["holdings"]}

    def refused(self, sender, type_, body, status, code):
        """Refused at admission: the node answers 4xx and the tx never reaches the log."""
        n = self.node.nonce(sender) + 1
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 10, body)
        env, _ = e2e.sign_one(self.chain, p, [self.demo.key(sender).seed])
        self.assertCode(self.node.post("/v1/txs", env), status, code)
        self.assertEqual(self.node.nonce(sender), n - 1)

    def place(self, who, side, price, qty, code="ok"):
        return self.tx(who, "market.order.place",
                       {"market": M, "side": side, "price": price, "qty": qty}, code)

    def test_orders_match_settle_and_read_access(self):
        self.tx("krx", "market.create", {"market": M, "tick": 50, "base_price": 9000,
                                         "schedule": ALWAYS_OPEN})
        self.tx("krx", "market.create", {"market": M, "tick": 50, "base_price": 9000},
                code="market.exists")
        hanbit0, seoul0 = self.bal("hanbit-steel"), self.bal("seoul-petrochem")

        self.place("seoul-petrochem", "sell", 9050, 3000)
        self.place("hanbit-steel", "buy", 9100, 1000)  # crosses: 1,000 t at the resting 9,050
        hanbit, seoul = self.bal("hanbit-steel"), self.bal("seoul-petrochem")
        self.assertEqual(hanbit[M] - hanbit0[M], 1000)
        self.assertEqual(hanbit0["KRW"] - hanbit["KRW"], 1000 * 9050)  # limit 9,100: 50/t back
        self.assertEqual(seoul0[M] - seoul[M], 3000)  # 1,000 delivered, 2,000 reserved
        self.assertEqual(seoul["KRW"] - seoul0["KRW"], 1000 * 9050)

        depth = self.read("/v1/markets/%s/depth" % M)
        self.assertEqual(depth["asks"], [{"price": 9050, "qty": 2000, "orders": 1}])
        self.assertEqual(depth["bids"], [])
        self.assertEqual((depth["last"], depth["band"]), (9050, {"lo": 8100, "hi": 9900}))
        trades = self.read("/v1/markets/%s/trades" % M)["trades"]
        self.assertEqual([(t["price"], t["qty"]) for t in trades], [(9050, 1000)])
        public = json.dumps([depth, trades])
        self.assertNotIn("seoul", public)
        self.assertNotIn("hanbit", public)
        reg_trades = self.read("/v1/markets/%s/trades" % M, "regulator")["trades"]
        self.assertEqual((reg_trades[0]["buyer"], reg_trades[0]["seller"]),
                         ("hanbit-steel", "seoul-petrochem"))

        # Own orders and fills: the account's organization and the regulator only.
        orders_t = "/v1/markets/%s/orders" % M
        self.read(orders_t, status=403, code="auth.forbidden")
        self.read(orders_t + "?account=seoul-petrochem", "hanbit-steel", 403, "auth.forbidden")
        self.read("/v1/markets/%s/fills" % M, status=403, code="auth.forbidden")
        mine = self.read(orders_t, "seoul-petrochem")["orders"]
        self.assertEqual([(o["side"], o["open"], o["filled"], o["status"]) for o in mine],
                         [("sell", 2000, 1000, "open")])
        fills = self.read("/v1/markets/%s/fills" % M, "hanbit-steel")["fills"]
        self.assertEqual([(f["side"], f["price"], f["qty"]) for f in fills], [("buy", 9050, 1000)])
        everyone = self.read(orders_t, "regulator")["orders"]
        self.assertEqual(sorted(o["owner"] for o in everyone), ["hanbit-steel", "seoul-petrochem"])

        # Bad input: each refused with its code, nothing moves.
        oid = mine[0]["id"]
        before = self.bal("hanbit-steel"), self.bal("seoul-petrochem")
        self.place("hanbit-steel", "buy", 9025, 10, "market.price_off_tick")
        self.place("hanbit-steel", "buy", 9950, 10, "market.price_out_of_band")
        self.place("hanbit-steel", "buy", 9000, 100001, "market.qty_above_max")
        self.place("settle-bank", "sell", 9500, 10, "market.insufficient_units")  # holds no KAU
        self.place("settle-bank", "buy", 9000, 10, "market.insufficient_cash")  # nor KRW
        self.tx("hanbit-steel", "market.order.place",
                {"market": "KAU-2099", "side": "buy", "price": 9000, "qty": 1},
                "market.unknown_market")
        self.tx("hanbit-steel", "market.order.cancel", {"market": M, "order": oid},
                "market.not_owner")
        self.tx("hanbit-steel", "market.order.cancel", {"market": M, "order": 999999},
                "market.unknown_order")
        self.assertEqual((self.bal("hanbit-steel"), self.bal("seoul-petrochem")), before)
        # Refused at admission: a bad size, an unknown field, a role that may not trade.
        order = {"market": M, "side": "buy", "price": 9000, "qty": 1}
        self.refused("hanbit-steel", "market.order.place", dict(order, qty=0), 400, "tx.malformed")
        self.refused("hanbit-steel", "market.order.place", dict(order, hidden=True), 400,
                     "tx.unknown_field")
        self.refused("korea-verify", "market.order.place", order, 403, "tx.unauthorized_type")
        self.refused("citizen-kim", "market.create", {"market": "KCU", "tick": 50,
                                                      "base_price": 9000}, 403,
                     "tx.unauthorized_type")
        self.read("/v1/markets/NOPE/depth", status=404, code="market.unknown_market")
        self.read("/v1/markets/%s/depth?levels=abc" % M, status=400, code="request.bad_parameter")
        self.read("/v1/markets/%s/trades?limit=0" % M, status=400, code="request.bad_parameter")

        # The owner cancels: the reserved units come back.
        self.tx("seoul-petrochem", "market.order.cancel", {"market": M, "order": oid})
        self.assertEqual(self.bal("seoul-petrochem")[M], seoul0[M] - 1000)
        self.assertEqual(self.read("/v1/markets/%s/depth" % M)["asks"], [])

        # Determinism: the whole chain re-executes to the same state roots.
        root = self.node.status()["state_root"]
        self.node.stop()
        r = e2e.tanso("verify", "--data-dir", self.node.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(root, r.stdout)


if __name__ == "__main__":
    e2e.main()
