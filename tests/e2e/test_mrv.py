"""End-to-end: the MRV registry from the users' side (docs/MRV.md, docs/API.md "MRV"), on a real
tansod started from `tanso genesis demo`.

- MrvHttpTest: over HTTP with txs signed by ed25519_tool.js (independent of Tanso's code): the
  regulator publishes a factor set, the company registers meters, the verifier calibrates them
  (the company may not: tx.unauthorized_type), the company sets a plan and the regulator
  approves it, the edge account submits a daily batch (one meter's calibration has expired: its
  quantity is excluded); the batch, the daily chart and the statement draft are read and checked
  against emissions computed here from the published factors; a replayed tx, a retry, a conflict;
  read access (company org, regulator, verifier; anonymous and other companies 403) and bad query
  values, unknown ids.
- MrvCliTest: the same cycle with `tanso mrv ...` commands.
- MrvDemoTest: the demo genesis' MRV data: every installation's meters with key files matching
  the registry, calibrated, an approved plan, edge accounts that can read and submit.

The demo genesis' own MRV part ("mrv") is dropped for the first two, so they build it.
"""

import datetime
import json
import os
import stat
from fractions import Fraction

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso

INST = "hanbit-pohang"  # an installation of hanbit-steel's ETS designation in the demo genesis
INST2 = "hanbit-dangjin"
EDGE = "hanbit-steel.edge"


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def factor_body(version, year):
    """A factor set with IPCC defaults and a grid factor covering `year` (the built-in default
    stops at 2023)."""
    return {"version": version, "valid_from": year - 1, "source": "e2e",
            "fuels": {"natural_gas": {"ncv_mj_per_kg": "48.0", "ncv_mj_per_nm3": "38.5",
                                      "co2_kg_per_tj": "56100", "ch4_kg_per_tj": "1",
                                      "n2o_kg_per_tj": "0.1"},
                      "diesel": {"ncv_mj_per_kg": "43.0", "co2_kg_per_tj": "74100",
                                 "ch4_kg_per_tj": "3", "n2o_kg_per_tj": "0.6"}},
            "grid": [{"from_year": year - 1, "to_year": year + 1, "tco2e_per_mwh": "0.4173"}],
            "gwp": {"ch4": "28", "n2o": "265"}}


# -- the calculation of docs/MRV.md, redone here with exact fractions -----------------------------

def half_up(x):
    return int((x + Fraction(1, 2)) // 1)


def fuel_co2e_g(fs, fuel, unit, milli):
    f = fs["fuels"][fuel]
    ncv = Fraction(f["ncv_mj_per_nm3"] if unit == "Nm3" else f["ncv_mj_per_kg"])
    qty = Fraction(milli, 1000) * (1000 if unit == "t" else 1)
    tj = qty * ncv / 10**6
    gwp = {"co2": 1, "ch4": Fraction(fs["gwp"]["ch4"]), "n2o": Fraction(fs["gwp"]["n2o"])}
    return sum(half_up(tj * Fraction(f[g + "_kg_per_tj"]) * 1000 * gwp[g]) for g in gwp)


def power_co2e_g(fs, year, unit, milli):
    mwh = Fraction(milli, 1000) / (1000 if unit == "kWh" else 1)
    g = [x for x in fs["grid"] if x["from_year"] <= year <= x["to_year"]][0]
    return half_up(mwh * Fraction(g["tco2e_per_mwh"]) * 10**6)


def without_demo_mrv(demo):
    with open(demo.genesis) as f:
        g = json.load(f)
    g.pop("mrv", None)
    with open(demo.genesis, "w") as f:
        json.dump(g, f, indent=1)


class MrvBase(E2ETest):

    def start(self, keep_demo_mrv=False):
        self.demo = e2e.Demo(self.tmp)
        if not keep_demo_mrv:
            without_demo_mrv(self.demo)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        self.chain = self.demo.chain
        self.day = utc_today() - datetime.timedelta(days=1)
        self.D = self.day.isoformat()
        self.year = self.day.year

    def key(self, who):
        return self.demo.officer(1) if who == "regulator" else self.demo.key(who)

    def envelope(self, sender, type_, body, nonce=None):
        n = self.node.nonce(sender) + 1 if nonce is None else nonce
        p = e2e.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        return e2e.sign_one(self.chain, p, [self.key(sender).seed])

    def tx(self, sender, type_, body, code="ok"):
        env, tx_id = self.envelope(sender, type_, body)
        r = self.node.post("/v1/txs", env)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["code"], r.json["tx_id"]),
                         ("committed", code, tx_id), r)
        return env

    def read(self, target, who=None, status=200, code=None):
        key = None
        if who:
            key = self.demo.officer(3) if who == "regulator" else self.demo.key(who)
        hs = e2e.signed_read_headers(self.chain, key, "GET", target) if key else None
        r = self.node.get(target, hs)
        if code:
            self.assertCode(r, status, code)
        else:
            self.assertEqual(r.status, status, r)
        return r.json

    def run_ok(self, *args):
        r = tanso(*args, node=self.node)
        self.assertEqual(r.returncode, 0, "tanso %s\nstdout: %s\nstderr: %s" %
                         (" ".join(map(str, args)), r.stdout, r.stderr))
        return r

    def run_fails(self, code, text, *args):
        r = tanso(*args, node=self.node)
        self.assertEqual(r.returncode, code, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        if text:
            self.assertIn(text, r.stdout + r.stderr)
        return r

    def date(self, days):
        return (self.day + datetime.timedelta(days=days)).isoformat()


class MrvHttpTest(MrvBase):

    def setUp(self):
        super().setUp()
        self.start()

    def test_cycle_reads_and_refusals(self):
        V = "e2e-%d.1" % self.year
        fs = factor_body(V, self.year)
        self.tx("regulator", "mrv.factors.publish", fs)
        lst = self.read("/v1/mrv/factors")
        self.assertEqual(lst["latest"], V)
        self.assertEqual([s["version"] for s in lst["factor_sets"]], ["ipcc2006-ar5-kr2023", V])
        self.assertEqual(self.read("/v1/mrv/factors/latest")["version"], V)
        got = self.read("/v1/mrv/factors/" + V)["fuels"]  # canonical decimals: "48" for "48.0"
        self.assertEqual({f: {k: Fraction(v) for k, v in x.items()} for f, x in got.items()},
                         {f: {k: Fraction(v) for k, v in x.items()}
                          for f, x in fs["fuels"].items()})

        # Meters: registered by the company, each with its own key.
        seeds = {d: e2e.new_seed() for d in ("gas-1", "gas-2", "power-1")}
        pubs = dict(zip(seeds, e2e.public_keys(seeds.values())))
        dev = {d: INST + "." + d for d in seeds}
        for d, (source, quantity, unit, fuel) in {
                "gas-1": ("natural_gas", "natural_gas_volume", "Nm3", "natural_gas"),
                "gas-2": ("natural_gas", "natural_gas_volume", "Nm3", "natural_gas"),
                "power-1": ("electricity", "electricity", "kWh", None)}.items():
            b = {"device": dev[d], "key": pubs[d], "installation": INST, "source": source,
                 "quantity": quantity, "unit": unit, "scope": 2 if fuel is None else 1}
            if fuel:
                b["fuel"] = fuel
            self.tx("hanbit-steel", "mrv.device.register", b)
        # The same key again: mrv.device_key_in_use.
        self.tx("hanbit-steel", "mrv.device.register",
                {"device": INST + ".gas-9", "key": pubs["gas-1"], "installation": INST,
                 "source": "natural_gas", "quantity": "natural_gas_volume", "unit": "Nm3",
                 "fuel": "natural_gas", "scope": 1}, code="mrv.device_key_in_use")

        # Calibration by the verifier; the company calibrating its own meter is refused at
        # admission (its role may not send the type), and nothing is recorded.
        cal = {"device": dev["gas-1"], "technician": "Lee", "certificate": "C-1",
               "calibrated_on": self.date(-30), "expires_on": self.date(365)}
        env, _ = self.envelope("hanbit-steel", "mrv.device.calibrate", cal)
        self.assertCode(self.node.post("/v1/txs", env), 403, "tx.unauthorized_type")
        self.assertEqual(self.read("/v1/mrv/devices/" + dev["gas-1"], "hanbit-steel")
                         ["calibrations"], [])
        self.tx("korea-verify", "mrv.device.calibrate", cal)
        self.tx("korea-verify", "mrv.device.calibrate", dict(cal, device=dev["power-1"],
                                                             certificate="C-2"))
        self.tx("korea-verify", "mrv.device.calibrate",
                dict(cal, device=dev["gas-2"], certificate="C-3", calibrated_on=self.date(-400),
                     expires_on=self.date(-35)))
        d = self.read("/v1/mrv/devices/%s?day=%s" % (dev["gas-2"], self.D), "korea-verify")
        self.assertEqual((d["calibration_status"], d["status_on"]), ("expired", self.D))
        d = self.read("/v1/mrv/devices/%s?day=%s" % (dev["gas-1"], self.date(-31)), "regulator")
        self.assertEqual(d["calibration_status"], "never")

        # The plan: set by the company, pending until the regulator approves its revision.
        sources = [{"source": "natural_gas", "scope": 1, "fuel": "natural_gas",
                    "method": "calculation", "tier": 3, "factor_version": V},
                   {"source": "electricity", "scope": 2, "method": "calculation", "tier": 2,
                    "factor_version": V}]
        self.tx("hanbit-steel", "mrv.plan.set", {"installation": INST, "sources": sources})
        inst = self.read("/v1/mrv/installations/" + INST, EDGE)
        self.assertIsNone(inst["plan"])
        self.assertEqual((inst["pending"]["revision"], inst["company"]), (1, "hanbit-steel"))
        self.assertEqual({x["device"]: x["key"] for x in inst["devices"]},
                         {dev[k]: pubs[k] for k in dev})

        root = "ab" * 32
        batch = {"batch_id": INST + "." + self.D + ".1", "installation": INST, "day": self.D,
                 "merkle_root": root, "factor_version": V, "totals": [
                     {"source": "natural_gas", "device": dev["gas-1"], "unit": "Nm3",
                      "quantity": "6000000", "readings": 1440, "gaps": 2, "substituted": 2},
                     {"source": "natural_gas", "device": dev["gas-2"], "unit": "Nm3",
                      "quantity": "4000000", "readings": 1440, "gaps": 0, "substituted": 0},
                     {"source": "electricity", "device": dev["power-1"], "unit": "kWh",
                      "quantity": "250000000", "readings": 96, "gaps": 0, "substituted": 0}]}
        self.tx(EDGE, "mrv.batch.submit", batch, code="mrv.plan_not_approved")
        self.tx("regulator", "mrv.plan.approve", {"installation": INST, "revision": 2},
                code="mrv.plan_revision_mismatch")
        self.tx("regulator", "mrv.plan.approve", {"installation": INST, "revision": 1})
        inst = self.read("/v1/mrv/installations/" + INST, "korea-verify")
        self.assertEqual((inst["plan"]["revision"], inst["pending"]), (1, None))

        env = self.tx(EDGE, "mrv.batch.submit", batch)
        gas = fuel_co2e_g(fs, "natural_gas", "Nm3", 6000000)  # gas-2 (expired) excluded
        power = power_co2e_g(fs, self.year, "kWh", 250000000)
        total = gas + power

        # Replaying the very same signed tx: refused by the nonce check, nothing changes.
        self.assertCode(self.node.post("/v1/txs", env), 409, "tx.nonce_replayed")
        # A retry (new tx, same batch id and body) succeeds and changes nothing; the same id
        # with another body is a conflict.
        self.tx(EDGE, "mrv.batch.submit", batch)
        other = json.loads(json.dumps(batch))
        other["totals"][0]["quantity"] = "6000001"
        self.tx(EDGE, "mrv.batch.submit", other, code="mrv.batch_conflict")
        self.tx(EDGE, "mrv.batch.submit", dict(other, batch_id=batch["batch_id"] + "b"),
                code="mrv.source_day_reported")

        b = self.read("/v1/mrv/batches/" + batch["batch_id"], "hanbit-steel")
        self.assertEqual((b["company"], b["submitted_by"], b["body"]),
                         ("hanbit-steel", EDGE, batch))
        by_src = {s["source"]: s for s in b["sources"]}
        self.assertEqual(int(by_src["natural_gas"]["co2e_g"]), gas)
        self.assertEqual(int(by_src["electricity"]["co2e_g"]), power)
        rows = {r["device"]: r for r in by_src["natural_gas"]["devices"]}
        self.assertEqual((rows[dev["gas-2"]]["included"], rows[dev["gas-2"]]["reason"]),
                         (False, "calibration_expired"))

        for who in ("hanbit-steel", EDGE, "regulator", "korea-verify"):
            daily = self.read("/v1/mrv/companies/hanbit-steel/daily?year=%d" % self.year, who)
            self.assertEqual([x["day"] for x in daily["days"]], [self.D])
            self.assertEqual(int(daily["total_co2e_g"]), total)
            self.assertEqual(sorted((s["source"], int(s["co2e_g"]))
                                    for s in daily["days"][0]["sources"]),
                             [("electricity", power), ("natural_gas", gas)])
        st = self.read("/v1/mrv/companies/hanbit-steel/statement-draft?year=%d" % self.year,
                       "korea-verify")
        self.assertEqual((int(st["total_co2e_g"]), st["status"]), (total, "draft"))
        self.assertEqual(st["by_scope"], {"1": str(gas), "2": str(power)})
        self.assertEqual(st["by_fuel"], {"natural_gas": str(gas), "electricity": str(power)})
        row = [r for r in st["rows"] if r["source"] == "natural_gas"][0]
        self.assertEqual((row["activity"], row["excluded"]),
                         ({"Nm3": "6000000"}, {"device_days": 1, "activity": {"Nm3": "4000000"}}))
        self.assertEqual(row["factor_versions"], [V])
        self.assertEqual(int(st["total_co2e_t"].replace(".", "")), total)

        # Access: anonymous, another company, the exchange: 403; the public factor sets: 200.
        restricted = ["/v1/mrv/installations/" + INST, "/v1/mrv/devices/" + dev["gas-1"],
                      "/v1/mrv/batches/" + batch["batch_id"],
                      "/v1/mrv/companies/hanbit-steel/daily?year=%d" % self.year,
                      "/v1/mrv/companies/hanbit-steel/statement-draft?year=%d" % self.year]
        for t in restricted:
            for who in (None, "daehan-cement", "krx"):
                self.read(t, who, 403, "auth.forbidden")
        self.read("/v1/mrv/factors", "daehan-cement")

        # Bad query values: 400 request.bad_parameter; unknown ids: 404 with the view's code.
        for t in ("/v1/mrv/companies/hanbit-steel/daily", "/v1/mrv/companies/hanbit-steel/daily"
                  "?year=26", "/v1/mrv/companies/hanbit-steel/daily?year=1999",
                  "/v1/mrv/companies/hanbit-steel/statement-draft?year=abcd",
                  "/v1/mrv/devices/%s?day=%d-02-30" % (dev["gas-1"], self.year),
                  "/v1/mrv/devices/%s?day=yesterday" % dev["gas-1"]):
            self.read(t, "regulator", 400, "request.bad_parameter")
        for t, code in (("/v1/mrv/installations/nowhere", "mrv.unknown_installation"),
                        ("/v1/mrv/installations/" + INST2, "mrv.unknown_installation"),
                        ("/v1/mrv/devices/nope", "mrv.unknown_device"),
                        ("/v1/mrv/batches/nope", "mrv.unknown_batch"),
                        ("/v1/mrv/factors/nope", "mrv.unknown_factor_version"),
                        ("/v1/mrv/companies/nobody/daily?year=2026", "account.not_found")):
            self.read(t, "regulator", 404, code)


class MrvCliTest(MrvBase):

    def setUp(self):
        super().setUp()
        self.start()

    def test_help_and_usage(self):
        out = self.run_ok("mrv", "--help").stdout
        for sub in ("factors", "device", "plan", "batch", "installation", "daily", "statement"):
            self.assertIn(sub, out)
        for args, words in ((("factors", "publish"), ["file", "--key"]),
                            (("device", "register"), ["--device-key", "--installation",
                                                      "--quantity", "--unit", "--fuel"]),
                            (("device", "calibrate"), ["--technician", "--expires-on"]),
                            (("device", "retire"), ["--retired-on", "--reason"]),
                            (("plan", "set"), ["--file", "--source", "--tier"]),
                            (("plan", "approve"), ["--revision"]),
                            (("batch", "submit"), ["--file", "--total", "--merkle-root"]),
                            (("device", "show"), ["--day"]),
                            (("daily",), ["--year", "--json"]),
                            (("statement",), ["--year", "draft", "submit", "show"]),
                            (("statement", "draft"), ["--year", "--json"])):
            out = self.run_ok("mrv", *args, "--help").stdout
            for w in words:
                self.assertIn(w, out, "tanso mrv %s --help" % " ".join(args))
        k = self.demo.key(EDGE).path
        for args in (("batch", "submit", "--batch-id", "b", "--installation", INST, "--day",
                      self.D, "--merkle-root", "00" * 32, "--factor-version", "v", "--total",
                      "nocolons", "-k", k),
                     ("batch", "submit", "--batch-id", "b", "-k", k),  # no installation, ...
                     ("plan", "set", "--installation", INST, "--source", "a:b:c", "-k", k),
                     ("daily", "hanbit-steel", "--year", 1999),
                     ("device", "show", "x", "--day", "June 1st"),
                     ("mrv-nonsense",)):
            self.run_fails(1, None, "mrv", *args)

    def test_cycle_with_the_cli(self):
        o1 = self.demo.officer(1).path
        co, edge = self.demo.key("hanbit-steel").path, self.demo.key(EDGE).path
        ver = self.demo.key("korea-verify").path
        V = "cli-%d.1" % self.year
        fs = factor_body(V, self.year)
        fpath = os.path.join(self.tmp, "factors.json")
        with open(fpath, "w") as f:
            json.dump(fs, f)
        self.run_ok("mrv", "factors", "publish", fpath, "-k", o1)
        self.run_fails(2, "mrv.factor_version_exists", "mrv", "factors", "publish", fpath,
                       "-k", o1)
        self.assertIn(V, self.run_ok("mrv", "factors", "list").stdout)
        self.assertEqual(json.loads(self.run_ok("mrv", "factors", "show", V, "--json").stdout)
                         ["gwp"], fs["gwp"])

        dkey = os.path.join(self.tmp, "meter.json")
        self.run_ok("keygen", "--out", dkey)
        device = INST2 + ".gas-1"
        self.run_ok("mrv", "device", "register", "--device", device, "--device-key", dkey,
                    "--installation", INST2, "--source", "natural_gas", "--quantity",
                    "natural_gas_volume", "--unit", "Nm3", "--fuel", "natural_gas", "-k", co)
        # The company may not certify its own meter.
        cal = ["--device", device, "--technician", "Park", "--certificate", "CAL-1",
               "--calibrated-on", self.date(-10), "--expires-on", self.date(300)]
        self.run_fails(2, "tx.unauthorized_type", "mrv", "device", "calibrate", *cal, "-k", co)
        self.run_ok("mrv", "device", "calibrate", *cal, "-k", ver)
        shown = json.loads(self.run_ok("mrv", "device", "show", device, "--day", self.D,
                                       "--json", "-k", edge).stdout)
        self.assertEqual(shown["calibration_status"], "valid")
        with open(dkey) as f:
            self.assertEqual(shown["key"], json.load(f)["public"])

        self.run_ok("mrv", "plan", "set", "--installation", INST2, "--source",
                    "natural_gas:natural_gas", "--factor-version", V, "-k", co)
        self.run_fails(2, "mrv.plan_revision_mismatch", "mrv", "plan", "approve",
                       "--installation", INST2, "--revision", 3, "-k", o1)
        self.run_ok("mrv", "plan", "approve", "--installation", INST2, "--revision", 1, "-k", o1)
        text = self.run_ok("mrv", "installation", INST2, "-k", edge).stdout
        self.assertIn(device, text)
        self.assertIn("revision 1", text)

        # The batch from flags; the factor version comes from the plan in force.
        args = ["mrv", "batch", "submit", "--batch-id", INST2 + "." + self.D, "--installation",
                INST2, "--day", self.D, "--merkle-root", "cd" * 32, "--total",
                "natural_gas:%s:Nm3:10,000.5:1440:1:1" % device, "-k", edge]
        res = json.loads(self.run_ok(*args).stdout)
        self.assertEqual((res["status"], res["code"]), ("committed", "ok"))
        self.run_ok(*args)  # a retry: a new tx with the same batch, accepted, changes nothing
        expected = fuel_co2e_g(fs, "natural_gas", "Nm3", 10000500)
        daily = json.loads(self.run_ok("mrv", "daily", "--year", self.year, "--json", "-k",
                                       edge).stdout)
        self.assertEqual((daily["company"], int(daily["total_co2e_g"])),
                         ("hanbit-steel", expected))
        st = json.loads(self.run_ok("mrv", "statement", "hanbit-steel", "--year", self.year,
                                    "--json", "-k", ver).stdout)
        self.assertEqual(int(st["total_co2e_g"]), expected)
        self.assertEqual(st["rows"][0]["activity"], {"Nm3": "10000500"})
        # `statement draft`; `statement` alone (above) is its old spelling.
        self.assertIn(str(expected), self.run_ok("mrv", "statement", "draft", "hanbit-steel",
                                                 "--year", self.year, "-k", o1).stdout)
        b = json.loads(self.run_ok("mrv", "batch", "show", INST2 + "." + self.D, "-k",
                                   ver).stdout)
        self.assertEqual(b["body"]["factor_version"], V)
        # A batch from a file: another body under the same id is a conflict (exit 2).
        body = dict(b["body"], totals=[dict(b["body"]["totals"][0], quantity="1")])
        bpath = os.path.join(self.tmp, "batch.json")
        with open(bpath, "w") as f:
            json.dump(body, f)
        self.run_fails(2, "mrv.batch_conflict", "mrv", "batch", "submit", "--file", bpath,
                       "-k", edge)
        # Reads: anonymous and another company are refused.
        self.run_fails(2, "auth.forbidden", "mrv", "daily", "hanbit-steel", "--year", self.year)
        self.run_fails(2, "auth.forbidden", "mrv", "installation", INST2, "-k",
                       self.demo.key("nuri-power").path)
        self.run_fails(2, "mrv.unknown_device", "mrv", "device", "show", "nope", "-k", o1)
        # Retire the meter; retiring again is refused.
        self.run_ok("mrv", "device", "retire", "--device", device, "--retired-on", self.D,
                    "--reason", "replaced", "-k", co)
        self.run_fails(2, "mrv.device_retired", "mrv", "device", "retire", "--device", device,
                       "--retired-on", self.D, "-k", co)


class MrvDemoTest(MrvBase):

    def test_demo_mrv_data(self):
        self.start(keep_demo_mrv=True)
        today = utc_today().isoformat()
        with open(self.demo.genesis) as f:
            g = json.load(f)
        sites = {}
        for t in g["ets"]["txs"]:
            if t["type"] == "ets.designate":
                for i in t["body"]["installations"]:
                    sites[i["id"]] = t["body"]["company"]
        self.assertEqual(len(sites), 6)
        devices_dir = os.path.join(self.tmp, "devices")
        factor_sets = {s["version"] for s in self.read("/v1/mrv/factors")["factor_sets"]}
        for inst_id, company in sites.items():
            edge = company + ".edge"
            self.assertEqual(self.read("/v1/accounts/" + edge)["org"], company)
            inst = self.read("/v1/mrv/installations/" + inst_id, edge)
            self.assertEqual(inst["company"], company)
            self.assertIn(len(inst["devices"]), (2, 3))
            self.assertEqual(inst["plan"]["revision"], 1)
            self.assertIsNone(inst["pending"])
            plan_sources = {s["source"] for s in inst["plan"]["sources"]}
            for s in inst["plan"]["sources"]:
                self.assertIn(s["factor_version"], factor_sets)
            for d in inst["devices"]:
                path = os.path.join(devices_dir, d["device"] + ".json")
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
                with open(path) as f:
                    kf = json.load(f)
                self.assertEqual(e2e.public_keys([kf["seed"]])[0], d["key"])
                self.assertIn(d["source"], plan_sources)
                dv = self.read("/v1/mrv/devices/%s?day=%s" % (d["device"], today), edge)
                self.assertEqual(dv["calibration_status"], "valid", d["device"])
        # An edge account can submit today's batch for its meters with the plan's version.
        inst = self.read("/v1/mrv/installations/hanbit-pohang", EDGE)
        version = inst["plan"]["sources"][0]["factor_version"]
        totals = [{"source": d["source"], "device": d["device"], "unit": d["unit"],
                   "quantity": "1000000", "readings": 24, "gaps": 0, "substituted": 0}
                  for d in inst["devices"]]
        self.tx(EDGE, "mrv.batch.submit",
                {"batch_id": "hanbit-pohang." + today, "installation": "hanbit-pohang",
                 "day": today, "merkle_root": "ef" * 32, "factor_version": version,
                 "totals": totals})
        fs = self.read("/v1/mrv/factors/" + version)
        expected = 0
        for d in inst["devices"]:
            if d["scope"] == 2:
                expected += power_co2e_g(fs, int(today[:4]), d["unit"], 1000000)
            else:
                expected += fuel_co2e_g(fs, d["fuel"], d["unit"], 1000000)
        daily = self.read("/v1/mrv/companies/hanbit-steel/daily?year=" + today[:4], "regulator")
        self.assertEqual(int(daily["total_co2e_g"]), expected)


if __name__ == "__main__":
    e2e.main()
