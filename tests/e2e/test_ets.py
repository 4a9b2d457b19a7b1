"""End-to-end: the K-ETS registry from the users' side (docs/ETS.md), on a real tansod.

The regulator (three officers) sets the parameters and plans, designates demo companies, issues
an allocation order that needs two of the three officers, certifies emissions, sets the year's
price and settles; companies surrender KAU and KCU, bank and borrow, and read their position
reports; the read API's access rules, the public `ets` SSE events, and the stable codes of bad
input (nothing changed) are checked on the way. Txs are signed by ed25519_tool.js (Node.js
crypto, independent of Tanso's code), a few by the `tanso` CLI.

Deadlines follow block time, which is the node's clock: the compliance year Y is last year in
Korean time, and `ets.params.set` moves the surrender deadline (31 Dec of Y+1: open; 1 Jan of
Y+1: passed) to put both sides of it in reach.
"""

import http.client
import json
import time
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest

KST = 9 * 3600
OFFICERS = (1, 2)  # the two officers who co-sign allocation orders


def kst_today():
    t = time.gmtime(time.time() + KST)
    return t.tm_year, t.tm_mon, t.tm_mday


class EtsTest(E2ETest):

    def setUp(self):
        super().setUp()
        year, mon, day = kst_today()
        if (mon, day) == (1, 1):
            self.skipTest("1 January in Korea: no past deadline day in the current year")
        # The demo network without its ETS content (the demo genesis designates, allocates and
        # certifies 2026 for `make run`), and without the 2-of-3 order policy: the registry is
        # built here from the users' side, with figures this test controls.
        self.demo = e2e.Demo(self.tmp)
        with open(self.demo.genesis) as f:
            g = json.load(f)
        g.pop("ets", None)
        g.pop("mrv", None)  # the demo's MRV devices and plans need the designations
        for a in g["accounts"]:
            a.get("type_thresholds", {}).pop("ets.allocation.order", None)
        with open(self.demo.genesis, "w") as f:
            json.dump(g, f, indent=1)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        self.chain = self.demo.chain
        self.Y = year - 1  # the compliance year under test; its deadline falls this year
        self.N = self.Y + 1
        self.KAU = "KAU-%d" % self.Y
        self.KAU_N = "KAU-%d" % self.N

    # -- helpers --------------------------------------------------------------------------------

    def seeds(self, sender, officers=(1,)):
        if sender == "regulator":
            return [self.demo.officer(i).seed for i in officers]
        return [self.demo.key(sender).seed]

    def envelope(self, sender, type_, body, officers=(1,), nonce=None):
        n = self.node.nonce(sender) + 1 if nonce is None else nonce
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        return e2e.sign_one(self.chain, p, self.seeds(sender, officers))

    def tx(self, sender, type_, body, code="ok", officers=(1,)):
        """Submits and waits for the commit; asserts the receipt code."""
        env, tx_id = self.envelope(sender, type_, body, officers)
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)
        return r

    def reg(self, type_, body, code="ok", officers=(1,)):
        return self.tx("regulator", type_, body, code, officers)

    def headers(self, who, target):
        key = self.demo.officer(3) if who == "regulator" else self.demo.key(who)
        return e2e.signed_read_headers(self.chain, key, "GET", target)

    def read(self, target, who=None, status=200, code=None):
        r = self.node.get(target, self.headers(who, target) if who else None)
        if code:
            self.assertCode(r, status, code)
        else:
            self.assertEqual(r.status, status, r)
        return r.json

    def holdings(self, account):
        tgt = "/v1/accounts/%s/holdings" % account
        j = self.read(tgt, account)
        return {h["instrument"]: int(h["amount"]) for h in j["holdings"]}

    def ledger_snapshot(self):
        st = self.node.status()
        return {"height": st["height"], "state_root": st["state_root"],
                "hanbit": self.holdings("hanbit-steel"),
                "totals": self.read("/v1/ets/years/%d/totals" % self.Y)}

    def params_body(self, deadline):
        # Y and Y+1 in one phase (borrowing between them is allowed), Y+2 in the next.
        return {"phases": [
                    {"phase": 3, "from_year": 2021, "to_year": self.N, "offset_cap_bp": 500,
                     "borrow_limit_bp": 1500},
                    {"phase": 4, "from_year": self.N + 1, "to_year": self.N + 5,
                     "offset_cap_bp": 500, "borrow_limit_bp": 1500}],
                "surrender_deadline": deadline}

    def designate(self, company, name, sector, annual):
        return self.reg("ets.designate", {
            "company": company, "name": name, "sector": sector, "from_year": self.Y,
            "installations": [{"id": company + "-1", "name": name + " main site",
                               "annual_tco2e": annual}],
            "annual_tco2e": annual})

    def setup_registry(self):
        """Parameters, the 2-of-3 order policy, plans, designations and the year-Y order."""
        self.reg("ets.params.set", self.params_body("12-31"))
        acct = self.node.get("/v1/accounts/regulator").json
        tt = dict(acct["type_thresholds"])
        tt["ets.allocation.order"] = 2
        # Changing the regulator's policy takes two officers itself (demo genesis).
        self.reg("identity.policy.set", {"type_thresholds": tt}, officers=OFFICERS)
        self.assertEqual(
            self.node.get("/v1/accounts/regulator").json["type_thresholds"]
            ["ets.allocation.order"], 2)
        self.reg("ets.plan.set", {"year": self.Y, "cap": 1000000, "auction": 30000})
        self.reg("ets.plan.set", {"year": self.N, "cap": 1000000})
        self.designate("hanbit-steel", "Hanbit Steel Co.", "steel", 180000)
        self.designate("daehan-cement", "Daehan Cement Co.", "cement", 140000)
        self.designate("seoul-petrochem", "Seoul Petrochemical Co.", "petrochemicals", 60000)
        self.reg("ets.allocation.order", {
            "order": "ORD-%d-1" % self.Y, "year": self.Y, "basis": "grandfathering",
            "entries": [["hanbit-steel", 100000], ["daehan-cement", 50000],
                        ["seoul-petrochem", 20000]]}, officers=OFFICERS)

    # -- the compliance cycle -------------------------------------------------------------------

    def test_compliance_cycle(self):
        Y, N, KAU, KAU_N = self.Y, self.N, self.KAU, self.KAU_N
        start = self.node.height()

        # Parameters: defaults first, then the regulator's.
        p = self.read("/v1/ets/params")
        self.assertEqual((p["source"], p["surrender_deadline"], p["penalty_multiplier"],
                          p["penalty_cap_krw_per_t"]), ("defaults", "08-31", 3, 100000))
        self.reg("ets.params.set", self.params_body("12-31"))
        p = self.read("/v1/ets/params")
        self.assertEqual((p["source"], p["surrender_deadline"]), ("state", "12-31"))

        # The allocation order needs 2 of the 3 officers.
        acct = self.node.get("/v1/accounts/regulator").json
        tt = dict(acct["type_thresholds"])
        tt["ets.allocation.order"] = 2
        self.reg("identity.policy.set", {"type_thresholds": tt}, officers=OFFICERS)
        self.reg("ets.plan.set", {"year": Y, "cap": 1000000, "auction": 30000})
        self.reg("ets.plan.set", {"year": N, "cap": 1000000})

        # Designation: companies only; public list.
        self.designate("hanbit-steel", "Hanbit Steel Co.", "steel", 180000)
        self.designate("daehan-cement", "Daehan Cement Co.", "cement", 140000)
        self.designate("seoul-petrochem", "Seoul Petrochemical Co.", "petrochemicals", 60000)
        self.reg("ets.designate", {"company": "krx", "name": "KRX", "sector": "exchange",
                                   "from_year": Y, "installations": []}, code="ets.not_company")
        cs = self.read("/v1/ets/companies")["companies"]
        self.assertEqual([c["company"] for c in cs],
                         ["daehan-cement", "hanbit-steel", "seoul-petrochem"])
        seoul = [c for c in cs if c["company"] == "seoul-petrochem"][0]
        self.assertEqual((seoul["meets_threshold"], seoul["from_year"], seoul["to_year"]),
                         (True, Y, None))  # 60,000 t site >= 25,000
        self.assertEqual(len(self.read("/v1/ets/companies?year=%d" % (Y - 1))["companies"]), 0)

        # Allocation order: one officer is refused at admission, nothing reaches the log.
        order = {"order": "ORD-%d-1" % Y, "year": Y, "basis": "grandfathering",
                 "entries": [["hanbit-steel", 100000], ["daehan-cement", 50000],
                             ["seoul-petrochem", 20000]]}
        nonce = self.node.nonce("regulator")
        env, _ = self.envelope("regulator", "ets.allocation.order", order, officers=(1,))
        self.assertCode(self.node.post("/v1/txs", env), 401, "tx.insufficient_signatures")
        self.assertEqual(self.node.nonce("regulator"), nonce)
        self.assertEqual(self.read("/v1/ets/years/%d/totals" % Y)["allocated"], "0")
        # Two officers (2 and 3 this time): issued atomically.
        self.reg("ets.allocation.order", order, officers=(2, 3))
        t = self.read("/v1/ets/years/%d/totals" % Y)
        self.assertEqual((t["allocated"], t["kau_supply"], t["companies"]),
                         ("170000", "170000", 3))
        self.assertEqual(t["plan"], {"cap": "1000000", "auction": "30000"})
        self.assertEqual(self.holdings("hanbit-steel")[KAU], 100000)
        # Re-issuing the same order: rejected, nothing allocated twice.
        self.reg("ets.allocation.order", order, code="ets.duplicate_order", officers=OFFICERS)
        # Above the plan's cap: rejected whole.
        self.reg("ets.allocation.order",
                 {"order": "ORD-%d-BIG" % Y, "year": Y,
                  "entries": [["hanbit-steel", 1], ["daehan-cement", 900000]]},
                 code="ets.above_cap", officers=OFFICERS)
        self.assertEqual(self.read("/v1/ets/years/%d/totals" % Y)["allocated"], "170000")
        self.assertEqual(self.holdings("hanbit-steel")[KAU], 100000)
        self.reg("ets.allocation.order",
                 {"order": "ORD-%d-1" % N, "year": N,
                  "entries": [["hanbit-steel", 100000], ["daehan-cement", 50000]]},
                 officers=OFFICERS)

        # Certified emissions (the obligations) and offsets.
        self.reg("ets.emissions.certify", {"company": "hanbit-steel", "year": Y, "tco2e": 80000})
        self.reg("ets.emissions.certify", {"company": "daehan-cement", "year": Y, "tco2e": 60000})
        self.reg("ets.emissions.certify",
                 {"company": "seoul-petrochem", "year": Y, "tco2e": 10000})
        self.reg("ets.kcu.issue", {"to": "hanbit-steel", "amount": 10000, "memo": "KOC e2e"})

        # Surrender before the deadline: the offset cap (5 % of 80,000 = 4,000), the vintage.
        self.tx("hanbit-steel", "ets.surrender", {"year": Y, "units": [["KCU", 4001]]},
                code="ets.offset_cap")
        self.tx("hanbit-steel", "ets.surrender", {"year": Y, "units": [[KAU_N, 10]]},
                code="ets.wrong_vintage")
        self.tx("hanbit-steel", "ets.surrender", {"year": Y, "units": [["KRW", 10]]},
                code="ets.ineligible_instrument")
        self.tx("hanbit-steel", "ets.surrender",
                {"year": Y, "units": [[KAU, 76000], ["KCU", 4000]]})
        self.tx("hanbit-steel", "ets.surrender", {"year": Y, "units": [[KAU, 1]]},
                code="ets.surrender_exceeds_obligation")
        h = self.holdings("hanbit-steel")
        self.assertEqual((h[KAU], h["KCU"]), (24000, 6000))
        # Banking the surplus into Y+1.
        self.tx("hanbit-steel", "ets.bank", {"year": Y, "amount": 20000})
        h = self.holdings("hanbit-steel")
        self.assertEqual((h[KAU], h[KAU_N]), (4000, 120000))
        # daehan has not met its obligation: no banking; borrowing within 15 % of 60,000.
        self.tx("daehan-cement", "ets.bank", {"year": Y, "amount": 1},
                code="ets.obligation_unmet")
        self.tx("daehan-cement", "ets.borrow", {"year": Y, "amount": 9001},
                code="ets.borrow_limit")
        self.tx("daehan-cement", "ets.borrow", {"year": Y, "amount": 5000})
        self.tx("daehan-cement", "ets.borrow", {"year": N, "amount": 1}, code="ets.cross_phase")
        self.tx("daehan-cement", "ets.surrender", {"year": Y, "units": [[KAU, 55000]]})
        # seoul surrenders with the CLI (Tanso's own signer).
        r = e2e.tanso("tx", "send", "-k", self.demo.key("seoul-petrochem").path, "--type",
                      "ets.surrender", "--body", json.dumps({"year": Y, "units": [[KAU, 10000]]}),
                      node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["code"], "ok", r.stdout)

        # Position reports (seed 003 §6).
        self.tx("daehan-cement", "ets.position.project", {"year": N, "projected_tco2e": 70000})
        tgt = "/v1/ets/companies/daehan-cement/position?year=%d" % N
        pos = self.read(tgt, "daehan-cement")
        # KAU-N: 50,000 allocated - 5,000 borrowed = 45,000; gap 25,000 of 70,000 = 35.71 %.
        self.assertEqual((pos["projected_tco2e"], pos["projection_source"], pos["usable"],
                          pos["gap_t"], pos["gap_bp"], pos["gap_pct"], pos["risk"]),
                         ("70000", "projection", "45000", "25000", 3571, "35.71", "high"))
        self.read(tgt, "regulator")
        self.read(tgt, "hanbit-steel", 403, "auth.forbidden")
        self.read(tgt, None, 403, "auth.forbidden")
        pos = self.read("/v1/ets/companies/hanbit-steel/position?year=%d" % Y, "hanbit-steel")
        self.assertEqual((pos["certified_tco2e"], pos["surrendered"], pos["gap_t"], pos["risk"]),
                         ("80000", {"kau": "76000", "kcu": "4000"}, "-4000", "stable"))
        # Without ?year: the current year in Korean time (Y+1), unprojected for hanbit.
        pos = self.read("/v1/ets/companies/hanbit-steel/position", "hanbit-steel")
        self.assertEqual((pos["year"], pos["risk"], pos["holdings"]["kau"]),
                         (N, "unknown", "120000"))

        # The company record: own org and regulator only.
        rec = self.read("/v1/ets/companies/daehan-cement", "daehan-cement")
        row = [y for y in rec["years"] if y["year"] == Y][0]
        self.assertEqual((row["allocated"], row["borrowed"], row["surrendered_kau"],
                          row["status"], row["shortfall"]), ("50000", "5000", "55000", "open",
                                                             "5000"))
        self.read("/v1/ets/companies/daehan-cement", "seoul-petrochem", 403, "auth.forbidden")
        self.read("/v1/ets/companies/daehan-cement", None, 403, "auth.forbidden")

        # Compliance table before settlement: regulator all, a company its own rows, else 403.
        tgt = "/v1/ets/years/%d/compliance" % Y
        self.read(tgt, None, 403, "auth.forbidden")
        own = self.read(tgt, "hanbit-steel")
        self.assertEqual((own["scope"], [x["company"] for x in own["rows"]]),
                         ("own_org", ["hanbit-steel"]))
        full = self.read(tgt, "regulator")
        self.assertEqual((full["scope"], len(full["rows"]), full["settled"]), ("all", 3, False))

        # Settlement waits for the deadline; then surrender is too late.
        self.reg("ets.compliance.settle", {"year": Y}, code="ets.deadline_not_passed")
        self.reg("ets.params.set", {"surrender_deadline": "01-01"})
        self.tx("seoul-petrochem", "ets.surrender", {"year": Y, "units": [[KAU, 1]]},
                code="ets.deadline_passed")
        # daehan falls short: no price, no settlement; then 3 x 25,000 = 75,000 KRW/t.
        self.reg("ets.compliance.settle", {"year": Y}, code="ets.no_price")
        self.reg("ets.price.set", {"year": Y, "avg_price_krw": 25000})
        self.reg("ets.compliance.settle", {"year": Y})
        self.reg("ets.compliance.settle", {"year": Y}, code="ets.already_settled")

        # Settled: the compliance table is public.
        table = self.read(tgt)
        self.assertEqual((table["scope"], table["settled"], table["avg_price_krw"]),
                         ("all", True, "25000"))
        rows = {x["company"]: x for x in table["rows"]}
        self.assertEqual({c: (x["status"], x["counted"], x["shortfall"], x["penalty_krw"])
                          for c, x in rows.items()},
                         {"hanbit-steel": ("compliant", "80000", "0", "0"),
                          "daehan-cement": ("shortfall", "55000", "5000", "375000000"),
                          "seoul-petrochem": ("compliant", "10000", "0", "0")})
        self.assertEqual((rows["hanbit-steel"]["surrendered_kcu"], rows["hanbit-steel"]["banked"],
                          rows["daehan-cement"]["borrowed"]), ("4000", "20000", "5000"))
        t = self.read("/v1/ets/years/%d/totals" % Y)
        self.assertEqual({k: t[k] for k in ("allocated", "surrendered_kau", "surrendered_kcu",
                                            "offsets_used", "banked", "borrowed",
                                            "certified_tco2e", "penalties_krw", "kau_supply")},
                         {"allocated": "170000", "surrendered_kau": "141000",
                          "surrendered_kcu": "4000", "offsets_used": "4000", "banked": "20000",
                          "borrowed": "5000", "certified_tco2e": "150000",
                          "penalties_krw": "375000000", "kau_supply": "14000"})
        self.assertEqual((t["settled"]["compliant"], t["settled"]["shortfall"],
                          t["settled"]["penalty_krw_per_t"]), (2, 1, "75000"))

        # The public event stream, resumed from before the cycle.
        evs = self.read_events(start, lambda es: any(
            e.get("event") == "ets" and json.loads(e["data"])["type"] == "ets.compliance.settle"
            for e in es))
        ets = [json.loads(e["data"]) for e in evs if e.get("event") == "ets"]
        types = [e["type"] for e in ets]
        self.assertEqual(types.count("ets.designate"), 3)  # not the refused krx designation
        self.assertEqual(types.count("ets.surrender"), 3)  # ok receipts only
        self.assertEqual(types.count("ets.allocation.order"), 2)
        order_ev = [e for e in ets if e["type"] == "ets.allocation.order"][0]
        self.assertEqual((order_ev["order"], order_ev["year"], order_ev["companies"],
                          order_ev["total"]), ("ORD-%d-1" % Y, Y, 3, "170000"))
        for e in ets:
            if e["type"] in ("ets.surrender", "ets.bank", "ets.borrow", "ets.position.project"):
                self.assertEqual(set(e), {"type", "tx_id", "height", "index", "year"}, e)
        cert = [e for e in ets if e["type"] == "ets.emissions.certify"]
        self.assertEqual({e["company"] for e in cert},
                         {"hanbit-steel", "daehan-cement", "seoul-petrochem"})
        self.assertTrue(all("tco2e" not in e for e in cert))
        settle = [e for e in ets if e["type"] == "ets.compliance.settle"][0]
        self.assertEqual((settle["year"], settle["penalty_krw"], settle["shortfall"]),
                         (Y, "375000000", 1))
        self.assertNotIn("hanbit-steel", json.dumps([e for e in ets if e["type"] in (
            "ets.surrender", "ets.bank", "ets.borrow", "ets.kcu.issue")]))

    # -- bad input and bad reads ----------------------------------------------------------------

    def assertRefusedNoChange(self, status, code, body, path="/v1/txs"):
        before = self.ledger_snapshot()
        r = self.node.post(path, body)
        self.assertCode(r, status, code)
        time.sleep(0.15)  # longer than a block interval: a tx that slipped through would commit
        self.assertEqual(self.ledger_snapshot(), before, "a refused submission changed the ledger")
        return r

    def test_bad_input_changes_nothing(self):
        Y, KAU = self.Y, self.KAU
        self.setup_registry()
        # Malformed bodies are refused at admission (the stateless body checks).
        for body, code in (({"year": Y, "units": [[KAU, 1]], "extra": 1}, "tx.unknown_field"),
                           ({"year": "twenty", "units": [[KAU, 1]]}, "tx.malformed"),
                           ({"year": Y, "units": []}, "tx.malformed"),
                           ({"year": Y, "units": [[KAU, 0]]}, "tx.malformed"),
                           ({"year": Y, "units": [[KAU, -5]]}, "tx.malformed")):
            env, _ = self.envelope("hanbit-steel", "ets.surrender", body)
            self.assertRefusedNoChange(400, code, env)
        # Not valid JSON at all.
        self.assertRefusedNoChange(400, "request.malformed_json", '{"payload": ')
        # A company may not send regulator txs.
        env, _ = self.envelope("hanbit-steel", "ets.allocation.order", {
            "order": "SELF", "year": Y, "entries": [["hanbit-steel", 1000000]]})
        self.assertRefusedNoChange(403, "tx.unauthorized_type", env)
        # Oversized: an allocation order above 65,536 bytes.
        big = {"order": "HUGE", "year": Y,
               "entries": [["c%05d-%s" % (i, "x" * 40), 1] for i in range(1500)]}
        env, _ = self.envelope("regulator", "ets.allocation.order", big, officers=OFFICERS)
        self.assertGreater(len(env), 65536)
        self.assertRefusedNoChange(413, "tx.oversized", env)
        # Replayed: the same committed surrender again.
        self.reg("ets.emissions.certify", {"company": "hanbit-steel", "year": Y, "tco2e": 50000})
        env, tx_id = self.envelope("hanbit-steel", "ets.surrender", {"year": Y,
                                                                     "units": [[KAU, 1000]]})
        self.assertCommittedOk(self.node.post("/v1/txs", env))
        self.assertRefusedNoChange(409, "tx.nonce_replayed", env)
        r = self.node.post("/v1/txs/batch", e2e.batch_body([env]))
        self.assertEqual((r.status, r.json["refused"], r.json["results"][0]["error"]["code"]),
                         (200, 1, "tx.nonce_replayed"))
        self.assertEqual(self.holdings("hanbit-steel")[KAU], 99000)
        # A rejected rule leaves state as it was (the nonce is consumed, nothing else).
        def totals():
            t = self.read("/v1/ets/years/%d/totals" % Y)
            t.pop("height")
            return t

        before = totals()
        self.tx("hanbit-steel", "ets.surrender", {"year": Y, "units": [["KCU", 1]]},
                code="holdings.insufficient_balance")
        self.tx("nuri-power", "ets.surrender", {"year": Y, "units": [[KAU, 1]]},
                code="ets.not_designated")
        self.assertEqual(totals(), before)
        self.assertEqual(self.holdings("hanbit-steel")[KAU], 99000)

    def test_read_parameters_and_auth(self):
        Y = self.Y
        self.setup_registry()
        # Bad parameters: stable codes.
        self.read("/v1/ets/years/abc/totals", None, 400, "request.bad_parameter")
        self.read("/v1/ets/years/20251/totals", None, 400, "request.bad_parameter")
        self.read("/v1/ets/years/1999/totals", None, 404, "ets.unknown_year")
        self.read("/v1/ets/years/%d/compliance" % (Y + 100), "regulator", 404, "ets.unknown_year")
        self.read("/v1/ets/companies?year=x", None, 400, "request.bad_parameter")
        self.read("/v1/ets/companies/nuri-power", "nuri-power", 404, "ets.not_designated")
        self.read("/v1/ets/companies/no-such", "regulator", 404, "ets.not_designated")
        tgt = "/v1/ets/companies/hanbit-steel/position?year=x"
        self.read(tgt, "hanbit-steel", 400, "request.bad_parameter")
        tgt = "/v1/ets/companies/hanbit-steel/position?year=%d" % (Y - 1)
        self.read(tgt, "hanbit-steel", 404, "ets.not_designated")  # designated from Y
        # Public views need no signature.
        self.read("/v1/ets/params")
        self.read("/v1/ets/companies")
        self.assertEqual(self.read("/v1/ets/years/%d/totals" % Y)["allocated"], "170000")
        # Signed-read failures on an ETS route.
        tgt = "/v1/ets/companies/hanbit-steel/position?year=%d" % Y
        key = self.demo.key("hanbit-steel")
        bad_sig = e2e.signed_read_headers(self.chain, key, "GET", tgt,
                                          sign_target="/v1/ets/companies")
        self.assertCode(self.node.get(tgt, bad_sig), 401, "auth.bad_signature")
        stale = e2e.signed_read_headers(self.chain, key, "GET", tgt, t=int(time.time()) - 3600)
        self.assertCode(self.node.get(tgt, stale), 401, "auth.stale")
        partial = dict(self.headers("hanbit-steel", tgt))
        del partial["X-Tanso-Signature"]
        self.assertCode(self.node.get(tgt, partial), 401, "auth.malformed")
        other = e2e.signed_read_headers(self.chain, key, "GET", tgt, account="daehan-cement")
        self.assertCode(self.node.get(tgt, other), 401, "auth.unknown_key")
        # Another company: forbidden; the same company and the regulator: allowed.
        self.read(tgt, "daehan-cement", 403, "auth.forbidden")
        self.assertEqual(self.read(tgt, "hanbit-steel")["allocated"], "100000")
        self.assertEqual(self.read(tgt, "regulator")["allocated"], "100000")
        # The CLI's signed read of the same view.
        r = e2e.tanso("query", tgt, "-k", key.path, node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["allocated"], "100000")


class EtsDemoTest(E2ETest):
    """The demo genesis's registry (`make run`, README "Try the ETS") through the read API."""

    def test_demo_registry_is_readable(self):
        demo, node = self.demo_node()
        with open(demo.genesis) as f:
            g = json.load(f)
        plans = [t["body"] for t in g.get("ets", {}).get("txs", []) if t["type"] == "ets.plan.set"]
        if not plans:
            self.skipTest("this demo genesis holds no ETS plan")
        year = int(plans[0]["year"])
        cs = node.get("/v1/ets/companies?year=%d" % year).json["companies"]
        self.assertTrue(cs)
        t = node.get("/v1/ets/years/%d/totals" % year)
        self.assertEqual(t.status, 200, t)
        self.assertEqual(t.json["companies"], len(cs))
        self.assertGreater(int(t.json["allocated"]), 0)
        self.assertEqual(t.json["kau_supply"], t.json["allocated"])
        company = cs[0]["company"]
        tgt = "/v1/ets/companies/%s/position?year=%d" % (company, year)
        self.assertCode(node.get(tgt), 403, "auth.forbidden")
        r = node.get(tgt, e2e.signed_read_headers(demo.chain, demo.key(company), "GET", tgt))
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["account"], r.json["year"]), (company, year))
        self.assertIn(r.json["risk"], ("stable", "rising", "high", "unknown"))
        tgt = "/v1/ets/years/%d/compliance" % year
        self.assertCode(node.get(tgt), 403, "auth.forbidden")
        r = node.get(tgt, e2e.signed_read_headers(demo.chain, demo.officer(1), "GET", tgt))
        self.assertEqual((r.status, r.json["scope"], len(r.json["rows"])), (200, "all", len(cs)))


if __name__ == "__main__":
    e2e.main()
