// The dashboard's words and number formats: every key a view uses exists in Korean and English
// (also the families built at run time, e.g. role.* for every role), the placeholders of both
// languages agree, and amounts are grouped exactly (no floating point on the way).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { gramsToTonnes, groupDigits } from '../src/lib/format.js';
import { MESSAGES, translate } from '../src/lib/i18n.js';
import { initialLang } from '../src/lib/store.js';

function sources(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(jsx?|mjs)$/.test(f) ? [p] : [];
  });
}

const FAMILIES = {
  'role.': ['regulator', 'company', 'verifier', 'certifier', 'municipality', 'exchange', 'bank',
            'citizen', 'merchant', 'focal_point', 'device'],
  'source.': ['natural_gas', 'electricity', 'diesel', 'lpg'],
  'risk.': ['stable', 'rising', 'high', 'unknown'],
  'status.': ['compliant', 'shortfall', 'met', 'open', 'uncertified'],
  'projection.': ['projection', 'certified', 'none'],
  'nav.': ['overview', 'company', 'market', 'regulator', 'verifier', 'wallet', 'explorer'],
  'mkt.': ['buy', 'sell'],
  'mkt.phase.': ['before', 'pre_open', 'continuous', 'closing', 'closed'],
  'mkt.status.': ['open', 'filled', 'cancelled', 'expired'],
  'wallet.': ['points', 'local'],
  'stmt.': ['submitted', 'correction_requested', 'approved', 'certified'],
  'exp.check.': ['leaf', 'path', 'root', 'header', 'signature'],
  'err.': ['key.not_json', 'key.bad_type', 'key.bad_seed', 'key.no_account', 'key.mismatch', 'key.not_active'],
};

test('every key the views use is translated in both languages', () => {
  const used = new Set();
  for (const f of sources(new URL('../src', import.meta.url).pathname)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-z_.]+)'/g)) if (!m[1].endsWith('.')) used.add(m[1]);
    for (const m of text.matchAll(/'([a-z_]+\.[a-z_.]+)'\s*:\s*'[a-z_.]+'\)/g)) used.add(m[1]);
    for (const m of text.matchAll(/\?\s*'([a-z_]+\.[a-z_]+)'\s*:\s*'([a-z_]+\.[a-z_]+)'/g)) {
      used.add(m[1]);
      used.add(m[2]);
    }
    for (const m of text.matchAll(/\bt\(\s*'([a-z_.]+\.)'\s*\+/g))
      assert.ok(FAMILIES[m[1]], `a key family built at run time needs its members listed here: ${m[1]}`);
  }
  for (const [prefix, members] of Object.entries(FAMILIES)) for (const m of members) used.add(prefix + m);
  assert.ok(used.size > 150, `found only ${used.size} keys: the scan is broken`);
  for (const lang of ['en', 'ko'])
    for (const k of used) assert.ok(MESSAGES[lang][k] !== undefined, `${lang}: missing "${k}"`);
});

test('both languages have the same keys and the same placeholders', () => {
  assert.deepEqual(Object.keys(MESSAGES.ko).sort(), Object.keys(MESSAGES.en).sort());
  const ph = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const k of Object.keys(MESSAGES.en)) assert.deepEqual(ph(MESSAGES.ko[k]), ph(MESSAGES.en[k]), k);
  assert.equal(translate('ko', 'reg.signatures', { have: 1, need: 2 }), '서명: 2개 중 1개.');
  assert.equal(translate('en', 'reg.signatures', { have: 1, need: 2 }), 'Signatures: 1 of 2.');
  assert.equal(translate('ko', 'no.such.key', {}, 'fallback'), 'fallback');
});

test('Korean by default for a Korean browser, English otherwise, a stored choice wins', () => {
  assert.equal(initialLang(null, ['ko-KR', 'en-US']), 'ko');
  assert.equal(initialLang(null, ['ko']), 'ko');
  assert.equal(initialLang(null, ['en-US', 'ko-KR']), 'en');
  assert.equal(initialLang(null, []), 'en');
  assert.equal(initialLang('en', ['ko-KR']), 'en');
  assert.equal(initialLang('ko', ['en-US']), 'ko');
  assert.equal(initialLang('fr', ['ko-KR']), 'ko');
});

test('amounts are grouped exactly, grams shown as tonnes without rounding', () => {
  assert.equal(groupDigits('4611686018427387904'), '4,611,686,018,427,387,904');
  assert.equal(groupDigits('-7854'), '-7,854');
  assert.equal(groupDigits('999'), '999');
  assert.equal(groupDigits(null), '–');
  assert.equal(gramsToTonnes('21708683'), '21.708');
  assert.equal(gramsToTonnes('999'), '0.000');
  assert.equal(gramsToTonnes('1000'), '0.001');
  assert.equal(gramsToTonnes('452925973000'), '452,925.973');
  assert.equal(gramsToTonnes('9007199254740993000'), '9,007,199,254,740.993');
});
