// Independent Ed25519 client for the e2e tests: Node.js's built-in crypto only, no Tanso code.
//
// stdin:  {"pub": [seed_hex, ...],
//          "sign": [{"chain": "...", "payload": "<payload JSON text>", "seeds": [seed_hex, ...]}],
//          "raw": [{"msg_hex": "...", "seed": seed_hex}]}
// stdout: {"pubs": ["ed25519:<hex>", ...],
//          "envelopes": ["<envelope JSON text>", ...],  (one per "sign" entry)
//          "tx_ids": ["<hex>", ...],                     (SHA-256 of the signing message)
//          "sigs": ["<hex>", ...]}                       (one per "raw" entry)
//
// The signing message is built here from the spec (ARCHITECTURE.md "Transactions"):
//   "tanso/tx/v1" 0x00 <chain> 0x00 <payload bytes>
'use strict';
const crypto = require('crypto');

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const cache = new Map();

function keyOf(seedHex) {
  let k = cache.get(seedHex);
  if (k) return k;
  const seed = Buffer.from(seedHex, 'hex');
  if (seed.length !== 32) throw new Error('seed must be 32 bytes');
  const priv = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8'});
  const spki = crypto.createPublicKey(priv).export({format: 'der', type: 'spki'});
  const pub = 'ed25519:' + spki.subarray(spki.length - 32).toString('hex');
  k = {priv, pub};
  cache.set(seedHex, k);
  return k;
}

function signingMessage(chain, payload) {
  return Buffer.concat([Buffer.from('tanso/tx/v1', 'utf8'), Buffer.from([0]),
                        Buffer.from(chain, 'utf8'), Buffer.from([0]),
                        Buffer.from(payload, 'utf8')]);
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = {pubs: [], envelopes: [], tx_ids: [], sigs: []};
  for (const s of req.pub || []) out.pubs.push(keyOf(s).pub);
  for (const t of req.sign || []) {
    const msg = signingMessage(t.chain, t.payload);
    const signatures = t.seeds.map((s) => {
      const k = keyOf(s);
      return {key: k.pub, sig: crypto.sign(null, msg, k.priv).toString('hex')};
    });
    out.envelopes.push(JSON.stringify({payload: t.payload, signatures}));
    out.tx_ids.push(crypto.createHash('sha256').update(msg).digest('hex'));
  }
  for (const r of req.raw || [])
    out.sigs.push(crypto.sign(null, Buffer.from(r.msg_hex, 'hex'), keyOf(r.seed).priv)
                      .toString('hex'));
  process.stdout.write(JSON.stringify(out));
});
