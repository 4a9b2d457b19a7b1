"""End-to-end: the `tanso` command-line client against a real node.

Exit codes (src/apps/tanso/cli.h): 0 ok, 1 usage/bad input, 2 refused/rejected/verification
failed, 3 node unreachable or 5xx, 4 local file/store error.
"""

import json
import os
import stat
import unittest

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso

HELP = {
    (): ["keygen", "genesis", "tx", "query", "proof", "verify", "backup", "restore", "--node",
         "Exit codes"],
    ("keygen",): ["--out", "--account", "--force"],
    ("genesis",): ["init", "demo", "check"],
    ("genesis", "init"): ["--chain-id", "--out", "--keys-dir", "--officers", "--threshold"],
    ("genesis", "demo"): ["--chain-id", "--out", "--keys-dir"],
    ("genesis", "check"): ["file"],
    ("tx",): ["build", "sign", "submit", "send", "wait", "status"],
    ("tx", "build"): ["--from", "--type", "--body", "--chain", "--nonce", "--expires"],
    ("tx", "sign"): ["--key", "payload"],
    ("tx", "submit"): ["envelope", "--no-wait"],
    ("tx", "send"): ["--from", "--type", "--body", "--key", "--no-wait", "--nonce", "--expires"],
    ("tx", "wait"): ["id", "--timeout"],
    ("tx", "status"): ["id", "--key"],
    ("query",): ["what", "--key", "--from", "--to", "--before", "--limit", "holdings"],
    ("proof",): ["verify"],
    ("proof", "verify"): ["file", "--tx"],
    ("verify",): ["--data-dir", "--threads"],
    ("backup",): ["--data-dir", "--out", "--online", "--key"],
    ("restore",): ["--from", "--data-dir"],
}


class CliTest(E2ETest):

    def ok(self, r):
        self.assertEqual(r.returncode, 0, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        return r

    def exit_code(self, r, code, text=None):
        self.assertEqual(r.returncode, code, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))
        if text:
            self.assertIn(text, r.stdout + r.stderr)
        return r

    # -- no node --------------------------------------------------------------------------------

    def test_help(self):
        for sub, words in HELP.items():
            r = self.ok(tanso(*sub, "--help"))
            for w in words:
                self.assertIn(w, r.stdout, "tanso %s --help should mention %s" % (" ".join(sub), w))
        self.exit_code(tanso(), 1)
        self.exit_code(tanso("nonsense"), 1)
        self.exit_code(tanso("keygen"), 1, "--out")  # missing required option
        self.exit_code(tanso("keygen", "--bogus"), 1)

    def test_keygen(self):
        path = os.path.join(self.tmp, "k.json")
        r = self.ok(tanso("keygen", "--out", path, "--account", "hanbit-steel"))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        k = e2e.Key(path)
        self.assertEqual(r.stdout.strip(), k.public)
        self.assertRegex(k.public, "^ed25519:[0-9a-f]{64}$")
        self.assertEqual(k.account, "hanbit-steel")
        # The public key in the file is the one of the seed (checked independently).
        self.assertEqual(e2e.public_keys([k.seed])[0], k.public)
        with open(path) as f:
            before = f.read()
        r = self.exit_code(tanso("keygen", "--out", path), 4)
        with open(path) as f:
            self.assertEqual(f.read(), before, "keygen overwrote a key without --force")
        # --force overwrites, and the file is 0600 even if it was not.
        os.chmod(path, 0o644)
        r = self.ok(tanso("keygen", "--out", path, "--force"))
        k2 = e2e.Key(path)
        self.assertNotEqual(k2.seed, k.seed)
        self.assertEqual(r.stdout.strip(), k2.public)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        # A directory that does not exist.
        self.exit_code(tanso("keygen", "--out", os.path.join(self.tmp, "no", "k.json")), 4)

    def test_genesis_init_demo_check(self):
        g = os.path.join(self.tmp, "g.json")
        kd = os.path.join(self.tmp, "officers")
        r = self.ok(tanso("genesis", "init", "--chain-id", "cli-test", "--out", g, "--keys-dir",
                          kd, "--officers", 3, "--threshold", 2))
        self.assertIn("cli-test", r.stdout)
        self.assertEqual(sorted(os.listdir(kd)),
                         ["regulator-officer%d.json" % i for i in (1, 2, 3)])
        for f in os.listdir(kd):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(kd, f)).st_mode), 0o600)
        with open(g) as f:
            doc = json.load(f)
        self.assertEqual(doc["chain_id"], "cli-test")
        reg = [a for a in doc["accounts"] if a["account"] == "regulator"][0]
        self.assertEqual((len(reg["keys"]), reg["threshold"]), (3, 2))
        chk = self.ok(tanso("genesis", "check", g))
        hdr = json.loads(chk.stdout)
        self.assertEqual(hdr["height"], 0)
        self.assertRegex(hdr["hash"], "^[0-9a-f]{64}$")
        # A node started from it serves the same block 0.
        node = self.new_node("init-node", genesis=g).start()
        self.assertEqual(node.get("/v1/blocks/0").json["header"]["hash"], hdr["hash"])
        self.assertEqual(node.status()["chain_id"], "cli-test")
        node.stop()
        # threshold > officers is refused.
        self.exit_code(tanso("genesis", "init", "--out", os.path.join(self.tmp, "x.json"),
                             "--keys-dir", os.path.join(self.tmp, "k2"), "--officers", 1,
                             "--threshold", 2), 4, "threshold")
        # demo
        dg = os.path.join(self.tmp, "demo.json")
        dk = os.path.join(self.tmp, "demo-keys")
        self.ok(tanso("genesis", "demo", "--chain-id", "cli-demo", "--out", dg, "--keys-dir", dk))
        names = sorted(f[:-5] for f in os.listdir(dk))
        for n in ("regulator-officer1", "regulator-officer2", "regulator-officer3",
                  "hanbit-steel", "krx", "settle-bank"):
            self.assertIn(n, names)
        self.ok(tanso("genesis", "check", dg))
        # Invalid documents: exit 2 with genesis.invalid.
        with open(dg) as f:
            d = json.load(f)
        d["surprise"] = 1
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            json.dump(d, f)
        self.exit_code(tanso("genesis", "check", bad), 2, "genesis.invalid")
        del d["surprise"]
        d["orgs"] = [o for o in d["orgs"] if o["role"] != "regulator"]
        with open(bad, "w") as f:
            json.dump(d, f)
        self.exit_code(tanso("genesis", "check", bad), 2, "genesis.invalid")
        with open(bad, "w") as f:
            f.write("{nope")
        self.exit_code(tanso("genesis", "check", bad), 2, "genesis.invalid")
        self.exit_code(tanso("genesis", "check", os.path.join(self.tmp, "missing.json")), 4)

    def test_sign_is_deterministic_and_matches_independent_client(self):
        """`tanso tx sign` and the Node.js client produce the same envelope and tx id."""
        demo = e2e.Demo(self.tmp)
        k = demo.key("hanbit-steel")
        p = e2e.payload_text(demo.chain, "holdings.transfer", "hanbit-steel", 1, 50,
                             e2e.transfer_body("krx", 3))
        r = self.ok(tanso("tx", "sign", "-k", k.path, input=p + "\n"))
        env_cli = json.loads(r.stdout)
        env_js, _ = e2e.sign_one(demo.chain, p, [k.seed])
        self.assertEqual(env_cli, json.loads(env_js))

    def test_sign_payload_file_after_key(self):
        """BUG (CLI): `tanso tx sign -k KEY FILE` takes FILE as a second --key (the repeatable
        option swallows the positional) and reads the payload from stdin instead: 'payload is not
        valid JSON', exit 1; `tanso tx sign -k KEY -` fails with 'cannot read key file -', exit 4.
        `tanso tx sign FILE -k KEY` and `tanso tx sign -k KEY -- FILE` work."""
        demo = e2e.Demo(self.tmp)
        k = demo.key("hanbit-steel")
        pf = os.path.join(self.tmp, "p.json")
        with open(pf, "w") as f:
            f.write(e2e.payload_text(demo.chain, "holdings.transfer", "hanbit-steel", 1, 50,
                                     e2e.transfer_body("krx", 3)))
        self.ok(tanso("tx", "sign", pf, "-k", k.path))  # works
        self.ok(tanso("tx", "sign", "-k", k.path, "--", pf))  # works
        self.ok(tanso("tx", "sign", "-k", k.path, pf, input=""))  # fails: exit 1

    def test_operator_errors_print_stable_code(self):
        """Operator errors print `code: message` (docs/ERRORS.md) with exit 4."""
        k = os.path.join(self.tmp, "k.json")
        self.ok(tanso("keygen", "--out", k))
        self.exit_code(tanso("keygen", "--out", k), 4, "key.exists")
        self.exit_code(tanso("tx", "sign", "-k", k + ".missing", input="{}"), 4, "key.unreadable")
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        self.exit_code(tanso("verify", "--data-dir", empty), 4, "verify.empty")

    # -- with a node ----------------------------------------------------------------------------

    def test_tx_build_sign_submit_wait_status(self):
        demo, node = self.demo_node()
        k = demo.key("hanbit-steel")
        body = json.dumps(e2e.transfer_body("krx", 42))
        b = self.ok(tanso("tx", "build", "--from", "hanbit-steel", "--type",
                          "holdings.transfer", "--body", body, node=node))
        p = json.loads(b.stdout)
        self.assertEqual((p["chain"], p["from"], p["nonce"], p["type"]),
                         (demo.chain, "hanbit-steel", 1, "holdings.transfer"))
        self.assertEqual(p["expires"], node.height() + 1000)
        s = self.ok(tanso("tx", "sign", "-", "-k", k.path, input=b.stdout))
        env = json.loads(s.stdout)
        self.assertEqual(env["payload"], b.stdout.strip())
        self.assertEqual(env["signatures"][0]["key"], k.public)
        envf = os.path.join(self.tmp, "env.json")
        with open(envf, "w") as f:
            f.write(s.stdout)
        sub = self.ok(tanso("tx", "submit", envf, node=node))
        out = json.loads(sub.stdout)
        self.assertEqual((out["status"], out["code"]), ("committed", "ok"))
        w = self.ok(tanso("tx", "wait", out["tx_id"], node=node))
        self.assertEqual(json.loads(w.stdout)["height"], out["height"])
        st = self.ok(tanso("tx", "status", out["tx_id"], node=node))
        self.assertNotIn("envelope", json.loads(st.stdout))
        st = self.ok(tanso("tx", "status", out["tx_id"], "--key", k.path, node=node))
        self.assertEqual(json.loads(st.stdout)["envelope"], env)
        # Explicit nonce/expires/chain, body from a file, --no-wait then wait.
        bf = os.path.join(self.tmp, "body.json")
        with open(bf, "w") as f:
            f.write(body)
        b2 = self.ok(tanso("tx", "build", "--from", "hanbit-steel", "--type",
                           "holdings.transfer", "--body", "@" + bf, "--nonce", 2, "--expires",
                           node.height() + 5, "--chain", demo.chain, node=node))
        s2 = self.ok(tanso("tx", "sign", "-k", k.path, input=b2.stdout))
        sub2 = self.ok(tanso("tx", "submit", "--no-wait", "-", input=s2.stdout, node=node))
        out2 = json.loads(sub2.stdout)
        self.assertEqual(out2["status"], "pending")
        w2 = self.ok(tanso("tx", "wait", out2["tx_id"], "--timeout", 10, node=node))
        self.assertEqual(json.loads(w2.stdout)["receipt"]["code"], "ok")
        # tx send: build+sign+submit, sender from the key file.
        snd = self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                            body, node=node))
        self.assertEqual(json.loads(snd.stdout)["code"], "ok")
        self.assertEqual(node.nonce("hanbit-steel"), 3)
        # `tx wait` on a tx that never comes: exit 3 after the timeout.
        self.exit_code(tanso("tx", "wait", "ab" * 32, "--timeout", 1, node=node), 3)
        self.exit_code(tanso("tx", "wait", "xyz", "--timeout", 1, node=node), 2,
                       "request.bad_parameter")

    def test_query_variants(self):
        demo, node = self.demo_node()
        k = demo.key("nuri-power")
        self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                      json.dumps(e2e.transfer_body("krx", 5)), node=node))
        h = node.height()
        q = lambda *a: json.loads(self.ok(tanso("query", *a, node=node)).stdout)
        self.assertEqual(q("status")["height"], h)
        self.assertEqual(q("block", h)["header"]["height"], h)
        self.assertEqual(q("block", 0)["header"]["height"], 0)
        self.assertEqual(q("blocks")["head"], h)
        self.assertEqual(len(q("blocks", "--from", 0, "--to", h)["blocks"]), h + 1)
        self.assertEqual(len(q("blocks", "--from", h)["blocks"]), 1)
        self.assertEqual(q("account", "nuri-power")["nonce"], 1)
        self.assertEqual(q("holdings", "nuri-power", "--key", k.path)["holdings"],
                         [{"instrument": "KAU-2026", "amount": "2032601"},  # the demo's ETS
                          {"instrument": "KRW", "amount": "4999999995"}])
        self.assertEqual(q("holdings", "nuri-power", "-k", demo.officer(3).path)["account"],
                         "nuri-power")
        self.assertEqual(len(q("history", "nuri-power", "--key", k.path)["rows"]), 1)
        self.assertEqual(q("history", "krx", "--key", demo.key("krx").path, "--before", h)["rows"],
                         [])
        self.assertTrue(q("orgs")["orgs"])
        self.assertEqual(sorted(i["instrument"] for i in q("instruments")["instruments"]),
                         ["KAU-2026", "KCU", "KRW"])  # KRW, and the demo's ETS units
        self.assertEqual(q("genesis")["chain_id"], demo.chain)
        self.assertEqual(q("/v1/accounts/krx")["role"], "exchange")
        m = self.ok(tanso("query", "/metrics", node=node))
        self.assertIn("tanso_height", m.stdout)  # not JSON: printed as is
        # Errors.
        self.exit_code(tanso("query", "block", node=node), 1, "needs an argument")
        self.exit_code(tanso("query", "frobnicate", node=node), 1)
        self.exit_code(tanso("query", "account", "nobody", node=node), 2, "account.not_found")
        self.exit_code(tanso("query", "block", 10**6, node=node), 2, "block.not_found")
        self.exit_code(tanso("query", "holdings", "krx", "--key", k.path, node=node), 2,
                       "auth.forbidden")
        self.exit_code(tanso("query", "blocks", "--from", 5, "--to", 1, node=node), 2,
                       "request.bad_range")
        self.exit_code(tanso("query", "holdings", "krx", "--key", "/nonexistent.json",
                             node=node), 4)
        # TANSO_NODE picks the node too.
        r = self.ok(tanso("query", "status", env={"TANSO_NODE": node.url}))
        self.assertEqual(json.loads(r.stdout)["chain_id"], demo.chain)

    def test_exit_codes(self):
        demo, node = self.demo_node()
        k = demo.key("hanbit-steel")
        # 0
        self.exit_code(tanso("query", "status", node=node), 0)
        # 1: usage
        self.exit_code(tanso("tx", "send", "--type", "holdings.transfer", node=node), 1)
        self.exit_code(tanso("tx", "build", "--type", "x", node=node), 1, "--from")
        self.exit_code(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer",
                             "--body", "[1]", node=node), 1, "--body")
        self.exit_code(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer",
                             "--nonce", "soon", node=node), 1)
        self.exit_code(tanso("--node", "not a url", "query", "status"), 1)
        # 2: refused at admission (bad signature) ...
        p = e2e.payload_text(demo.chain, "holdings.transfer", "hanbit-steel", 1, 100,
                             e2e.transfer_body("krx", 1))
        env = json.loads(e2e.sign_one(demo.chain, p, [k.seed])[0])
        env["signatures"][0]["sig"] = "00" * 64
        self.exit_code(tanso("tx", "submit", "-", input=json.dumps(env), node=node), 2,
                       "tx.bad_signature")
        # ... or rejected in its block (a self-transfer is committed with its code).
        r = self.exit_code(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer",
                                 "--body", json.dumps(e2e.transfer_body("hanbit-steel", 1)),
                                 node=node), 2, "holdings.self_transfer")
        self.assertEqual(json.loads(r.stdout)["status"], "committed")
        self.assertEqual(node.nonce("hanbit-steel"), 1, "a rejected tx consumes its nonce")
        # ... or an unauthorized type.
        self.exit_code(tanso("tx", "send", "-k", k.path, "--type", "holdings.issue", "--body",
                             json.dumps({"instrument": "KRW", "to": "krx", "amount": 1}),
                             node=node), 2, "tx.unauthorized_type")
        # 3: nothing listens.
        dead = "http://127.0.0.1:%d" % e2e.closed_port()
        self.exit_code(tanso("query", "status", node=dead), 3)
        self.exit_code(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer",
                             "--body", json.dumps(e2e.transfer_body("krx", 1)), node=dead), 3)
        self.exit_code(tanso("tx", "submit", "-", input=json.dumps(env), node=dead), 3)
        self.exit_code(tanso("proof", "verify", "--tx", "ab" * 32, node=dead), 3)
        # 4: local files.
        self.exit_code(tanso("tx", "sign", "-k", os.path.join(self.tmp, "none.json"), input=p), 4)
        notkey = os.path.join(self.tmp, "notkey.json")
        with open(notkey, "w") as f:
            f.write('{"hello": 1}')
        self.exit_code(tanso("tx", "sign", "-k", notkey, input=p), 4, "key")
        self.exit_code(tanso("tx", "submit", os.path.join(self.tmp, "none.env"), node=node), 4)

    def test_verify_running_and_stopped(self):
        demo, node = self.demo_node()
        k = demo.key("krx")
        for _ in range(3):
            self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                          json.dumps(e2e.transfer_body("nuri-power", 9)), node=node))
        st = node.status()
        v = json.loads(self.ok(tanso("verify", "--data-dir", node.data_dir)).stdout)
        self.assertTrue(v["ok"])
        self.assertEqual(v["blocks"], st["height"] + 1)
        self.assertEqual(v["txs"], 3)
        self.assertEqual((v["head_hash"], v["state_root"]), (st["head_hash"], st["state_root"]))
        # The node still works after being read.
        self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                      json.dumps(e2e.transfer_body("nuri-power", 9)), node=node))
        st = node.status()
        self.assertEqual(node.stop(), 0)
        v = json.loads(self.ok(tanso("verify", "--data-dir", node.data_dir, "--threads", 1)).stdout)
        self.assertEqual((v["blocks"], v["txs"]), (st["height"] + 1, 4))
        self.assertEqual((v["head_hash"], v["state_root"]), (st["head_hash"], st["state_root"]))
        # Not a data dir.
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        r = tanso("verify", "--data-dir", empty)
        self.assertNotEqual(r.returncode, 0, r.stdout)

    def test_backup_restore(self):
        demo, node = self.demo_node()
        k = demo.key("daehan-cement")
        for i in range(3):
            self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                          json.dumps(e2e.transfer_body("krx", i + 1)), node=node))
        st = node.status()
        # Online, by a regulator officer; any other reader is forbidden.
        online = os.path.join(self.tmp, "backup-online")
        self.exit_code(tanso("backup", "--online", "--out", online, "-k", k.path, node=node), 2,
                       "auth.forbidden")
        self.exit_code(tanso("backup", "--online", "--out", online, node=node), 1, "--key")
        r = self.ok(tanso("backup", "--online", "--out", online, "-k", demo.officer(1).path,
                          node=node))
        self.assertEqual(json.loads(r.stdout)["height_at_least"], st["height"])
        self.assertTrue(os.path.isdir(online))
        # The directory exists now: a second checkpoint there fails.
        # An existing target is the caller's mistake: 400 request.bad_parameter, exit 2.
        self.exit_code(tanso("backup", "--online", "--out", online, "-k", demo.officer(1).path,
                             node=node), 2, "request.bad_parameter")
        # Offline, from the stopped node's data dir.
        self.assertEqual(node.stop(), 0)
        offline = os.path.join(self.tmp, "backup-offline")
        r = self.ok(tanso("backup", "--data-dir", node.data_dir, "--out", offline))
        self.assertIn("height %d" % st["height"], r.stdout)
        for name, src in (("from-online", online), ("from-offline", offline)):
            dd = os.path.join(self.tmp, name, "data")
            r = self.ok(tanso("restore", "--from", src, "--data-dir", dd))
            self.assertIn("restored height %d" % st["height"], r.stdout)
            self.exit_code(tanso("restore", "--from", src, "--data-dir", dd), 4, "exists")
            v = json.loads(self.ok(tanso("verify", "--data-dir", dd)).stdout)
            self.assertEqual(v["head_hash"], st["head_hash"])
            # A node on the restored dir (no genesis needed) has the same head and state.
            n2 = self.new_node(name, data_dir=dd).start()
            st2 = n2.status()
            self.assertEqual((st2["height"], st2["head_hash"], st2["state_root"]),
                             (st["height"], st["head_hash"], st["state_root"]), name)
            self.ok(tanso("tx", "send", "-k", k.path, "--type", "holdings.transfer", "--body",
                          json.dumps(e2e.transfer_body("krx", 1)), node=n2))
            self.assertEqual(n2.nonce("daehan-cement"), 4)
            n2.stop()
        # Restoring from something that is not a backup fails.
        junk = os.path.join(self.tmp, "junk")
        os.makedirs(junk)
        r = tanso("restore", "--from", junk, "--data-dir", os.path.join(self.tmp, "r3"))
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    e2e.main()
