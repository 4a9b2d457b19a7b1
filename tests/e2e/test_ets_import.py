"""End-to-end: `tanso ets import` and `tanso ets preview` on the sample files (samples/ets/), no
node. Checks the exit codes of docs/CLI.md (0 ok, 1 bad input, 4 unreadable file), the
line-numbered errors on stderr, that the preview's basis is SHA-256 of its canonical JSON
(recomputed here with Python's json), and that the --order-out file is a body `tanso tx build`
takes unchanged.
"""

import hashlib
import json
import os
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples", "ets")


def sample(name):
    return os.path.join(SAMPLES, name)


def preview_args(*extra, **over):
    """`tanso ets preview` of the demo; keyword arguments replace options (base_years="...")."""
    opts = {"companies": sample("companies.json"), "year": "2026", "base_years": "2017-2019",
            "adjust": "0.97", "auction_share": "0.03", "cap": "6,000,000"}
    opts.update(over)
    args = ["ets", "preview", "--history", sample("ngms_2018.csv"), sample("etrs_2018.tsv")]
    for k, v in opts.items():
        args += ["--" + k.replace("_", "-"), v]
    return tuple(args) + extra


class EtsImportCliTest(E2ETest):

    def code(self, r, code, text=None):
        self.assertEqual(r.returncode, code, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        if text:
            self.assertIn(text, r.stdout + r.stderr)
        return r

    def test_import_samples(self):
        r = self.code(tanso("ets", "import", sample("ngms_2018.csv"), "--json"), 0)
        j = json.loads(r.stdout)
        self.assertEqual((j["format"], j["encoding"], j["delimiter"]), ("ngms", "utf-8", "comma"))
        self.assertEqual(len(j["records"]), 14)
        hj = j["records"][0]
        self.assertEqual(hj["company_name"], "(주)HJ매그놀리아용평호텔앤리조트")
        self.assertEqual((hj["year"], hj["emissions_t"], hj["energy_tj"]), (2018, "32776", "649"))
        self.assertEqual(j["records"][1]["energy_mtj"], "1534000")

        r = self.code(tanso("ets", "import", sample("ngms_2018_cp949.csv"), "--json"), 0)
        self.assertEqual(json.loads(r.stdout)["encoding"], "cp949")
        self.assertEqual(json.loads(r.stdout)["records"][1]["company_name"], "(주)강원랜드")

        r = self.code(tanso("ets", "import", sample("etrs_2018.tsv")), 0, "58,372")
        self.assertIn("(유)에스케이씨에보닉페룩사이드코리아", r.stdout)
        self.assertIn("tab-separated", r.stdout)

    def test_import_errors(self):
        bad = sample("bad_rows.csv")
        r = self.code(tanso("ets", "import", bad), 1, "tanso: csv.bad_number:")
        self.assertEqual(r.stdout, "")
        for line, code in [(3, "csv.bad_number"), (4, "csv.bad_year"), (6, "csv.missing_value"),
                           (8, "csv.duplicate_row"), (9, "csv.field_count"),
                           (11, "csv.bad_number")]:
            self.assertIn("%s:%d: %s:" % (bad, line, code), r.stderr)
        r = self.code(tanso("ets", "import", bad, "--skip-bad-rows", "--json"), 0)
        j = json.loads(r.stdout)
        self.assertEqual([x["line"] for x in j["records"]], [2, 10])
        self.assertEqual([x["line"] for x in j["skipped"]], [3, 4, 5, 6, 7, 8, 9, 11])
        self.assertIn("%s:3: skipped: csv.bad_number:" % bad, r.stderr)

        self.code(tanso("ets", "import", sample("ngms_2018_cp949.csv"), "--encoding", "utf-8"), 1,
                  "csv.bad_encoding")
        self.code(tanso("ets", "import", sample("ngms_2018.csv"), "--encoding", "latin1"), 1)
        self.code(tanso("ets", "import", sample("companies.json")), 1, "csv.unknown_format")
        self.code(tanso("ets", "import", os.path.join(self.tmp, "missing.csv")), 4)
        self.code(tanso("ets", "import"), 1)

    def test_preview_and_order(self):
        out = os.path.join(self.tmp, "order.json")
        r = self.code(tanso(*preview_args("--order", "kau-2026-initial", "--order-out", out)), 0)
        self.assertIn("1,207,854", r.stdout)  # hanbit-steel's free allocation
        self.assertIn("4,605,026", r.stdout)  # total free
        with open(out) as f:
            body = json.load(f)
        self.assertEqual(sorted(body), ["basis", "entries", "order", "year"])
        self.assertEqual(body["order"], "kau-2026-initial")
        self.assertEqual(body["year"], 2026)
        self.assertEqual(body["entries"], [["hanbit-steel", "1207854"], ["daehan-cement", "794542"],
                                           ["seoul-petrochem", "570029"],
                                           ["nuri-power", "2032601"]])

        # The basis is SHA-256 of the canonical preview, recomputed independently.
        r = self.code(tanso(*preview_args("--json")), 0)
        j = json.loads(r.stdout)
        canonical = json.dumps(j["preview"], sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        self.assertEqual(hashlib.sha256(canonical.encode()).hexdigest(), j["basis"])
        self.assertEqual(j["basis"], body["basis"])

        # `tanso tx build --body @FILE` takes the order body as it is (no node needed with
        # --chain, --nonce and an absolute --expires).
        r = self.code(tanso("tx", "build", "--from", "regulator", "--type", "ets.allocation.order",
                            "--body", "@" + out, "--chain", "tanso-demo", "--nonce", "1",
                            "--expires", "100"), 0)
        payload = json.loads(r.stdout)
        self.assertEqual(payload["type"], "ets.allocation.order")
        self.assertEqual(payload["body"], body)

    def test_preview_refusals(self):
        out = os.path.join(self.tmp, "order.json")
        r = self.code(tanso(*preview_args("--order", "o1", "--order-out", out, cap="4,000,000")),
                      1, "allocation.above_cap")
        self.assertIn("EXCEEDED", r.stdout)  # the preview is still shown
        self.assertFalse(os.path.exists(out))
        self.code(tanso(*preview_args("--order-out", out)), 1, "--order")
        self.code(tanso(*preview_args(base_years="2019-2017")), 1, "allocation.bad_settings")
        self.code(tanso(*preview_args(adjust="1.5")), 1, "allocation.bad_settings")
        self.code(tanso(*preview_args("--order", "bad id")), 1, "allocation.bad_order_id")
        companies = os.path.join(self.tmp, "c.json")
        with open(companies, "w") as f:
            json.dump({"companies": [{"account": "a", "name": "x", "method": "auction"}]}, f)
        self.code(tanso(*preview_args(companies=companies)), 1, "allocation.bad_company")


if __name__ == "__main__":
    e2e.main()
