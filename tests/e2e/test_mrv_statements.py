"""End-to-end: MRV annual statements from the users' side (docs/MRV.md "Statements, verification
and certification", docs/API.md "MRV"), on a real tansod started from `tanso genesis demo`
without its MRV part.

The statement is for last year (Y = the current year in KST - 1): a statement may be submitted
only once its year is over by the block time, and blocks carry the node's clock, so the current
year never works (mrv.year_not_over, checked). Y is in an ETS phase the demo designations cover
(hanbit-steel from 2021 on), so its certification reaches the ETS module.

Setup (over HTTP, txs signed by ed25519_tool.js): a factor set covering Y, a gas meter and a power
meter at hanbit-pohang calibrated for Y, an approved plan, and daily batches for two days of Y.

- MrvStatementHttpTest: submit, the verifiers' queue, a correction requested in Korean, a
  resubmission with an adjustment, approval, certification; the statement and queue reads, the
  ETS company record and position report with the certified tonnes, the public SSE events
  (`ets` carries the certification as ets.emissions.certify does, `mrv` the statement txs,
  without figures); refusals with their codes (the company attesting its own statement, a
  verifier certifying, certifying an unapproved revision, a replayed tx, the pending list read by
  a company or anonymously, anonymous and other companies' reads, bad years).
- MrvStatementCliTest: the same cycle with `tanso mrv statement ...` and `tanso mrv statements
  pending`, their human output and exit codes, and the draft under its new and old spellings.

Expected figures are computed here from the factors and quantities submitted (test_mrv.py's
exact-fraction calculation) and from the adjustment made.
"""

import datetime
import hashlib
import http.client
import json
import os
import time
from fractions import Fraction

import tanso_e2e as e2e
from test_mrv import EDGE, INST, MrvBase, factor_body, fuel_co2e_g, half_up, power_co2e_g

KOREAN_COMMENTS = ("6월 2일 가스 계량기(gas-1) 값이 이중 계상되었습니다. 송장 기준으로 "
                   "정정하고 증빙을 첨부하십시오.")
KOREAN_REASON = "가스 이중 계상 정정 (송장 기준)"


def kst_year():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=9)).year


def sha256_hex(text):
    return hashlib.sha256(text.encode()).hexdigest()


def statement_hash(content):
    """docs/MRV.md: SHA-256 of "tanso/mrv/statement/v1" 0x00 and the content's compact JSON with
    sorted keys (UTF-8, not escaped)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"tanso/mrv/statement/v1\x00" + text.encode()).hexdigest()


class StatementBase(MrvBase):

    def setUp(self):
        super().setUp()
        self.start()
        self.Y = kst_year() - 1
        self.set_up_year()

    def send(self, sender, type_, body, code="ok"):
        """Submits, waits for the commit, asserts the receipt code; -> (envelope, tx_id)."""
        env, tx_id = self.envelope(sender, type_, body)
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)
        return env, tx_id

    def refused(self, sender, type_, body, status, code):
        """A tx refused at admission: nothing reaches the log, the nonce does not move."""
        nonce = self.node.nonce(sender)
        env, _ = self.envelope(sender, type_, body)
        self.assertCode(self.node.post("/v1/txs", env), status, code)
        self.assertEqual(self.node.nonce(sender), nonce)

    def set_up_year(self):
        Y = self.Y
        self.V = "stmt-%d.1" % Y
        self.fs = factor_body(self.V, Y)
        self.tx("regulator", "mrv.factors.publish", self.fs)
        seeds = {d: e2e.new_seed() for d in ("gas-1", "power-1")}
        pubs = dict(zip(seeds, e2e.public_keys(seeds.values())))
        self.dev = {d: INST + "." + d for d in seeds}
        self.tx("hanbit-steel", "mrv.device.register",
                {"device": self.dev["gas-1"], "key": pubs["gas-1"], "installation": INST,
                 "source": "natural_gas", "quantity": "natural_gas_volume", "unit": "Nm3",
                 "fuel": "natural_gas", "scope": 1})
        self.tx("hanbit-steel", "mrv.device.register",
                {"device": self.dev["power-1"], "key": pubs["power-1"], "installation": INST,
                 "source": "electricity", "quantity": "electricity", "unit": "kWh", "scope": 2})
        for d in self.dev.values():
            self.tx("korea-verify", "mrv.device.calibrate",
                    {"device": d, "technician": "Lee", "certificate": "C-" + d,
                     "calibrated_on": "%d-01-01" % Y, "expires_on": "%d-12-31" % Y})
        self.tx("hanbit-steel", "mrv.plan.set", {"installation": INST, "sources": [
            {"source": "natural_gas", "scope": 1, "fuel": "natural_gas", "method": "calculation",
             "tier": 3, "factor_version": self.V},
            {"source": "electricity", "scope": 2, "method": "calculation", "tier": 2,
             "factor_version": self.V}]})
        self.tx("regulator", "mrv.plan.approve", {"installation": INST, "revision": 1})
        # Two days of Y; the second day's gas is the one the verifier will find double-counted.
        self.days = {"%d-06-01" % Y: (7000000, 180000000), "%d-06-02" % Y: (9000000, 220000000)}
        for day, (gas_milli, kwh_milli) in self.days.items():
            self.tx(EDGE, "mrv.batch.submit", {
                "batch_id": "%s.%s" % (INST, day), "installation": INST, "day": day,
                "merkle_root": sha256_hex(day), "factor_version": self.V, "totals": [
                    {"source": "natural_gas", "device": self.dev["gas-1"], "unit": "Nm3",
                     "quantity": str(gas_milli), "readings": 1440, "gaps": 0, "substituted": 0},
                    {"source": "electricity", "device": self.dev["power-1"], "unit": "kWh",
                     "quantity": str(kwh_milli), "readings": 96, "gaps": 0, "substituted": 0}]})
        # Emissions are computed per batch (then summed), as the ledger does.
        self.gas = sum(fuel_co2e_g(self.fs, "natural_gas", "Nm3", g) for g, _ in
                       self.days.values())
        self.power = sum(power_co2e_g(self.fs, Y, "kWh", p) for _, p in self.days.values())
        self.total = self.gas + self.power
        # The correction: the second day's gas counted at half (the invoice's figure).
        g1, g2 = (fuel_co2e_g(self.fs, "natural_gas", "Nm3", g) for g, _ in self.days.values())
        self.adjusted_gas = g1 + half_up(Fraction(g2, 2))
        self.adjusted_total = self.adjusted_gas + self.power
        self.tonnes = half_up(Fraction(self.adjusted_total, 10**6))
        self.evidence = sha256_hex("invoice KOGAS %d-06" % Y)
        self.report = sha256_hex("verification report %d" % Y)
        self.assertNotEqual(self.total, self.adjusted_total)

    def statement_path(self, company="hanbit-steel", year=None):
        return "/v1/mrv/companies/%s/statements/%s" % (company, year or self.Y)

    def check_certified_in_ets(self, expected_t):
        """The ETS module holds the certified tonnes: the company record and position report."""
        pos = self.read("/v1/ets/companies/hanbit-steel/position?year=%d" % self.Y,
                        "hanbit-steel")
        self.assertEqual((pos["year"], pos["certified_tco2e"]), (self.Y, str(expected_t)))
        rec = self.read("/v1/ets/companies/hanbit-steel", "regulator")
        row = [y for y in rec["years"] if y["year"] == self.Y][0]
        self.assertEqual(row["certified_tco2e"], str(expected_t))
        # ets.emissions.certify can no longer replace a statement-certified figure.
        self.tx("regulator", "ets.emissions.certify",
                {"company": "hanbit-steel", "year": self.Y, "tco2e": "1"},
                code="ets.certified_by_statement")


class MrvStatementHttpTest(StatementBase):

    def test_statement_cycle_over_http(self):
        Y = self.Y
        start = self.node.height()
        path = self.statement_path()
        self.read(path, "regulator", 404, "mrv.unknown_statement")
        self.assertEqual(self.read("/v1/mrv/statements/pending", "korea-verify")["statements"],
                         [])
        # The current year is not over; a company with no batch has no data.
        self.tx("hanbit-steel", "mrv.statement.submit", {"company": "hanbit-steel",
                                                         "year": Y + 1}, code="mrv.year_not_over")
        self.tx("daehan-cement", "mrv.statement.submit", {"company": "daehan-cement", "year": Y},
                code="mrv.no_data")

        # Revision 1, submitted by the company.
        env1, _ = self.send("hanbit-steel", "mrv.statement.submit",
                            {"company": "hanbit-steel", "year": Y, "revision": 1,
                             "comment": "%d 내부검토 완료" % Y})
        # Replaying the very same signed tx: refused by the nonce check.
        self.assertCode(self.node.post("/v1/txs", env1), 409, "tx.nonce_replayed")
        self.tx("hanbit-steel", "mrv.statement.submit", {"company": "hanbit-steel", "year": Y},
                code="mrv.statement_pending")

        for who in ("hanbit-steel", EDGE, "regulator", "korea-verify"):
            st = self.read(path, who)
            self.assertEqual((st["company"], st["year"], st["status"], st["revision"]),
                             ("hanbit-steel", Y, "submitted", 1))
        r1 = st["revisions"][0]
        self.assertEqual((int(r1["total_co2e_g"]), r1["certified_tco2e"], r1["submitted_by"],
                          r1["attestation"], r1["comment"]),
                         (self.total, str(half_up(Fraction(self.total, 10**6))), "hanbit-steel",
                          None, "%d 내부검토 완료" % Y))
        self.assertEqual(r1["hash"], statement_hash(r1["content"]))
        self.assertEqual(int(r1["content"]["measured_total_co2e_g"]), self.total)
        self.assertEqual(r1["content"]["by_scope"], {"1": str(self.gas), "2": str(self.power)})
        self.assertIsNone(st["certification"])
        self.assertIn("head_height", st)

        # The verifiers' queue: the regulator and verifiers; a company, the exchange and an
        # anonymous reader are refused.
        for who in ("korea-verify", "regulator"):
            q = self.read("/v1/mrv/statements/pending", who)["statements"]
            self.assertEqual([(x["company"], x["year"], x["revision"], int(x["total_co2e_g"]),
                               x["hash"], x["corrections"]) for x in q],
                             [("hanbit-steel", Y, 1, self.total, r1["hash"], 0)])
        for who in (None, "hanbit-steel", EDGE, "daehan-cement", "krx"):
            self.read("/v1/mrv/statements/pending", who, 403, "auth.forbidden")
        # The statement: anonymous, another company and the exchange are refused.
        for who in (None, "daehan-cement", "krx"):
            self.read(path, who, 403, "auth.forbidden")
        # Bad years: 400; an unknown company or no statement: 404.
        for y in ("26", "1999", "abcd", "20250", "2201"):
            self.read(self.statement_path(year=y), "regulator", 400, "request.bad_parameter")
        self.read(self.statement_path("nobody"), "regulator", 404, "account.not_found")
        self.read(self.statement_path("daehan-cement"), "regulator", 404,
                  "mrv.unknown_statement")
        self.read(self.statement_path(year=Y - 1), "korea-verify", 404, "mrv.unknown_statement")

        # Who may do what: the company may not attest its own statement nor certify it, a
        # verifier may not certify (all refused at admission: their roles may not send the
        # types); the regulator may not certify a revision no verifier approved.
        approve1 = {"company": "hanbit-steel", "year": Y, "revision": 1, "decision": "approve"}
        self.refused("hanbit-steel", "mrv.statement.attest", approve1, 403,
                     "tx.unauthorized_type")
        certify = {"company": "hanbit-steel", "year": Y, "revision": 1}
        self.refused("korea-verify", "mrv.statement.certify", certify, 403,
                     "tx.unauthorized_type")
        self.refused("hanbit-steel", "mrv.statement.certify", certify, 403,
                     "tx.unauthorized_type")
        self.tx("regulator", "mrv.statement.certify", certify, code="mrv.statement_not_approved")
        # A correction needs comments (refused at admission).
        self.refused("korea-verify", "mrv.statement.attest",
                     dict(approve1, decision="correction"), 400, "tx.malformed")

        # The verifier sends revision 1 back, in Korean.
        self.tx("korea-verify", "mrv.statement.attest",
                dict(approve1, decision="correction", comments=KOREAN_COMMENTS))
        self.tx("korea-verify", "mrv.statement.attest", approve1,
                code="mrv.not_awaiting_attestation")
        self.assertEqual(self.read("/v1/mrv/statements/pending", "regulator")["statements"], [])
        st = self.read(path, "hanbit-steel")
        a = st["revisions"][0]["attestation"]
        self.assertEqual((st["status"], a["decision"], a["comments"], a["by"], a["org"]),
                         ("correction_requested", "correction", KOREAN_COMMENTS, "korea-verify",
                          "korea-verify"))

        # Revision 2: the gas row adjusted, with its reason and evidence.
        adj = {"installation": INST, "source": "natural_gas", "co2e_g": str(self.adjusted_gas),
               "reason": KOREAN_REASON, "evidence_hash": self.evidence}
        self.tx("hanbit-steel", "mrv.statement.submit",
                {"company": "hanbit-steel", "year": Y, "revision": 1, "adjustments": [adj]},
                code="mrv.statement_revision_mismatch")
        self.tx("hanbit-steel", "mrv.statement.submit",
                {"company": "hanbit-steel", "year": Y, "adjustments": [
                    dict(adj, installation="hanbit-dangjin")]}, code="mrv.unknown_row")
        self.tx(EDGE, "mrv.statement.submit",
                {"company": "hanbit-steel", "year": Y, "revision": 2, "adjustments": [adj],
                 "comment": "정정했습니다"})
        q = self.read("/v1/mrv/statements/pending", "korea-verify")["statements"]
        self.assertEqual([(x["revision"], int(x["total_co2e_g"]), x["corrections"],
                           x["submitted_by"]) for x in q],
                         [(2, self.adjusted_total, 1, EDGE)])
        st = self.read(path, "korea-verify")
        r2 = st["revisions"][1]
        self.assertEqual((st["status"], int(r2["total_co2e_g"]), r2["certified_tco2e"]),
                         ("submitted", self.adjusted_total, str(self.tonnes)))
        self.assertEqual(r2["hash"], statement_hash(r2["content"]))
        self.assertNotEqual(r2["hash"], st["revisions"][0]["hash"])
        row = [x for x in r2["content"]["rows"] if x["source"] == "natural_gas"][0]
        self.assertEqual((int(row["measured_co2e_g"]), int(row["co2e_g"]), row["adjustment"]),
                         (self.gas, self.adjusted_gas,
                          {"reason": KOREAN_REASON, "evidence_hash": self.evidence}))
        self.assertEqual(int(r2["content"]["measured_total_co2e_g"]), self.total)

        # Approved with the report's hash, then certified by the regulator.
        self.tx("korea-verify", "mrv.statement.attest",
                dict(approve1, revision=2, comments="확인 완료", evidence_hash=self.report))
        self.assertEqual(self.read(path, "regulator")["status"], "approved")
        _, cert_tx = self.send("regulator", "mrv.statement.certify", dict(certify, revision=2))
        st = self.read(path, "hanbit-steel")
        c = st["certification"]
        self.assertEqual((st["status"], c["revision"], c["tco2e"], int(c["total_co2e_g"]),
                          st["ets_certified_tco2e"]),
                         ("certified", 2, str(self.tonnes), self.adjusted_total,
                          str(self.tonnes)))
        self.assertEqual(st["revisions"][1]["attestation"]["evidence_hash"], self.report)
        # Final: nothing more for the year.
        self.tx("hanbit-steel", "mrv.statement.submit", {"company": "hanbit-steel", "year": Y},
                code="mrv.statement_certified")
        self.tx("regulator", "mrv.statement.certify", dict(certify, revision=2),
                code="mrv.statement_certified")
        self.check_certified_in_ets(self.tonnes)

        # The public event stream from before the cycle: the certification as an `ets`
        # ets.emissions.certify event (via the statement tx), and `mrv` events for the applied
        # statement txs, without figures or decisions.
        evs = self.read_events(start, lambda es: any(
            e.get("event") == "mrv" and json.loads(e["data"])["type"] == "mrv.statement.certify"
            for e in es))
        ets = [json.loads(e["data"]) for e in evs if e.get("event") == "ets"]
        mrv = [json.loads(e["data"]) for e in evs if e.get("event") == "mrv"]
        certs = [e for e in ets if e["type"] == "ets.emissions.certify"]
        self.assertEqual(certs, [{"type": "ets.emissions.certify", "tx_id": cert_tx,
                                  "height": certs[0]["height"], "index": certs[0]["index"],
                                  "company": "hanbit-steel", "year": Y,
                                  "via": "mrv.statement.certify"}])
        self.assertEqual([e["type"] for e in mrv],
                         ["mrv.statement.submit", "mrv.statement.attest",
                          "mrv.statement.submit", "mrv.statement.attest",
                          "mrv.statement.certify"])
        for e in mrv:
            keys = {"type", "tx_id", "height", "index", "year"}
            if e["type"] == "mrv.statement.certify":
                keys.add("company")
                self.assertEqual((e["tx_id"], e["company"]), (cert_tx, "hanbit-steel"))
            self.assertEqual(set(e), keys, e)
            self.assertEqual(e["year"], Y)
        ev_text = json.dumps([e for e in evs if e.get("event") in ("ets", "mrv")])
        for figure in (self.tonnes, self.total, self.adjusted_total, self.adjusted_gas):
            self.assertNotIn('"%d"' % figure, ev_text)
        self.assertNotIn("correction", ev_text)


class MrvStatementCliTest(StatementBase):

    def cli_json(self, *args):
        return json.loads(self.run_ok(*args).stdout)

    def test_help(self):
        out = self.run_ok("mrv", "statement", "--help").stdout
        for sub in ("draft", "submit", "attest", "certify", "show"):
            self.assertIn(sub, out)
        self.assertIn("pending", self.run_ok("mrv", "statements", "--help").stdout)
        for args, words in ((("statement", "submit"), ["--year", "--revision", "--adjust",
                                                       "--file", "--comment", "--company"]),
                            (("statement", "attest"), ["--company", "--year", "--revision",
                                                       "--approve", "--correction",
                                                       "--comments", "--evidence"]),
                            (("statement", "certify"), ["--company", "--year", "--revision"]),
                            (("statement", "show"), ["--company", "--year", "--json"]),
                            (("statement", "draft"), ["--year", "--json"]),
                            (("statements", "pending"), ["--json", "--key"])):
            out = self.run_ok("mrv", *args, "--help").stdout
            for w in words:
                self.assertIn(w, out, "tanso mrv %s --help" % " ".join(args))

    def test_statement_cycle_with_the_cli(self):
        Y = self.Y
        o1 = self.demo.officer(1).path
        co, edge = self.demo.key("hanbit-steel").path, self.demo.key(EDGE).path
        ver = self.demo.key("korea-verify").path
        target = ["--company", "hanbit-steel", "--year", Y]

        # The draft, under its new and its old spelling.
        draft = self.cli_json("mrv", "statement", "draft", "--year", Y, "--json", "-k", co)
        self.assertEqual(int(draft["total_co2e_g"]), self.total)
        self.assertEqual(self.cli_json("mrv", "statement", "hanbit-steel", "--year", Y, "--json",
                                       "-k", ver)["rows"], draft["rows"])
        self.run_fails(1, "subcommand", "mrv", "statement", "-k", co)

        # Usage errors (exit 1, nothing sent).
        nonce = self.node.nonce("korea-verify")
        for args in (("submit", "--year", Y, "--adjust", "nosuchformat", "-k", co),
                     ("submit", "--year", Y, "--adjust",
                      "%s/natural_gas=12:reason:nothex" % INST, "-k", co),
                     ("submit", "-k", co),  # no year
                     ("attest", *target, "--revision", 1, "-k", ver),  # no decision
                     ("attest", *target, "--revision", 1, "--approve", "--correction", "-k",
                      ver),
                     ("attest", *target, "--revision", 1, "--correction", "-k", ver),
                     ("attest", *target, "--revision", 1, "--approve", "--evidence", "12",
                      "-k", ver),
                     ("show", "--year", 1999, "-k", ver)):
            self.run_fails(1, None, "mrv", "statement", *args)
        self.assertEqual(self.node.nonce("korea-verify"), nonce)

        # Submit (the edge account submits for its company), then the queue.
        self.run_fails(2, "mrv.year_not_over", "mrv", "statement", "submit", "--year", Y + 1,
                       "-k", co)
        res = self.cli_json("mrv", "statement", "submit", "--year", Y, "--revision", 1, "-k",
                            edge)
        self.assertEqual((res["status"], res["code"]), ("committed", "ok"))
        self.run_fails(2, "mrv.statement_pending", "mrv", "statement", "submit", "--year", Y,
                       "-k", co)
        q = self.cli_json("mrv", "statements", "pending", "--json", "-k", ver)["statements"]
        self.assertEqual([(x["company"], x["revision"], int(x["total_co2e_g"])) for x in q],
                         [("hanbit-steel", 1, self.total)])
        text = self.run_ok("mrv", "statements", "pending", "-k", o1).stdout
        self.assertIn("hanbit-steel", text)
        self.assertIn(q[0]["hash"], text)
        self.run_fails(2, "auth.forbidden", "mrv", "statements", "pending", "-k", co)
        self.run_fails(2, "auth.forbidden", "mrv", "statements", "pending")

        # Refusals: the company attests its own, a verifier certifies, certify unapproved.
        self.run_fails(2, "tx.unauthorized_type", "mrv", "statement", "attest", *target,
                       "--revision", 1, "--approve", "-k", co)
        self.run_fails(2, "tx.unauthorized_type", "mrv", "statement", "certify", *target,
                       "--revision", 1, "-k", ver)
        self.run_fails(2, "mrv.statement_not_approved", "mrv", "statement", "certify", *target,
                       "--revision", 1, "-k", o1)

        # Correction in Korean; resubmission with an adjustment; approval; certification.
        self.run_ok("mrv", "statement", "attest", *target, "--revision", 1, "--correction",
                    "--comments", KOREAN_COMMENTS, "-k", ver)
        adjust = "%s/natural_gas=%d:%s:%s" % (INST, self.adjusted_gas, KOREAN_REASON,
                                              self.evidence)
        self.run_fails(2, "mrv.statement_revision_mismatch", "mrv", "statement", "submit",
                       "--year", Y, "--revision", 3, "--adjust", adjust, "-k", co)
        self.run_ok("mrv", "statement", "submit", "--year", Y, "--revision", 2, "--adjust",
                    adjust, "--comment", "정정했습니다", "-k", co)
        q = self.cli_json("mrv", "statements", "pending", "--json", "-k", o1)["statements"]
        self.assertEqual([(x["revision"], int(x["total_co2e_g"]), x["corrections"]) for x in q],
                         [(2, self.adjusted_total, 1)])
        self.run_ok("mrv", "statement", "attest", *target, "--revision", 2, "--approve",
                    "--evidence", self.report, "-k", ver)
        self.run_ok("mrv", "statement", "certify", *target, "--revision", 2, "-k", o1)
        self.run_fails(2, "mrv.statement_certified", "mrv", "statement", "certify", *target,
                       "--revision", 2, "-k", o1)

        # show: JSON and the human view (revisions, hashes, totals in t, comments,
        # certification).
        st = self.cli_json("mrv", "statement", "show", "--year", Y, "--json", "-k", edge)
        self.assertEqual((st["status"], st["certification"]["tco2e"],
                          [r["revision"] for r in st["revisions"]]),
                         ("certified", str(self.tonnes), [1, 2]))
        text = self.run_ok("mrv", "statement", "show", *target, "-k", ver).stdout
        t_text = "%d.%06d" % divmod(self.adjusted_total, 10**6)
        for want in ("certified", KOREAN_COMMENTS, KOREAN_REASON, st["revisions"][0]["hash"],
                     st["revisions"][1]["hash"], t_text, "%d t" % self.tonnes, "correction",
                     "approve", self.report, "정정했습니다"):
            self.assertIn(want, text)
        self.run_fails(2, "auth.forbidden", "mrv", "statement", "show", *target, "-k",
                       self.demo.key("daehan-cement").path)
        self.run_fails(2, "mrv.unknown_statement", "mrv", "statement", "show", "--company",
                       "daehan-cement", "--year", Y, "-k", o1)
        self.check_certified_in_ets(self.tonnes)
        pos = self.cli_json("ets", "position", "hanbit-steel", "--year", Y, "--json", "-k", co)
        self.assertEqual(pos["certified_tco2e"], str(self.tonnes))


if __name__ == "__main__":
    e2e.main()
