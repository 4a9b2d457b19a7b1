"""End-to-end: the K-ETS registry from the user's side, with the `tanso ets ...` commands against a
real node started from `tanso genesis demo` (which holds the 2026 plan, the four designated demo
companies, their 2026 allocation, certified emissions, the price and KCU for hanbit-steel).

- the regulator plans 2027 and issues an allocation order computed by `tanso ets preview`: one
  officer alone is refused (tx.insufficient_signatures, exit 2); officer 1 signs to a file and
  officer 2 adds a signature and submits; re-issuing the order is ets.duplicate_order;
- companies surrender for 2026 (KAU, KCU within the offset cap) and read their position;
- bad flags exit with the usage code 1, an unreachable node with 3.
"""

import json
import os

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "ets")

# samples/ets/README.md "The demo preview": free allocation for 2026 (the same for 2027).
FREE = {"hanbit-steel": 1207854, "daehan-cement": 794542, "seoul-petrochem": 570029,
        "nuri-power": 2032601}

SUBCOMMANDS = {
    "plan": ["--year", "--cap", "--auction", "--key", "--out", "--no-wait"],
    "designate": ["--file", "--company", "--name", "--sector", "--from-year", "--to-year",
                  "--installation", "--annual", "--key"],
    "undesignate": ["--company", "--last-year", "--key"],
    "allocate": ["--order", "--envelope", "--key", "--out", "multi-signature"],
    "issue-kcu": ["--to", "--amount", "--memo", "--key"],
    "certify": ["--company", "--year", "--tco2e", "--key"],
    "price": ["--year", "--krw", "--key"],
    "settle": ["--year", "--key"],
    "set-params": ["file", "--key"],
    "surrender": ["--year", "--kau", "--kcu", "--key", "--from"],
    "bank": ["--year", "--amount", "--key"],
    "borrow": ["--year", "--amount", "--key"],
    "project": ["--year", "--tco2e", "--key"],
    "params": ["--json"],
    "totals": ["--year", "--key", "--json"],
    "compliance": ["--year", "--key", "--json"],
    "companies": ["--year", "--json"],
    "company": ["account", "--key", "--json"],
    "position": ["account", "--year", "--key", "--json"],
}


class EtsCliTest(E2ETest):

    def run_ok(self, *args, node=None):
        r = tanso(*args, node=node)
        self.assertEqual(r.returncode, 0, "tanso %s\nstdout: %s\nstderr: %s" %
                         (" ".join(map(str, args)), r.stdout, r.stderr))
        return r

    def exit_code(self, r, code, text=None):
        self.assertEqual(r.returncode, code, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        if text:
            self.assertIn(text, r.stdout + r.stderr)
        return r

    def jq(self, *args, node=None):
        return json.loads(self.run_ok(*args, "--json", node=node).stdout)

    # -- no node --------------------------------------------------------------------------------

    def test_help_and_usage_errors(self):
        r = self.run_ok("ets", "--help")
        for sub in list(SUBCOMMANDS) + ["import", "preview"]:
            self.assertIn(sub, r.stdout)
        for sub, words in SUBCOMMANDS.items():
            out = self.run_ok("ets", sub, "--help").stdout
            for w in words:
                self.assertIn(w, out, "tanso ets %s --help should mention %s" % (sub, w))
        k = os.path.join(self.tmp, "k.json")
        self.run_ok("keygen", "--out", k, "--account", "hanbit-steel")
        node = "http://127.0.0.1:%d" % e2e.closed_port()  # never reached: usage errors first
        bad = [
            ("ets", "surrender", "--year", 2026, "--kau", 5, "--bogus", "-k", k),
            ("ets", "surrender", "--year", 2026, "-k", k),             # neither --kau nor --kcu
            ("ets", "surrender", "--year", "twenty", "--kau", 5, "-k", k),
            ("ets", "surrender", "--year", 2026, "--kau", "12x", "-k", k),
            ("ets", "surrender", "--year", 2026, "--kau", 0, "-k", k),
            ("ets", "surrender", "--year", 1900, "--kau", 5, "-k", k),
            ("ets", "surrender", "--year", 2026, "--kau", 5),           # no key
            ("ets", "allocate", "-k", k),                                # no --order/--envelope
            ("ets", "designate", "--company", "x", "-k", k),             # no name/sector/year
            ("ets", "designate", "--company", "x", "--name", "X", "--sector", "s",
             "--from-year", 2026, "--installation", "nocolon", "-k", k),
            ("ets", "certify", "--company", "x", "--year", 2026, "-k", k),  # no --tco2e
            ("ets", "price", "--year", 2026, "--krw", "-5", "-k", k),
            ("ets", "totals"),                                           # no --year
            ("ets", "position"),                                         # no account, no key
            ("ets", "nonsense"),
        ]
        for args in bad:
            self.exit_code(tanso(*args, node=node), 1)
        self.exit_code(tanso("ets", "params", node=node), 3)
        self.exit_code(tanso("ets", "surrender", "--year", 2026, "--kau", 5, "-k",
                             os.path.join(self.tmp, "missing.json"), node=node), 4)

    # -- the regulator --------------------------------------------------------------------------

    def test_regulator_allocates_with_two_officers(self):
        demo, node = self.demo_node()
        o1, o2, o3 = (demo.officer(i).path for i in (1, 2, 3))
        # 2027: a plan (one officer suffices), then the order computed from the sample files.
        self.run_ok("ets", "plan", "--year", 2027, "--cap", "6,000,000", "--auction", "180,000",
                    "-k", o1, node=node)
        order = os.path.join(self.tmp, "order.json")
        self.run_ok("ets", "preview", "--history", os.path.join(SAMPLES, "ngms_2018.csv"),
                    os.path.join(SAMPLES, "etrs_2018.tsv"), "--companies",
                    os.path.join(SAMPLES, "companies.json"), "--year", 2027, "--base-years",
                    "2017-2019", "--adjust", "0.97", "--auction-share", "0.03", "--cap",
                    "6,000,000", "--order", "kau-2027-initial", "--order-out", order)
        # One officer alone: refused at admission, nothing issued.
        r = self.exit_code(tanso("ets", "allocate", "--order", order, "-k", o1, node=node), 2,
                           "tx.insufficient_signatures")
        self.assertEqual(self.jq("ets", "totals", "--year", 2027, node=node)["allocated"], "0")
        # Two steps: officer 1 signs to a file (nothing submitted), officer 2 adds and submits.
        env = os.path.join(self.tmp, "order.env")
        self.run_ok("ets", "allocate", "--order", order, "-k", o1, "--out", env, node=node)
        with open(env) as f:
            self.assertEqual(len(json.load(f)["signatures"]), 1)
        self.assertEqual(self.jq("ets", "totals", "--year", 2027, node=node)["allocated"], "0")
        self.exit_code(tanso("ets", "allocate", "--envelope", env, "-k", o1, node=node), 1,
                       "already signed")
        r = self.run_ok("ets", "allocate", "--envelope", env, "-k", o2, node=node)
        res = json.loads(r.stdout)
        self.assertEqual((res["status"], res["code"]), ("committed", "ok"))
        tot = self.jq("ets", "totals", "--year", 2027, node=node)
        self.assertEqual(tot["allocated"], str(sum(FREE.values())))
        self.assertEqual(tot["plan"]["cap"], "6000000")
        for acct, amount in FREE.items():
            pos = self.jq("ets", "position", acct, "--year", 2027, "-k", o3, node=node)
            self.assertEqual(pos["allocated"], str(amount), acct)
        # The same order again, even with two signatures: ets.duplicate_order, exit 2.
        self.exit_code(tanso("ets", "allocate", "--order", order, "-k", o1, "-k", o3, node=node),
                       2, "ets.duplicate_order")
        # One step with two keys: a small order for a new entrant's extension.
        extra = os.path.join(self.tmp, "extra.json")
        with open(extra, "w") as f:
            json.dump({"order": "kau-2027-reserve-1", "year": 2027,
                       "entries": [["seoul-petrochem", "1000"]]}, f)
        self.run_ok("ets", "allocate", "--order", extra, "-k", o2, "-k", o3, node=node)
        self.assertEqual(self.jq("ets", "totals", "--year", 2027, node=node)["allocated"],
                         str(sum(FREE.values()) + 1000))
        # A company cannot allocate to itself (permission), exit 2.
        self.exit_code(tanso("ets", "allocate", "--order", extra, "-k",
                             demo.key("seoul-petrochem").path, node=node), 2)
        # Designation from flags, certification, price: the regulator's other commands.
        self.run_ok("ets", "designate", "--company", "daehan-cement", "--name",
                    "Daehan Cement Co.", "--sector", "cement", "--from-year", 2021,
                    "--installation", "daehan-danyang:Danyang cement plant:844,000",
                    "--installation", "daehan-samcheok:Samcheok plant", "-k", o1, node=node)
        comp = self.jq("ets", "company", "daehan-cement", "-k", o1, node=node)
        self.assertEqual([i["id"] for i in comp["installations"]],
                         ["daehan-danyang", "daehan-samcheok"])
        self.run_ok("ets", "certify", "--company", "nuri-power", "--year", 2027, "--tco2e",
                    "2,100,000", "-k", o1, node=node)
        self.run_ok("ets", "price", "--year", 2027, "--krw", "10,500", "-k", o1, node=node)
        pos = self.jq("ets", "position", "nuri-power", "--year", 2027, "-k", o1, node=node)
        self.assertEqual(pos["certified_tco2e"], "2100000")
        # A company's key on a regulator command: refused (permission), exit 2.
        self.exit_code(tanso("ets", "certify", "--company", "nuri-power", "--year", 2027,
                             "--tco2e", 1, "-k", demo.key("nuri-power").path, node=node), 2)
        # Human-readable reports.
        out = self.run_ok("ets", "compliance", "--year", 2026, "-k", o1, node=node).stdout
        for acct in FREE:
            self.assertIn(acct, out)
        self.assertIn("penalty_krw", out)
        out = self.run_ok("ets", "companies", node=node).stdout
        self.assertIn("hanbit-steel", out)
        self.assertEqual(len(self.jq("ets", "companies", node=node)["companies"]), 4)
        self.assertIn("phases", self.run_ok("ets", "params", node=node).stdout)

    # -- a company ------------------------------------------------------------------------------

    def test_company_surrenders_and_reads_its_position(self):
        demo, node = self.demo_node()
        dk, hk = demo.key("daehan-cement").path, demo.key("hanbit-steel").path
        pos = self.jq("ets", "position", "--year", 2026, "-k", dk, node=node)  # account from key
        self.assertEqual((pos["account"], pos["allocated"], pos["certified_tco2e"]),
                         ("daehan-cement", str(FREE["daehan-cement"]), "780000"))
        r = self.run_ok("ets", "surrender", "--year", 2026, "--kau", "780,000", "-k", dk,
                        node=node)
        self.assertEqual(json.loads(r.stdout)["code"], "ok")
        pos = self.jq("ets", "position", "daehan-cement", "--year", 2026, "-k", dk, node=node)
        self.assertEqual(pos["surrendered"]["kau"], "780000")
        self.assertEqual(pos["holdings"]["kau"], str(FREE["daehan-cement"] - 780000))
        # Its surplus can now be banked into 2027.
        self.run_ok("ets", "bank", "--year", 2026, "--amount", 4542, "-k", dk, node=node)
        self.assertIn("2026", self.run_ok("ets", "company", "daehan-cement", "-k", dk,
                                          node=node).stdout)
        # hanbit-steel: certified 1,250,000; KCU above the 5 % offset cap (62,500) is refused
        # with nothing changed; within it, KAU + KCU cover the obligation.
        self.exit_code(tanso("ets", "surrender", "--year", 2026, "--kcu", 62501, "-k", hk,
                             node=node), 2, "ets.offset_cap")
        self.run_ok("ets", "surrender", "--year", 2026, "--kau", FREE["hanbit-steel"], "--kcu",
                    1250000 - FREE["hanbit-steel"], "-k", hk, node=node)
        pos = self.jq("ets", "position", "--year", 2026, "-k", hk, node=node)
        self.assertEqual((pos["surrendered"]["kau"], pos["surrendered"]["kcu"]),
                         (str(FREE["hanbit-steel"]), str(1250000 - FREE["hanbit-steel"])))
        # Human output of the position.
        out = self.run_ok("ets", "position", "--year", 2026, "-k", hk, node=node).stdout
        self.assertIn("surrendered.kcu", out)
        # Insufficient units, exit 2; another company's position, exit 2 (auth.forbidden).
        self.exit_code(tanso("ets", "surrender", "--year", 2026, "--kau", 1, "-k", hk,
                             node=node), 2)
        self.exit_code(tanso("ets", "position", "nuri-power", "--year", 2026, "-k", hk,
                             node=node), 2, "auth.forbidden")
        # A projection makes nuri-power's (uncertified) position a real report.
        nk = demo.key("nuri-power").path
        self.run_ok("ets", "project", "--year", 2026, "--tco2e", "2,500,000", "-k", nk, node=node)
        pos = self.jq("ets", "position", "--year", 2026, "-k", nk, node=node)
        self.assertEqual(pos["projected_tco2e"], "2500000")
        self.assertEqual(pos["risk"], "rising")  # gap 467,399 t = 18.7 %
        # The regulator's table shows the statuses so far.
        rows = {r["company"]: r for r in
                self.jq("ets", "compliance", "--year", 2026, "-k", demo.officer(1).path,
                        node=node)["rows"]}
        self.assertEqual(rows["hanbit-steel"]["counted"], "1250000")
        self.assertEqual(rows["daehan-cement"]["surrendered_kau"], "780000")


if __name__ == "__main__":
    e2e.main()
