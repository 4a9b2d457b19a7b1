"""A network of three organizations' nodes over a real 3-member etcd cluster on loopback
(docs/CLUSTER.md): one ledger on every node, and faults under load — the etcd leader killed, an
etcd member stopped, a node SIGKILLed and restarted, the whole network restarted. After each:
no acknowledged tx lost, every node has the same block hash and state root at every height,
the attestations reach a quorum, `tanso verify --require-quorum` passes on every node's store.
Recovery times are printed."""

import sys
import threading
import time

import cluster_e2e
import tanso_e2e as e2e
from tanso_e2e import E2ETest

# Senders per node: each node's clients use their own accounts, so nonces never race.
SENDERS = [["hanbit-steel", "daehan-cement"], ["seoul-petrochem", "nuri-power"], ["krx"]]


class ClusterTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.net = None

    def tearDown(self):
        if self.net:
            self.net.stop()
        super().tearDown()

    def start_network(self, extra_args=()):
        self.net = cluster_e2e.Network(self.tmp, extra_args=extra_args)
        self.nodes.extend(self.net.nodes)
        return self.net.start()

    def load(self, per_sender, per_batch=20, nodes=None):
        """Pre-signed transfers, one LoadGen per node (not started)."""
        net = self.net
        nodes = nodes if nodes is not None else range(len(net.nodes))
        gens = []
        for i in nodes:
            txs = e2e.presign_transfers(net.nodes[i], net.demo, SENDERS[i], per_sender)
            gens.append(e2e.LoadGen(net.nodes[i], e2e.interleave_batches(txs, per_batch),
                                    timeout=90))
        return gens

    def check_one_ledger(self, acked, upto=None):
        """Same headers at every height on every node; every acked tx in its block everywhere;
        attestations final; tanso verify passes with a quorum."""
        net = self.net
        top = max(acked.values()) if acked else 1
        h = net.wait_same_height(max(top, upto or 0))
        heads = [net.headers(n, h) for n in net.nodes]
        for i in range(1, len(heads)):
            self.assertEqual(heads[i], heads[0], "node %d differs from node 0" % i)
        by_height = {}
        for tx, height in acked.items():
            by_height.setdefault(height, set()).add(tx)
        for height, txs in sorted(by_height.items()):
            for n in net.nodes:
                r = n.get("/v1/blocks/%d" % height)
                self.assertEqual(r.status, 200, r.text)
                self.assertTrue(txs <= {t["tx_id"] for t in r.json["txs"]},
                                "acknowledged txs missing at height %d" % height)
        # Attestations of the head reach a quorum on every node (they travel asynchronously).
        deadline = time.time() + 30
        for n in net.nodes:
            while True:
                a = n.get("/v1/blocks/%d/attestations" % h)
                self.assertEqual(a.status, 200, a.text)
                if a.json["final"] and a.json["agreeing"] == len(net.nodes):
                    break
                self.assertLess(time.time(), deadline, a.json)
                time.sleep(0.2)
        for n in net.nodes:
            v = net.verify(n)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        return h

    def run_load(self, gens):
        for g in gens:
            g.start()
        for g in gens:
            g.join(180)
            self.assertFalse(g.is_alive())
            self.assertEqual(g.unexpected, [])
            self.assertIsNone(g.error)
        acked = {}
        for g in gens:
            acked.update(g.acked)
        return acked

    def test_one_ledger_on_every_node(self):
        net = self.start_network()
        st = net.nodes[1].get("/v1/status").json
        self.assertEqual(st["network"], {"node_id": "exchange-1", "nodes": 3, "attest_quorum": 2})
        acked = self.run_load(self.load(per_sender=300))
        self.assertEqual(len(acked), 5 * 300)
        h = self.check_one_ledger(acked)
        # Every node proposed blocks: the header's proposer signature is over the batch digest.
        proposers = {b["proposer"] for b in net.nodes[0].get(
            "/v1/blocks?from=1&to=%d" % h).json["blocks"]}
        self.assertEqual(len(proposers), 3, proposers)
        # A tx submitted to node 0 is found, committed, on node 2, with a proof.
        tx = next(iter(acked))
        r = net.nodes[2].get("/v1/txs/%s" % tx)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.json["status"], "committed")
        # An attestation endpoint on a solo chain, a bad height, a missing block.
        self.assertCode(net.nodes[0].get("/v1/blocks/x/attestations"), 400,
                        "request.bad_parameter")
        self.assertCode(net.nodes[0].get("/v1/blocks/99999999/attestations"), 404,
                        "block.not_found")

    def test_faults_lose_nothing(self):
        net = self.start_network()
        acked = {}
        # 1. The etcd leader killed under load.
        gens = self.load(per_sender=400)
        for g in gens:
            g.start()
        time.sleep(1.0)
        leader = net.etcd.leader()
        self.assertIsNotNone(leader)
        h0 = net.nodes[0].height()
        t_kill = time.time()
        net.etcd.kill(leader)
        recovered = self.wait_progress(net.nodes[0], h0 + 3, 60)
        print("\ncluster: etcd leader e%d killed; blocks committed again after %.0f ms" %
              (leader, (recovered - t_kill) * 1000), file=sys.stderr)
        for g in gens:
            g.join(180)
            self.assertEqual(g.unexpected, [])
            acked.update(g.acked)
        net.etcd.start(leader)

        # 2. A non-leader member stopped: the two others are a majority.
        leader = net.etcd.leader()
        follower = next(k for k in range(3) if k != leader)
        net.etcd.stop(follower)
        acked.update(self.run_load(self.load(per_sender=100)))
        net.etcd.start(follower)

        # 3. A node SIGKILLed under load and restarted: it catches up from the log.
        gens = self.load(per_sender=300, nodes=[0, 1])
        for g in gens:
            g.start()
        time.sleep(0.5)
        net.nodes[2].kill()
        for g in gens:
            g.join(180)
            self.assertEqual(g.unexpected, [])
            acked.update(g.acked)
        t_restart = time.time()
        net.nodes[2].start(genesis=False)
        target = max(acked.values())
        net.wait_same_height(target, timeout=120)
        print("cluster: node bank-1 SIGKILLed and restarted; caught up to height %d in %.0f ms" %
              (target, (time.time() - t_restart) * 1000), file=sys.stderr)
        self.check_one_ledger(acked)

        # 4. The whole network restarted (nodes, then etcd): nothing lost, it goes on.
        for n in net.nodes:
            n.stop()
        net.etcd.stop()
        t_restart = time.time()
        net.etcd.start()
        for n in net.nodes:
            n.start(genesis=False)
        acked.update(self.run_load(self.load(per_sender=50)))
        print("cluster: whole network restarted; committing again within %.0f ms" %
              ((time.time() - t_restart) * 1000), file=sys.stderr)
        self.check_one_ledger(acked)

    def wait_progress(self, node, height, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if node.height() >= height:
                return time.time()
            time.sleep(0.02)
        raise AssertionError("no progress past height %d in %ss" % (height, timeout))

    def test_misconfigured_nodes_refuse_to_start(self):
        net = cluster_e2e.Network(self.tmp)
        self.net = net
        self.nodes.extend(net.nodes)
        n = net.nodes[0]
        # A network chain without cluster settings.
        solo = e2e.TansoNode(self.tmp, data_dir=n.data_dir, genesis=net.demo.genesis)
        with self.assertRaises(RuntimeError) as ctx:
            solo.start(timeout=10)
        self.assertIn("names a network of nodes", str(ctx.exception))
        # Another node's id with this node's key.
        wrong = e2e.TansoNode(self.tmp, data_dir=n.data_dir, genesis=net.demo.genesis,
                              extra_args=["--cluster-etcd", net.etcd.endpoints,
                                          "--node-id", "bank-1"])
        with self.assertRaises(RuntimeError) as ctx:
            wrong.start(timeout=10)
        self.assertIn("is not the key genesis names", str(ctx.exception))
        # etcd unreachable.
        down = e2e.TansoNode(self.tmp, data_dir=n.data_dir, genesis=net.demo.genesis,
                             extra_args=["--cluster-etcd", "http://127.0.0.1:%d" %
                                         e2e.closed_port(), "--node-id", "regulator-1"])
        with self.assertRaises(RuntimeError) as ctx:
            down.start(timeout=30)
        self.assertIn("ordering.unavailable", str(ctx.exception))


if __name__ == "__main__":
    e2e.main()
