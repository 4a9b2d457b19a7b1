#!/usr/bin/env python3
"""etcd's CPU per operation, as the network mode uses it (docs/PERFORMANCE.md, "Cluster").

Starts a fresh 3-member etcd cluster on loopback (tests/e2e/cluster_e2e.py's EtcdCluster; etcd
from PATH), then times, one client, one request at a time through the JSON gateway: the
follower's read transaction (head + slots) with a 115 KB batch and with none, 100-byte and
115 KB puts, a watch cycle (connect, create a watch on one key, one put, the event), and single-key ranges
(linearizable, the default, and serializable), and
prints the CPU the three members used per operation (/proc/<pid>/stat) and the wall time.

    python3 bench/etcd_op_cost.py
"""
import base64, http.client, json, os, socket, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import cluster_e2e  # noqa: E402
def b64(s): return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()
def cpu(pids):
    t = 0
    for p in pids:
        f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
        t += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return t
wd = tempfile.mkdtemp(prefix="cbench-etcd-")
ec = cluster_e2e.EtcdCluster(wd).start()
pids = [p.pid for p in ec.procs]
conn = http.client.HTTPConnection("127.0.0.1", ec.client_ports[1])
def post(path, body, c=None):
    c = c or conn
    c.request("POST", path, json.dumps(body)); r = c.getresponse(); d = r.read(); return json.loads(d)
val = "x" * 115000
post("/v3/kv/put", {"key": b64("/t/b/1"), "value": b64(val)})
post("/v3/kv/put", {"key": b64("/t/head"), "value": b64("00000000000000000001/1")})
def measure(name, n, f):
    c0, t0 = cpu(pids), time.time()
    for i in range(n): f(i)
    dc, dt = cpu(pids) - c0, time.time() - t0
    print("%-40s %6.2f ms CPU/op  %6.2f ms wall/op" % (name, 1000 * dc / n, 1000 * dt / n), flush=True)
read_txn = {"success": [{"request_range": {"key": b64("/t/head")}},
                        {"request_range": {"key": b64("/t/b/1"), "range_end": b64("/t/b0"), "limit": "64"}}]}
empty_txn = {"success": [{"request_range": {"key": b64("/t/head")}},
                         {"request_range": {"key": b64("/t/b/2"), "range_end": b64("/t/b0"), "limit": "64"}}]}
measure("read txn, 115 KB value", 300, lambda i: post("/v3/kv/txn", read_txn))
measure("read txn, empty", 300, lambda i: post("/v3/kv/txn", empty_txn))
measure("put 100 B", 300, lambda i: post("/v3/kv/put", {"key": b64("/t/s/%d" % (i % 10)), "value": b64("y" * 100)}))
measure("put 115 KB", 100, lambda i: post("/v3/kv/put", {"key": b64("/t/x/%d" % (i % 10)), "value": b64(val)}))
def watch_cycle(i):
    rev = int(post("/v3/kv/range", {"key": b64("/t/head")})["header"]["revision"])
    s = socket.create_connection(("127.0.0.1", ec.client_ports[1]))
    body = json.dumps({"create_request": {"key": b64("/t/head"), "start_revision": str(rev + 1)}})
    s.sendall(("POST /v3/watch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
    post("/v3/kv/put", {"key": b64("/t/head"), "value": b64("00000000000000000002/%d" % i)})
    buf = b""
    while buf.count(b"events") < 1:
        buf += s.recv(65536)
    s.close()
measure("watch cycle (connect, create, 1 small put, event)", 200, watch_cycle)
measure("range head (for the cycle's baseline)", 300, lambda i: post("/v3/kv/range", {"key": b64("/t/head")}))
measure("range head, serializable", 300,
        lambda i: post("/v3/kv/range", {"key": b64("/t/head"), "serializable": True}))
measure("range 115 KB, serializable", 300,
        lambda i: post("/v3/kv/range", {"key": b64("/t/b/1"), "serializable": True}))
ec.stop()
import shutil; shutil.rmtree(wd)
