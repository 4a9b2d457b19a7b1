"""End-to-end: the market and cash from the user's side with `tanso market ...` and `tanso cash
...` (docs/CLI.md "Market and cash") against a real node started from `tanso genesis demo`.

- the exchange lists KAU-2026 round the clock (tanso tx send); seoul-petrochem places a sell with
  a client id, hanbit-steel buys part of it: the trade shows in `trades`, `fills`, `daily`;
- seoul-petrochem amends its order (quantity only keeps the price; price only keeps the open
  quantity) and cancels it by client id; `depth` and `orders` follow;
- bad input: a price off the tick exits 1 before sending; another account's order exits 2 with
  market.not_owner; an unknown market exits 2 with market.unknown_market; a bad side exits 1;
- alerts: a buy above the default large-position threshold raised one, `tanso market alerts`
  shows it to the regulator, a company gets auth.forbidden (exit 2); the regulator moves the
  threshold with `tanso market surveillance` and a buy raises an alert or not accordingly;
- cash: the bank deposits against a reference (reused: cash.duplicate_reference, exit 2), a
  company requests a withdrawal and the bank pays it out.
"""

import json
import os

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso

M = "KAU-2026"
ALWAYS_OPEN = {"pre_open_ms": 0, "open_ms": 0, "close_auction_ms": 85800000,
               "close_ms": 86340000, "weekdays_only": False}

SUBCOMMANDS = {
    "list": ["--json"],
    "depth": ["market", "--levels", "--json"],
    "trades": ["market", "--limit", "--key", "--json"],
    "daily": ["market", "--json"],
    "orders": ["market", "--account", "--limit", "--key", "--json"],
    "fills": ["market", "--account", "--limit", "--key", "--json"],
    "alerts": ["--market", "--kind", "--from", "--limit", "--key", "--json", "Examples"],
    "order": ["market", "side", "--price", "--qty", "--client-id", "--key", "--json", "Examples"],
    "cancel": ["market", "order", "--key", "market.not_owner", "Examples"],
    "amend": ["market", "order", "--price", "--qty", "--key", "Examples"],
    "surveillance": ["market", "--large-position-bps", "--ref-days", "--fall-bps", "--key"],
}


class MarketCliTest(E2ETest):

    def run_ok(self, *args):
        r = tanso(*args, node=self.node)
        self.assertEqual(r.returncode, 0, "tanso %s\nstdout: %s\nstderr: %s" %
                         (" ".join(map(str, args)), r.stdout, r.stderr))
        return r.stdout

    def jq(self, *args):
        return json.loads(self.run_ok(*args, "--json"))

    def exits(self, code, text, *args):
        r = tanso(*args, node=self.node)
        self.assertEqual(r.returncode, code, "tanso %s\nstdout: %s\nstderr: %s" %
                         (" ".join(map(str, args)), r.stdout, r.stderr))
        self.assertIn(text, r.stderr)
        return r

    def key(self, name):
        return os.path.join(self.demo.keys_dir, name + ".json")

    def test_help(self):
        self.node = None
        out = tanso("market", "--help").stdout
        for sub in SUBCOMMANDS:
            self.assertIn(sub, out)
        for sub, words in SUBCOMMANDS.items():
            r = tanso("market", sub, "--help")
            self.assertEqual(r.returncode, 0, r.stderr)
            for w in words:
                self.assertIn(w, r.stdout, "tanso market %s --help should mention %s" % (sub, w))
        out = tanso("cash", "--help").stdout
        for sub in ("deposit", "withdraw-request", "withdraw", "withdraw-reject",
                    "withdraw-cancel"):
            self.assertIn(sub, out)
        # Usage errors exit 1 before any node is reached.
        node = "http://127.0.0.1:%d" % e2e.closed_port()
        for args in (("market", "order", M, "hold", "--price", 9000, "--qty", 1, "-k", "k"),
                     ("market", "order", M, "buy", "--price", "9x", "--qty", 1, "-k", "k"),
                     ("market", "amend", M, "1", "-k", "k"),
                     ("cash", "deposit", "--to", "x", "--amount", "-5", "--reference", "r",
                      "-k", "k")):
            r = tanso(*args, node=node)
            self.assertEqual(r.returncode, 1, "%s: %s %s" % (args, r.stdout, r.stderr))

    def test_orders_amend_cancel_and_alerts(self):
        self.demo = e2e.Demo(self.tmp)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        seoul, hanbit = self.key("seoul-petrochem"), self.key("hanbit-steel")
        officer = self.key("regulator-officer1")
        self.run_ok("tx", "send", "-k", self.key("krx"), "--type", "market.create", "--body",
                    json.dumps({"market": M, "tick": 50, "base_price": 9000,
                                "schedule": ALWAYS_OPEN}))
        markets = self.jq("market", "list")["markets"]
        self.assertEqual([(m["market"], m["tick"]) for m in markets], [(M, 50)])
        self.assertIn(M, self.run_ok("market", "list"))

        # Place, match.
        r = self.jq("market", "order", M, "sell", "--price", "9,050", "--qty", 1000,
                    "--client-id", "s1", "-k", seoul)
        self.assertEqual(r["tx"]["code"], "ok")
        sell = r["order"]
        self.assertEqual((sell["side"], sell["price"], sell["open"], sell["status"],
                          sell["client_id"]), ("sell", 9050, 1000, "open", "s1"))
        out = self.run_ok("market", "order", M, "buy", "--price", 9100, "--qty", 100, "-k", hanbit)
        self.assertIn("committed in block", out)
        self.assertIn("filled", out)  # hanbit's buy filled at once
        trades = self.jq("market", "trades", M)["trades"]
        self.assertEqual([(t["price"], t["qty"]) for t in trades], [(9050, 100)])
        self.assertIn("9050", self.run_ok("market", "trades", M))
        fills = self.jq("market", "fills", M, "-k", hanbit)["fills"]
        self.assertEqual([(f["side"], f["price"], f["qty"]) for f in fills], [("buy", 9050, 100)])
        days = self.jq("market", "daily", M)["days"]
        self.assertEqual((days[0]["volume"], days[0]["vwap"]), (100, 9050))

        # Amend: quantity only (keeps the price), then price only (keeps the open quantity).
        r = self.jq("market", "amend", M, "s1", "--qty", 500, "-k", seoul)
        self.assertEqual((r["order"]["price"], r["order"]["open"]), (9050, 500))
        r = self.jq("market", "amend", M, str(sell["id"]), "--price", 9100, "-k", seoul)
        self.assertEqual((r["order"]["price"], r["order"]["open"]), (9100, 500))
        depth = self.jq("market", "depth", M)
        self.assertEqual(depth["asks"], [{"price": 9100, "qty": 500, "orders": 1}])
        self.assertIn("asks", self.run_ok("market", "depth", M))
        orders = self.run_ok("market", "orders", M, "-k", seoul)
        self.assertIn("s1", orders)
        self.assertIn("open", orders)

        # Bad input.
        self.exits(1, "market.price_off_tick", "market", "order", M, "buy", "--price", 9025,
                   "--qty", 1, "-k", hanbit)
        self.exits(2, "market.not_owner", "market", "cancel", M, str(sell["id"]), "-k", hanbit)
        self.exits(2, "market.unknown_market", "market", "order", "KAU-2099", "buy", "--price",
                   9000, "--qty", 1, "-k", hanbit)
        self.exits(2, "market.unknown_market", "market", "depth", "KAU-2099")
        self.exits(2, "market.unknown_order", "market", "amend", M, "999", "--qty", 1,
                   "-k", seoul)
        self.exits(2, "market.price_out_of_band", "market", "order", M, "buy", "--price",
                   20000, "--qty", 1, "-k", hanbit)
        self.exits(1, "-k", "market", "orders", M)

        # Cancel by client id.
        r = self.jq("market", "cancel", M, "s1", "-k", seoul)
        self.assertEqual(r["order"]["status"], "cancelled")
        self.assertEqual(self.jq("market", "depth", M)["asks"], [])

        # Surveillance: hanbit-steel's buy raised a large_position alert (it holds ~26 % of the
        # supply, above the default 10 %); only the regulator reads it. The regulator raises the
        # threshold to 100 %: daehan-cement's buy raises nothing; back to 10 %: it does.
        self.exits(2, "auth.forbidden", "market", "alerts", "-k", hanbit)
        alerts = self.jq("market", "alerts", "-k", officer)["alerts"]
        self.assertEqual([(a["kind"], a["account"], a["figures"]["threshold_bps"])
                          for a in alerts], [("large_position", "hanbit-steel", 1000)])
        self.exits(2, "tx.unauthorized_type", "market", "surveillance", M,
                   "--large-position-bps", 1, "-k", hanbit)
        daehan = self.key("daehan-cement")

        def daehan_buys():
            self.run_ok("market", "order", M, "sell", "--price", 9050, "--qty", 10, "-k", seoul)
            self.run_ok("market", "order", M, "buy", "--price", 9050, "--qty", 10, "-k", daehan)
        self.run_ok("market", "surveillance", M, "--large-position-bps", 10000, "-k", officer)
        daehan_buys()
        self.assertEqual(len(self.jq("market", "alerts", "-k", officer)["alerts"]), 1)
        self.run_ok("market", "surveillance", M, "--large-position-bps", "1,000", "-k", officer)
        daehan_buys()
        alerts = self.jq("market", "alerts", "-k", officer, "--kind", "large_position")["alerts"]
        self.assertEqual([a["account"] for a in alerts], ["daehan-cement", "hanbit-steel"])
        self.assertEqual(self.jq("market", "alerts", "-k", officer, "--kind", "price_fall",
                                 "--market", M)["alerts"], [])
        table = self.run_ok("market", "alerts", "-k", officer)
        self.assertIn("large_position", table)
        self.assertIn("daehan-cement", table)
        self.assertIn("threshold_bps=1000", table)

        # Cash.
        self.run_ok("cash", "deposit", "--to", "hanbit-steel", "--amount", "1,000",
                    "--reference", "PAY-1", "-k", self.key("settle-bank"))
        self.exits(2, "cash.duplicate_reference", "cash", "deposit", "--to", "hanbit-steel",
                   "--amount", 5, "--reference", "PAY-1", "-k", self.key("settle-bank"))
        self.run_ok("cash", "withdraw-request", "--amount", 500, "--request", "w1", "-k", hanbit)
        self.run_ok("cash", "withdraw", "--account", "hanbit-steel", "--request", "w1",
                    "--reference", "PAY-2", "-k", self.key("settle-bank"))
        self.exits(2, "cash.request_closed", "cash", "withdraw-cancel", "--request", "w1",
                   "-k", hanbit)


if __name__ == "__main__":
    e2e.main()
