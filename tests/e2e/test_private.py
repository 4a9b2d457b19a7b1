"""End-to-end: private data on one node (docs/PRIVATE_DATA.md) with the demo genesis.

hanbit-steel commits a document with `tanso private put` (its hash on the ledger, the verifier
korea-verify authorized) and the bytes are uploaded; its own org, the verifier and the regulator
read them back, daehan-cement and anonymous readers get 403 auth.forbidden; the public check
(the API and `tanso private check`, also offline) says match for the copy and mismatch for a
tampered one. A short field with a salted commitment. Each bad upload is refused with its code:
malformed id, unknown commitment, unsigned, bad signature, replayed, unauthorized uploader,
wrong bytes, wrong salt, oversized; a commitment only just submitted (wait=none) is accepted
once its block commits. Bad private.commit txs are refused (tx.malformed) or rejected
(private.unknown_org).
"""

import hashlib
import json
import os
import time

import tanso_e2e as e2e
from tanso_e2e import E2ETest

DOC = b"Hanbit Steel 2025 monitoring evidence\n\x00\x01\x02 binary part \xff\xfe\n" * 40


class PrivateDataTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.demo = e2e.Demo(self.tmp)
        self.node = self.new_node(genesis=self.demo.genesis)
        self.node.start()
        self.chain = self.demo.chain

    def key(self, who):
        return self.demo.officer(1) if who == "regulator" else self.demo.key(who)

    def file(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def headers(self, who, method, target, dt=0, sign_target=None):
        # An explicit time: every signed request here is a new one (uploads refuse replays).
        return e2e.signed_read_headers(self.chain, self.key(who), method, target,
                                       t=int(time.time()) - dt, sign_target=sign_target)

    def put(self, who, id_, data, salt=None, dt=0, headers=None):
        target = "/v1/private/%s/data" % id_ + ("?salt=" + salt if salt else "")
        hs = headers if headers is not None else (self.headers(who, "PUT", target, dt) if who
                                                   else {})
        c = self.node.client()
        try:
            return c.request("PUT", target, data, hs)
        finally:
            c.close()

    def read(self, who, id_):
        target = "/v1/private/%s/data" % id_
        return self.node.get(target, self.headers(who, "GET", target) if who else None)

    def commit_tx(self, sender, body, wait="commit"):
        n = self.node.nonce(sender) + 1
        p = e2e.payload_text(self.chain, "private.commit", sender, n, self.node.height() + 100,
                             body)
        env, tx_id = e2e.sign_one(self.chain, p, [self.key(sender).seed])
        return self.submit(self.node, env, wait), tx_id

    def test_commit_upload_read_check(self):
        doc = self.file("evidence.bin", DOC)
        r = e2e.tanso("private", "put", doc, "--kind", "mrv.evidence", "--org", "korea-verify",
                      "--ref", "mrv/batch/hanbit-steel/2025-01-01", "-k",
                      self.key("hanbit-steel").path, node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        id_ = out["id"]
        self.assertEqual(out["hash"], hashlib.sha256(DOC).hexdigest())
        self.assertEqual(out["tx"]["code"], "ok")
        self.assertEqual(out["delivering_to"], [])  # a solo node is every org's node

        # The public view: hash, orgs (the sender's included), kind, ref; this node holds it.
        st, v = self.node.get("/v1/private/" + id_)
        self.assertEqual(st, 200)
        self.assertEqual((v["hash"], v["scheme"], v["orgs"], v["kind"], v["held"]),
                         (out["hash"], "sha256", ["hanbit-steel", "korea-verify"],
                          "mrv.evidence", True))
        self.assertNotIn("from", v)

        for who in ("hanbit-steel", "korea-verify", "regulator"):
            rr = self.read(who, id_)
            self.assertEqual(rr.status, 200, (who, rr))
            self.assertEqual(rr.body, DOC, who)
            self.assertEqual(rr.headers.get("x-tanso-private-hash"), out["hash"])
        self.assertCode(self.read("daehan-cement", id_), 403, "auth.forbidden")
        self.assertCode(self.read(None, id_), 403, "auth.forbidden")

        got = os.path.join(self.tmp, "got.bin")
        r = e2e.tanso("private", "get", id_, "-k", self.key("hanbit-steel").path, "-o", got,
                      node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(got, "rb") as f:
            self.assertEqual(f.read(), DOC)
        r = e2e.tanso("private", "get", id_, "-k", self.key("nuri-power").path, node=self.node)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("auth.forbidden", r.stderr)

        # The public check: anyone, no signature.
        st, c = self.node.post("/v1/private/%s/check" % id_, DOC)
        self.assertEqual((st, c["match"], c["hash"]), (200, True, out["hash"]))
        tampered = DOC[:-1] + b"?"
        st, c = self.node.post("/v1/private/%s/check" % id_, tampered)
        self.assertEqual((st, c["match"]), (200, False))
        bad = self.file("tampered.bin", tampered)
        r = e2e.tanso("private", "check", doc, "--id", id_, node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["match"])
        r = e2e.tanso("private", "check", bad, "--id", id_, node=self.node)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertFalse(json.loads(r.stdout)["match"])
        # Offline: no node is asked (this URL has nothing listening).
        nowhere = "http://127.0.0.1:%d" % e2e.closed_port()
        r = e2e.tanso("private", "check", doc, "--hash", out["hash"], node=nowhere)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = e2e.tanso("private", "check", bad, "--hash", out["hash"], node=nowhere)
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_salted_field(self):
        value = self.file("price.txt", b"8950")
        r = e2e.tanso("private", "put", value, "--field", "--kind", "otc.price", "-k",
                      self.key("seoul-petrochem").path, node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        id_, salt = out["id"], out["salt"]
        self.assertEqual((out["scheme"], len(salt)), ("salted-sha256", 64))
        # The plain hash of the value is not what the ledger holds.
        self.assertNotEqual(out["hash"], hashlib.sha256(b"8950").hexdigest())
        rr = self.read("seoul-petrochem", id_)
        self.assertEqual((rr.status, rr.body, rr.headers.get("x-tanso-salt")), (200, b"8950", salt))
        st, c = self.node.post("/v1/private/%s/check?salt=%s" % (id_, salt), b"8950")
        self.assertEqual((st, c["match"]), (200, True))
        st, c = self.node.post("/v1/private/%s/check?salt=%s" % (id_, salt), b"8951")
        self.assertEqual((st, c["match"]), (200, False))
        self.assertCode(self.node.post("/v1/private/%s/check" % id_, b"8950"), 400,
                        "private.bad_salt")
        r = e2e.tanso("private", "check", value, "--hash", out["hash"], "--salt", salt)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = e2e.tanso("private", "check", value, "--hash", out["hash"])  # no salt: no match
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_bad_uploads_and_commits(self):
        h = hashlib.sha256(DOC).hexdigest()
        resp, id_ = self.commit_tx("hanbit-steel", {"hash": h, "kind": "doc"})
        self.assertCommittedOk(resp)

        self.assertCode(self.put("hanbit-steel", "xyz", DOC), 400, "request.bad_parameter")
        self.assertCode(self.put("hanbit-steel", "ab" * 32, DOC), 404,
                        "private.unknown_commitment")
        self.assertCode(self.put(None, id_, DOC), 403, "auth.forbidden")  # unsigned
        target = "/v1/private/%s/data" % id_
        self.assertCode(self.put(None, id_, DOC, headers=self.headers(
            "hanbit-steel", "PUT", target, sign_target=target + "?x=1")), 401,
            "auth.bad_signature")
        self.assertCode(self.put(None, id_, DOC, headers=self.headers(
            "hanbit-steel", "PUT", target, dt=1000)), 401, "auth.stale")
        self.assertCode(self.put("daehan-cement", id_, DOC), 403, "auth.forbidden")
        self.assertCode(self.put("hanbit-steel", id_, DOC + b"x", dt=1), 400,
                        "private.hash_mismatch")
        self.assertCode(self.put("hanbit-steel", id_, DOC, salt="00" * 32, dt=2), 400,
                        "private.bad_salt")
        self.assertCode(self.put("hanbit-steel", id_, b"x" * (4 * 1024 * 1024 + 1), dt=3), 413,
                        "private.too_large")
        self.assertCode(self.read("hanbit-steel", id_), 404, "private.not_held")
        hs = self.headers("hanbit-steel", "PUT", target, dt=4)
        r = self.put(None, id_, DOC, headers=hs)
        self.assertEqual(r.status, 200, r)
        self.assertCode(self.put(None, id_, DOC, headers=hs), 401, "auth.replayed")
        self.assertEqual(self.read("hanbit-steel", id_).body, DOC)

        # Just submitted (not yet in a block): the upload waits for the block.
        resp, id2 = self.commit_tx("nuri-power", {"hash": h, "kind": "doc",
                                                  "orgs": ["daehan-cement"]}, wait="none")
        self.assertEqual(resp.status, 202, resp)
        r = self.put("nuri-power", id2, DOC)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.read("daehan-cement", id2).body, DOC)

        # Bad commits: refused at admission, or rejected in the block.
        resp, _ = self.commit_tx("hanbit-steel", {"hash": "12" * 31, "kind": "doc"})
        self.assertCode(resp, 400, "tx.malformed")
        resp, _ = self.commit_tx("hanbit-steel", {"hash": h, "kind": "doc", "orgs": ["a", "a"]})
        self.assertCode(resp, 400, "tx.malformed")
        resp, _ = self.commit_tx("hanbit-steel", {"hash": h, "kind": "doc", "x": 1})
        self.assertCode(resp, 400, "tx.unknown_field")
        resp, bad_id = self.commit_tx("hanbit-steel", {"hash": h, "kind": "doc",
                                                       "orgs": ["no-such-org"]})
        self.assertEqual((resp.status, resp.json["code"]), (200, "private.unknown_org"), resp)
        self.assertCode(self.node.get("/v1/private/" + bad_id), 404,
                        "private.unknown_commitment")
        # Node-to-node delivery needs a genesis node's signature; a solo chain has no nodes.
        self.assertCode(self.node.post("/v1/private/%s/deliver" % id_, DOC), 401,
                        "auth.malformed")
        self.assertCode(self.node.post("/v1/private/%s/deliver" % id_, DOC, headers={
            "X-Tanso-Node": "n1", "X-Tanso-Node-Time": str(int(time.time())),
            "X-Tanso-Node-Signature": "00" * 64}), 401, "auth.unknown_key")
        # The chain re-executes to the same state (private.commit is deterministic).
        self.node.stop()
        r = e2e.tanso("verify", "--data-dir", self.node.data_dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    e2e.main()
