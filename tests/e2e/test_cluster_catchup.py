"""Catch-up from other nodes' blocks after etcd compaction (docs/CLUSTER.md "Catch-up"), over a
real 3-member etcd cluster: a genesis naming four nodes; three start. bank-1 is stopped; the
others commit enough blocks (one tx per block) that, with cluster_keep_slots at its minimum of
100, the log is compacted past bank-1's next slot. bank-1 restarts while its peers are down: it
waits for them (healthy, catch_up active in /v1/status, submissions refused node.catching_up);
they come back and it catches up from their blocks (GET /v1/blocks/{height}/raw, each block verified), then follows the log; the
fourth node (named in genesis, never started) starts with an empty data directory and catches
up from block 1. Then: the same block hash and state root at every height on every node, every
acknowledged tx in its block everywhere, the caught-up nodes commit new blocks from the log and
attest them, `tanso verify --require-quorum` passes on their stores."""

import sys
import time

import cluster_e2e
import tanso_e2e as e2e
from tanso_e2e import E2ETest

NODES = cluster_e2e.NODES + [("verifier-1", "hanbit-steel")]
SENDERS = [["hanbit-steel", "daehan-cement"], ["seoul-petrochem", "nuri-power"]]


class ClusterCatchUpTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.net = None

    def tearDown(self):
        if self.net:
            self.net.stop()
        super().tearDown()

    def send(self, node_index, per_sender):
        """Pre-signed transfers through one node; returns {tx_id: height} acknowledged."""
        n = self.net.nodes[node_index]
        txs = e2e.presign_transfers(n, self.net.demo, SENDERS[node_index], per_sender)
        g = e2e.LoadGen(n, e2e.interleave_batches(txs, 10), timeout=90)
        g.start()
        return g

    def collect(self, gens):
        acked = {}
        for g in gens:
            g.join(120)
            self.assertFalse(g.is_alive())
            self.assertEqual(g.unexpected, [])
            self.assertIsNone(g.error)
            acked.update(g.acked)
        return acked

    def wait_compacted(self, slot, timeout=30):
        """Until the log no longer holds `slot`."""
        prefix = "/tanso/%s/b/" % self.net.demo.chain
        key = prefix + "%020d" % slot
        deadline = time.time() + timeout
        while time.time() < deadline:
            keys = self.net.etcd.keys(prefix)
            if keys and key not in keys and min(keys) > key:
                return
            time.sleep(0.2)
        self.fail("the log still holds slot %d" % slot)

    def test_a_node_catches_up_from_other_nodes_blocks_after_compaction(self):
        t0 = time.time()
        self.net = net = cluster_e2e.Network(
            self.tmp, nodes=NODES, peers=True,
            extra_args=["--cluster-keep-slots", "100", "--block-txs-max", "1"])
        self.nodes.extend(net.nodes)
        for n in net.nodes:
            n.log_level = "info"  # the catch-up's progress lines
        n1, n2, n3, n4 = net.nodes
        for n in (n1, n2, n3):
            n.start()
        acked = self.collect([self.send(0, 5), self.send(1, 5)])
        h3 = net.wait_same_height(max(acked.values()), nodes=[n1, n2, n3])
        n3.stop()
        # Over 200 blocks (the first compaction needs head - keep_slots > 100) past bank-1.
        acked.update(self.collect([self.send(0, 60), self.send(1, 60)]))
        head = net.wait_same_height(max(acked.values()), nodes=[n1, n2])
        self.assertGreater(head, h3 + 201)
        self.wait_compacted(h3 + 1)
        print("bank-1 stopped at %d; the others at %d; the log compacted past %d (%.1f s)" %
              (h3, head, h3 + 1, time.time() - t0), file=sys.stderr)

        # 1. bank-1 restarts while no peer runs: it waits (no halt), says so in /v1/status and
        # refuses submissions; then regulator-1 and exchange-1 come back and it catches up from
        # them and follows the log.
        tx = e2e.presign_transfers(n1, net.demo, ["krx"], 1)["krx"][0][0]
        n1.stop()
        n2.stop()
        n3.start()
        deadline = time.time() + 20
        while True:
            st = n3.get("/v1/status").json
            if st["network"]["catch_up"]["active"]:
                break
            self.assertLess(time.time(), deadline, st)
            time.sleep(0.1)
        self.assertTrue(st["healthy"], st)
        self.assertEqual(st["height"], h3, st)
        self.assertEqual(n3.get("/healthz").status, 200)
        self.assertCode(self.submit(n3, tx), 503, "node.catching_up")
        time.sleep(1)  # a few rounds of backoff
        self.assertTrue(n3.get("/v1/status").json["network"]["catch_up"]["active"])
        t1 = time.time()
        n1.start()
        n2.start()
        net.wait_same_height(head, nodes=[n1, n2, n3])
        print("bank-1 caught up %d blocks from its peers in %.1f s" %
              (head - h3, time.time() - t1), file=sys.stderr)
        st = n3.get("/v1/status").json["network"]["catch_up"]
        self.assertFalse(st["active"], st)
        self.assertEqual(st["refused"], 0, st)
        self.assertIn(st["peer"], ("regulator-1", "exchange-1"), st)
        self.assertGreaterEqual(st["target"], head, st)
        with open(n3.log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
        self.assertIn("catching up from other nodes' blocks", log)
        self.assertIn("following the log", log)

        # 2. verifier-1, named in genesis, starts for the first time with an empty data dir.
        t2 = time.time()
        n4.start()
        net.wait_same_height(head, nodes=[n1, n2, n3, n4])
        print("verifier-1 joined: %d blocks from its peers in %.1f s" %
              (head, time.time() - t2), file=sys.stderr)
        # Nothing of the catch-up is accepted from a caller that is not a node of the network.
        self.assertCode(n1.get("/v1/blocks/1/raw"), 403, "auth.forbidden")
        self.assertCode(n1.get("/v1/blocks/1/raw?count=101"), 400, "request.bad_range")

        # 3. Both follow the log now: new blocks through any node reach all four.
        more = self.collect([self.send(0, 3), self.send(1, 3)])
        acked.update(more)
        top = net.wait_same_height(max(more.values()), nodes=net.nodes)
        for n in (n3, n4):
            self.assertFalse(n.get("/v1/status").json["network"]["catch_up"]["active"])

        # 4. One ledger: the same headers everywhere, every acknowledged tx in its block.
        heads = [net.headers(n, top) for n in net.nodes]
        for i in range(1, len(heads)):
            self.assertEqual(heads[i], heads[0], "%s differs" % net.node_ids[i])
        by_height = {}
        for tx, h in acked.items():
            by_height.setdefault(h, set()).add(tx)
        for n in (n3, n4):
            for h, txs in sorted(by_height.items()):
                r = n.get("/v1/blocks/%d" % h)
                self.assertEqual(r.status, 200, r.text)
                self.assertTrue(txs <= {t["tx_id"] for t in r.json["txs"]},
                                "acknowledged txs missing at height %d" % h)
        # The caught-up nodes attest what they committed; with the peers' attestations that came
        # with the blocks, every block has a quorum (3 of 4) in their stores.
        deadline = time.time() + 30
        for n in net.nodes:
            while True:
                a = n.get("/v1/blocks/%d/attestations" % top).json
                if a["agreeing"] == 4:
                    break
                self.assertLess(time.time(), deadline, a)
                time.sleep(0.2)
        # bank-1 attested the blocks it caught up; the ones within cluster_keep_slots of the head
        # stay in the log until every node has read them, so regulator-1 has them (older ones may
        # be compacted first: a node that far behind is not waited for).
        a = n3.get("/v1/blocks/%d/attestations" % (h3 + 5)).json
        self.assertIn("bank-1", {x["node"] for x in a["attestations"]}, a)
        a = n1.get("/v1/blocks/%d/attestations" % head).json
        self.assertIn("bank-1", {x["node"] for x in a["attestations"]}, a)
        self.assertIn("verifier-1", {x["node"] for x in a["attestations"]}, a)
        for n in (n3, n4):
            n.stop()
            v = net.verify(n)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        print("whole test %.1f s" % (time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    e2e.main()
