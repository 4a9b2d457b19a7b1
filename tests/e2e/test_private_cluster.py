"""End-to-end: private data in a network of three organizations' nodes (docs/PRIVATE_DATA.md)
over a real etcd cluster: regulator-1 (moe), exchange-1 (krx), bank-1 (settle-bank), each given
the others' URLs (cluster_peers).

The regulator's node is stopped; krx commits a document through its own node (authorized: krx
and, always, the regulator). bank-1's org is not authorized: it shows the commitment but holds
no copy (a signed read gets private.not_held, and its data directory does not contain the
bytes, where exchange-1's does), refuses an upload (private.node_not_authorized) and a delivery
signed by exchange-1's node key; an unsigned or forged delivery is refused. The regulator's node
restarts and receives the copy from exchange-1's retries; a regulator officer reads it there.
"""

import hashlib
import json
import os
import time

import cluster_e2e
import tanso_e2e as e2e
from tanso_e2e import E2ETest


def files_containing(root, needle):
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    if needle in fh.read():
                        out.append(p)
            except OSError:
                pass
    return out


class PrivateClusterTest(E2ETest):

    def tearDown(self):
        self.net.stop()
        super().tearDown()

    def node_headers(self, node_id, method, target, t=None):
        """A delivery signed by a node's key (node_key.json in its directory)."""
        with open(os.path.join(self.tmp, node_id, "node_key.json")) as f:
            seed = json.load(f)["seed"]
        t = int(time.time()) if t is None else t
        msg = b"\0".join(x.encode() for x in ("tanso/node-read/v1", self.net.demo.chain,
                                              method, target, str(t)))
        sig = e2e.node_tool({"raw": [{"msg_hex": msg.hex(), "seed": seed}]})["sigs"][0]
        return {"X-Tanso-Node": node_id, "X-Tanso-Node-Time": str(t),
                "X-Tanso-Node-Signature": sig}

    def test_bytes_reach_only_authorized_nodes(self):
        self.net = cluster_e2e.Network(self.tmp, peers=True)
        self.nodes.extend(self.net.nodes)
        self.net.start()
        reg, exch, bank = self.net.nodes
        demo = self.net.demo
        reg.stop()

        doc = os.urandom(48 * 1024)  # random bytes: stored as they are, found by a search
        path = os.path.join(self.tmp, "report.bin")
        with open(path, "wb") as f:
            f.write(doc)
        r = e2e.tanso("private", "put", path, "--kind", "market.report", "-k",
                      demo.key("krx").path, node=exch)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        id_, height = out["id"], out["tx"]["height"]
        self.assertEqual(out["delivering_to"], ["regulator-1"])
        self.assertEqual(out["hash"], hashlib.sha256(doc).hexdigest())

        # bank-1 commits the same block but holds no copy.
        self.net.wait_same_height(height, nodes=[exch, bank])
        st, v = bank.get("/v1/private/" + id_)
        self.assertEqual((st, v["orgs"], v["held"]), (200, ["krx"], False))
        target = "/v1/private/%s/data" % id_
        hs = e2e.signed_read_headers(demo.chain, demo.key("krx"), "GET", target)
        self.assertCode(bank.get(target, hs), 404, "private.not_held")
        rr = exch.get(target, hs)
        self.assertEqual((rr.status, rr.body), (200, doc))
        # An upload to bank-1 by an authorized account, and a delivery signed by exchange-1.
        put_hs = e2e.signed_read_headers(demo.chain, demo.key("krx"), "PUT", target,
                                         t=int(time.time()))
        c = bank.client()
        self.assertCode(c.request("PUT", target, doc, put_hs), 403, "private.node_not_authorized")
        c.close()
        dtarget = "/v1/private/%s/deliver" % id_
        self.assertCode(bank.post(dtarget, doc, self.node_headers("exchange-1", "POST", dtarget)),
                        403, "private.node_not_authorized")
        self.assertCode(bank.post(dtarget, doc), 401, "auth.malformed")
        forged = self.node_headers("exchange-1", "POST", dtarget + "?x")
        self.assertCode(bank.post(dtarget, doc, forged), 401, "auth.bad_signature")
        # A delivery signed by a node of an unauthorized org is refused even where it could go.
        self.assertCode(exch.post(dtarget, doc, self.node_headers("bank-1", "POST", dtarget)),
                        403, "auth.forbidden")
        needle = doc[20000:20064]
        self.assertEqual(files_containing(bank.data_dir, needle), [])
        self.assertNotEqual(files_containing(exch.data_dir, needle), [])

        # The regulator's node comes back and gets the copy from exchange-1's retries.
        t0 = time.time()
        reg.start()
        deadline = time.time() + 30
        while time.time() < deadline:
            if reg.get("/v1/private/" + id_).json.get("held"):
                break
            time.sleep(0.1)
        print("regulator-1 held the copy %.1f s after its restart" % (time.time() - t0))
        officer = demo.officer(1)
        rr = reg.get(target, e2e.signed_read_headers(demo.chain, officer, "GET", target))
        self.assertEqual((rr.status, rr.body), (200, doc))
        self.assertNotEqual(files_containing(reg.data_dir, needle), [])
        self.assertEqual(files_containing(bank.data_dir, needle), [])
        st, c = bank.post("/v1/private/%s/check" % id_, doc)  # the public check works anywhere
        self.assertEqual((st, c["match"]), (200, True))


if __name__ == "__main__":
    e2e.main()
