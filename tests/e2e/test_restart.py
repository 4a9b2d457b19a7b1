"""End-to-end: a node restarts where it stopped, after SIGTERM and after SIGKILL under load."""

import http.client
import json
import subprocess
import os
import threading
import time
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso


class RestartTest(E2ETest):

    def head(self, node):
        st = node.status()
        return st["height"], st["head_hash"], st["state_root"]

    def send_some(self, node, demo, per_sender=10, senders=("hanbit-steel", "krx")):
        txs = e2e.presign_transfers(node, demo, list(senders), per_sender)
        acked = {}
        for b in e2e.interleave_batches(txs, 5):
            r = node.post("/v1/txs/batch", e2e.batch_body([e for e, _ in b]))
            self.assertEqual(r.status, 200, r)
            for res, (_, tx_id) in zip(r.json["results"], b):
                self.assertEqual((res["status"], res["code"]), ("committed", "ok"), res)
                acked[tx_id] = res["height"]
        return acked

    def check_acked(self, node, acked):
        c = node.client()
        try:
            for tx_id, h in acked.items():
                r = c.get("/v1/txs/" + tx_id)
                self.assertEqual(r.status, 200, "acknowledged tx %s lost: %s" % (tx_id, r))
                self.assertEqual((r.json["status"], r.json["height"]), ("committed", h), tx_id)
        finally:
            c.close()

    def verify(self, node):
        r = tanso("verify", "--data-dir", node.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def test_sigterm_restart(self):
        demo, node = self.demo_node()
        acked = self.send_some(node, demo)
        self.assertEqual(len(acked), 20)
        before = self.head(node)
        nonces = {a: node.nonce(a) for a in ("hanbit-steel", "krx")}
        self.assertEqual(node.stop(), 0, "tansod exits 0 on SIGTERM")
        # Restart (with --genesis again: the same file is accepted).
        node.start()
        self.assertEqual(self.head(node), before)
        self.assertEqual({a: node.nonce(a) for a in nonces}, nonces)
        self.check_acked(node, acked)
        # New txs commit, continuing the nonces and the chain.
        more = self.send_some(node, demo, per_sender=3)
        self.assertEqual(node.nonce("krx"), nonces["krx"] + 3)
        self.assertEqual(min(more.values()), before[0] + 1)
        blk = node.get("/v1/blocks/%d" % (before[0] + 1)).json["header"]
        self.assertEqual(blk["prev_hash"], before[1])
        # Restart without --genesis.
        before = self.head(node)
        self.assertEqual(node.stop(), 0)
        node.start(genesis=False)
        self.assertEqual(self.head(node), before)
        node.stop()
        v = self.verify(node)
        self.assertEqual((v["head_hash"], v["state_root"]), before[1:])
        self.assertEqual(v["txs"], 26)

    def test_wrong_genesis_refused(self):
        demo, node = self.demo_node()
        self.send_some(node, demo, per_sender=1)
        before = self.head(node)
        node.stop()
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        d2 = e2e.Demo(other)
        node.genesis = d2.genesis
        with self.assertRaises(RuntimeError) as cm:
            node.start(timeout=10)
        self.assertIn("genesis.mismatch", str(cm.exception))
        self.assertNotEqual(node.proc.returncode, 0)
        # An empty data dir without a genesis: node.no_chain.
        empty = self.new_node("empty")
        with self.assertRaises(RuntimeError) as cm:
            empty.start(timeout=10)
        self.assertIn("node.no_chain", str(cm.exception))
        # The data is untouched.
        node.genesis = demo.genesis
        node.start()
        self.assertEqual(self.head(node), before)

    def test_config_file_and_flag_overrides(self):
        """tansod --config FILE: TOML keys set the node up, flags override them key by key, and
        a bad file or an out-of-range flag stops tansod with exit 1 and the reason."""
        cfg = os.path.join(self.tmp, "tansod.toml")
        with open(cfg, "w") as f:
            f.write('block_txs_max = 2\nblock_interval_ms = 20\nlog_level = "warn"\n')
        demo, node = self.demo_node(extra_args=["--config", cfg])
        txs = e2e.presign_transfers(node, demo, ["hanbit-steel", "krx"], 3)
        batch = [e for b in e2e.interleave_batches(txs, 3) for e, _ in b]
        r = node.post("/v1/txs/batch", e2e.batch_body(batch))
        heights = {res["height"] for res in r.json["results"]}
        self.assertEqual(len(heights), 3, r.json)  # 6 txs, at most 2 per block (from the file)
        node.stop()
        # The same file, with the block size overridden by a flag: one block of 6.
        node.extra_args = ["--config", cfg, "--block-txs-max", "10"]
        node.genesis = None
        node.start()
        txs = e2e.presign_transfers(node, demo, ["hanbit-steel", "krx"], 3)
        batch = [e for b in e2e.interleave_batches(txs, 3) for e, _ in b]
        r = node.post("/v1/txs/batch", e2e.batch_body(batch))
        self.assertEqual(len({res["height"] for res in r.json["results"]}), 1, r.json)
        node.stop()
        for content, flags, reason in (
                ("nope = 1\n", [], "unknown key 'nope'"),
                ("block_txs_max = \"many\"\n", [], "bad value for 'block_txs_max'"),
                ("", ["--block-txs-max", "0"], "block_txs_max must be 1..100000")):
            with open(cfg, "w") as f:
                f.write(content)
            p = subprocess.run([e2e.bin_path("tansod"), "--config", cfg,
                                "--data-dir", node.data_dir] + flags,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(reason, p.stderr)

    def test_events_resume_across_restart(self):
        """BUG (node/events): the SSE replay log lives in memory only and starts empty, so after a
        restart a client resuming with Last-Event-ID (what every SSE client does on reconnect)
        silently misses the blocks committed before the restart, though docs/API.md promises a
        resume up to 1,000 blocks back. Expected: blocks h-1 and h (from the store) replayed at
        once; actual: nothing until the next commit, whose id then jumps."""
        demo, node = self.demo_node()
        self.send_some(node, demo, per_sender=1, senders=("krx", "nuri-power"))
        self.send_some(node, demo, per_sender=1, senders=("krx", "nuri-power"))
        h = node.height()
        self.assertGreaterEqual(h, 2)
        node.stop()
        node.start()
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=3)
        self.addCleanup(conn.close)
        conn.request("GET", "/v1/events", headers={"Last-Event-ID": str(h - 2)})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        ids = []
        try:
            while len(ids) < 2:
                line = resp.fp.readline().decode()
                if line.startswith("id:"):
                    if not ids or ids[-1] != line[3:].strip():
                        ids.append(line[3:].strip())
        except OSError:
            pass
        self.assertEqual(ids, [str(h - 1), str(h)])

    def test_second_node_on_same_data_dir_refused(self):
        demo, node = self.demo_node()
        twin = self.new_node("twin", data_dir=node.data_dir, genesis=demo.genesis)
        with self.assertRaises(RuntimeError) as cm:
            twin.start(timeout=10)
        # (ERRORS.md: storage.open_failed; tansod prints the message only, without the code.)
        self.assertIn("lock", str(cm.exception).lower())
        self.assertEqual(twin.proc.returncode, 1)
        self.assertTrue(node.running())
        self.send_some(node, demo, per_sender=1)

    def load_then(self, node, demo, action, delay, allow_refused=()):
        txs = e2e.presign_transfers(node, demo, e2e.KRW_HOLDERS, 600)
        load = e2e.LoadGen(node, e2e.interleave_batches(txs, 30), allow_refused=allow_refused)
        load.start()
        deadline = time.time() + 10
        while load.answered < 2 and time.time() < deadline and load.is_alive():
            time.sleep(0.01)
        self.assertGreaterEqual(load.answered, 2, "no load: %r" % load.error)
        time.sleep(delay)
        stopped = time.time()
        rc = action()
        took = time.time() - stopped
        load.stop_flag.set()
        load.join(60)
        self.assertFalse(load.is_alive())
        self.assertEqual(load.unexpected, [])
        return load, rc, took

    def test_sigkill_mid_load(self):
        demo, node = self.demo_node()
        verified = []

        def verify_then_kill():
            # `tanso verify` reads the store while the node commits under load.
            verified.append(self.verify(node))
            return node.kill()
        load, rc, _ = self.load_then(node, demo, verify_then_kill, 0.2)
        self.assertEqual(rc, -9)
        self.assertGreaterEqual(verified[0]["blocks"], 3)
        acked = load.acked
        self.assertTrue(acked)
        node.start()
        self.assertTrue(node.get("/healthz").status == 200)
        h = node.height()
        self.assertGreaterEqual(h, max(acked.values()))
        self.check_acked(node, acked)
        # The batch in flight: each tx is either committed already or goes in now.
        if load.in_flight:
            r = node.post("/v1/txs/batch", e2e.batch_body([e for e, _ in load.in_flight]))
            for res in r.json["results"]:
                if res["status"] == "refused":
                    self.assertEqual(res["error"]["code"], "tx.nonce_replayed", res)
                else:
                    self.assertEqual((res["status"], res["code"]), ("committed", "ok"), res)
        # New txs commit from the accounts' nonces.
        self.send_some(node, demo, per_sender=5)
        node.stop()
        v = self.verify(node)
        self.assertGreater(v["txs"], len(acked))

    def test_stopping_node_refuses_with_node_unavailable(self):
        """BUG (tansod shutdown / Node::submit): between SIGTERM and the HTTP server's stop, the
        node still admits requests, but its orderer is stopped, so submissions are refused with
        503 tx.mempool_full ("too many pending txs") although the mempool is nearly empty, and
        the rollback of that refusal then makes the sender's next tx tx.nonce_skipped.
        Expected: node.unavailable (or a closed connection). Tried up to 3 times (timing)."""
        seen = {}
        for attempt in range(3):
            wd = os.path.join(self.tmp, "a%d" % attempt)
            os.makedirs(wd)
            demo = e2e.Demo(wd)
            node = self.new_node("a%d" % attempt, genesis=demo.genesis).start()
            txs = e2e.presign_transfers(node, demo, e2e.KRW_HOLDERS, 1500)

            def hammer(sender):
                c = node.client(10)
                try:
                    for env, _ in txs[sender]:
                        r = c.post("/v1/txs?wait=none", env)
                        key = r.code() or r.json.get("status")
                        seen[key] = seen.get(key, 0) + 1
                except OSError:
                    pass
                finally:
                    c.close()
            threads = [threading.Thread(target=hammer, args=(s,)) for s in e2e.KRW_HOLDERS]
            for t in threads:
                t.start()
            time.sleep(0.5)
            self.assertEqual(node.stop(), 0)
            for t in threads:
                t.join(30)
            if "tx.mempool_full" in seen:
                break
        self.assertNotIn("tx.mempool_full", seen, seen)

    def test_sigterm_mid_load(self):
        """A clean stop while clients wait for commits: prompt exit 0, nothing acked lost."""
        demo, node = self.demo_node()
        # A batch that arrives while the node stops may be refused. The right code is
        # node.unavailable; tansod answers tx.mempool_full (see test_stopping_node_refuses_...).
        load, rc, took = self.load_then(node, demo, node.stop, 0.2,
                                        allow_refused=("node.unavailable", "tx.mempool_full"))
        self.assertEqual(rc, 0)
        self.assertLess(took, 10)
        node.start()
        self.check_acked(node, load.acked)
        self.send_some(node, demo, per_sender=2)
        node.stop()
        self.verify(node)


if __name__ == "__main__":
    e2e.main()
