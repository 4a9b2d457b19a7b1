"""End-to-end MRV pipeline with the real simulator: tanso-sensor-sim -> mosquitto -> tanso-edge ->
tansod. The issue's reliability test: broker restart, node down while the batch is due, edge
SIGKILLed mid-stream; the on-chain totals must equal the sum of the valid readings the simulator
published (its summary, docs/SENSOR_SIM.md "Valid, exactly"), exactly.

Set-up: `tanso-sensor-sim --generate` makes the meters (gas, power, fuel) of one installation;
the genesis registers them (from the manifest's registry.json), calibrates them (a verifier),
sets and approves a plan (the demo genesis' factor set, which has a grid factor for the current
year, so power meters can be batched). tanso-edge takes its registry from the node
(`GET /v1/mrv/installations/{id}` signed by the edge's account; no --devices), with
--max-value equal to every manifest device's max_value (the node's registry has none).

Time: daily intervals (the ledger's default). The readings are dated yesterday (KST, the edge's
and the simulator's default offset), so they lie in an interval that has already ended; the
edge's --max-skew-s (3 days) covers them and is below the simulator's --skew-s (7 days). While
readings stream, the edge runs with a close grace that keeps yesterday open for another ten
minutes; once the simulator has every ack, the edge is restarted with a grace that has already
elapsed, so yesterday closes at its first tick (about one second). The close moment is thus
chosen by the test, not raced against the stream: a slow machine cannot make readings late, and
no fixed wait is spent. (1-minute intervals with readings in the current minute would make the
close depend on where in the minute the test starts, and would spread a run over several slots
that close a minute apart.)
"""

import json
import os
import subprocess
import sys
import time

import mqtt_e2e
import tanso_e2e as t
import test_edge as te
import test_sensor_sim as tss

INST = "plant-a"
COMPANY = "acme.ops"
KST_S = 9 * 3600
MAX_VALUE = "10000"  # every device's max_value in the manifest, and the edge's --max-value
FAULTS_GAP = ("gap", "spike", "bad_signature", "wrong_unit", "clock_skew")
REFUSAL_OF = {"spike": "reading.impossible_value", "bad_signature": "reading.bad_signature",
              "wrong_unit": "reading.bad_unit", "clock_skew": "reading.clock_skew"}


def yesterday_kst():
    """(start of yesterday's readings in ms: yesterday 10:00 KST, end of yesterday in s UTC)."""
    now = time.time()
    midnight = (int(now) + KST_S) // 86400 * 86400 - KST_S  # today 00:00 KST, in UTC s
    return (midnight - 14 * 3600) * 1000, midnight


class SimLedger(te.Ledger):
    """A tansod whose genesis has company acme (account acme.ops; edge account acme.edge) owning
    INST, the simulator's devices registered and calibrated by kver.ops, and an approved plan
    covering their sources. tx / batch_tx / restart_same_port come from test_edge.Ledger."""

    def __init__(self, test, registry):
        self.dir = test.tmp
        self.chain = "pipe-%06x" % int.from_bytes(os.urandom(3), "big")
        names = ["moe.gir", COMPANY, "acme.edge", "kver.ops"]
        self.seeds = {n: t.new_seed() for n in names}
        self.pubs = dict(zip(names, t.public_keys([self.seeds[n] for n in names])))
        self.keyfile = {}
        for n in names:
            self.keyfile[n] = os.path.join(self.dir, n + ".json")
            te.write_key(self.keyfile[n], self.seeds[n], self.pubs[n], n)
        # The demo's published factor set (a grid factor for this year).
        demo = os.path.join(self.dir, "demo")
        r = t.tanso("genesis", "demo", "--chain-id", "x", "--keys-dir",
                    os.path.join(demo, "keys"), "--out", os.path.join(demo, "g.json"))
        assert r.returncode == 0, r.stderr
        with open(os.path.join(demo, "g.json")) as f:
            fsets = json.load(f)["mrv"]["factor_sets"]
        self.factor_version = fsets[0]["version"]
        txs = []
        sources = {}
        for rec in registry:
            body = {k: v for k, v in rec.items() if k != "max_value"}
            txs.append({"type": "mrv.device.register", "from": COMPANY, "body": body})
            txs.append({"type": "mrv.device.calibrate", "from": "kver.ops", "body": {
                "device": rec["device"], "technician": "Kim", "certificate": "CAL-" + rec["device"],
                "calibrated_on": "2020-01-01", "expires_on": "2099-12-31"}})
            src = {"source": rec["source"], "scope": rec["scope"], "method": "calculation",
                   "tier": 2, "factor_version": self.factor_version}
            if "fuel" in rec:
                src["fuel"] = rec["fuel"]
            sources[rec["source"]] = src
        txs.append({"type": "mrv.plan.set", "from": COMPANY, "body": {
            "installation": INST, "sources": list(sources.values())}})
        txs.append({"type": "mrv.plan.approve", "from": "moe.gir",
                    "body": {"installation": INST, "revision": 1}})
        genesis = {
            "chain_id": self.chain,
            "time_ms": int(time.time() * 1000),  # MRV dates are judged against it
            "orgs": [{"org": "moe", "name": "Ministry", "role": "regulator"},
                     {"org": "acme", "name": "Acme Steel", "role": "company"},
                     {"org": "kver", "name": "K Verifier", "role": "verifier"}],
            "accounts": [{"account": a, "org": a.split(".")[0], "keys": [self.pubs[a]]}
                         for a in names],
            "ets": {"txs": [{"type": "ets.designate", "body": {
                "company": COMPANY, "name": "Acme Steel", "sector": "steel", "from_year": 2020,
                "installations": [{"id": INST, "name": "Plant A"}]}}]},
            "mrv": {"factor_sets": fsets, "txs": txs},
        }
        self.genesis = os.path.join(self.dir, "genesis.json")
        with open(self.genesis, "w") as f:
            json.dump(genesis, f)
        self.node = test.new_node(genesis=self.genesis)
        self.node.start()
        self.nonces = {}

    def read(self, target):
        hs = t.signed_read_headers(self.chain, t.Key(self.keyfile[COMPANY]), "GET", target)
        r = self.node.get(target, headers=hs)
        assert r.status == 200, (target, r)
        return r.json

    def batch_txs(self):
        """{batch_id: [(receipt code, body)]} of every mrv.batch.submit tx in a block."""
        out = {}
        head = self.node.height()
        for h in range(1, head + 1):
            r = self.node.get("/v1/blocks/%d" % h)
            assert r.status == 200, r
            for tx in r.json["txs"]:
                status, payload = self.batch_tx(tx["tx_id"])
                if payload["type"] == "mrv.batch.submit":
                    out.setdefault(payload["body"]["batch_id"], []).append(
                        (tx["code"], payload["body"]))
        return out


class SimEdge(te.Edge):
    """tanso-edge with the registry from the node (no --devices); start/kill/metrics/log come
    from test_edge.Edge. `grace_s` can change between starts (the close moment, see above)."""

    def __init__(self, test, ledger, broker, grace_s, gap_window=24, gap_wait_s=None):
        self.test, self.ledger, self.broker = test, ledger, broker
        self.dir = os.path.join(test.tmp, "edge")
        self.port = t.free_port()
        self.proc = None
        self.starts = 0
        self.base = [
            "--data-dir", os.path.join(self.dir, "store"), "--broker", broker.address,
            "--installations", INST, "--client-id", "edge-pipe",
            "--node", ledger.node.url, "--key", ledger.keyfile["acme.edge"],
            "--listen", "127.0.0.1:%d" % self.port, "--max-value", MAX_VALUE,
            "--max-skew-s", str(3 * 86400), "--retry-max-s", "2", "--gap-window",
            str(gap_window), "--log-level", "info"]
        if gap_wait_s is not None:
            self.base += ["--gap-wait-s", str(gap_wait_s)]
        self.set_grace(grace_s)
        os.makedirs(self.dir, exist_ok=True)

    def set_grace(self, grace_s):
        self.args = self.base + ["--close-grace-s", str(max(0, int(grace_s)))]

    def set_node(self, url):
        i = self.base.index("--node")
        self.base[i + 1] = url
        self.args[i + 1] = url

    def all_logs(self):
        out = []
        for i in range(1, self.starts + 1):
            with open(os.path.join(self.dir, "edge-%d.log" % i), "rb") as f:
                out.append("---- edge-%d.log (tail) ----\n%s" %
                           (i, f.read()[-3000:].decode("utf-8", "replace")))
        return "\n".join(out)


class Sim:
    """One tanso-sensor-sim run in the background; its summary, stderr kept for diagnostics."""

    def __init__(self, test, devices_dir, broker, name, args):
        self.summary_path = os.path.join(test.tmp, name + "-summary.json")
        self.err_path = os.path.join(test.tmp, name + ".stderr")
        self.name = name
        cmd = [t.bin_path("tanso-sensor-sim"), "--devices-dir", devices_dir, "--broker",
               broker.address, "--summary", self.summary_path, "--client-prefix", name] + \
            [str(a) for a in args]
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err,
                                     preexec_fn=t._die_with_parent)
        with t._live_mu:
            t._live.add(self.proc)

    def wait(self, timeout):
        rc = self.proc.wait(timeout)
        self.err.close()
        with open(self.summary_path) as f:
            return rc, json.load(f)

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read()[-3000:].decode("utf-8", "replace")
        except OSError:
            return ""


class PipelineTest(t.E2ETest):

    def setUp(self):
        super().setUp()
        self.broker = mqtt_e2e.Broker(self.tmp).start()
        self.addCleanup(self.broker.kill)
        self.edge = None
        self.sims = []
        self.captures = []
        self.addCleanup(self._diagnostics)
        self.addCleanup(lambda: [c.stop() for c in self.captures])

    def _diagnostics(self):
        if not self._failed():
            return
        if self.edge and self.edge.starts:
            sys.stderr.write(self.edge.all_logs() + "\n")
            try:
                sys.stderr.write("---- edge metrics ----\n%s\n" % self.edge.metrics())
            except Exception:
                pass
        for s in self.sims:
            sys.stderr.write("---- %s stderr (tail) ----\n%s\n" % (s.name, s.stderr()))
        sys.stderr.write("---- mosquitto.log (tail) ----\n%s\n" % self.broker.log())

    def generate(self, n):
        d = os.path.join(self.tmp, "devices")
        p = subprocess.run([t.bin_path("tanso-sensor-sim"), "--generate", str(n),
                            "--installation", INST, "--out", d, "--kinds", "gas,power,fuel"],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        # One max_value for every device (the edge's --max-value: the node's registry has none).
        path = os.path.join(d, "devices.json")
        with open(path) as f:
            manifest = json.load(f)
        for dev in manifest["devices"]:
            dev["max_value"] = MAX_VALUE
        with open(path, "w") as f:
            json.dump(manifest, f)
        with open(os.path.join(d, "registry.json")) as f:
            registry = json.load(f)["devices"]
        seeds = {}
        for dev in manifest["devices"]:
            with open(os.path.join(d, dev["key_file"])) as f:
                seeds[dev["id"]] = json.load(f)["seed"]
        return d, manifest, registry, seeds

    def sim(self, devices_dir, name, *args):
        s = Sim(self, devices_dir, self.broker, name, args)
        self.sims.append(s)
        return s

    def finish_sim(self, s, timeout=120):
        rc, summary = s.wait(timeout)
        self.assertEqual(rc, 0, s.stderr())
        self.assertTrue(summary["acks_complete"], summary)
        for d in summary["devices"]:
            self.assertEqual(d["pending"], 0, d)
        return summary

    def close_now(self, end_s):
        """Restarts the edge with a close grace already elapsed since the interval's end: the
        interval closes at the edge's first tick."""
        if self.edge.proc.poll() is None:
            self.edge.kill()
        self.edge.set_grace(time.time() - end_s - 1)
        self.edge.start()

    def missing_seqs(self, summary):
        """{device: [seqs the edge has no reading of]} (its proof route: 404 = not stored)."""
        out = {}
        for ds in summary["devices"]:
            for seq in range(ds["first_seq"], ds["last_seq"] + 1):
                r = t.http_get(self.edge.url, "/v1/edge/readings/%s/%d/proof" % (ds["device"], seq))
                if r.status == 404:
                    out.setdefault(ds["device"], []).append(seq)
        return out

    def assert_nothing_lost(self, summary):
        """Every valid reading the simulator saw acknowledged is stored at the edge."""
        m = self.edge.metrics()
        if m["tanso_edge_readings_accepted_total"] != summary["totals"]["valid"]:
            self.fail("the edge accepted %d of the %d valid readings the simulator saw "
                      "acknowledged; gaps %d, out_of_order %d; not stored: %s" % (
                          m["tanso_edge_readings_accepted_total"], summary["totals"]["valid"],
                          m["tanso_edge_gaps_total"], self.metric(m, "reading.out_of_order"),
                          self.missing_seqs(summary)))

    def metric(self, m, code):
        return m.get('tanso_edge_readings_refused_total{code="%s"}' % code, 0)

    def on_chain(self, ledger, days, devices):
        """For each day: the stored batch of INST (slot 0), its device totals; and every batch
        was put on chain exactly once with one body."""
        txs = ledger.batch_txs()
        got = {}
        for day in days:
            bid = "%s.%s.0" % (INST, day)
            self.assertIn(bid, txs, "no batch tx for %s: %s" % (day, sorted(txs)))
            self.assertEqual([c for c, _ in txs[bid]], ["ok"],
                             "%s put on chain exactly once" % bid)
            b = ledger.read("/v1/mrv/batches/" + bid)
            self.assertEqual(b["body"], txs[bid][0][1])
            got[day] = {x["device"]: x for x in b["body"]["totals"]}
            self.assertLessEqual(set(got[day]), set(devices))
        self.assertEqual(sorted(txs), sorted("%s.%s.0" % (INST, d) for d in days),
                         "no other batch")
        return got

    # -----------------------------------------------------------------------------------------

    def test_reliability_exact_totals(self):
        """Replay faults only (no seq is skipped): the on-chain totals equal the simulator's valid
        sums exactly, through a broker restart, an edge SIGKILL mid-stream, and the node down
        while the batch is closed."""
        devices_dir, manifest, registry, _ = self.generate(6)
        ledger = SimLedger(self, registry)
        start_ms, end_s = yesterday_kst()
        self.edge = SimEdge(self, ledger, self.broker, grace_s=time.time() - end_s + 600)
        self.edge.start()  # fetches the registry from the node (and caches it)
        m = self.edge.metrics()
        self.assertEqual(m["tanso_edge_mqtt_connected"], 1, m)
        count = 300
        sim = self.sim(devices_dir, "sim", "--start-time", start_ms, "--interval-s", 60,
                       "--count", count, "--rate", 25, "--seed", 11,
                       "--replay-exact-rate", 0.04, "--replay-seq-rate", 0.04,
                       "--retry-s", 2, "--wait-acks", "--ack-timeout", 90)
        time.sleep(2.5)
        self.broker.restart()  # mid-stream: persistent sessions, queued messages kept
        time.sleep(2.0)
        ledger.node.stop()  # down from here until after the close: the edge must retry
        time.sleep(1.0)
        self.edge.kill()  # SIGKILL mid-stream; restarts with the registry cached in its store
        time.sleep(1.0)
        self.edge.start()
        summary = self.finish_sim(sim)
        self.assertEqual(summary["stopped_by"], "count")
        self.assertGreater(summary["connects"], len(manifest["devices"]),
                           "the devices reconnected after the broker restart")
        self.assert_nothing_lost(summary)

        # The interval closes with the node down: pending, retried.
        self.close_now(end_s)
        self.edge.wait_metric("tanso_edge_batches_closed_total", 1, timeout=20)
        self.edge.wait_metric("tanso_edge_submit_retries_total", 2, timeout=30)
        self.assertEqual(self.edge.metrics()["tanso_edge_batches_pending"], 1)
        ledger.restart_same_port()
        self.edge.wait_metric("tanso_edge_batches_submitted_total", 1, timeout=30)

        m = self.edge.metrics()
        faults = summary["totals"]["faults"]
        self.assertGreater(faults["replay_seq"], 0)
        self.assertGreater(faults["replay_exact"], 0)
        for k in FAULTS_GAP:
            self.assertEqual(faults[k], 0, k)
        self.assertEqual(self.metric(m, "reading.replayed"), faults["replay_seq"], m)
        self.assertGreaterEqual(m["tanso_edge_readings_duplicate_total"], faults["replay_exact"])
        self.assertEqual(m["tanso_edge_readings_refused_all_total"], faults["replay_seq"], m)
        self.assertEqual(m["tanso_edge_readings_accepted_total"], summary["totals"]["valid"], m)
        self.assertEqual((m["tanso_edge_gaps_total"], m["tanso_edge_substituted_total"]), (0, 0))
        self.assertEqual((m["tanso_edge_batches_closed_total"], m["tanso_edge_batches_pending"],
                          m["tanso_edge_open_intervals"], m["tanso_edge_queue_depth"]),
                         (1, 0, 0, 0), m)

        days = sorted({d for x in summary["devices"] for d in x["valid_by_day"]})
        got = self.on_chain(ledger, days, [x["device"] for x in summary["devices"]])
        for ds in summary["devices"]:
            self.assertEqual(ds["valid"], count - ds["faults"]["gap"])
            self.assertEqual(ds["last_seq"], count)
            for day, v in ds["valid_by_day"].items():
                row = got[day][ds["device"]]
                self.assertEqual((int(row["quantity"]), row["readings"], row["gaps"],
                                  row["substituted"]), (v["sum_milli"], v["readings"], 0, 0),
                                 "%s %s" % (ds["device"], day))
            self.assertEqual(sum(int(got[d][ds["device"]]["quantity"]) for d in days
                                 if ds["device"] in got[d]), ds["valid_sum_milli"])
        # The daily chart counts the batch once.
        year = days[0][:4]
        daily = ledger.read("/v1/mrv/companies/%s/daily?year=%s" % (COMPANY, year))
        self.assertEqual(sorted(x["day"] for x in daily["days"]), days, daily)

    def test_edge_sigkill_under_load(self):
        """The edge SIGKILLed while it holds readings it received but has not stored yet (a fast
        stream keeps its queue non-empty): the devices resend what no ack covered, so nothing
        may be lost and no gap may appear."""
        devices_dir, _, registry, _ = self.generate(6)
        ledger = SimLedger(self, registry)
        start_ms, end_s = yesterday_kst()
        self.edge = SimEdge(self, ledger, self.broker, grace_s=time.time() - end_s + 600)
        self.edge.start()
        sim = self.sim(devices_dir, "sim", "--start-time", start_ms, "--interval-s", 10,
                       "--count", 3000, "--seed", 2, "--retry-s", 2, "--wait-acks",
                       "--ack-timeout", 90)
        deadline = time.time() + 20
        while self.edge.metrics()["tanso_edge_queue_depth"] < 50:
            self.assertLess(time.time(), deadline, "the edge never had a backlog")
            time.sleep(0.02)
        self.edge.kill()
        time.sleep(0.5)
        self.edge.start()
        summary = self.finish_sim(sim)
        self.assert_nothing_lost(summary)
        m = self.edge.metrics()
        self.assertEqual((m["tanso_edge_gaps_total"], self.metric(m, "reading.out_of_order")),
                         (0, 0), m)

    def test_gap_faults_substitutes(self):
        """Faults that consume seqs: each not-accepted seq between accepted ones is one gap,
        substituted by the highest of the device's last N accepted values; readings = valid; each
        refusal counted once per faulty reading. A skipped seq holds the acks back until the edge
        declares it missing (docs/MRV.md "Acknowledgement and gaps"): with a gap wait of 5 s,
        well below the simulator's retry time (60 s), no faulty reading is published twice, so
        every refusal counter equals its fault count (counters count messages)."""
        gap_window = 8
        devices_dir, manifest, registry, seeds = self.generate(3)
        ledger = SimLedger(self, registry)
        start_ms, end_s = yesterday_kst()
        self.edge = SimEdge(self, ledger, self.broker, grace_s=time.time() - end_s + 600,
                            gap_window=gap_window, gap_wait_s=5)
        self.edge.start()
        cap = tss.Capture(self.broker, "pipe-capture")
        self.captures.append(cap)
        # A first, fault-free run makes every device known to the edge, so a fault in the second
        # run's first seqs is a gap too (a device's first reading has none before it).
        n1, n2 = 5, 200
        s1 = self.finish_sim(self.sim(devices_dir, "sim1", "--start-time", start_ms,
                                      "--interval-s", 60, "--count", n1, "--seed", 3,
                                      "--wait-acks", "--ack-timeout", 30))
        start2 = start_ms + n1 * 60000
        s2 = self.finish_sim(self.sim(
            devices_dir, "sim2", "--start-time", start2, "--first-seq", n1 + 1,
            "--interval-s", 60, "--count", n2, "--seed", 5, "--gap-rate", 0.04,
            "--spike-rate", 0.03, "--bad-signature-rate", 0.03, "--wrong-unit-rate", 0.03,
            "--clock-skew-rate", 0.03, "--retry-s", 60, "--wait-acks", "--ack-timeout", 60))
        self.close_now(end_s)
        self.edge.wait_metric("tanso_edge_batches_submitted_total", 1, timeout=30)

        # Independent classification of what was published (valid: the slot's own time, the
        # manifest unit, value <= max_value, signature verified by Node.js).
        cap.settle(quiet=0.5)
        devs = {d["id"]: d for d in manifest["devices"]}
        distinct = {}
        for _, topic, msg in cap.snapshot():
            distinct.setdefault(msg, topic)
        parsed = [(json.loads(m), t_) for m, t_ in distinct.items()]
        parsed = [(m, json.loads(m["reading"])) for m, _ in parsed]
        sig_ok = tss.node_verify(seeds, [[r["device"], m["reading"], m["sig"]]
                                         for m, r in parsed])
        valid = {d: {} for d in devs}
        for (m, r), ok in zip(parsed, sig_ok):
            slot_time = start_ms + r["seq"] * 60000  # both runs: start + seq * interval
            if ok and r["unit"] == devs[r["device"]]["unit"] and r["time"] == slot_time and \
                    tss.milli(r["value"]) <= tss.milli(MAX_VALUE):
                self.assertNotIn(r["seq"], valid[r["device"]])
                valid[r["device"]][r["seq"]] = tss.milli(r["value"])

        # Expected per device: the gap rule of docs/MRV.md applied to the valid readings.
        m = self.edge.metrics()
        sums = {x["device"]: x for x in s1["devices"]}
        total_gaps = 0
        expected = {}
        for ds in s2["devices"]:
            dev = ds["device"]
            d1 = sums[dev]
            f = ds["faults"]
            self.assertEqual(len(valid[dev]), d1["valid"] + ds["valid"], dev)
            self.assertEqual(sum(valid[dev].values()),
                             d1["valid_sum_milli"] + ds["valid_sum_milli"], dev)
            # Trailing faulty seqs (after the last valid one) are not revealed yet: no gaps.
            trailing = ds["last_seq"] - ds["last_valid_seq"]
            gaps = sum(f[k] for k in FAULTS_GAP) - trailing
            self.assertEqual(ds["slots"] - ds["valid"], sum(f[k] for k in FAULTS_GAP))
            recent, last, qty, counted = [], 0, 0, 0
            for seq in sorted(valid[dev]):
                if last and seq > last + 1:
                    qty += max(recent) * (seq - last - 1)
                    counted += seq - last - 1
                qty += valid[dev][seq]
                recent = (recent + [valid[dev][seq]])[-gap_window:]
                last = seq
            self.assertEqual(counted, gaps, dev)
            expected[dev] = (qty, d1["valid"] + ds["valid"], gaps, gaps)
            total_gaps += gaps
        faults = s2["totals"]["faults"]
        self.assertGreater(total_gaps, 10)
        for fault, code in REFUSAL_OF.items():
            self.assertGreater(faults[fault], 0, fault)
            self.assertEqual(self.metric(m, code), faults[fault], (code, m))
        self.assertEqual(m["tanso_edge_readings_refused_all_total"],
                         sum(faults[k] for k in REFUSAL_OF), m)
        self.assertEqual((m["tanso_edge_gaps_total"], m["tanso_edge_substituted_total"]),
                         (total_gaps, total_gaps), m)
        self.assertEqual(m["tanso_edge_readings_accepted_total"],
                         s1["totals"]["valid"] + s2["totals"]["valid"])
        self.assertEqual((m["tanso_edge_batches_pending"], m["tanso_edge_open_intervals"]),
                         (0, 0), m)

        days = sorted({d for x in s2["devices"] + s1["devices"] for d in x["valid_by_day"]})
        self.assertEqual(len(days), 1, "both runs on yesterday")
        got = self.on_chain(ledger, days, list(devs))[days[0]]
        for dev, (qty, readings, gaps, subst) in expected.items():
            row = got[dev]
            self.assertEqual((int(row["quantity"]), row["readings"], row["gaps"],
                              row["substituted"]), (qty, readings, gaps, subst), dev)
            self.assertGreaterEqual(qty, sums[dev]["valid_sum_milli"] +
                                    [x for x in s2["devices"] if x["device"] == dev][0][
                                        "valid_sum_milli"])


if __name__ == "__main__":
    t.main()
