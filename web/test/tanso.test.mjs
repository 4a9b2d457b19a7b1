// Unit tests of the dashboard's protocol code (src/lib/tanso.js) against published vectors and
// against Node's own crypto as an independent implementation: RFC 8032 Ed25519, the
// RFC 6962 / Certificate Transparency Merkle vectors, the signing messages of ARCHITECTURE.md.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import test from 'node:test';
import * as T from '../src/lib/tanso.js';

// RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
const V1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const V2 = {
  seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  msg: '72',
  sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

const keyFile = (seed, account = 'acme') => JSON.stringify({ account, seed, type: 'ed25519' });

test('key files: RFC 8032 public keys, and every malformed file refused with its code', () => {
  assert.equal(T.parseKeyFile(keyFile(V1.seed)).pub, 'ed25519:' + V1.pub);
  assert.equal(T.parseKeyFile(keyFile(V2.seed)).pub, 'ed25519:' + V2.pub);
  const bad = [
    ['{', 'key.not_json'],
    ['42', 'key.not_json'],
    [JSON.stringify({ account: 'a', seed: V1.seed, type: 'rsa' }), 'key.bad_type'],
    [JSON.stringify({ account: 'a', seed: V1.seed.slice(2) }), 'key.bad_seed'],
    [JSON.stringify({ account: 'a', seed: 'zz' + V1.seed.slice(2) }), 'key.bad_seed'],
    [JSON.stringify({ seed: V1.seed }), 'key.no_account'],
    [JSON.stringify({ account: 'a', seed: V1.seed, public: 'ed25519:' + V2.pub }), 'key.mismatch'],
  ];
  for (const [text, code] of bad) assert.throws(() => T.parseKeyFile(text), { code }, text);
});

test('Ed25519 signatures match RFC 8032 and verify with Node crypto', () => {
  const k1 = T.parseKeyFile(keyFile(V1.seed));
  // signEnvelope signs the tx signing message; check the primitive through a raw message.
  const raw = T.signEnvelope('c', 'p', [k1]).signatures[0].sig;
  assert.ok(T.verifySig(k1.pub, T.txSigningMessage('c', 'p'), raw));
  assert.ok(T.verifySig('ed25519:' + V1.pub, new Uint8Array(), V1.sig));
  assert.ok(T.verifySig(V2.pub, T.fromHex(V2.msg), V2.sig));
  assert.ok(!T.verifySig(V2.pub, T.fromHex('73'), V2.sig));
  assert.ok(!T.verifySig(V2.pub, T.fromHex(V2.msg), V1.sig));
  assert.ok(!T.verifySig('ed25519:xyz', T.fromHex(V2.msg), V2.sig));
});

test('tx signing message and envelope: the bytes of ARCHITECTURE.md, checked by Node crypto', () => {
  const msg = T.txSigningMessage('tanso-demo', '{"a":1}');
  assert.equal(Buffer.from(msg).toString('latin1'), 'tanso/tx/v1\0tanso-demo\0{"a":1}');
  const k = T.parseKeyFile(keyFile(V2.seed, 'regulator'));
  const payload = T.payloadText({ chain: 'tanso-demo', type: 'holdings.transfer', from: 'regulator',
                                  nonce: 3, expires: 100, body: { amount: '5' } });
  assert.deepEqual(Object.keys(JSON.parse(payload)), ['chain', 'type', 'from', 'nonce', 'expires', 'body']);
  const env = T.signEnvelope('tanso-demo', payload, [k]);
  const pub = crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(V2.pub, 'hex')]),
    format: 'der', type: 'spki' });
  assert.ok(crypto.verify(null, Buffer.from(T.txSigningMessage('tanso-demo', payload)), pub,
                          Buffer.from(env.signatures[0].sig, 'hex')));
  assert.equal(T.txId('tanso-demo', payload),
               crypto.createHash('sha256').update(T.txSigningMessage('tanso-demo', payload)).digest('hex'));
});

test('multi-signature: a second officer adds a signature; tampering and double signing refused', () => {
  const a = T.parseKeyFile(keyFile(V1.seed, 'regulator'));
  const b = T.parseKeyFile(keyFile(V2.seed, 'regulator'));
  const env = T.signEnvelope('c', '{"x":1}', [a]);
  const both = T.addSignature('c', env, b);
  assert.equal(both.signatures.length, 2);
  assert.ok(both.signatures.every((s) => T.verifySig(s.key, T.txSigningMessage('c', '{"x":1}'), s.sig)));
  assert.throws(() => T.addSignature('c', both, a), { code: 'envelope.already_signed' });
  assert.throws(() => T.addSignature('c', { ...env, payload: '{"x":2}' }, b), { code: 'envelope.bad_signature' });
  assert.throws(() => T.addSignature('other-chain', env, b), { code: 'envelope.bad_signature' });
  assert.throws(() => T.addSignature('c', { payload: 1 }, b), { code: 'envelope.malformed' });
  assert.throws(() => T.checkEnvelope('c', { payload: '{}', signatures: [{ key: 1 }] }), { code: 'envelope.bad_signature' });
});

test('signed reads: the four headers of docs/API.md, signature over the documented bytes', () => {
  const k = T.parseKeyFile(keyFile(V1.seed, 'hanbit-steel'));
  const h = T.readHeaders('tanso-demo', k, 'GET', '/v1/accounts/hanbit-steel/holdings', 1700000000);
  assert.equal(h['X-Tanso-Account'], 'hanbit-steel');
  assert.equal(h['X-Tanso-Key'], 'ed25519:' + V1.pub);
  assert.equal(h['X-Tanso-Time'], '1700000000');
  const msg = Buffer.from('tanso/read/v1\0tanso-demo\0GET\0/v1/accounts/hanbit-steel/holdings\x001700000000', 'latin1');
  assert.ok(T.verifySig(V1.pub, new Uint8Array(msg), h['X-Tanso-Signature']));
});

// RFC 6962 / CT reference vectors (as in tests/unit/merkle_test.cpp).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOT8 = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const ROOT5 = '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4';
const ROOT3 = 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77';
const PATHS = [
  [0, 8, ROOT8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
                 '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
                 '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ROOT8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
                 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
                 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ROOT3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ROOT5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
                 '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
                 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

test('RFC 6962 inclusion proofs: reference vectors verify, any change fails', () => {
  assert.equal(T.toHex(T.leafHash(new Uint8Array())), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  for (const [i, n, root, path] of PATHS) {
    const leaf = T.leafHash(T.fromHex(LEAVES[i]));
    const p = path.map(T.fromHex);
    assert.ok(T.verifyInclusion(leaf, i, n, p, T.fromHex(root)), `leaf ${i} of ${n}`);
    assert.ok(!T.verifyInclusion(leaf, i + 1, n, p, T.fromHex(root)), `wrong index ${i + 1}`);
    assert.ok(!T.verifyInclusion(leaf, i, 2 * n, p, T.fromHex(root)), `wrong size ${2 * n}`);
    assert.ok(!T.verifyInclusion(leaf, i, n, p.slice(1), T.fromHex(root)), 'short path');
    const bad = p.map((h) => h.slice());
    bad[0][0] ^= 1;
    assert.ok(!T.verifyInclusion(leaf, i, n, bad, T.fromHex(root)), 'flipped bit');
  }
  assert.ok(T.verifyInclusion(T.leafHash(T.fromHex('')), 0, 1, [], T.leafHash(T.fromHex(''))));
  assert.ok(!T.verifyInclusion(T.leafHash(T.fromHex('')), 1, 1, [], T.leafHash(T.fromHex(''))));
});

// A block header as the node serves it (a real one from a demo chain) and the tx in it.
const HEADER = {
  hash: 'b89d62e39965c0b1a2957204d51a13f7a7ecafaf8433456cfe33b5961476d25f', height: 3,
  prev_hash: '6afc3b99dfcac85a5c0cabc6d61e2c9069cdfa233eef4506ef078495876902a6',
  proposer: 'ed25519:ef324c3b77a1106994411ccf65a6e27f02027ac1db605f5fdbc7c500be029f5f',
  receipts_root: 'f981715f57b8041e88ea8db05ede6c609a77acdff06c7b641edfbc93b4a56dba',
  signature: '0601554a9328a10c6af9f968e9ebf931be432477fa118c63d011d258fdcf6b0bf78be30f83b36f587fa69d861bd3993694350db613ad56e1905d13f48380c401',
  state_root: '3413da053d026e01a467ecb0d41ea007a8332c4397f8fa2acf30b258ea6f6da4',
  time_ms: 1795326625131, tx_count: 1,
  tx_root: '555e6914da7acc755f7f66a8fdd77dc0539f6a7acb0e85387c051a77057c5dc1',
};
const TX = '10a83baddf15c066a3ff4047f3a23fa6e2ab3f3f9b08eaf917a9e80fc7ba053c';

test('a node\'s tx status verifies end to end; each tampered part is named', () => {
  const status = {
    tx_id: TX, index: 0, block: HEADER,
    proof: { leaf_index: 0, tree_size: 1, leaf_hash: T.toHex(T.leafHash(T.fromHex(TX))),
             audit_path: [], tx_root: HEADER.tx_root },
  };
  assert.equal(T.toHex(T.leafHash(T.fromHex(TX))), HEADER.tx_root, 'one-tx block: root = leaf');
  assert.equal(T.headerHash(HEADER), HEADER.hash);
  const ok = T.verifyTxProof(status);
  assert.ok(ok.ok, JSON.stringify(ok));
  const failing = (s) => T.verifyTxProof(s).checks.filter((c) => !c.ok).map((c) => c.name);
  assert.deepEqual(failing({ ...status, tx_id: TX.replace(/^1/, '2') }), ['leaf']);
  assert.deepEqual(failing({ ...status, block: { ...HEADER, time_ms: HEADER.time_ms + 1 } }), ['header']);
  assert.deepEqual(failing({ ...status, block: { ...HEADER, signature: HEADER.signature.replace(/^06/, '07') } }), ['signature']);
  assert.deepEqual(failing({ ...status, index: 1 }), ['root']);
  assert.deepEqual(failing({ ...status, proof: { ...status.proof, audit_path: ['00'.repeat(32)] } }), ['path']);
});
