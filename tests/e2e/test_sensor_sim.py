"""tanso-sensor-sim against a real mosquitto broker, checked by code that is not Tanso's.

Every message the simulator publishes is captured with the stock mosquitto_sub and checked
independently: JSON by Python, the Ed25519 signature by Node.js's built-in crypto (the signing
message is built here from docs/SENSOR_PROTOCOL.md), values as decimal strings by Python. The
summary's counts and valid sums must match what was captured. Acks are published with the stock
mosquitto_pub, as the gateway would. Also: sign_reading.sh (bash + openssl) messages decode and
verify with Tanso's decoder (`tanso-sensor-sim check`).

Build first: cmake --build <dir> --target tanso-sensor-sim
"""

import json
import os
import subprocess
import threading
import time
import unittest

import mqtt_e2e
import tanso_e2e as t

HERE = os.path.dirname(os.path.abspath(__file__))
SIGN_READING = os.path.join(HERE, "sign_reading.sh")
START = 1763942400000  # 2025-11-24 00:00 UTC, a Monday
INTERVAL_MS = 60000

# Independent verification: Node.js crypto only. stdin: {"seeds": {device: seed_hex},
# "items": [[device, reading_text, sig_hex], ...]}; stdout: [true|false, ...].
VERIFY_JS = r"""
const crypto = require('crypto');
const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const pubs = {};
  for (const [d, s] of Object.entries(req.seeds))
    pubs[d] = crypto.createPublicKey(crypto.createPrivateKey(
        {key: Buffer.concat([PKCS8, Buffer.from(s, 'hex')]), format: 'der', type: 'pkcs8'}));
  const out = req.items.map(([d, text, sig]) => {
    const msg = Buffer.concat([Buffer.from('tanso/reading/v1'), Buffer.from([0]),
                               Buffer.from(text, 'utf8')]);
    try { return crypto.verify(null, msg, pubs[d], Buffer.from(sig, 'hex')); }
    catch (e) { return false; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def node_verify(seeds, items):
    if not items:
        return []
    p = subprocess.run(["node", "-e", VERIFY_JS], input=json.dumps(
        {"seeds": seeds, "items": items}).encode(), capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("node verify failed: %s" % p.stderr.decode())
    return json.loads(p.stdout)


def milli(value):
    """"12.345" -> 12345, exactly (no float)."""
    whole, _, frac = value.partition(".")
    assert whole.isdigit() and (frac == "" or (frac.isdigit() and len(frac) <= 3)), value
    return int(whole) * 1000 + int((frac + "000")[:3])


class Capture:
    """mosquitto_sub -v on tanso/+/+ (readings, not acks) with a persistent session; each line is
    kept with its arrival time. Restarted (same client id) if it exits, e.g. when the broker
    restarts."""

    def __init__(self, broker, client_id):
        self.broker, self.client_id = broker, client_id
        self.lines = []  # (time, topic, message)
        self.mu = threading.Lock()
        self.stopping = False
        self.proc = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._start()
        self.thread.start()
        time.sleep(0.5)

    def _start(self):
        self.proc = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-q", "1", "-c",
             "-i", self.client_id, "-v", "-t", "tanso/+/+"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=t._die_with_parent)
        with t._live_mu:
            t._live.add(self.proc)

    def _run(self):
        while not self.stopping:
            for raw in self.proc.stdout:
                line = raw.decode("utf-8").rstrip("\n")
                topic, _, msg = line.partition(" ")
                with self.mu:
                    self.lines.append((time.time(), topic, msg))
            self.proc.wait()
            if self.stopping:
                return
            time.sleep(0.3)
            try:
                self._start()
            except Exception:
                time.sleep(0.5)

    def snapshot(self):
        with self.mu:
            return list(self.lines)

    def settle(self, quiet=1.0, timeout=20):
        """Waits until nothing new arrived for `quiet` seconds."""
        deadline = time.time() + timeout
        n = -1
        while time.time() < deadline:
            m = len(self.snapshot())
            if m == n:
                return
            n = m
            time.sleep(quiet)

    def stop(self):
        self.stopping = True
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.thread.join(5)


class SensorSimTest(t.E2ETest):

    def setUp(self):
        super().setUp()
        self.sim = t.bin_path("tanso-sensor-sim")
        self.broker = mqtt_e2e.Broker(self.tmp).start()
        self.addCleanup(self.broker.kill)
        self.captures = []
        self.addCleanup(lambda: [c.stop() for c in self.captures])

    def capture(self, name="capture"):
        c = Capture(self.broker, name)
        self.captures.append(c)
        return c

    def generate(self, n, installation="plant-a", kinds="gas,power,fuel"):
        d = os.path.join(self.tmp, "devices")
        p = subprocess.run([self.sim, "--generate", str(n), "--installation", installation,
                            "--out", d, "--kinds", kinds], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "devices.json")) as f:
            manifest = json.load(f)
        with open(os.path.join(d, "registry.json")) as f:
            registry = json.load(f)["devices"]
        self.assertEqual([(r["device"], r["key"], r["unit"]) for r in registry],
                         [(x["id"], x["public_key"], x["unit"]) for x in manifest["devices"]])
        seeds = {}
        for dev in manifest["devices"]:
            with open(os.path.join(d, dev["key_file"])) as f:
                seeds[dev["id"]] = json.load(f)["seed"]
        return d, manifest, seeds

    def run_sim(self, devices_dir, *args, timeout=120, background=False):
        cmd = [self.sim, "--devices-dir", devices_dir, "--broker", self.broker.address,
               "--start-time", str(START), "--interval-s", str(INTERVAL_MS // 1000),
               "--summary", os.path.join(self.tmp, "summary.json")] + [str(a) for a in args]
        if background:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 preexec_fn=t._die_with_parent)
            with t._live_mu:
                t._live.add(p)
            return p
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p

    def summary_of(self, stdout):
        s = json.loads(stdout)
        with open(os.path.join(self.tmp, "summary.json")) as f:
            self.assertEqual(json.load(f), s, "--summary FILE holds the printed summary")
        return s

    def classify(self, manifest, seeds, lines, first_seq=1, skew_ms=7 * 86400000):
        """Independent classification of the distinct captured messages, per device."""
        devs = {d["id"]: d for d in manifest["devices"]}
        distinct = {}
        for _, topic, msg in lines:
            distinct.setdefault((topic, msg), None)
        parsed = []
        for (topic, msg) in distinct:
            m = json.loads(msg)
            self.assertEqual(sorted(m), ["reading", "sig"], msg)
            r = json.loads(m["reading"])
            self.assertEqual(sorted(r), ["device", "seq", "time", "unit", "value"])
            dev = devs[r["device"]]
            self.assertEqual(topic, "tanso/%s/%s" % (dev["installation"], r["device"]))
            self.assertLessEqual(len(msg.encode()), 1024)
            parsed.append((topic, msg, m, r))
        ok_sig = node_verify(seeds, [[r["device"], m["reading"], m["sig"]]
                                     for _, _, m, r in parsed])
        out = {d: {"valid": {}, "bad_signature": 0, "wrong_unit": 0, "spike": 0,
                   "clock_skew": 0, "other": [], "seqs": set(), "messages": 0}
               for d in devs}
        later = []
        for (topic, msg, m, r), sig_ok in zip(parsed, ok_sig):
            dev = devs[r["device"]]
            o = out[r["device"]]
            o["messages"] += 1
            o["seqs"].add(r["seq"])
            slot_time = START + (r["seq"] - first_seq + 1) * INTERVAL_MS
            if not sig_ok:
                o["bad_signature"] += 1
            elif r["unit"] != dev["unit"]:
                o["wrong_unit"] += 1
            elif milli(r["value"]) > milli(dev["max_value"]):
                o["spike"] += 1
            elif abs(r["time"] - slot_time) >= skew_ms:
                o["clock_skew"] += 1
            elif r["time"] == slot_time:
                self.assertNotIn(r["seq"], o["valid"], "two valid readings for one seq")
                o["valid"][r["seq"]] = milli(r["value"])
            else:
                later.append((o, r))
        for o, r in later:  # a different reading under a seq already valid: a replay
            self.assertIn(r["seq"], o["valid"], r)
            o["other"].append(r)
        return out

    # -----------------------------------------------------------------------------------------

    def test_faults_counts_and_valid_sums(self):
        d, manifest, seeds = self.generate(3)
        cap = self.capture()
        p = self.run_sim(d, "--count", 150, "--seed", 7, "--fault-rate", 0.03, "--retry-s", 120,
                         "--quiet")
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.summary_of(p.stdout)
        self.assertTrue(s["drained"])
        self.assertEqual(s["stopped_by"], "count")
        cap.settle()
        lines = cap.snapshot()
        got = self.classify(manifest, seeds, lines)
        self.assertGreaterEqual(len(lines), s["totals"]["published"])
        faults_seen = 0
        for ds in s["devices"]:
            g = got[ds["device"]]
            f = ds["faults"]
            self.assertEqual(ds["slots"], 150)
            self.assertEqual(ds["last_seq"], 150)
            self.assertEqual(len(g["valid"]), ds["valid"], ds["device"])
            self.assertEqual(sum(g["valid"].values()), ds["valid_sum_milli"], ds["device"])
            self.assertEqual(max(g["valid"]), ds["last_valid_seq"])
            self.assertEqual(sum(v["sum_milli"] for v in ds["valid_by_day"].values()),
                             ds["valid_sum_milli"])
            for k in ("bad_signature", "wrong_unit", "spike", "clock_skew"):
                self.assertEqual(g[k], f[k], "%s %s" % (ds["device"], k))
            self.assertEqual(len(g["other"]), f["replay_seq"], ds["device"])
            # Exact replays repeat bytes, so the distinct messages are the rest.
            self.assertEqual(g["messages"], ds["published"] - f["replay_exact"])
            self.assertEqual(150 - len(g["seqs"]), f["gap"], "gaps are never published")
            faults_seen += sum(f.values())
        self.assertGreater(faults_seen, 20, "--fault-rate 0.03 over 450 slots")
        totals = s["totals"]
        self.assertEqual(totals["valid"], sum(len(g["valid"]) for g in got.values()))
        self.assertEqual(sorted(totals["valid_sum_milli_by_unit"]), ["Nm3", "kWh", "kg"])

        # The same seed gives the very same messages.
        cap2_lines_before = len(cap.snapshot())
        p2 = self.run_sim(d, "--count", 150, "--seed", 7, "--fault-rate", 0.03, "--retry-s", 120,
                          "--quiet", "--client-prefix", "again")
        self.assertEqual(p2.returncode, 0, p2.stderr)
        cap.settle()
        again = {(tp, m) for _, tp, m in cap.snapshot()[cap2_lines_before:]}
        self.assertEqual(again, {(tp, m) for _, tp, m in lines})
        s2 = self.summary_of(p2.stdout)
        self.assertEqual([x["valid_sum_milli"] for x in s2["devices"]],
                         [x["valid_sum_milli"] for x in s["devices"]])

    def test_republishes_until_acknowledged(self):
        d, manifest, seeds = self.generate(1, kinds="gas")
        dev = manifest["devices"][0]
        cap = self.capture()
        p = self.run_sim(d, "--count", 5, "--retry-s", 1, "--wait-acks", "--ack-timeout", 30,
                         background=True)
        time.sleep(3.6)
        lines = cap.snapshot()
        by_seq = {}
        for _, _, m in lines:
            by_seq.setdefault(json.loads(json.loads(m)["reading"])["seq"], []).append(m)
        self.assertEqual(sorted(by_seq), [1, 2, 3, 4, 5])
        for seq, msgs in by_seq.items():
            self.assertGreaterEqual(len(msgs), 3, "no ack: published again every second")
            self.assertEqual(len(set(msgs)), 1, "re-published with the same bytes")
        self.assertIsNone(p.poll(), "--wait-acks: still waiting")

        # Ack 1..3: those stop, 4 and 5 go on.
        ack_topic = "tanso/%s/%s/ack" % (dev["installation"], dev["id"])
        self.broker.pub(ack_topic, '{"seq":3}')
        time.sleep(1.2)  # the ack is in (a retry of 1..3 may still be on its way)
        t_ack = time.time()
        time.sleep(2.6)
        after = [json.loads(json.loads(m)["reading"])["seq"]
                 for ts, _, m in cap.snapshot() if ts > t_ack]
        self.assertTrue(after, "4 and 5 are still re-published")
        self.assertEqual(set(after), {4, 5})
        self.assertIsNone(p.poll())

        # A malformed ack is ignored; the full ack ends the run.
        self.broker.pub(ack_topic, 'not json')
        self.broker.pub(ack_topic, '{"seq":5}')
        out, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 0, err)
        s = self.summary_of(out)
        ds = s["devices"][0]
        self.assertTrue(s["acks_complete"])
        self.assertEqual((ds["acked_seq"], ds["pending"], ds["bad_acks"]), (5, 0, 1))
        self.assertGreaterEqual(ds["republished"], 10)
        time.sleep(1.5)
        t_end = time.time() - 1.0
        self.assertEqual([m for ts, _, m in cap.snapshot() if ts > t_end], [],
                         "nothing after the run")

    def test_ack_timeout(self):
        d, _, _ = self.generate(1, kinds="power")
        p = self.run_sim(d, "--count", 3, "--retry-s", 1, "--wait-acks", "--ack-timeout", 2,
                         "--quiet")
        self.assertEqual(p.returncode, 3, p.stderr)
        s = self.summary_of(p.stdout)
        self.assertFalse(s["acks_complete"])
        self.assertEqual(s["devices"][0]["pending"], 3)
        self.assertIn(b"not every valid reading was acknowledged", p.stderr)

    def test_broker_restart_loses_no_valid_reading(self):
        d, manifest, seeds = self.generate(3)
        devs = {x["id"]: x for x in manifest["devices"]}
        cap = self.capture("restart-capture")
        stop_acks = threading.Event()

        def gateway():
            """Acks, per device, the highest seq up to which every seq has arrived; again every
            second, as a gateway acks repeated readings (an ack can be lost with the broker)."""
            acked, last = {}, 0
            while not stop_acks.is_set():
                if time.time() - last > 1.0:
                    acked, last = {}, time.time()
                seen = {}
                for _, _, m in cap.snapshot():
                    r = json.loads(json.loads(m)["reading"])
                    seen.setdefault(r["device"], set()).add(r["seq"])
                for dev, seqs in seen.items():
                    n = 0
                    while n + 1 in seqs:
                        n += 1
                    if n > acked.get(dev, 0):
                        pub = subprocess.run(
                            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port),
                             "-q", "1", "-t", "tanso/%s/%s/ack" % (devs[dev]["installation"], dev),
                             "-m", '{"seq":%d}' % n], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=5)
                        if pub.returncode == 0:  # else the broker is down: again later
                            acked[dev] = n
                time.sleep(0.3)

        acker = threading.Thread(target=gateway, daemon=True)
        acker.start()
        self.addCleanup(stop_acks.set)
        p = self.run_sim(d, "--count", 120, "--rate", 20, "--retry-s", 1, "--wait-acks",
                         "--ack-timeout", 60, background=True)
        time.sleep(2.0)
        self.broker.stop()
        time.sleep(1.5)
        self.broker.start()
        time.sleep(1.0)
        self.broker.kill()  # and once without saving anything
        time.sleep(1.0)
        self.broker.start()
        out, err = p.communicate(timeout=90)
        stop_acks.set()
        self.assertEqual(p.returncode, 0, err[-3000:])
        s = self.summary_of(out)
        self.assertTrue(s["acks_complete"])
        self.assertGreater(s["connects"], 3, "reconnected after the restarts")
        self.assertIn(b"reconnected", err)
        cap.settle()
        got = self.classify(manifest, seeds, cap.snapshot())
        for ds in s["devices"]:
            g = got[ds["device"]]
            self.assertEqual(ds["valid"], 120)
            self.assertEqual(sorted(g["valid"]), list(range(1, 121)), ds["device"])
            self.assertEqual(sum(g["valid"].values()), ds["valid_sum_milli"])
            self.assertEqual(ds["acked_seq"], 120)

    def test_independent_signer_and_check(self):
        d, manifest, seeds = self.generate(1, kinds="gas")
        dev = manifest["devices"][0]
        key = os.path.join(d, dev["key_file"])
        topic = "tanso/%s/%s" % (dev["installation"], dev["id"])
        sign = subprocess.run([SIGN_READING, "--key-file", key, "--device", dev["id"], "--seq",
                               "7", "--time", str(START), "--value", "12.345", "--unit", "Nm3"],
                              capture_output=True, timeout=30)
        self.assertEqual(sign.returncode, 0, sign.stderr)
        message = sign.stdout.decode().strip()
        sub = self.broker.sub(topic, 1)
        self.broker.pub(topic, message)
        received, _ = sub.communicate(timeout=15)
        received = received.decode().strip()
        self.assertEqual(received, message)

        def check(*args, text=received):
            c = subprocess.run([self.sim, "check"] + list(args), input=(text + "\n").encode(),
                               capture_output=True, timeout=30)
            return c.returncode, [json.loads(x) for x in c.stdout.decode().splitlines()]

        rc, out = check("--key-file", key, "--topic", topic, "--unit", "Nm3")
        self.assertEqual(rc, 0, out)
        self.assertEqual(out[0]["seq"], 7)
        self.assertEqual(out[0]["time"], START)
        self.assertEqual((out[0]["value"], out[0]["value_milli"]), ("12.345", 12345))
        rc, out = check("--public-key", dev["public_key"])
        self.assertEqual((rc, out[0]["ok"]), (0, True))
        # The same reading signed by the simulator's own code is byte-identical (Ed25519 is
        # deterministic), so both implementations agree on the signed bytes.
        self.assertEqual(json.loads(message)["reading"],
                         '{"device":"%s","seq":7,"time":%d,"value":"12.345","unit":"Nm3"}'
                         % (dev["id"], START))
        # Refusals, with their codes.
        tampered = message.replace("12.345", "12.346")
        rc, out = check("--key-file", key, text=tampered)
        self.assertEqual((rc, out[0]["code"]), (4, "reading.bad_signature"))
        rc, out = check("--key-file", key, "--unit", "kWh")
        self.assertEqual((rc, out[0]["code"]), (4, "reading.bad_unit"))
        rc, out = check("--key-file", key, "--max-value", "10")
        self.assertEqual((rc, out[0]["code"]), (4, "reading.impossible_value"))
        rc, out = check("--key-file", key, text="{}")
        self.assertEqual((rc, out[0]["code"]), (4, "reading.malformed"))
        # sign_reading.sh refuses bad input.
        bad = subprocess.run([SIGN_READING, "--key-file", key, "--device", dev["id"], "--seq",
                              "1", "--time", "1", "--value", "1.2345", "--unit", "Nm3"],
                             capture_output=True, timeout=30)
        self.assertEqual(bad.returncode, 2)

    def test_usage_errors(self):
        def run(*args):
            return subprocess.run([self.sim] + list(args), capture_output=True, timeout=30)
        self.assertEqual(run("--help").returncode, 0)
        p = run("--count", "3")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--devices-dir", p.stderr)
        p = run("--devices-dir", os.path.join(self.tmp, "none"))
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"devices.json", p.stderr)
        d, _, _ = self.generate(1, kinds="fuel")
        p = run("--devices-dir", d, "--gap-rate", "0.7", "--spike-rate", "0.7")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"must not exceed 1", p.stderr)
        p = run("--devices-dir", d, "--interval-s", "864000")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"max_value", p.stderr)
        with open(os.path.join(d, "devices.json"), "w") as f:
            f.write('{"format":"tanso-sensor-sim/devices/v1","devices":[{"id":"x"}]}')
        p = run("--devices-dir", d)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"missing \"installation\"", p.stderr)


if __name__ == "__main__":
    t.main()
