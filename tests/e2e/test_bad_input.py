"""End-to-end: bad submissions get a 4xx with their documented stable code and change nothing.

For every case: GET /v1/status height and state_root, the sender's holdings (signed read) and
nonce are the same before and after, and a good tx submitted afterwards still commits.
"""

import json
import time
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest

SENDER = "hanbit-steel"


class BadInputTest(E2ETest):

    def setUp(self):
        super().setUp()
        self.demo, self.node = self.demo_node()
        self.chain = self.demo.chain
        self.key = self.demo.key(SENDER)
        # One committed tx, so that nonce 1 is used and the chain is past height 1.
        self.good()

    # -- helpers --------------------------------------------------------------------------------

    def payload(self, nonce=None, expires=None, type_="holdings.transfer", body=None,
                chain=None, from_=SENDER, extra=None):
        if nonce is None:
            nonce = self.node.nonce(from_) + 1
        if expires is None:
            expires = self.node.height() + 100
        p = {"chain": chain or self.chain, "type": type_, "from": from_, "nonce": nonce,
             "expires": expires, "body": body if body is not None else
             e2e.transfer_body("daehan-cement", 1)}
        if extra:
            p.update(extra)
        return json.dumps(p, separators=(",", ":"))

    def envelope(self, payload, seeds=None, chain=None):
        return e2e.sign_one(chain or self.chain, payload, seeds or [self.key.seed])[0]

    def snapshot(self, account=SENDER):
        st = self.node.status()
        tgt = "/v1/accounts/%s/holdings" % account
        key = self.demo.key(account) if account in self.demo.keys else self.demo.officer(1)
        h = self.node.get(tgt, e2e.signed_read_headers(self.chain, key, "GET", tgt))
        self.assertEqual(h.status, 200, h)
        return {"height": st["height"], "state_root": st["state_root"],
                "head_hash": st["head_hash"], "pending": st["pending_txs"],
                "holdings": h.json["holdings"], "nonce": self.node.nonce(account)}

    def good(self, sender=SENDER):
        if sender == "regulator":  # holds no KRW: a tx that succeeds is creating an instrument
            n = self.node.nonce(sender) + 1
            body = {"instrument": "E2E-%d" % n, "name": "e2e instrument", "unit": "t"}
            env = self.envelope(self.payload(from_=sender, nonce=n, type_="instrument.create",
                                             body=body), [self.demo.officer(3).seed])
        else:
            env = self.envelope(self.payload(from_=sender), [self.demo.key(sender).seed])
        r = self.node.post("/v1/txs", env)
        self.assertCommittedOk(r)
        return r

    def assertRefusedNoChange(self, status, code, body, path="/v1/txs", account=SENDER):
        before = self.snapshot(account)
        r = self.node.post(path, body)
        self.assertCode(r, status, code)
        self.assertIsInstance(r.json["error"].get("message"), str)
        time.sleep(0.15)  # longer than a block interval: a tx that slipped through would commit
        after = self.snapshot(account)
        self.assertEqual(before, after, "a refused submission changed the ledger")
        # The node still takes good txs, with the next nonce.
        r2 = self.good(account)
        self.assertEqual(self.node.nonce(account), before["nonce"] + 1)
        self.assertGreater(r2.json["height"], before["height"])
        return r

    # -- cases ----------------------------------------------------------------------------------

    def test_malformed_json(self):
        self.assertRefusedNoChange(400, "request.malformed_json", '{"payload": "x", ')
        self.assertRefusedNoChange(400, "request.malformed_json", "not json at all")
        self.assertRefusedNoChange(400, "request.malformed_json", "{", path="/v1/txs/batch")

    def test_malformed_shape(self):
        self.assertRefusedNoChange(400, "tx.malformed", "[]")
        self.assertRefusedNoChange(400, "tx.malformed", '{"signatures": []}'.replace(
            "[]", '[{"key":"%s","sig":"%s"}]' % (self.key.public, "00" * 64)))
        # A payload that is not JSON text.
        env = json.dumps({"payload": "{not json", "signatures": [
            {"key": self.key.public, "sig": "00" * 64}]})
        self.assertRefusedNoChange(400, "tx.malformed", env)
        # A body field out of range (amount 0).
        p = self.payload(body=e2e.transfer_body("daehan-cement", 0))
        self.assertRefusedNoChange(400, "tx.malformed", self.envelope(p))
        # A batch that is not {"txs": [...]}.
        self.assertRefusedNoChange(400, "batch.malformed", '{"txs": {}}', path="/v1/txs/batch")
        self.assertRefusedNoChange(400, "batch.malformed", '{"txs": [], "x": 1}',
                                   path="/v1/txs/batch")

    def test_wrong_chain(self):
        p = self.payload(chain="some-other-chain")
        env = self.envelope(p, chain="some-other-chain")
        self.assertRefusedNoChange(400, "tx.wrong_chain", env)

    def test_bad_signature(self):
        env = json.loads(self.envelope(self.payload()))
        sig = env["signatures"][0]["sig"]
        env["signatures"][0]["sig"] = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
        self.assertRefusedNoChange(401, "tx.bad_signature", json.dumps(env))
        # A valid signature over another chain's message.
        env2 = self.envelope(self.payload(), chain="other")
        self.assertRefusedNoChange(401, "tx.bad_signature", env2)
        # The payload changed after signing (one space added).
        env3 = json.loads(self.envelope(self.payload()))
        env3["payload"] = env3["payload"].replace(",", ", ", 1)
        self.assertRefusedNoChange(401, "tx.bad_signature", json.dumps(env3))

    def test_missing_signature(self):
        env = json.loads(self.envelope(self.payload()))
        env["signatures"] = []
        self.assertRefusedNoChange(401, "tx.missing_signature", json.dumps(env))
        del env["signatures"]
        self.assertRefusedNoChange(401, "tx.missing_signature", json.dumps(env))

    def test_unknown_key(self):
        env = self.envelope(self.payload(), [self.demo.key("daehan-cement").seed])
        self.assertRefusedNoChange(401, "tx.unknown_key", env)
        # A key nobody has.
        env = self.envelope(self.payload(), [e2e.new_seed()])
        self.assertRefusedNoChange(401, "tx.unknown_key", env)

    def test_revoked_key(self):
        # Add a second key to the sender, then revoke it.
        seed2 = e2e.new_seed()
        pub2 = e2e.public_keys([seed2])[0]
        for type_, body in (("identity.key.rotate", {"add": [pub2]}),
                            ("identity.key.revoke", {"key": pub2})):
            r = self.node.post("/v1/txs", self.envelope(self.payload(type_=type_, body=body)))
            self.assertCommittedOk(r)
        keys = self.node.get("/v1/accounts/" + SENDER).json["keys"]
        self.assertIn({"key": pub2, "status": "revoked"}, keys)
        env = self.envelope(self.payload(), [seed2])
        self.assertRefusedNoChange(401, "tx.revoked_key", env)
        # Together with the active key: still refused.
        env = self.envelope(self.payload(), [self.key.seed, seed2])
        self.assertRefusedNoChange(401, "tx.revoked_key", env)

    def test_replayed_nonce(self):
        last = self.node.nonce(SENDER)
        self.assertGreaterEqual(last, 1)
        env = self.envelope(self.payload(nonce=last))
        self.assertRefusedNoChange(409, "tx.nonce_replayed", env)
        # Resubmitting a committed tx unchanged.
        p = self.payload()
        env = self.envelope(p)
        self.assertCommittedOk(self.node.post("/v1/txs", env))
        self.assertRefusedNoChange(409, "tx.nonce_replayed", env)

    def test_skipped_nonce(self):
        env = self.envelope(self.payload(nonce=self.node.nonce(SENDER) + 2))
        self.assertRefusedNoChange(409, "tx.nonce_skipped", env)
        env = self.envelope(self.payload(nonce=10**6))
        self.assertRefusedNoChange(409, "tx.nonce_skipped", env)

    def test_expired(self):
        h = self.node.height()
        self.assertGreaterEqual(h, 1)
        self.assertRefusedNoChange(400, "tx.expired", self.envelope(self.payload(expires=h - 1)))
        # `expires` is the last height it may be included at: the head itself is too late.
        self.assertRefusedNoChange(400, "tx.expired",
                                   self.envelope(self.payload(expires=self.node.height())))

    def test_oversized_tx(self):
        # Not a valid memo either (256 bytes max), but size is checked first: 413.
        p = self.payload(body=e2e.transfer_body("daehan-cement", 1, memo="x" * 70000))
        env = self.envelope(p)
        self.assertGreater(len(env), 64 * 1024)
        self.assertRefusedNoChange(413, "tx.oversized", env)
        # Inside a batch: that tx is refused, the rest of the batch stands.
        r = self.node.post("/v1/txs/batch", e2e.batch_body([env]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["results"][0]["error"]["code"], "tx.oversized")

    def test_oversized_batch(self):
        env = self.envelope(self.payload())
        body = e2e.batch_body([env] * 10001)
        self.assertLess(len(body), 16 * 1024 * 1024)
        self.assertRefusedNoChange(413, "batch.oversized", body, path="/v1/txs/batch")

    def test_unauthorized_type(self):
        body = {"account": "rogue", "org": SENDER, "keys": [e2e.public_keys([e2e.new_seed()])[0]]}
        env = self.envelope(self.payload(type_="identity.account.create", body=body))
        self.assertRefusedNoChange(403, "tx.unauthorized_type", env)
        self.assertCode(self.node.get("/v1/accounts/rogue"), 404, "account.not_found")
        # A company may not issue units either.
        env = self.envelope(self.payload(type_="holdings.issue",
                                         body={"instrument": "KRW", "to": SENDER, "amount": 5}))
        self.assertRefusedNoChange(403, "tx.unauthorized_type", env)

    def test_unknown_fields(self):
        # Envelope.
        env = json.loads(self.envelope(self.payload()))
        env["extra"] = 1
        self.assertRefusedNoChange(400, "tx.unknown_field", json.dumps(env))
        # Payload.
        env = self.envelope(self.payload(extra={"fee": 1}))
        self.assertRefusedNoChange(400, "tx.unknown_field", env)
        # Body.
        body = e2e.transfer_body("daehan-cement", 1)
        body["note"] = "hi"
        env = self.envelope(self.payload(body=body))
        self.assertRefusedNoChange(400, "tx.unknown_field", env)
        # A signature entry with an extra field is malformed (not silently accepted).
        env = json.loads(self.envelope(self.payload()))
        env["signatures"][0]["by"] = "me"
        self.assertRefusedNoChange(400, "tx.malformed", json.dumps(env))

    def test_unknown_type(self):
        env = self.envelope(self.payload(type_="holdings.steal", body={"amount": 1}))
        self.assertRefusedNoChange(400, "tx.unknown_type", env)

    def test_unknown_account(self):
        env = self.envelope(self.payload(from_="nobody", nonce=1))
        self.assertRefusedNoChange(404, "tx.unknown_account", env)

    def test_batch_mixed(self):
        h = self.node.height()
        n_h = self.node.nonce(SENDER)
        nuri = self.demo.key("nuri-power")
        n_n = self.node.nonce("nuri-power")
        good = [
            self.envelope(self.payload(nonce=n_h + 1)),
            self.envelope(self.payload(nonce=n_h + 2)),
            self.envelope(self.payload(from_="nuri-power", nonce=n_n + 1), [nuri.seed]),
        ]
        flipped = json.loads(self.envelope(self.payload(from_="krx", nonce=1),
                                           [self.demo.key("krx").seed]))
        s = flipped["signatures"][0]["sig"]
        flipped["signatures"][0]["sig"] = ("f" if s[0] != "f" else "e") + s[1:]
        bad = {
            1: (json.loads(self.envelope(self.payload(nonce=n_h + 5))), "tx.nonce_skipped"),
            3: (flipped, "tx.bad_signature"),
            4: (json.loads(self.envelope(self.payload(chain="x", from_="krx"), chain="x")),
                "tx.wrong_chain"),
            5: (json.loads(self.envelope(self.payload(nonce=n_h))), "tx.nonce_replayed"),
            7: ({"payload": "{}", "signatures": []}, "tx.missing_signature"),
            8: ("just a string", "tx.malformed"),
            9: (json.loads(self.envelope(self.payload(expires=h - 1, from_="daehan-cement"),
                                         [self.demo.key("daehan-cement").seed])), "tx.expired"),
        }
        order = []
        gi = iter(good)
        for i in range(10):
            if i in bad:
                order.append(json.dumps(bad[i][0]))
            elif i in (0, 2, 6):
                order.append(next(gi))
        before_d = self.snapshot("daehan-cement")
        r = self.node.post("/v1/txs/batch", e2e.batch_body(order))
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["accepted"], r.json["refused"]), (3, 7), r.json)
        res = r.json["results"]
        self.assertEqual(len(res), 10)
        for i in (0, 2, 6):
            self.assertEqual((res[i]["status"], res[i]["code"]), ("committed", "ok"), res[i])
        for i, (_, code) in bad.items():
            self.assertEqual(res[i]["status"], "refused", res[i])
            self.assertEqual(res[i]["index"], i)
            self.assertEqual(res[i]["error"]["code"], code, res[i])
        self.assertEqual(self.node.nonce(SENDER), n_h + 2)
        self.assertEqual(self.node.nonce("nuri-power"), n_n + 1)
        self.assertEqual(self.node.nonce("krx"), 0)
        # daehan-cement received the three good transfers (1 each); its own tx was refused.
        after_d = self.snapshot("daehan-cement")
        self.assertEqual(after_d["nonce"], before_d["nonce"])
        krw = lambda snap: [int(h["amount"]) for h in snap["holdings"] if h["instrument"] == "KRW"]
        self.assertEqual(krw(after_d), [krw(before_d)[0] + 3])
        # Refused txs are not found; committed ones are.
        for i in (0, 2, 6):
            st = self.node.get("/v1/txs/" + res[i]["tx_id"])
            self.assertEqual(st.json["status"], "committed")
        for i in (1, 3, 4, 9):
            self.assertIn("tx_id", res[i])
            self.assertCode(self.node.get("/v1/txs/" + res[i]["tx_id"]), 404, "tx.not_found")

    def test_multisig_two_of_three(self):
        """The demo regulator needs 2 of its 3 officers for governance.permissions.set."""
        o1, o2 = self.demo.officer(1), self.demo.officer(2)
        body = json.dumps({"type": "holdings.burn", "roles": ["regulator"]})
        build = e2e.tanso("tx", "build", "--from", "regulator",
                          "--type", "governance.permissions.set", "--body", body, node=self.node)
        self.assertEqual(build.returncode, 0, build.stderr)
        # The payload goes in on stdin: `tanso tx sign -k KEY FILE` reads FILE as a second key
        # (see test_cli.CliTest.test_sign_payload_file_after_key).
        one = e2e.tanso("tx", "sign", "-k", o1.path, input=build.stdout)
        self.assertEqual(one.returncode, 0, one.stderr)
        self.assertRefusedNoChange(401, "tx.insufficient_signatures", one.stdout.strip(),
                                   account="regulator")
        # assertRefusedNoChange committed a tx from the regulator: rebuild (new nonce).
        build = e2e.tanso("tx", "build", "--from", "regulator",
                          "--type", "governance.permissions.set", "--body", body, node=self.node)
        self.assertEqual(build.returncode, 0, build.stderr)
        two = e2e.tanso("tx", "sign", "-k", o1.path, "-k", o2.path, input=build.stdout)
        self.assertEqual(two.returncode, 0, two.stderr)
        self.assertEqual(len(json.loads(two.stdout)["signatures"]), 2)
        sub = e2e.tanso("tx", "submit", "-", input=two.stdout, node=self.node)
        self.assertEqual(sub.returncode, 0, sub.stderr)
        out = json.loads(sub.stdout)
        self.assertEqual((out["status"], out["code"]), ("committed", "ok"))
        # The permission took effect: a company may no longer burn.
        r = self.node.post("/v1/txs", self.envelope(self.payload(
            type_="holdings.burn", body={"instrument": "KRW", "amount": 1})))
        self.assertCode(r, 403, "tx.unauthorized_type")
        # Other tx types of the regulator still need only one officer (threshold 1).
        r = self.good("regulator")
        self.assertEqual(r.json["code"], "ok")

    def test_resubmitted_tx(self):
        """The same tx again, pending or committed: tx.nonce_replayed; in one batch too."""
        env = self.envelope(self.payload())
        r = self.node.post("/v1/txs?wait=none", env)
        self.assertEqual(r.status, 202, r)
        self.assertCode(self.node.post("/v1/txs?wait=none", env), 409, "tx.nonce_replayed")
        env2 = self.envelope(self.payload(nonce=self.node.nonce(SENDER) + 2))
        r = self.node.post("/v1/txs/batch", e2e.batch_body([env2, env2]))
        res = r.json["results"]
        self.assertEqual((res[0]["status"], res[0]["code"]), ("committed", "ok"), res)
        self.assertEqual(res[1]["error"]["code"], "tx.nonce_replayed", res)
        self.assertRefusedNoChange(409, "tx.nonce_replayed", env2)

    def test_batch_limits(self):
        # Exactly 10,000 is allowed: the first copy commits, the other 9,999 are replays.
        env = self.envelope(self.payload())
        r = self.node.post("/v1/txs/batch", e2e.batch_body([env] * 10000), timeout=120)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["accepted"], r.json["refused"]), (1, 9999))
        self.assertEqual({x["error"]["code"] for x in r.json["results"][1:]}, {"tx.nonce_replayed"})
        # An empty batch is fine and does nothing.
        r = self.node.post("/v1/txs/batch", '{"txs": []}')
        self.assertEqual((r.status, r.json["accepted"], r.json["refused"]), (200, 0, 0))
        # A body above 16 MiB is refused by the HTTP layer (or as an oversized batch).
        before = self.snapshot()
        status, text = self.raw_post_large("/v1/txs/batch", 17 << 20)
        self.assertEqual(status, 413, text)
        self.assertIn(json.loads(text)["error"]["code"], ("http.body_too_large", "batch.oversized"))
        self.assertEqual(self.snapshot(), before)
        self.good()

    def raw_post_large(self, path, size):
        """POSTs `size` bytes of a JSON-ish body over a raw socket, reading the answer even when
        the server answers early and stops reading (which http.client cannot)."""
        import socket
        s = socket.create_connection(("127.0.0.1", self.node.port), timeout=30)
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n" % (path, size)).encode())
            chunk = b" " * (1 << 20)
            try:
                for _ in range(size // len(chunk)):
                    s.sendall(chunk)
            except OSError:
                pass  # the server closed its side after answering
            data = b""
            while True:
                try:
                    d = s.recv(65536)
                except OSError:
                    break
                if not d:
                    break
                data += d
        finally:
            s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 "), data[:200])
        return int(head.split()[1]), body.decode()

    def test_rejected_in_block_nonce_rules(self):
        """ERRORS.md: a tx that fails an admission check in its block (tx.revoked_key: an
        earlier tx in the same block revoked its key) stays in the block and does not consume
        its nonce; one that fails its type's rules does."""
        seed2 = e2e.new_seed()
        pub2 = e2e.public_keys([seed2])[0]
        r = self.node.post("/v1/txs", self.envelope(self.payload(
            type_="identity.key.rotate", body={"add": [pub2]})))
        self.assertCommittedOk(r)
        n = self.node.nonce(SENDER)
        revoke = self.envelope(self.payload(nonce=n + 1, type_="identity.key.revoke",
                                            body={"key": pub2}))
        by_k2 = self.envelope(self.payload(nonce=n + 2), [seed2])
        r = self.node.post("/v1/txs/batch", e2e.batch_body([revoke, by_k2]))
        res = r.json["results"]
        self.assertEqual([x["status"] for x in res], ["committed", "committed"], res)
        self.assertEqual(res[0]["height"], res[1]["height"], "one block")
        self.assertEqual([x["code"] for x in res], ["ok", "tx.revoked_key"])
        self.assertEqual(self.node.nonce(SENDER), n + 1, "the revoked-key tx kept its nonce free")
        b = self.node.get("/v1/blocks/%d" % res[1]["height"]).json
        self.assertIn({"tx_id": res[1]["tx_id"], "code": "tx.revoked_key"}, b["txs"])
        # Its nonce is free for the next tx; a type-rule rejection then consumes one.
        r = self.node.post("/v1/txs", self.envelope(self.payload(
            nonce=n + 2, body=e2e.transfer_body(SENDER, 1))))
        self.assertEqual((r.json["status"], r.json["code"]), ("committed", "holdings.self_transfer"))
        self.assertEqual(self.node.nonce(SENDER), n + 2)
        self.assertCommittedOk(self.node.post("/v1/txs", self.envelope(self.payload(nonce=n + 3))))

    def backpressure_node(self):
        """A node that holds at most 3 pending txs and cuts a block 2 s after the first."""
        return self.new_node("bp", genesis=self.demo.genesis, extra_args=[
            "--mempool-txs-max", "3", "--block-interval-ms", "2000"]).start()

    def test_mempool_full(self):
        node = self.backpressure_node()
        txs = e2e.make_transfers(self.chain, self.key, SENDER, 1, 4, "krx", 1000)
        for e, _ in txs[:3]:
            self.assertEqual(node.post("/v1/txs?wait=none", e).status, 202)
        r = node.post("/v1/txs?wait=none", txs[3][0])
        self.assertCode(r, 503, "tx.mempool_full")
        # A batch that does not fit is refused whole.
        krx = e2e.make_transfers(self.chain, self.demo.key("krx"), "krx", 1, 2, "nuri-power",
                                 1000)
        r = node.post("/v1/txs/batch?wait=none", e2e.batch_body([e for e, _ in krx]))
        self.assertEqual([x["error"]["code"] for x in r.json["results"]], ["tx.mempool_full"] * 2)
        self.assertEqual(node.status()["pending_txs"], 3)
        # The three pending commit; the refused ones do not exist.
        deadline = time.time() + 10
        while node.nonce(SENDER) < 3:
            self.assertLess(time.time(), deadline)
            time.sleep(0.1)
        self.assertCode(node.get("/v1/txs/" + txs[3][1]), 404, "tx.not_found")
        self.assertEqual(node.nonce("krx"), 0)
        # With room again, the refused tx is taken.
        self.assertEqual(node.post("/v1/txs?wait=none", txs[3][0]).status, 202)
        self.assertEqual(node.post("/v1/txs/batch?wait=none",
                                   e2e.batch_body([e for e, _ in krx])).json["accepted"], 2)

    def test_mempool_full_keeps_admitted_nonces(self):
        """Back-pressure refuses per tx and never forgets admitted nonces: with room for 3
        pending txs, a batch admits what fits and refuses the rest with 503 tx.mempool_full
        (nothing else judged: retry unchanged); once the block commits, the refused tx is
        admitted on retry and a tx reusing a consumed nonce gets 409 tx.nonce_replayed."""
        node = self.backpressure_node()
        a = e2e.make_transfers(self.chain, self.key, SENDER, 1, 3, "krx", 1000)
        for e, _ in a[:2]:
            self.assertEqual(node.post("/v1/txs?wait=none", e).status, 202)
        krx = e2e.make_transfers(self.chain, self.demo.key("krx"), "krx", 1, 2, "nuri-power",
                                 1000)
        r = node.post("/v1/txs/batch?wait=none", e2e.batch_body([a[2][0]] + [e for e, _ in krx]))
        self.assertEqual((r.json["accepted"], r.json["refused"]), (1, 2))
        self.assertEqual(r.json["results"][0]["status"], "pending")
        for res in r.json["results"][1:]:
            self.assertEqual(res["error"]["code"], "tx.mempool_full")
        conflict = e2e.make_transfers(self.chain, self.key, SENDER, 1, 1, "nuri-power", 1000,
                                      amount=7)[0]
        self.assertCode(node.post("/v1/txs?wait=none", conflict[0]), 503, "tx.mempool_full")
        # Once the pending block commits there is room: the refused tx is admitted on retry.
        h0 = node.height()
        deadline = time.time() + 15
        while node.height() == h0 and time.time() < deadline:
            time.sleep(0.1)
        self.assertGreater(node.height(), h0, "the pending block never committed")
        r = node.post("/v1/txs?timeout_ms=10000", krx[0][0])
        self.assertEqual((r.status, r.json["status"], r.json["code"]), (200, "committed", "ok"))
        self.assertEqual(node.nonce(SENDER), 3)  # a[0..2] committed, in order
        self.assertCode(node.post("/v1/txs?wait=none", conflict[0]), 409, "tx.nonce_replayed")

    def test_envelope_duplicate_keys_refused(self):
        """BUG (core/tx.cpp decode_tx): the payload refuses duplicate keys (parser differential:
        signer and node could read different values), but the envelope does not: an envelope
        with two "payload" members is admitted and stored verbatim in the block, where the node
        executes the last one and a first-wins parser reads the other. Expected 400
        tx.malformed, as for the payload."""
        pa = self.payload(body=e2e.transfer_body("krx", 1))
        pb = self.payload(body=e2e.transfer_body("krx", 999))
        eb = json.loads(self.envelope(pb))
        dup = '{"payload":%s,"payload":%s,"signatures":%s}' % (
            json.dumps(pa), json.dumps(pb), json.dumps(eb["signatures"]))
        self.assertRefusedNoChange(400, "tx.malformed", dup)

    def test_good_after_all_refusals_metrics(self):
        """Refusals are counted by code in tanso_admission_refused_total; nothing committed."""
        self.node.post("/v1/txs", "{")
        self.node.post("/v1/txs", self.envelope(self.payload(nonce=99)))
        m = self.node.get("/metrics").text
        self.assertIn('tanso_admission_refused_total{code="request.malformed_json"} 1', m)
        self.assertIn('tanso_admission_refused_total{code="tx.nonce_skipped"} 1', m)


if __name__ == "__main__":
    e2e.main()
