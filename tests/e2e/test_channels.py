"""End-to-end: channels (docs/CHANNELS.md). One tansod hosts its default chain and two channels
(`credits`, `city-goyang`), each made by `tanso genesis demo` with its own keys, so the same
account names are different members on each. A tx on one channel is invisible on the others;
each has its own height and state root; a member lists only its channels; non-members, unsigned
readers and unknown channels all get 404 channel.unknown; a tx signed for one channel is refused
on another (tx.wrong_chain); a restart keeps every channel; `tanso verify` checks a channel's
store; the CLI's --channel targets a channel."""

import http.client
import json
import os
import subprocess

import tanso_e2e as e2e
from tanso_e2e import E2ETest, tanso


class ChannelsTest(E2ETest):

    def read(self, node, chain, key, path):
        return node.get(path, headers=e2e.signed_read_headers(chain, key, "GET", path))

    def listed(self, node, key=None):
        hs = e2e.signed_read_headers("", key, "GET", "/v1/channels") if key else None
        r = node.get("/v1/channels", headers=hs)
        self.assertEqual(r.status, 200, r)
        return [c["name"] for c in r.json["channels"]]

    def test_channels(self):
        dflt = e2e.Demo(os.path.join(self.tmp, "d"))
        cred = e2e.Demo(os.path.join(self.tmp, "c"), chain_id=dflt.chain + "-credits")
        city = e2e.Demo(os.path.join(self.tmp, "g"), chain_id=dflt.chain + "-goyang")
        node = self.new_node(genesis=dflt.genesis, extra_args=[
            "--channels", "credits=%s, city-goyang=%s" % (cred.genesis, city.genesis)])
        node.start()
        C, G = "/v1/channels/credits", "/v1/channels/city-goyang"
        hc, hg, hd = cred.key("hanbit-steel"), city.key("hanbit-steel"), dflt.key("hanbit-steel")

        # Membership: each key lists the default chain and only its own channels.
        self.assertEqual(self.listed(node), ["default"])
        self.assertEqual(self.listed(node, hc), ["default", "credits"])
        self.assertEqual(self.listed(node, hg), ["default", "city-goyang"])
        self.assertEqual(self.listed(node, hd), ["default"])
        self.assertEqual(self.listed(node, cred.officer(1)), ["default", "credits"])

        # Unsigned reads, non-members and unknown channels: the same 404 channel.unknown.
        for r in (node.get(C + "/status"),
                  self.read(node, cred.chain, hg, C + "/status"),  # a city member's key
                  self.read(node, dflt.chain, hd, C + "/status"),
                  self.read(node, cred.chain, hc, "/v1/channels/nope/status"),
                  node.get("/v1/channels/nope/accounts/hanbit-steel")):
            self.assertEqual((r.status, r.code()), (404, "channel.unknown"), r)
        # An event stream too: a plain 404, no stream (a short timeout in case one opens).
        r = node.get(C + "/events", timeout=5)
        self.assertEqual((r.status, r.code()), (404, "channel.unknown"), r)

        # A member reads its channel: its own chain id, height 0 like the others, own root.
        st = {n: self.read(node, ch.chain, k, p + "/status").json
              for n, ch, k, p in (("c", cred, hc, C), ("g", city, hg, G))}
        st["d"] = node.status()
        self.assertEqual([st[n]["chain_id"] for n in "dcg"], [dflt.chain, cred.chain, city.chain])
        self.assertEqual(len({st[n]["state_root"] for n in "dcg"}), 3)

        # A transfer on credits.
        p = e2e.payload_text(cred.chain, "holdings.transfer", "hanbit-steel", 1, 1000,
                             e2e.transfer_body("krx", 7))
        env, tx_id = e2e.sign_one(cred.chain, p, [hc.seed])
        r = node.post(C + "/txs", env)
        self.assertEqual((r.status, r.json["status"], r.json["code"]), (200, "committed", "ok"), r)
        h = r.json["height"]
        # ... is on credits only.
        r = self.read(node, cred.chain, hc, C + "/txs/" + tx_id)
        self.assertEqual((r.status, r.json["status"], r.json["height"]), (200, "committed", h))
        self.assertEqual(node.get("/v1/txs/" + tx_id).code(), "tx.not_found")
        self.assertEqual(self.read(node, city.chain, hg, G + "/txs/" + tx_id).code(),
                         "tx.not_found")
        bal = {}
        for n, ch, k, base in (("c", cred, hc, C), ("g", city, hg, G), ("d", dflt, hd, "/v1")):
            r = self.read(node, ch.chain, k, base + "/accounts/hanbit-steel/holdings")
            self.assertEqual(r.status, 200, r)
            bal[n] = {x["instrument"]: int(x["amount"]) for x in r.json["holdings"]}["KRW"]
        self.assertEqual((bal["c"] + 7, bal["c"] + 7), (bal["g"], bal["d"]))
        st2 = {"c": self.read(node, cred.chain, hc, C + "/status").json,
               "g": self.read(node, city.chain, hg, G + "/status").json, "d": node.status()}
        self.assertEqual((st2["c"]["height"], st2["g"]["height"], st2["d"]["height"]), (h, 0, 0))
        self.assertNotEqual(st2["c"]["state_root"], st["c"]["state_root"])
        self.assertEqual(st2["g"]["state_root"], st["g"]["state_root"])

        # The channel's own events and metrics, to a member.
        ev = C + "/events"
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=20)
        self.addCleanup(conn.close)
        hs = e2e.signed_read_headers(cred.chain, hc, "GET", ev)
        hs.update({"Accept": "text/event-stream", "Last-Event-ID": str(h - 1)})
        conn.request("GET", ev, headers=hs)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        got = e2e.parse_events(resp, lambda es: any(e.get("event") == "receipt" for e in es), 10)
        self.assertIn({"tx_id": tx_id, "height": h, "index": 0, "code": "ok"},
                      [json.loads(e["data"]) for e in got if e.get("event") == "receipt"])
        r = self.read(node, cred.chain, hc, C + "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertIn("tanso_height %d" % h, r.text)
        self.assertIn("tanso_height 0", node.get("/metrics").text)

        # A tx signed for credits is refused on city-goyang and on the default chain.
        p2 = e2e.payload_text(cred.chain, "holdings.transfer", "hanbit-steel", 2, 1000,
                              e2e.transfer_body("krx", 1))
        env2, _ = e2e.sign_one(cred.chain, p2, [hc.seed])
        for path in (G + "/txs", "/v1/txs"):
            r = node.post(path, env2)
            self.assertEqual(r.code(), "tx.wrong_chain", r)

        # The CLI: --channel with a member's key; listing; a non-member's key is refused.
        url = node.url
        r = tanso("--channel", "credits", "query", "status", "--key", hc.path, node=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["chain_id"], cred.chain)
        r = tanso("--channel", "credits", "tx", "send", "-k", hc.path, "--type",
                  "holdings.transfer", "--body", json.dumps(e2e.transfer_body("krx", 5)), node=url)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["code"], "ok")
        r = tanso("channels", "--key", hg.path, "--json", node=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([c["name"] for c in json.loads(r.stdout)["channels"]],
                         ["default", "city-goyang"])
        r = tanso("--channel", "credits", "query", "status", "--key", hg.path, node=url)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("channel.unknown", r.stderr)
        r = tanso("--channel", "credits", "query", "status", node=url)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

        # Restart keeps every channel.
        before = {n: self.read(node, ch.chain, k, base + "/status").json["head_hash"]
                  for n, ch, k, base in (("c", cred, hc, C), ("g", city, hg, G))}
        self.assertEqual(node.stop(), 0)
        node.start()
        after = {n: self.read(node, ch.chain, k, base + "/status").json["head_hash"]
                 for n, ch, k, base in (("c", cred, hc, C), ("g", city, hg, G))}
        self.assertEqual(after, before)
        self.assertEqual(self.read(node, cred.chain, hc, C + "/txs/" + tx_id).json["height"], h)
        self.assertEqual(self.listed(node, hc), ["default", "credits"])

        # tanso verify on a channel's store (offline, after stopping).
        self.assertEqual(node.stop(), 0)
        r = tanso("verify", "--data-dir", os.path.join(node.data_dir, "channels", "credits"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["ok"], out["head_hash"]), (True, after["c"]))

    def test_bad_channel_config(self):
        d = e2e.Demo(self.tmp)
        net = os.path.join(self.tmp, "net.json")
        with open(d.genesis) as f:
            g = json.load(f)
        g["network"] = {"nodes": [], "attest_quorum": 1}
        with open(net, "w") as f:
            json.dump(g, f)
        for channels, expect in (("Credits=%s" % d.genesis, "lower-case identifier"),
                                 ("a=%s,a=%s" % (d.genesis, d.genesis), "twice"),
                                 ("default=%s" % d.genesis, "reserved"),
                                 ("credits", "name=genesis.json"),
                                 ("credits=%s" % net, "network channels are not built yet")):
            r = subprocess.run([e2e.bin_path("tansod"), "--data-dir",
                                os.path.join(self.tmp, "data"), "--genesis", d.genesis,
                                "--listen", "127.0.0.1:0", "--channels", channels],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=30)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(expect, r.stdout)


if __name__ == "__main__":
    e2e.main()
