"""Harness for network tests: a real etcd cluster on loopback (Debian's etcd 3.4) and tansod
nodes of several organizations over one demo genesis that names them (docs/CLUSTER.md)."""

import base64
import json
import os
import shutil
import signal
import subprocess
import time

import tanso_e2e as e2e


class EtcdCluster:
    """n etcd members on free loopback ports; member i's data in workdir/etcd/e<i>."""

    def __init__(self, workdir, n=3):
        self.workdir = workdir
        self.n = n
        self.client_ports = [e2e.free_port() for _ in range(n)]
        self.peer_ports = [e2e.free_port() for _ in range(n)]
        self.procs = [None] * n
        self.token = "tanso-e2e-%d" % os.getpid()

    @property
    def endpoints(self):
        return ",".join("http://127.0.0.1:%d" % p for p in self.client_ports)

    def start(self, i=None):
        members = range(self.n) if i is None else [i]
        initial = ",".join("e%d=http://127.0.0.1:%d" % (k, p) for k, p in enumerate(self.peer_ports))
        for k in members:
            data = os.path.join(self.workdir, "etcd", "e%d" % k)
            state = "existing" if os.path.isdir(os.path.join(data, "member")) else "new"
            c, p = self.client_ports[k], self.peer_ports[k]
            log = open(os.path.join(self.workdir, "etcd-e%d.log" % k), "ab")
            self.procs[k] = subprocess.Popen(
                ["etcd", "--name", "e%d" % k, "--data-dir", data,
                 "--listen-client-urls", "http://127.0.0.1:%d" % c,
                 "--advertise-client-urls", "http://127.0.0.1:%d" % c,
                 "--listen-peer-urls", "http://127.0.0.1:%d" % p,
                 "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % p,
                 "--initial-cluster", initial, "--initial-cluster-state", state,
                 "--initial-cluster-token", self.token],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=e2e._die_with_parent)
            log.close()
            with e2e._live_mu:
                e2e._live.add(self.procs[k])
        self.wait_healthy()
        return self

    def running(self, k):
        return self.procs[k] is not None and self.procs[k].poll() is None

    def wait_healthy(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.leader() is not None:
                return
            time.sleep(0.1)
        raise RuntimeError("etcd has no leader after %ss" % timeout)

    def status(self, k):
        try:
            r = e2e.http_post("http://127.0.0.1:%d" % self.client_ports[k],
                              "/v3/maintenance/status", "{}", timeout=2)
            return r.json if r.status == 200 else None
        except OSError:
            return None

    def leader(self):
        """Index of the leader member (as a running member reports it), or None."""
        for k in range(self.n):
            if not self.running(k):
                continue
            s = self.status(k)
            if s and s.get("leader") and s.get("leader") != "0":
                for j in range(self.n):
                    if not self.running(j):
                        continue
                    sj = self.status(j)
                    if sj and sj["header"]["member_id"] == s["leader"]:
                        return j
        return None

    def kill(self, k):
        p = self.procs[k]
        if p and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
        with e2e._live_mu:
            e2e._live.discard(p)

    def stop(self, k=None):
        for j in (range(self.n) if k is None else [k]):
            p = self.procs[j]
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            with e2e._live_mu:
                e2e._live.discard(p)

    def keys(self, prefix):
        """Keys under prefix (decoded), from member 0 or the first running one."""
        k = next(j for j in range(self.n) if self.running(j))
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        body = json.dumps({"key": base64.b64encode(prefix.encode()).decode(),
                           "range_end": base64.b64encode(end.encode()).decode(),
                           "keys_only": True})
        r = e2e.http_post("http://127.0.0.1:%d" % self.client_ports[k], "/v3/kv/range", body)
        return [base64.b64decode(kv["key"]).decode() for kv in r.json.get("kvs", [])]


NODES = [("regulator-1", "moe"), ("exchange-1", "krx"), ("bank-1", "settle-bank")]


class Network:
    """The demo genesis with NODES as its network, an etcd cluster and one tansod per node."""

    def __init__(self, workdir, extra_args=(), nodes=NODES, peers=False):
        """peers: each node gets the others' API URLs (--cluster-peers) on fixed ports."""
        self.workdir = workdir
        self.demo = e2e.Demo(workdir)
        args = []
        self.node_ids = [n for n, _ in nodes]
        for node_id, org in nodes:
            d = os.path.join(workdir, node_id)
            os.makedirs(d)
            r = e2e.tanso("keygen", "-o", os.path.join(d, "node_key.json"), "--account", node_id)
            assert r.returncode == 0, r.stderr
            args += ["--node", "%s=%s:%s" % (node_id, org, os.path.join(d, "node_key.json"))]
        r = e2e.tanso("genesis", "network", self.demo.genesis, *args, "-o", self.demo.genesis)
        assert r.returncode == 0, r.stderr
        self.etcd = EtcdCluster(workdir).start()
        self.nodes = []
        ports = {node_id: e2e.free_port() if peers else None for node_id, _ in nodes}
        for node_id, _ in nodes:
            peer_args = []
            if peers:
                peer_args = ["--cluster-peers", ",".join(
                    "%s=http://127.0.0.1:%d" % (p, port) for p, port in ports.items()
                    if p != node_id)]
            n = e2e.TansoNode(os.path.join(workdir, node_id), port=ports[node_id],
                              data_dir=os.path.join(workdir, node_id),
                              genesis=self.demo.genesis,
                              extra_args=["--cluster-etcd", self.etcd.endpoints,
                                          "--node-id", node_id, "--block-interval-ms", "20",
                                          *peer_args, *extra_args])
            self.nodes.append(n)

    def start(self):
        for n in self.nodes:
            n.start()
        return self

    def stop(self):
        for n in self.nodes:
            if n.running():
                n.stop()
        self.etcd.stop()

    def wait_same_height(self, at_least, timeout=60, nodes=None):
        """Waits until every (given) node is at the same height >= at_least; returns it."""
        nodes = nodes or self.nodes
        deadline = time.time() + timeout
        hs = []
        while time.time() < deadline:
            hs = [n.height() for n in nodes]
            if min(hs) >= at_least and len(set(hs)) == 1:
                return hs[0]
            time.sleep(0.1)
        raise AssertionError("nodes did not converge to height >= %d: %s" % (at_least, hs))

    def headers(self, node, upto):
        """{height: (hash, state_root)} for 1..upto from one node's /v1/blocks."""
        out = {}
        h = 1
        while h <= upto:
            to = min(upto, h + 999)
            r = node.get("/v1/blocks?from=%d&to=%d" % (h, to))
            assert r.status == 200, r.text
            for b in r.json["blocks"]:
                out[b["height"]] = (b["hash"], b["state_root"])
            h = to + 1
        return out

    def verify(self, node, require_quorum=True):
        args = ["verify", "--data-dir", node.data_dir]
        if require_quorum:
            args.append("--require-quorum")
        return e2e.tanso(*args, timeout=300)


def copy_tree(src, dst):
    shutil.copytree(src, dst)
