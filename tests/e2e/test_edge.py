"""End-to-end: tanso-edge between a real mosquitto broker and a real tansod.

Signed readings (signed here with ed25519_tool.js, an independent signer) are published with the
stock mosquitto_pub; the simulated devices follow SENSOR_PROTOCOL.md: they keep what they published
until an ack on tanso/<inst>/<dev>/ack covers it and publish it again after 5 s otherwise. The
on-chain batch totals must equal the sum of the valid readings exactly, every refusal must be
counted in the edge's /metrics, `tanso mrv prove-reading` must prove a reading up to its block,
and the same exact totals must survive a broker restart, the node being down when the batch is
due, and the edge being SIGKILLed mid-stream.

Intervals are daily (the ledger's default): the readings are dated yesterday (KST) and the edge's
--close-grace-s is set so that yesterday closes a few tens of seconds after the test starts.
"""

import json
import os
import random
import signal
import subprocess
import threading
import time

import mqtt_e2e
import tanso_e2e as t
from tanso_e2e import E2ETest

INST = "pohang"
FACTORS = "ipcc2006-ar5-kr2023"
KST = 9 * 3600


def write_key(path, seed, pub, account):
    with open(path, "w") as f:
        json.dump({"type": "ed25519", "public": pub, "seed": seed, "account": account}, f)
    os.chmod(path, 0o600)


class Ledger:
    """A tansod with a company (acme) owning installation pohang, two calibrated gas meters and an
    approved plan; acme.edge is the edge's account."""

    def __init__(self, test):
        self.dir = test.tmp
        self.chain = "edge-%06x" % random.getrandbits(24)
        names = ["moe.gir", "acme.ops", "acme.edge", "kver.ops", "gm1", "gm2"]
        self.seeds = {n: t.new_seed() for n in names}
        self.pubs = dict(zip(names, t.public_keys([self.seeds[n] for n in names])))
        self.keyfile = {}
        for n in names[:4]:
            self.keyfile[n] = os.path.join(self.dir, n + ".json")
            write_key(self.keyfile[n], self.seeds[n], self.pubs[n], n)
        genesis = {
            "chain_id": self.chain,
            "orgs": [{"org": "moe", "name": "Ministry", "role": "regulator"},
                     {"org": "acme", "name": "Acme Steel", "role": "company"},
                     {"org": "kver", "name": "K Verifier", "role": "verifier"}],
            "accounts": [{"account": a, "org": a.split(".")[0], "keys": [self.pubs[a]]}
                         for a in names[:4]],
            "ets": {"txs": [{"type": "ets.designate", "body": {
                "company": "acme.ops", "name": "Acme Steel", "sector": "steel", "from_year": 2020,
                "installations": [{"id": INST, "name": "Pohang works"}]}}]},
        }
        self.genesis = os.path.join(self.dir, "genesis.json")
        with open(self.genesis, "w") as f:
            json.dump(genesis, f)
        self.node = test.new_node(genesis=self.genesis)
        self.node.start()
        self.nonces = {}
        self.devices = []
        for d in ("gm1", "gm2"):
            dev = {"device": d, "key": self.pubs[d], "installation": INST, "source": "boiler",
                   "quantity": "natural_gas_volume", "unit": "Nm3", "fuel": "natural_gas",
                   "scope": 1}
            self.tx("acme.ops", "mrv.device.register", dev)
            self.tx("kver.ops", "mrv.device.calibrate", {
                "device": d, "technician": "Kim", "certificate": "CAL-" + d,
                "calibrated_on": "2020-01-01", "expires_on": "2030-12-31"})
            self.devices.append(dict(dev, max_value="1000"))
        self.tx("acme.ops", "mrv.plan.set", {"installation": INST, "sources": [{
            "source": "boiler", "scope": 1, "fuel": "natural_gas", "method": "calculation",
            "tier": 2, "factor_version": FACTORS}]})
        self.tx("moe.gir", "mrv.plan.approve", {"installation": INST, "revision": 1})
        self.devices_file = os.path.join(self.dir, "devices.json")
        with open(self.devices_file, "w") as f:
            json.dump({"devices": self.devices}, f)

    def tx(self, sender, type_, body):
        n = self.nonces.get(sender, 0) + 1
        self.nonces[sender] = n
        p = t.payload_text(self.chain, type_, sender, n, self.node.height() + 1000, body)
        env, _ = t.sign_one(self.chain, p, [self.seeds[sender]])
        r = self.node.post("/v1/txs", env)
        assert r.status == 200 and r.json["code"] == "ok", (type_, r)

    def restart_same_port(self):
        port = self.node.port
        saved = t.free_port
        t.free_port = lambda: port
        try:
            self.node.start()
        finally:
            t.free_port = saved

    def batch_tx(self, tx_id):
        target = "/v1/txs/" + tx_id
        hs = t.signed_read_headers(self.chain, t.Key(self.keyfile["acme.ops"]), "GET", target)
        r = self.node.get(target, headers=hs)
        assert r.status == 200 and "envelope" in r.json, r
        env = r.json["envelope"]
        if isinstance(env, str):
            env = json.loads(env)
        return r.json, json.loads(env["payload"])


class Devices:
    """Simulated meters: pre-signed readings, publication with mosquitto_pub, acks via
    mosquitto_sub, republication of what is not acknowledged."""

    def __init__(self, ledger, broker):
        self.ledger, self.broker = ledger, broker
        self.acked = {}
        self.mu = threading.Lock()
        self.sub = None
        self.start_sub()

    def start_sub(self):
        self.sub = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-q", "1", "-v",
             "-i", "e2e-acks", "-c", "-t", "tanso/%s/+/ack" % INST],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            preexec_fn=t._die_with_parent)
        with t._live_mu:
            t._live.add(self.sub)
        threading.Thread(target=self._read_acks, args=(self.sub,), daemon=True).start()
        time.sleep(0.3)

    def _read_acks(self, proc):
        for line in proc.stdout:
            topic, _, payload = line.strip().partition(" ")
            try:
                seq = json.loads(payload)["seq"]
            except ValueError:
                continue
            dev = topic.split("/")[2]
            with self.mu:
                self.acked[dev] = max(self.acked.get(dev, 0), seq)

    @staticmethod
    def text(dev, seq, time_ms, milli, unit="Nm3"):
        return json.dumps({"device": dev, "seq": seq, "time": time_ms,
                           "value": "%d.%03d" % (milli // 1000, milli % 1000), "unit": unit},
                          separators=(",", ":"))

    def sign(self, items):
        """items: [(topic, text, seed)] -> [(topic, message)]"""
        raw = [{"msg_hex": (b"tanso/reading/v1\0" + x.encode()).hex(), "seed": s}
               for _, x, s in items]
        sigs = t.node_tool({"raw": raw})["sigs"]
        return [(tp, json.dumps({"reading": x, "sig": sig}, separators=(",", ":")))
                for (tp, x, _), sig in zip(items, sigs)]

    def readings(self, dev, seqs, base_ms, rng):
        """Valid signed readings; returns ([(topic, message, seq)], total milli)."""
        vals = {s: rng.randrange(0, 999_999) for s in seqs}
        signed = self.sign([("tanso/%s/%s" % (INST, dev),
                             self.text(dev, s, base_ms + s * 1000, vals[s]),
                             self.ledger.seeds[dev]) for s in seqs])
        return [(tp, m, s) for (tp, m), s in zip(signed, seqs)], sum(vals.values())

    def publish(self, msgs):
        """Publishes [(topic, message)] in order, one mosquitto_pub -l per topic run."""
        i = 0
        while i < len(msgs):
            j = i
            while j < len(msgs) and msgs[j][0] == msgs[i][0]:
                j += 1
            data = "".join(m + "\n" for _, m in msgs[i:j])
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port),
                            "-q", "1", "-t", msgs[i][0], "-l"], input=data.encode(),
                           check=True, timeout=30, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            i = j

    def deliver(self, readings, timeout=90, retry_s=5):
        """Publishes [(topic, message, seq)] until every one is acknowledged (the device side of
        the protocol)."""
        deadline = time.time() + timeout
        while True:
            with self.mu:
                todo = [(tp, m) for tp, m, s in readings
                        if s > self.acked.get(tp.split("/")[2], 0)]
            if not todo:
                return
            assert time.time() < deadline, "readings not acknowledged: %d left" % len(todo)
            try:
                self.publish(todo)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                time.sleep(0.5)  # broker down: keep them and try again
                continue
            end = time.time() + retry_s
            while time.time() < end:
                with self.mu:
                    if all(s <= self.acked.get(tp.split("/")[2], 0) for tp, _, s in readings):
                        return
                time.sleep(0.1)


class Edge:
    def __init__(self, test, ledger, broker, grace_s):
        self.test, self.ledger, self.broker = test, ledger, broker
        self.dir = os.path.join(test.tmp, "edge")
        self.port = t.free_port()
        self.proc = None
        self.starts = 0
        self.args = [
            "--data-dir", os.path.join(self.dir, "store"), "--broker", broker.address,
            "--installations", INST, "--client-id", "edge-e2e",
            "--node", ledger.node.url, "--key", ledger.keyfile["acme.edge"],
            "--devices", ledger.devices_file, "--factor-version", FACTORS,
            "--listen", "127.0.0.1:%d" % self.port, "--close-grace-s", str(grace_s),
            "--max-skew-s", str(3 * 86400), "--retry-max-s", "2", "--log-level", "info"]
        os.makedirs(self.dir, exist_ok=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.dir, "edge-%d.log" % self.starts), "wb")
        self.proc = subprocess.Popen([t.bin_path("tanso-edge")] + self.args, stdout=log,
                                     stderr=subprocess.STDOUT, preexec_fn=t._die_with_parent)
        log.close()
        with t._live_mu:
            t._live.add(self.proc)
        deadline = time.time() + 20
        while time.time() < deadline:
            assert self.proc.poll() is None, "tanso-edge exited: " + self.log()
            try:
                if t.http_get(self.url, "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("tanso-edge did not start: " + self.log())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def log(self):
        with open(os.path.join(self.dir, "edge-%d.log" % self.starts), "rb") as f:
            return f.read()[-4000:].decode("utf-8", "replace")

    def metrics(self):
        r = t.http_get(self.url, "/metrics")
        out = {}
        for line in r.text.splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                out[k] = int(v)
        return out

    def wait_metric(self, name, at_least, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.metrics().get(name, 0) >= at_least:
                return
            time.sleep(0.2)
        raise AssertionError("%s < %d: %s\n%s" % (name, at_least, self.metrics(), self.log()))


def yesterday_noon_ms():
    now = time.time()
    local_midnight = (int(now) + KST) // 86400 * 86400 - KST  # today 00:00 KST, in UTC s
    return (local_midnight - 12 * 3600) * 1000, now - local_midnight


class EdgeTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.broker = mqtt_e2e.Broker(self.tmp)
        self.broker.start()
        self.addCleanup(self.broker.kill)

    def check_on_chain(self, ledger, edge, expected, dev="gm1", seq=1):
        """expected: {device: (milli, readings)}; the batch tx applied in a block holds exactly
        these totals."""
        r = t.http_get(edge.url, "/v1/edge/readings/%s/%d/proof" % (dev, seq))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["batch_status"], "submitted", r.json)
        status, payload = ledger.batch_tx(r.json["tx_id"])
        self.assertEqual(status["receipt"]["code"], "ok")
        body = payload["body"]
        self.assertEqual(body["merkle_root"], r.json["merkle_root"])
        got = {x["device"]: (int(x["quantity"]), int(x["readings"]), int(x["gaps"]))
               for x in body["totals"]}
        self.assertEqual(got, {d: (q, n, 0) for d, (q, n) in expected.items()})
        return r.json

    def test_readings_to_chain_refusals_and_proof(self):
        ledger = Ledger(self)
        base, since_midnight = yesterday_noon_ms()
        edge = Edge(self, ledger, self.broker, grace_s=int(since_midnight) + 30)
        edge.start()
        devs = Devices(ledger, self.broker)
        rng = random.Random(4)
        g1, s1 = devs.readings("gm1", range(1, 31), base, rng)
        g2, s2 = devs.readings("gm2", range(1, 21), base, rng)
        devs.deliver(g1 + g2)
        seeds = ledger.seeds
        bad = devs.sign([
            ("tanso/%s/gm1" % INST, devs.text("gm1", 31, base, 1000), seeds["gm2"]),  # signature
            ("tanso/%s/zz" % INST, devs.text("zz", 1, base, 1000), seeds["gm2"]),  # unknown
            ("tanso/%s/gm2" % INST, devs.text("gm2", 21, base, 1000, "kWh"), seeds["gm2"]),
            ("tanso/%s/gm1" % INST, devs.text("gm1", 31, base, 2_000_000), seeds["gm1"]),
            ("tanso/%s/gm2" % INST,
             devs.text("gm2", 21, int(time.time() * 1000) + 4 * 86400_000, 1), seeds["gm2"]),
            ("tanso/%s/gm1" % INST, devs.text("gm1", 5, base, 7), seeds["gm1"]),  # replayed
            ("tanso/%s/gm1" % INST, devs.text("gm2", 22, base, 7), seeds["gm2"]),  # topic
        ]) + [("tanso/%s/gm1" % INST, "not json"), ("tanso/%s/gm1" % INST, "x" * 1100)]
        devs.publish(bad)
        devs.publish([(tp, m) for tp, m, _ in g1[:3]])  # redelivered: duplicates
        want = {"reading.bad_signature": 1, "reading.unknown_device": 1, "reading.bad_unit": 1,
                "reading.impossible_value": 1, "reading.clock_skew": 1, "reading.replayed": 1,
                "reading.bad_topic": 1, "reading.malformed": 1, "reading.too_large": 1}
        deadline = time.time() + 20
        while True:
            m = edge.metrics()
            got = {c: m.get('tanso_edge_readings_refused_total{code="%s"}' % c, 0) for c in want}
            if (got == want and m["tanso_edge_readings_duplicate_total"] == 3) or \
                    time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(got, want, m)
        self.assertEqual(m["tanso_edge_readings_duplicate_total"], 3)
        self.assertEqual(m["tanso_edge_readings_accepted_total"], 50)
        self.assertEqual(m["tanso_edge_readings_refused_all_total"], 9)
        edge.wait_metric("tanso_edge_batches_submitted_total", 1, timeout=60)
        self.check_on_chain(ledger, edge, {"gm1": (s1, 30), "gm2": (s2, 20)})
        # A valid reading of the submitted day is late: refused, counted, acknowledged.
        late, _ = devs.readings("gm1", [40], base, rng)
        devs.deliver(late, timeout=20)
        m = edge.metrics()
        self.assertEqual(m['tanso_edge_readings_refused_total{code="reading.late"}'], 1, m)
        self.assertEqual(m["tanso_edge_readings_accepted_total"], 50)

        r = t.tanso("mrv", "prove-reading", "gm2", "7", "--edge", edge.url, "--key",
                    ledger.keyfile["acme.ops"], "--devices", ledger.devices_file,
                    node=ledger.node)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("proved: gm2 seq 7", r.stdout)
        self.assertEqual(r.stdout.count("ok: "), 4, r.stdout)
        # A key that is not the registered one: the signature step fails.
        other = os.path.join(self.tmp, "other-devices.json")
        with open(other, "w") as f:
            json.dump({"devices": [dict(ledger.devices[1], key=ledger.pubs["gm1"])]}, f)
        r = t.tanso("mrv", "prove-reading", "gm2", "7", "--edge", edge.url, "--key",
                    ledger.keyfile["acme.ops"], "--devices", other, node=ledger.node)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("signature", r.stderr)

    def test_broker_restart_node_down_edge_sigkill(self):
        ledger = Ledger(self)
        base, since_midnight = yesterday_noon_ms()
        edge = Edge(self, ledger, self.broker, grace_s=int(since_midnight) + 45)
        edge.start()
        devs = Devices(ledger, self.broker)
        rng = random.Random(9)
        g1, s1 = devs.readings("gm1", range(1, 301), base, rng)
        g2, s2 = devs.readings("gm2", range(1, 201), base, rng)
        # 1. A first part; then the node goes down (the batch will be due while it is down) and
        # the broker restarts mid-stream (persistent sessions).
        devs.deliver(g1[:60] + g2[:40])
        ledger.node.stop()
        pub = threading.Thread(target=devs.deliver, args=(g1[60:150] + g2[40:100],))
        pub.start()
        time.sleep(0.3)
        self.broker.restart()
        pub.join()
        # 2. The edge is SIGKILLed mid-stream and restarted: the devices resend what has no ack.
        pub = threading.Thread(target=devs.deliver, args=(g1[150:] + g2[100:],))
        pub.start()
        time.sleep(0.4)
        edge.kill()
        time.sleep(1)
        edge.start()
        pub.join()
        m = edge.metrics()
        self.assertEqual(m["tanso_edge_readings_accepted_total"], 500, m)
        # 3. The node is down when the interval closes: the edge keeps the batch and retries.
        edge.wait_metric("tanso_edge_batches_closed_total", 1, timeout=90)
        edge.wait_metric("tanso_edge_submit_retries_total", 2, timeout=30)
        self.assertEqual(edge.metrics()["tanso_edge_batches_pending"], 1)
        # 4. The edge is SIGKILLed with the batch closed but not yet on the ledger: it resumes
        # with the same batch (same id, same body) and submits it once the node is back.
        edge.kill()
        edge.start()
        edge.wait_metric("tanso_edge_batches_pending", 1, timeout=10)
        self.assertEqual(edge.metrics()["tanso_edge_batches_closed_total"], 1)
        ledger.restart_same_port()
        edge.wait_metric("tanso_edge_batches_submitted_total", 1, timeout=30)
        self.check_on_chain(ledger, edge, {"gm1": (s1, 300), "gm2": (s2, 200)})
        # A restart afterwards submits nothing again.
        edge.kill()
        edge.start()
        time.sleep(1.5)
        self.assertEqual(edge.metrics()["tanso_edge_batches_pending"], 0)


if __name__ == "__main__":
    t.main()
