"""Helpers for Tanso's end-to-end tests: real tansod (RocksDB) and tanso processes, real HTTP.

Python 3 standard library only. Signing inside the tests uses either the `tanso` CLI or
ed25519_tool.js (Node.js's built-in crypto), an independent client that builds the signing
message itself.

Where the binaries are: env TANSO_BIN_DIR, or `--bin-dir DIR` on the test script's command line.
TANSO_E2E_KEEP=1 keeps each test's temporary directory (node logs, data dirs, keys).
"""

import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SIGN_TOOL = os.path.join(HERE, "ed25519_tool.js")
BIN_DIR = os.environ.get("TANSO_BIN_DIR", "")


def bin_path(name):
    p = os.path.join(BIN_DIR, name)
    if not os.access(p, os.X_OK):
        raise RuntimeError("%s not found; set TANSO_BIN_DIR or pass --bin-dir" % p)
    return p


def main():
    """unittest.main() that first takes `--bin-dir DIR` off the command line."""
    global BIN_DIR
    argv = list(sys.argv)
    if "--bin-dir" in argv:
        i = argv.index("--bin-dir")
        BIN_DIR = argv[i + 1]
        del argv[i:i + 2]
    if not BIN_DIR:
        sys.exit("TANSO_BIN_DIR is not set (or pass --bin-dir DIR)")
    unittest.main(argv=argv, verbosity=2)


# ---------------------------------------------------------------------------------------------
# Processes: every tansod we start is killed at exit, whatever happens.

_live = set()
_live_mu = threading.Lock()


def _kill_all():
    with _live_mu:
        procs = list(_live)
    for p in procs:
        try:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        except Exception:
            pass


atexit.register(_kill_all)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies (even by SIGKILL, e.g. a
    ctest timeout), so no tansod outlives its test."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def closed_port():
    """A port nothing listens on (bound then closed; nobody else should grab it this fast)."""
    return free_port()


# ---------------------------------------------------------------------------------------------
# HTTP

class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body  # the raw bytes
        self.text = body.decode("utf-8", "replace")
        self.headers = headers
        try:
            self.json = json.loads(self.text)
        except ValueError:
            self.json = None

    def code(self):
        """The stable error code of an error response, or None."""
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"].get("code")
        return None

    def __iter__(self):  # status, json = resp
        return iter((self.status, self.json))

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.text[:300])


class Client:
    """A keep-alive HTTP/1.1 client to one node (reconnects when the connection drops)."""

    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None, timeout=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        hs = {"Connection": "keep-alive"}
        if body is not None:
            hs["Content-Type"] = "application/json"
        hs.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=timeout or self.timeout)
            elif timeout:
                self.conn.timeout = timeout
                if self.conn.sock:
                    self.conn.sock.settimeout(timeout)
            fresh = self.conn.sock is None
            try:
                self.conn.request(method, path, body=body, headers=hs)
                r = self.conn.getresponse()
                data = r.read()
                resp = Response(r.status, data, {k.lower(): v for k, v in r.getheaders()})
                if r.getheader("connection", "").lower() == "close":
                    self.close()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A stale keep-alive connection: retry once on a fresh one (only if this one was
                # reused; a fresh connection failing means the node is gone).
                self.close()
                if fresh or attempt == 1:
                    raise
            except Exception:
                self.close()
                raise

    def get(self, path, headers=None, timeout=None):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def post(self, path, body=None, headers=None, timeout=None):
        return self.request("POST", path, body=body, headers=headers, timeout=timeout)


def http_get(base_url, path, headers=None, timeout=30):
    u = urllib.parse.urlparse(base_url)
    c = Client(u.hostname, u.port, timeout)
    try:
        return c.get(path, headers)
    finally:
        c.close()


def http_post(base_url, path, body, headers=None, timeout=60):
    u = urllib.parse.urlparse(base_url)
    c = Client(u.hostname, u.port, timeout)
    try:
        return c.post(path, body, headers)
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------
# The node

class TansoNode:
    """One tansod process on a free port, data in `data_dir`, log in `log_path`."""

    def __init__(self, workdir, data_dir=None, genesis=None, extra_args=(), log_level="warn",
                 port=None):
        self.workdir = workdir
        self.fixed_port = port  # the same port at every start (peers name it), else a free one
        self.data_dir = data_dir or os.path.join(workdir, "data")
        self.genesis = genesis
        self.extra_args = list(extra_args)
        self.log_level = log_level
        self.proc = None
        self.port = None
        self.starts = 0
        self.log_path = None
        self._client = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=30, genesis=True):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.port = self.fixed_port or free_port()
        self.log_path = os.path.join(self.workdir, "node-%d.log" % self.starts)
        args = [bin_path("tansod"), "--data-dir", self.data_dir,
                "--listen", "127.0.0.1:%d" % self.port, "--log-level", self.log_level]
        if self.genesis and genesis:
            args += ["--genesis", self.genesis]
        args += self.extra_args
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        log.close()
        with _live_mu:
            _live.add(self.proc)
        self._client = Client("127.0.0.1", self.port)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("tansod exited with %s during start:\n%s" %
                                   (self.proc.returncode, self.log()))
            try:
                r = http_get(self.url, "/healthz", timeout=2)
                if r.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("tansod did not become healthy in %ss:\n%s" % (timeout, self.log()))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-8000:].decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _forget(self):
        if self._client:
            self._client.close()
        with _live_mu:
            _live.discard(self.proc)

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit code (SIGKILL if it does not exit in time)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                self._forget()
                raise RuntimeError("tansod did not stop on SIGTERM within %ss" % timeout)
        self._forget()
        return self.proc.returncode

    def kill(self):
        """SIGKILL (no clean shutdown) and reap."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._forget()
        return self.proc.returncode

    # HTTP shortcuts (keep-alive)
    def get(self, path, headers=None, timeout=None):
        return self._client.get(path, headers, timeout)

    def post(self, path, body=None, headers=None, timeout=None):
        return self._client.post(path, body, headers, timeout)

    def client(self, timeout=60):
        """A separate keep-alive client (for other threads)."""
        return Client("127.0.0.1", self.port, timeout)

    def status(self):
        r = self.get("/v1/status")
        assert r.status == 200, r
        return r.json

    def nonce(self, account):
        r = self.get("/v1/accounts/" + account)
        assert r.status == 200, r
        return int(r.json["nonce"])

    def height(self):
        return int(self.status()["height"])


# ---------------------------------------------------------------------------------------------
# Keys, signing (Node.js: independent of Tanso's code)

class Key:
    def __init__(self, path):
        self.path = path
        with open(path) as f:
            j = json.load(f)
        self.seed = j["seed"]
        self.public = j.get("public")
        self.account = j.get("account", "")


def node_tool(request):
    r = subprocess.run(["node", SIGN_TOOL], input=json.dumps(request).encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("ed25519_tool.js failed: " + r.stderr.decode())
    return json.loads(r.stdout)


def public_keys(seeds):
    return node_tool({"pub": list(seeds)})["pubs"]


def new_seed(rng=None):
    if rng is None:
        return os.urandom(32).hex()
    return "%064x" % rng.getrandbits(256)


def payload_text(chain, type_, from_, nonce, expires, body):
    """The payload JSON text, built here (not by Tanso's code)."""
    return json.dumps({"chain": chain, "type": type_, "from": from_, "nonce": nonce,
                       "expires": expires, "body": body}, separators=(",", ":"))


def sign_many(items):
    """items: [(chain, payload_text, [seed, ...])] -> [(envelope_text, tx_id)]."""
    if not items:
        return []
    out = node_tool({"sign": [{"chain": c, "payload": p, "seeds": list(s)} for c, p, s in items]})
    return list(zip(out["envelopes"], out["tx_ids"]))


def sign_one(chain, payload, seeds):
    return sign_many([(chain, payload, seeds)])[0]


def read_message(chain, method, target, t):
    return b"\0".join(x.encode() for x in ("tanso/read/v1", chain, method, target, str(t)))


_read_cache = {}


def signed_read_headers(chain, key, method, target, t=None, account=None, sign_target=None):
    """The four X-Tanso-* headers of a signed read. `sign_target` signs another target (to make
    a bad signature). Fresh reads (t=None) are reused for 60 s (signing spawns node)."""
    cache_key = (chain, key.seed, method, target, account, sign_target)
    if t is None:
        hit = _read_cache.get(cache_key)
        if hit and abs(int(hit["X-Tanso-Time"]) - time.time()) < 60:
            return dict(hit)
    tt = int(time.time()) if t is None else t
    msg = read_message(chain, method, sign_target or target, tt)
    out = node_tool({"raw": [{"msg_hex": msg.hex(), "seed": key.seed}], "pub": [key.seed]})
    hs = {"X-Tanso-Account": account or key.account, "X-Tanso-Key": out["pubs"][0],
          "X-Tanso-Time": str(tt), "X-Tanso-Signature": out["sigs"][0]}
    if t is None:
        _read_cache[cache_key] = dict(hs)
    return hs


# ---------------------------------------------------------------------------------------------
# The CLI

def tanso(*args, node=None, input=None, timeout=120, env=None):
    """Runs `tanso [--node URL] args...`; returns CompletedProcess with text stdout/stderr."""
    cmd = [bin_path("tanso")]
    if node is not None:
        cmd += ["--node", node if isinstance(node, str) else node.url]
    cmd += [str(a) for a in args]
    e = dict(os.environ)
    e.pop("TANSO_NODE", None)
    e.update(env or {})
    return subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, env=e)


# ---------------------------------------------------------------------------------------------
# The demo network

COMPANIES = ["hanbit-steel", "daehan-cement", "seoul-petrochem", "nuri-power"]
KRW_HOLDERS = COMPANIES + ["krx"]  # 5,000,000,000 KRW each at genesis


class Demo:
    """`tanso genesis demo` in `workdir`: genesis.json and keys/<name>.json."""

    def __init__(self, workdir, chain_id=None):
        self.workdir = workdir
        self.chain = chain_id or "e2e-%06x" % random.getrandbits(24)
        self.keys_dir = os.path.join(workdir, "keys")
        self.genesis = os.path.join(workdir, "genesis.json")
        r = tanso("genesis", "demo", "--chain-id", self.chain, "--keys-dir", self.keys_dir,
                  "--out", self.genesis)
        if r.returncode != 0:
            raise RuntimeError("tanso genesis demo failed: %s %s" % (r.stdout, r.stderr))
        self.keys = {}
        for f in os.listdir(self.keys_dir):
            if f.endswith(".json"):
                self.keys[f[:-5]] = Key(os.path.join(self.keys_dir, f))

    def key(self, name):
        return self.keys[name]

    def officer(self, i):
        return self.keys["regulator-officer%d" % i]


def transfer_body(to, amount, instrument="KRW", memo=None):
    b = {"instrument": instrument, "to": to, "amount": amount}
    if memo is not None:
        b["memo"] = memo
    return b


def make_transfers(chain, sender_key, sender, first_nonce, count, to, expires, amount=1):
    """count signed transfers from `sender` with nonces first_nonce.. -> [(envelope, tx_id)]."""
    items = []
    for n in range(first_nonce, first_nonce + count):
        p = payload_text(chain, "holdings.transfer", sender, n, expires,
                         transfer_body(to, amount, memo="e2e %d" % n))
        items.append((chain, p, [sender_key.seed]))
    return sign_many(items)


def batch_body(envelopes):
    """A batch body from envelope texts, without re-serializing them."""
    return '{"txs":[' + ",".join(envelopes) + "]}"


def parse_events(resp, until, timeout):
    """Parses a raw SSE response (http.client) until until(events) is true and returns the
    events (dicts of the fields id/event/data; several data lines joined with '\n'); raises
    AssertionError when the stream ends or `timeout` seconds pass first."""
    events, cur = [], {}
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = resp.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line == "":
            if cur:
                events.append(cur)
                cur = {}
                if until(events):
                    return events
            continue
        if line.startswith(":"):
            continue
        k, _, v = line.partition(":")
        v = v[1:] if v.startswith(" ") else v
        cur[k] = cur[k] + "\n" + v if k == "data" and k in cur else v
    raise AssertionError("events ended or timed out; got %r" % events)


class E2ETest(unittest.TestCase):
    """Base class: a temp dir per test, node processes killed at cleanup, logs printed on error."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tanso-e2e-")
        self.nodes = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        failed = self._failed()
        for n in self.nodes:
            try:
                n.kill()
            except Exception:
                pass
            if failed and n.log_path:
                sys.stderr.write("---- %s (tail) ----\n%s\n" % (n.log_path, n.log()[-3000:]))
        if os.environ.get("TANSO_E2E_KEEP") or failed:
            sys.stderr.write("kept %s\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        res = getattr(outcome, "result", None)
        if res is not None:  # Python >= 3.11
            for lst in (res.failures, res.errors):
                for t, _ in lst:
                    if t is self:
                        return True
            return False
        errs = getattr(outcome, "errors", [])
        return any(exc for _, exc in errs)

    def new_node(self, subdir="n", **kw):
        wd = os.path.join(self.tmp, subdir)
        os.makedirs(wd, exist_ok=True)
        n = TansoNode(wd, **kw)
        self.nodes.append(n)
        return n

    def demo_node(self, extra_args=(), start=True):
        demo = Demo(self.tmp)
        node = self.new_node(genesis=demo.genesis, extra_args=extra_args)
        if start:
            node.start()
        return demo, node

    def read_events(self, last_event_id, until, timeout=20):
        """Reads /v1/events of self.node from after `last_event_id` until `until(events)` is true
        (events: dicts of the SSE fields id/event/data); fails on timeout."""
        conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=timeout)
        self.addCleanup(conn.close)
        conn.request("GET", "/v1/events", headers={"Accept": "text/event-stream",
                                                   "Last-Event-ID": str(last_event_id)})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        return parse_events(resp, until, timeout)

    def assertCode(self, resp, status, code):
        self.assertEqual((resp.status, resp.code()), (status, code), resp.text[:500])

    def submit(self, node, envelope, wait="commit"):
        return node.post("/v1/txs" + ("" if wait == "commit" else "?wait=" + wait), envelope)

    def assertCommittedOk(self, resp):
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["status"], "committed", resp)
        self.assertEqual(resp.json["code"], "ok", resp)


# ---------------------------------------------------------------------------------------------
# Load: pre-signed transfers, submitted in batches with wait=commit, acknowledgements recorded.

def presign_transfers(node, demo, senders, per_sender, expires_margin=100000, amount=1):
    """Signs per_sender transfers for each sender, from its next nonce (asked from the node).
    Returns {sender: [(envelope, tx_id), ...]}; each sender pays the next one in the list."""
    items, owners = [], []
    h = node.height()
    for i, s in enumerate(senders):
        to = senders[(i + 1) % len(senders)]
        first = node.nonce(s) + 1
        for n in range(first, first + per_sender):
            p = payload_text(demo.chain, "holdings.transfer", s, n, h + expires_margin,
                             transfer_body(to, amount))
            items.append((demo.chain, p, [demo.key(s).seed]))
            owners.append(s)
    out = {s: [] for s in senders}
    for owner, signed in zip(owners, sign_many(items)):
        out[owner].append(signed)
    return out


def interleave_batches(per_sender, per_batch_each):
    """Batches holding per_batch_each consecutive txs of every sender (nonces stay in order)."""
    senders = list(per_sender)
    n = max(len(v) for v in per_sender.values())
    batches = []
    for i in range(0, n, per_batch_each):
        b = []
        for s in senders:
            b.extend(per_sender[s][i:i + per_batch_each])
        if b:
            batches.append(b)
    return batches


class LoadGen(threading.Thread):
    """Submits batches one after the other (POST /v1/txs/batch?wait=commit) until done or the
    node goes away. acked: tx_id -> height of every tx the node answered "committed";
    in_flight: the batch sent whose answer never came (None if all were answered); not_acked:
    txs answered "pending"/"timeout" (e.g. the node stopping while they waited)."""

    def __init__(self, node, batches, timeout=60, allow_refused=()):
        super().__init__(daemon=True)
        self.allow_refused = set(allow_refused)
        self.refused = []
        self.client = node.client(timeout)
        self.batches = batches
        self.acked = {}
        self.codes = {}
        self.unexpected = []
        self.in_flight = None
        self.not_acked = []
        self.answered = 0
        self.error = None
        self.stop_flag = threading.Event()

    def run(self):
        try:
            for b in self.batches:
                if self.stop_flag.is_set():
                    break
                self.in_flight = b
                r = self.client.post("/v1/txs/batch?wait=commit",
                                     batch_body([e for e, _ in b]))
                if r.status != 200:
                    self.unexpected.append(("http", r.status, r.text[:300]))
                    continue
                for res, (env, tx_id) in zip(r.json["results"], b):
                    if res.get("status") == "committed":
                        if res["tx_id"] != tx_id:
                            self.unexpected.append(("id", tx_id, res))
                        self.acked[tx_id] = res["height"]
                        self.codes[tx_id] = res["code"]
                    elif res.get("status") in ("pending", "timeout"):
                        self.not_acked.append((env, tx_id))  # answered, but not committed
                    elif res.get("status") == "refused" and self.allow_refused and \
                            res["error"]["code"] in self.allow_refused:
                        self.not_acked.append((env, tx_id))
                        self.refused.append(res["error"]["code"])
                    else:
                        self.unexpected.append(("result", tx_id, res))
                self.in_flight = None
                self.answered += 1
        except Exception as e:  # the node was killed: the batch in flight has no answer
            self.error = e
        finally:
            self.client.close()
