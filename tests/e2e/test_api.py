"""End-to-end: the HTTP API of a real tansod (RocksDB) from a user's side."""

import http.client
import json
import os
import re
import threading
import time
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest


class ApiTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.demo, self.node = self.demo_node()
        self.chain = self.demo.chain
        self.hanbit = self.demo.key("hanbit-steel")

    # -- helpers --------------------------------------------------------------------------------

    def transfers(self, sender, count, to="daehan-cement", amount=1):
        key = self.demo.key(sender)
        first = self.node.nonce(sender) + 1
        return e2e.make_transfers(self.chain, key, sender, first, count, to,
                                  self.node.height() + 1000, amount)

    def commit_batch(self, envs):
        r = self.node.post("/v1/txs/batch", e2e.batch_body([e for e, _ in envs]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["refused"], 0, r)
        for res, (_, tx_id) in zip(r.json["results"], envs):
            self.assertEqual((res["status"], res["code"], res["tx_id"]), ("committed", "ok", tx_id))
        return r.json["results"]

    def read_headers(self, key, target, **kw):
        return e2e.signed_read_headers(self.chain, key, "GET", target, **kw)

    # -- submission -----------------------------------------------------------------------------

    def test_submit_with_cli(self):
        r = e2e.tanso("tx", "send", "-k", self.hanbit.path, "--type", "holdings.transfer",
                      "--body", json.dumps(e2e.transfer_body("daehan-cement", 7)), node=self.node)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["status"], out["code"]), ("committed", "ok"), out)
        st = self.node.get("/v1/txs/" + out["tx_id"])
        self.assertEqual((st.status, st.json["status"], st.json["height"]),
                         (200, "committed", out["height"]))
        self.assertEqual(self.node.nonce("hanbit-steel"), 1)

    def test_submit_raw_http_independent_client(self):
        """A client with no Tanso code (Node.js crypto) builds, signs and submits; committed."""
        h = self.node.height()
        p = e2e.payload_text(self.chain, "holdings.transfer", "hanbit-steel", 1, h + 100,
                             e2e.transfer_body("nuri-power", 11, memo="independent client"))
        env, tx_id = e2e.sign_one(self.chain, p, [self.hanbit.seed])
        r = self.node.post("/v1/txs", env)
        self.assertCommittedOk(r)
        self.assertEqual(r.json["tx_id"], tx_id, "the tx id is SHA-256 of the signing message")
        self.assertGreater(r.json["height"], h)
        # ?wait=none: 202 pending, then committed.
        p2 = e2e.payload_text(self.chain, "holdings.transfer", "hanbit-steel", 2, h + 100,
                              e2e.transfer_body("nuri-power", 12))
        env2, id2 = e2e.sign_one(self.chain, p2, [self.hanbit.seed])
        r2 = self.node.post("/v1/txs?wait=none", env2)
        self.assertEqual(r2.status, 202, r2)
        self.assertEqual((r2.json["status"], r2.json["tx_id"]), ("pending", id2))
        deadline = time.time() + 10
        while True:
            s = self.node.get("/v1/txs/" + id2)
            if s.status == 200 and s.json["status"] == "committed":
                break
            self.assertIn(s.status, (200,), s)  # pending is answered 200 {"status":"pending"}
            self.assertLess(time.time(), deadline, "tx not committed in 10 s")
            time.sleep(0.05)
        self.assertEqual(s.json["receipt"]["code"], "ok")
        # Bad wait parameter.
        self.assertCode(self.node.post("/v1/txs?wait=later", env2), 400, "request.bad_parameter")

    def test_tx_status_receipt_and_proof(self):
        envs = self.transfers("hanbit-steel", 3)
        res = self.commit_batch(envs)
        tx_id, height = res[1]["tx_id"], res[1]["height"]
        r = self.node.get("/v1/txs/" + tx_id)
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual((j["tx_id"], j["status"], j["height"]), (tx_id, "committed", height))
        self.assertEqual(j["receipt"]["code"], "ok")
        self.assertEqual(j["receipt"]["tx_id"], tx_id)
        self.assertEqual(sorted(j["receipt"]["accounts"]), ["daehan-cement", "hanbit-steel"])
        self.assertEqual(j["block"]["height"], height)
        for k in ("leaf_index", "tree_size", "leaf_hash", "audit_path", "tx_root"):
            self.assertIn(k, j["proof"])
        self.assertEqual(j["proof"]["tx_root"], j["block"]["tx_root"])
        self.assertNotIn("envelope", j, "anonymous readers must not see the envelope")
        # The envelope is visible to the sender's org and the regulator, not to others.
        tgt = "/v1/txs/" + tx_id
        own = self.node.get(tgt, self.read_headers(self.hanbit, tgt))
        self.assertEqual(json.loads(own.json["envelope"]["payload"])["from"], "hanbit-steel")
        reg = self.node.get(tgt, self.read_headers(self.demo.officer(1), tgt))
        self.assertIn("envelope", reg.json)
        other = self.node.get(tgt, self.read_headers(self.demo.key("seoul-petrochem"), tgt))
        self.assertEqual(other.status, 200)
        self.assertNotIn("envelope", other.json)

        # Offline proof verification.
        pf = os.path.join(self.tmp, "proof.json")
        with open(pf, "w") as f:
            f.write(r.text)
        v = e2e.tanso("proof", "verify", pf)
        self.assertEqual(v.returncode, 0, v.stderr)
        self.assertIn(tx_id, v.stdout)
        v = e2e.tanso("proof", "verify", "-", input=r.text)
        self.assertEqual(v.returncode, 0, v.stderr)
        v = e2e.tanso("proof", "verify", "--tx", tx_id, node=self.node)
        self.assertEqual(v.returncode, 0, v.stderr)

        def tampered(mut):
            t = json.loads(r.text)
            mut(t)
            p = os.path.join(self.tmp, "bad.json")
            with open(p, "w") as f:
                json.dump(t, f)
            return e2e.tanso("proof", "verify", p)

        flip = lambda h: ("0" if h[0] != "0" else "1") + h[1:]
        cases = {
            "audit_path": lambda t: t["proof"]["audit_path"].__setitem__(
                0, flip(t["proof"]["audit_path"][0])),
            "tx_id": lambda t: t.__setitem__("tx_id", flip(t["tx_id"])),
            "leaf_index": lambda t: t["proof"].__setitem__("leaf_index",
                                                           (t["proof"]["leaf_index"] + 1) % 3),
            "state_root": lambda t: t["block"].__setitem__("state_root",
                                                           flip(t["block"]["state_root"])),
            "tx_root": lambda t: (t["proof"].__setitem__("tx_root", flip(t["proof"]["tx_root"])),
                                  t["block"].__setitem__("tx_root", flip(t["block"]["tx_root"]))),
            "signature": lambda t: t["block"].__setitem__("signature",
                                                          flip(t["block"]["signature"])),
            "status": lambda t: t.__setitem__("status", "pending"),
        }
        self.assertTrue(j["proof"]["audit_path"], "3 txs in the block: the path is not empty")
        for name, mut in cases.items():
            v = tampered(mut)
            self.assertEqual(v.returncode, 2, "tampered %s: %s %s" % (name, v.stdout, v.stderr))
            self.assertIn("proof.invalid", v.stderr, name)

        # Unknown and malformed ids.
        self.assertCode(self.node.get("/v1/txs/" + "0" * 64), 404, "tx.not_found")
        self.assertCode(self.node.get("/v1/txs/xyz"), 400, "request.bad_parameter")

    # -- blocks, accounts, public data ----------------------------------------------------------

    def test_blocks(self):
        envs = self.transfers("hanbit-steel", 2)
        res = self.commit_batch(envs)
        h = res[0]["height"]
        b = self.node.get("/v1/blocks/%d" % h)
        self.assertEqual(b.status, 200, b)
        hdr = b.json["header"]
        for k in ("height", "hash", "prev_hash", "time_ms", "tx_count", "tx_root",
                  "receipts_root", "state_root", "proposer", "signature"):
            self.assertIn(k, hdr)
        self.assertEqual(hdr["height"], h)
        ids = [t["tx_id"] for t in b.json["txs"]]
        self.assertIn(res[0]["tx_id"], ids)
        self.assertEqual(hdr["tx_count"], len(ids))
        # Range: the chain links up.
        head = self.node.height()
        rng = self.node.get("/v1/blocks?from=0&to=%d" % head)
        self.assertEqual(rng.status, 200, rng)
        hs = rng.json["blocks"]
        self.assertEqual([x["height"] for x in hs], list(range(0, head + 1)))
        for prev, cur in zip(hs, hs[1:]):
            self.assertEqual(cur["prev_hash"], prev["hash"])
        self.assertEqual(hs[-1]["hash"], self.node.status()["head_hash"])
        genesis = self.node.get("/v1/blocks/0")
        self.assertEqual(genesis.json["header"]["height"], 0)
        # Default: the newest (at most 20).
        d = self.node.get("/v1/blocks")
        self.assertEqual(d.json["blocks"][-1]["height"], head)
        self.assertEqual(d.json["head"], head)
        # Errors.
        self.assertCode(self.node.get("/v1/blocks/%d" % (head + 1000)), 404, "block.not_found")
        self.assertCode(self.node.get("/v1/blocks/abc"), 400, "request.bad_parameter")
        self.assertCode(self.node.get("/v1/blocks?from=5&to=2"), 400, "request.bad_range")
        self.assertCode(self.node.get("/v1/blocks?from=0&to=1000"), 400, "request.bad_range")
        self.assertCode(self.node.get("/v1/blocks?from=x"), 400, "request.bad_range")
        # CLI variants.
        c = e2e.tanso("query", "block", h, node=self.node)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(json.loads(c.stdout)["header"]["hash"], hdr["hash"])
        c = e2e.tanso("query", "blocks", "--from", 0, "--to", head, node=self.node)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(len(json.loads(c.stdout)["blocks"]), head + 1)

    def test_account(self):
        r = self.node.get("/v1/accounts/hanbit-steel")
        self.assertEqual(r.status, 200, r)
        a = r.json
        self.assertEqual((a["id"], a["org"], a["role"], a["nonce"]),
                         ("hanbit-steel", "hanbit-steel", "company", 0))
        self.assertEqual(a["keys"], [{"key": self.hanbit.public, "status": "active"}])
        reg = self.node.get("/v1/accounts/regulator").json
        self.assertEqual(len(reg["keys"]), 3)
        self.assertEqual(reg["type_thresholds"].get("governance.permissions.set"), 2)
        self.assertCode(self.node.get("/v1/accounts/nobody"), 404, "account.not_found")
        self.commit_batch(self.transfers("hanbit-steel", 2))
        self.assertEqual(self.node.nonce("hanbit-steel"), 2)

    def test_holdings_and_history_signed_reads(self):
        res = self.commit_batch(self.transfers("hanbit-steel", 2, to="daehan-cement", amount=100))
        hold = "/v1/accounts/hanbit-steel/holdings"
        hist = "/v1/accounts/hanbit-steel/history"
        for tgt in (hold, hist):
            # Own org.
            r = self.node.get(tgt, self.read_headers(self.hanbit, tgt))
            self.assertEqual(r.status, 200, r)
            # The regulator (an officer key of the regulator account).
            r = self.node.get(tgt, self.read_headers(self.demo.officer(2), tgt))
            self.assertEqual(r.status, 200, r)
            # Another company: authenticated but forbidden.
            r = self.node.get(tgt, self.read_headers(self.demo.key("daehan-cement"), tgt))
            self.assertCode(r, 403, "auth.forbidden")
            # Anonymous.
            self.assertCode(self.node.get(tgt), 403, "auth.forbidden")
            # Stale time (10 minutes ago).
            r = self.node.get(tgt, self.read_headers(self.hanbit, tgt,
                                                     t=int(time.time()) - 600))
            self.assertCode(r, 401, "auth.stale")
            # Bad signature: signed over another target.
            r = self.node.get(tgt, self.read_headers(self.hanbit, tgt,
                                                     sign_target=tgt + "?x=1"))
            self.assertCode(r, 401, "auth.bad_signature")
            # A key that is not the account's.
            r = self.node.get(tgt, self.read_headers(self.demo.key("daehan-cement"), tgt,
                                                     account="hanbit-steel"))
            self.assertCode(r, 401, "auth.unknown_key")
            # Some headers only.
            hs = self.read_headers(self.hanbit, tgt)
            del hs["X-Tanso-Signature"]
            self.assertCode(self.node.get(tgt, hs), 401, "auth.malformed")

        r = self.node.get(hold, self.read_headers(self.hanbit, hold))
        self.assertEqual(r.json["account"], "hanbit-steel")
        # Besides KRW, the demo's ETS allowances (genesis "ets": KAU-2026, and KCU for hanbit).
        self.assertEqual(r.json["holdings"], [{"instrument": "KAU-2026", "amount": "1207854"},
                                              {"instrument": "KCU", "amount": "50000"},
                                              {"instrument": "KRW", "amount": "4999999800"}])
        r = self.node.get(hist, self.read_headers(self.hanbit, hist))
        rows = r.json["rows"]
        self.assertEqual([x["tx_id"] for x in rows], [res[1]["tx_id"], res[0]["tx_id"]],
                         "newest first")
        self.assertEqual({x["code"] for x in rows}, {"ok"})
        self.assertEqual(rows[0]["type"], "holdings.transfer")
        # Paging.
        t = hist + "?limit=1"
        r = self.node.get(t, self.read_headers(self.hanbit, t))
        self.assertEqual(len(r.json["rows"]), 1)
        self.assertIn("next_before", r.json)
        t = hist + "?limit=0"
        self.assertCode(self.node.get(t, self.read_headers(self.hanbit, t)), 400,
                        "request.bad_parameter")
        # The recipient's org sees its side.
        dh = "/v1/accounts/daehan-cement/holdings"
        r = self.node.get(dh, self.read_headers(self.demo.key("daehan-cement"), dh))
        self.assertEqual(r.json["holdings"], [{"instrument": "KAU-2026", "amount": "794542"},
                                              {"instrument": "KRW", "amount": "5000000200"}])
        # The CLI signs reads with --key.
        c = e2e.tanso("query", "holdings", "hanbit-steel", "--key", self.hanbit.path,
                      node=self.node)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(json.loads(c.stdout)["holdings"][-1], {"instrument": "KRW",
                                                                "amount": "4999999800"})
        c = e2e.tanso("query", "history", "hanbit-steel", "--key", self.hanbit.path,
                      "--limit", 1, node=self.node)
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(len(json.loads(c.stdout)["rows"]), 1)
        c = e2e.tanso("query", "holdings", "hanbit-steel", node=self.node)
        self.assertEqual(c.returncode, 2, c.stderr)
        self.assertIn("auth.forbidden", c.stderr)

    def test_bad_auth_headers_refused_on_public_endpoints(self):
        """BUG (docs/ERRORS.md "auth" vs node/api.cpp): "one [request] with some but not all [of
        the X-Tanso-* headers], or with headers that do not authenticate, is refused even on a
        public endpoint". Only /v1/txs/{id}, holdings, history and checkpoint look at them;
        GET /v1/status, /v1/accounts/{id}, /v1/blocks... answer 200."""
        self.assertCode(self.node.get("/v1/accounts/krx", {"X-Tanso-Account": "krx"}), 401,
                        "auth.malformed")
        hs = self.read_headers(self.hanbit, "/v1/status", t=int(time.time()) - 3600)
        self.assertCode(self.node.get("/v1/status", hs), 401, "auth.stale")

    def test_orgs_instruments_status_genesis_healthz(self):
        orgs = self.node.get("/v1/orgs")
        self.assertEqual(orgs.status, 200)
        by_id = {o["org"]: o["role"] for o in orgs.json["orgs"]}
        self.assertEqual(by_id["moe"], "regulator")
        self.assertEqual(by_id["hanbit-steel"], "company")
        # 11 organizations, and the demo city's two citizens and a merchant (one org each).
        self.assertEqual(len(by_id), 14)
        self.assertEqual({k: by_id[k] for k in ("citizen-kim", "citizen-lee", "goyang-market")},
                         {"citizen-kim": "citizen", "citizen-lee": "citizen",
                          "goyang-market": "merchant"})
        inst = {i["instrument"]: i for i in self.node.get("/v1/instruments").json["instruments"]}
        self.assertEqual(inst["KRW"], {"instrument": "KRW", "issuer": "settle-bank",
                                       "name": "Korean won (settlement cash)", "unit": "KRW",
                                       "supply": "25000000000"})
        # The demo's emissions trading (genesis "ets"): the 2026 allocation order issued the free
        # allocation of samples/ets/README.md, and hanbit-steel holds 50,000 KCU.
        self.assertEqual(sorted(inst), ["KAU-2026", "KCU", "KRW"])
        self.assertEqual(inst["KAU-2026"]["supply"], "4605026")
        self.assertEqual(inst["KCU"]["supply"], "50000")
        st = self.node.get("/v1/status")
        self.assertEqual(st.status, 200)
        for k in ("chain_id", "height", "head_hash", "state_root", "pending_txs", "node_key",
                  "version"):
            self.assertIn(k, st.json)
        self.assertEqual(st.json["chain_id"], self.chain)
        self.assertRegex(st.json["head_hash"], "^[0-9a-f]{64}$")
        self.assertRegex(st.json["node_key"], "^ed25519:[0-9a-f]{64}$")
        g = self.node.get("/v1/genesis")
        self.assertEqual(g.status, 200)
        with open(self.demo.genesis) as f:
            self.assertEqual(g.json, json.load(f))
        hz = self.node.get("/healthz")
        self.assertEqual((hz.status, hz.json["status"]), (200, "ok"))
        self.assertEqual(hz.json["height"], st.json["height"])
        # Unknown route / wrong method.
        self.assertCode(self.node.get("/v1/nothing"), 404, "http.not_found")
        self.assertCode(self.node.post("/v1/status", "{}"), 405, "http.method_not_allowed")
        # CLI variants.
        for what in ("status", "orgs", "instruments", "genesis", "/v1/status"):
            c = e2e.tanso("query", what, node=self.node)
            self.assertEqual(c.returncode, 0, (what, c.stderr))
            json.loads(c.stdout)
        c = e2e.tanso("query", "account", "krx", node=self.node)
        self.assertEqual(json.loads(c.stdout)["role"], "exchange")

    def test_metrics(self):
        def scrape():
            r = self.node.get("/metrics")
            self.assertEqual(r.status, 200)
            vals = {}
            for line in r.text.splitlines():
                m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
                if m:
                    vals[m.group(1) + (m.group(2) or "")] = float(m.group(3))
            return r.text, vals

        text, before = scrape()
        self.assertIn("tanso_height", before)
        self.assertEqual(int(before["tanso_height"]), self.node.height())
        self.assertIn("# TYPE tanso_txs_committed_total counter", text)
        self.commit_batch(self.transfers("hanbit-steel", 5))
        self.commit_batch(self.transfers("nuri-power", 3))
        # A rejected tx is committed too (and counted by code).
        p = e2e.payload_text(self.chain, "holdings.transfer", "hanbit-steel",
                             self.node.nonce("hanbit-steel") + 1, self.node.height() + 10,
                             e2e.transfer_body("hanbit-steel", 1))
        r = self.node.post("/v1/txs", e2e.sign_one(self.chain, p, [self.hanbit.seed])[0])
        self.assertEqual((r.json["status"], r.json["code"]), ("committed", "holdings.self_transfer"))
        # A refused tx is not.
        bad = self.node.post("/v1/txs", "{")
        self.assertCode(bad, 400, "request.malformed_json")
        _, after = scrape()
        self.assertEqual(after["tanso_txs_committed_total"] - before.get(
            "tanso_txs_committed_total", 0), 9)
        self.assertEqual(int(after["tanso_height"]), self.node.height())
        self.assertGreater(after["tanso_height"], before["tanso_height"])
        self.assertEqual(after.get('tanso_txs_rejected_total{code="holdings.self_transfer"}'), 1)
        self.assertEqual(after.get(
            'tanso_admission_refused_total{code="request.malformed_json"}'), 1)
        # The names docs/openapi.json lists. (docs/API.md still says tanso_http_requests_total
        # {code}; the node serves tanso_http_responses_total{status}, as openapi.json says.)
        for name in ("tanso_blocks_committed_total", "tanso_txs_admitted_total",
                     "tanso_pending_txs", "tanso_sse_clients", "tanso_block_commit_seconds_count",
                     "tanso_submit_seconds_count", 'tanso_http_responses_total{status="200"}'):
            self.assertIn(name, after)
        self.assertGreaterEqual(after["tanso_txs_admitted_total"], 9)

    def test_openapi(self):
        r = self.node.get("/v1/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertIsNotNone(r.json, "valid JSON")
        self.assertTrue(str(r.json.get("openapi", "")).startswith("3."))
        for p in ("/v1/txs", "/v1/txs/batch", "/v1/status", "/v1/events"):
            self.assertIn(p, r.json["paths"])

    # -- events ---------------------------------------------------------------------------------

    def open_events(self, last_event_id=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=10)
        hs = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            hs["Last-Event-ID"] = str(last_event_id)
        conn.request("GET", "/v1/events", headers=hs)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type", "").startswith("text/event-stream"))
        self.addCleanup(conn.close)
        return resp

    @staticmethod
    def read_events(resp, until, timeout=10):
        """Parses the raw stream until until(events) is true; returns the events."""
        return e2e.parse_events(resp, until, timeout)

    def test_events_stream_and_resume(self):
        resp = self.open_events()
        time.sleep(0.2)  # let the server's handler take its starting point
        envs = self.transfers("hanbit-steel", 2)
        res = self.commit_batch(envs)
        ids = {tx_id for _, tx_id in envs}
        height = res[0]["height"]

        def got_all(evs):
            return ids <= {json.loads(e["data"])["tx_id"] for e in evs
                           if e.get("event") == "receipt"}
        evs = self.read_events(resp, got_all)
        blocks = [e for e in evs if e.get("event") == "block"]
        self.assertTrue(blocks)
        hdr = json.loads(blocks[-1]["data"])
        self.assertEqual(hdr["height"], height)
        self.assertEqual(blocks[-1]["id"], str(height))
        self.assertEqual(hdr["hash"], self.node.get("/v1/blocks/%d" % height).json["header"]["hash"])
        rcs = [json.loads(e["data"]) for e in evs if e.get("event") == "receipt"]
        mine = [r for r in rcs if r["tx_id"] in ids]
        self.assertEqual({(r["height"], r["code"]) for r in mine}, {(height, "ok")})
        for e in evs:
            if e.get("event") == "receipt":
                self.assertEqual(e["id"], str(json.loads(e["data"])["height"]))
        # A second block, then resume from before the first: both are replayed, in order.
        res2 = self.commit_batch(self.transfers("nuri-power", 1))
        h2 = res2[0]["height"]
        resumed = self.open_events(last_event_id=height - 1)
        evs2 = self.read_events(
            resumed, lambda es: any(e.get("event") == "receipt" and
                                    json.loads(e["data"])["tx_id"] == res2[0]["tx_id"]
                                    for e in es))
        bheights = [json.loads(e["data"])["height"] for e in evs2 if e.get("event") == "block"]
        self.assertEqual(bheights[0], height, "resumes right after Last-Event-ID")
        self.assertEqual(bheights, sorted(bheights))
        self.assertEqual(bheights[-1], h2)
        replayed = {json.loads(e["data"])["tx_id"] for e in evs2 if e.get("event") == "receipt"}
        self.assertTrue(ids <= replayed)
        self.assertIn(res2[0]["tx_id"], replayed)
        # Resuming at the head replays nothing and then delivers the next block.
        at_head = self.open_events(last_event_id=h2)
        time.sleep(0.2)
        res3 = self.commit_batch(self.transfers("krx", 1))
        evs3 = self.read_events(at_head, lambda es: any(e.get("event") == "receipt" for e in es))
        first_block = [e for e in evs3 if e.get("event") == "block"][0]
        self.assertEqual(int(first_block["id"]), res3[0]["height"])


if __name__ == "__main__":
    e2e.main()
