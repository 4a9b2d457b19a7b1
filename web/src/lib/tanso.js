// The client side of Tanso's protocol, pure and shared by the dashboard and its Node tests:
// key files, the signing messages of ARCHITECTURE.md (txs and signed reads), envelopes,
// RFC 6962 inclusion proofs and block header hashes. Private keys never leave this module's
// callers in the browser: nothing here sends anything anywhere.
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';

// @noble/ed25519 needs a SHA-512 for its synchronous API; this one works without WebCrypto
// (plain-http LAN addresses have no crypto.subtle).
ed.hashes.sha512 = sha512;

const enc = new TextEncoder();

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw new Error('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const ZERO = new Uint8Array([0]);

// A key file as `tanso keygen` / `tanso genesis demo` write it:
// {"account", "public": "ed25519:<hex>", "seed": "<64 hex>", "type": "ed25519"}.
// Throws an Error whose `code` is stable (the dashboard translates it).
export function parseKeyFile(text) {
  const fail = (code, msg) => Object.assign(new Error(msg), { code });
  let j;
  try {
    j = JSON.parse(text);
  } catch {
    throw fail('key.not_json', 'the key file is not JSON');
  }
  if (!j || typeof j !== 'object') throw fail('key.not_json', 'the key file is not a JSON object');
  if (j.type !== undefined && j.type !== 'ed25519')
    throw fail('key.bad_type', 'only ed25519 key files are supported');
  if (typeof j.seed !== 'string' || !/^[0-9a-fA-F]{64}$/.test(j.seed))
    throw fail('key.bad_seed', 'the key file has no 32-byte "seed" (64 hex digits)');
  if (typeof j.account !== 'string' || j.account === '')
    throw fail('key.no_account', 'the key file does not name its "account"');
  const seed = fromHex(j.seed);
  const pub = 'ed25519:' + toHex(ed.getPublicKey(seed));
  if (j.public !== undefined && j.public !== pub)
    throw fail('key.mismatch', 'the key file\'s "public" does not match its seed');
  return { account: j.account, seed, pub };
}

export function txSigningMessage(chain, payloadText) {
  return concat(enc.encode('tanso/tx/v1'), ZERO, enc.encode(chain), ZERO, enc.encode(payloadText));
}

export function readSigningMessage(chain, method, target, time) {
  return concat(enc.encode('tanso/read/v1'), ZERO, enc.encode(chain), ZERO, enc.encode(method),
                ZERO, enc.encode(target), ZERO, enc.encode(String(time)));
}

// The payload's JSON text; the envelope signs these exact bytes.
export function payloadText({ chain, type, from, nonce, expires, body }) {
  return JSON.stringify({ chain, type, from, nonce, expires, body });
}

export function txId(chain, payload) {
  return toHex(sha256(txSigningMessage(chain, payload)));
}

export function signEnvelope(chain, payload, keys) {
  const msg = txSigningMessage(chain, payload);
  return { payload, signatures: keys.map((k) => ({ key: k.pub, sig: toHex(ed.sign(msg, k.seed)) })) };
}

// Checks an envelope another signer made: its shape, and that every signature on it verifies
// over the payload for `chain`. Throws an Error with a stable `code`.
export function checkEnvelope(chain, envelope) {
  const fail = (code, msg) => Object.assign(new Error(msg), { code });
  if (!envelope || typeof envelope.payload !== 'string' || !Array.isArray(envelope.signatures))
    throw fail('envelope.malformed', 'not an envelope {payload, signatures}');
  const msg = txSigningMessage(chain, envelope.payload);
  for (const s of envelope.signatures) {
    if (!s || typeof s.key !== 'string' || typeof s.sig !== 'string' || !verifySig(s.key, msg, s.sig))
      throw fail('envelope.bad_signature', 'a signature in the envelope does not verify');
  }
  return msg;
}

// Adds one signature to an envelope another signer made (the officers' multi-signature flow).
// Refuses a second signature by the same key and an envelope whose signatures do not verify.
export function addSignature(chain, envelope, key) {
  const msg = checkEnvelope(chain, envelope);
  if (envelope.signatures.some((s) => s.key === key.pub))
    throw Object.assign(new Error('this key has already signed'), { code: 'envelope.already_signed' });
  return {
    payload: envelope.payload,
    signatures: [...envelope.signatures, { key: key.pub, sig: toHex(ed.sign(msg, key.seed)) }],
  };
}

export function verifySig(pub, msg, sigHex) {
  try {
    const p = pub.startsWith('ed25519:') ? pub.slice(8) : pub;
    return ed.verify(fromHex(sigHex), msg, fromHex(p));
  } catch {
    return false;
  }
}

// The four X-Tanso-* headers of a signed read (docs/API.md "Reading restricted data").
export function readHeaders(chain, key, method, target, nowSeconds) {
  const time = String(nowSeconds);
  const sig = ed.sign(readSigningMessage(chain, method, target, time), key.seed);
  return {
    'X-Tanso-Account': key.account,
    'X-Tanso-Key': key.pub,
    'X-Tanso-Time': time,
    'X-Tanso-Signature': toHex(sig),
  };
}

export function leafHash(bytes) {
  return sha256(concat(ZERO, bytes));
}

function nodeHash(l, r) {
  return sha256(concat(new Uint8Array([1]), l, r));
}

// RFC 9162 §2.1.3.2: does `path` prove the leaf at `index` of a tree of `size` leaves under
// `root`? All hashes as Uint8Array.
export function verifyInclusion(leaf, index, size, path, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && toHex(r) === toHex(root);
}

function u64(n) {
  const b = new Uint8Array(8);
  let v = BigInt(n);
  for (let i = 7; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

function u32(n) {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

const hexOfKey = (k) => (k.startsWith('ed25519:') ? k.slice(8) : k);

// SHA-256 of the header's fixed binary layout (core/block.cpp header_bytes), hex.
export function headerHash(h) {
  return toHex(sha256(concat(enc.encode('tanso/block/v1'), u64(h.height), fromHex(h.prev_hash),
                             u64(h.time_ms), u32(h.tx_count), fromHex(h.tx_root),
                             fromHex(h.receipts_root), fromHex(h.state_root),
                             fromHex(hexOfKey(h.proposer)))));
}

// Everything a reader needs to trust one committed tx from GET /v1/txs/{id} alone: the leaf is
// the tx id's RFC 6962 leaf, the audit path leads to the header's tx_root, the header hashes to
// its hash and carries the proposer's signature over it. Returns {ok, checks: [{name, ok}]}.
export function verifyTxProof(status) {
  const checks = [];
  const add = (name, fn) => {
    let ok = false;
    try {
      ok = !!fn();
    } catch {
      ok = false;
    }
    checks.push({ name, ok });
    return ok;
  };
  const p = status.proof || {};
  const h = status.block || {};
  add('leaf', () => toHex(leafHash(fromHex(status.tx_id))) === p.leaf_hash);
  add('path', () =>
    verifyInclusion(fromHex(p.leaf_hash), p.leaf_index, p.tree_size,
                    (p.audit_path || []).map(fromHex), fromHex(p.tx_root)));
  add('root', () => p.tx_root === h.tx_root && p.leaf_index === status.index);
  add('header', () => headerHash(h) === h.hash);
  add('signature', () => h.height === 0 ||
      verifySig(h.proposer, fromHex(h.hash), h.signature));
  return { ok: checks.every((c) => c.ok), checks };
}
