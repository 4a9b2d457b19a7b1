"""`make run`'s demo from the user's side: scripts/run-demo.sh starts the node, seeds the demo
activity and starts the live MRV pipeline (mosquitto, one tanso-edge per demo company,
tanso-sensor-sim playing the demo meters); within about a minute the companies' emissions are on
the ledger, every reading was accepted, and Ctrl-C (SIGINT) stops every process it started.

The script runs in its own temporary demo directory and on free ports (DEMO_DIR, MQTT_PORT,
EDGE_PORT_BASE), with a reading every 2 s per meter instead of 10 s.
"""

import datetime
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import tanso_e2e as t

REPO = os.path.abspath(os.path.join(t.HERE, "..", ".."))
COMPANIES = ["daehan-cement", "hanbit-steel", "nuri-power", "seoul-petrochem"]  # sorted


def free_run(n):
    """A base port with n free ports above it."""
    for _ in range(50):
        base = t.free_port()
        if base + n >= 65535:
            continue
        ok = True
        for p in range(base, base + n):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return base
    raise RuntimeError("no run of free ports")


def metrics(port):
    r = t.http_get("http://127.0.0.1:%d" % port, "/metrics", timeout=5)
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


class DemoTest(t.E2ETest):
    def test_make_run_demo_with_the_live_mrv_pipeline(self):
        demo = os.path.join(self.tmp, "demo")
        port, mqtt, edge_base = t.free_port(), t.free_port(), free_run(len(COMPANIES))
        listen = "127.0.0.1:%d" % port
        env = dict(os.environ, DEMO_DIR=demo, TANSO_BIN_DIR=t.BIN_DIR, MQTT_PORT=str(mqtt),
                   EDGE_PORT_BASE=str(edge_base), SIM_INTERVAL_S="2")
        log_path = os.path.join(self.tmp, "run-demo.out")
        log = open(log_path, "wb")
        proc = subprocess.Popen([os.path.join(REPO, "scripts", "run-demo.sh"), listen], cwd=REPO,
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        with t._live_mu:
            t._live.add(proc)

        def out():
            with open(log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")

        def logs():
            text = "run-demo.sh:\n" + out()
            for name in sorted(os.listdir(os.path.join(demo, "logs"))):
                with open(os.path.join(demo, "logs", name), "rb") as f:
                    text += "\n--- %s\n%s" % (name, f.read()[-2000:].decode("utf-8", "replace"))
            return text

        try:
            deadline = time.time() + 120
            while "Ctrl-C stops" not in out():
                self.assertIsNone(proc.poll(), "run-demo.sh exited:\n" + out())
                self.assertLess(time.time(), deadline, "no banner:\n" + out())
                time.sleep(0.2)
            self.assertIn("MRV pipeline: mosquitto 127.0.0.1:%d" % mqtt, out())

            # The dashboard is served at / with its bundle (web/dist, built by make build).
            page = urllib.request.urlopen("http://%s/" % listen, timeout=10).read().decode()
            self.assertIn('<div id="app">', page)
            js = re.search(r'src="(/assets/app-[A-Za-z0-9]+\.js)"', page)
            self.assertIsNotNone(js, page)
            with urllib.request.urlopen("http://%s%s" % (listen, js.group(1)), timeout=10) as r:
                self.assertEqual(r.headers["Content-Type"], "text/javascript; charset=utf-8")
                self.assertGreater(len(r.read()), 10000)

            # The demo activity wrote a week of history (daily batches for the 7 days before
            # today, UTC); within a minute and a half every company's gateway adds a day of its
            # own (today's, in the edge's day) on the ledger.
            today = datetime.datetime.utcnow().date()
            history = {str(today - datetime.timedelta(days=k)) for k in range(1, 8)}
            year = (datetime.datetime.utcnow() + datetime.timedelta(hours=9)).year
            totals = {}
            deadline = time.time() + 100
            while time.time() < deadline and len(totals) < len(COMPANIES):
                for c in COMPANIES:
                    if c in totals:
                        continue
                    r = t.tanso("--node", listen, "mrv", "daily", "--year", str(year), "--json",
                                "-k", os.path.join(demo, "keys", c + ".edge.json"))
                    if r.returncode == 0:
                        d = json.loads(r.stdout)
                        days = {x["day"] for x in d["days"]}
                        self.assertTrue(history <= days or year != today.year, (c, sorted(days)))
                        if days - history:
                            totals[c] = d
                time.sleep(2)
            self.assertEqual(sorted(totals), COMPANIES, "no live emissions on the ledger:\n" + logs())
            for c, d in totals.items():
                self.assertEqual(d["company"], c)
                self.assertGreater(int(d["total_co2e_g"]), 0)

            # Every gateway accepted readings, refused none, and has submitted batches.
            for i, c in enumerate(COMPANIES):
                m = metrics(edge_base + i)
                self.assertGreater(m["tanso_edge_readings_accepted_total"], 0, c)
                self.assertEqual(m["tanso_edge_readings_refused_all_total"], 0, c)
                self.assertGreaterEqual(m["tanso_edge_batches_submitted_total"], 1, c)
                self.assertEqual(m["tanso_edge_batches_rejected_total"], 0, c)
                self.assertEqual(m["tanso_edge_mqtt_connected"], 1, c)
        finally:
            # Ctrl-C: the script stops everything it started, and nothing of its session stays.
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
                self.fail("run-demo.sh did not stop on SIGINT:\n" + out())
            left = subprocess.run(["pgrep", "-s", str(proc.pid), "-a"], capture_output=True,
                                  text=True).stdout.strip()
            if left:
                os.killpg(proc.pid, signal.SIGKILL)
            self.assertEqual(left, "", "processes left after SIGINT")
        # The simulator wrote its summary on the way out (the next run continues its seqs).
        with open(os.path.join(demo, "sim-summary.json")) as f:
            summary = json.load(f)
        self.assertGreater(summary["totals"]["valid"], 0)
        self.assertEqual(summary["totals"]["valid"], summary["totals"]["published"])


if __name__ == "__main__":
    t.main()
