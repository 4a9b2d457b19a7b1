// The browser tests' harness: a real demo node (tanso genesis demo + tansod serving web/dist +
// scripts/demo-activity.sh) on a free loopback port in a temporary directory, Debian's
// Chromium driven by playwright-core (headless, no downloads), a signing client for the API
// (the dashboard's own protocol module, already checked against RFC vectors and Node crypto),
// and screenshots saved as test artifacts.
//
// Env: TANSO_BIN_DIR (default build/bin), TANSO_ARTIFACTS (default build/test-artifacts/browser),
//      CHROMIUM (default /usr/bin/chromium), TANSO_E2E_KEEP=1 keeps the node's directory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../web/src/lib/tanso.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB = join(ROOT, 'web');
const require = createRequire(join(WEB, 'package.json'));
const { chromium } = require('playwright-core');
export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BIN = process.env.TANSO_BIN_DIR || join(ROOT, 'build/bin');
export const ARTIFACTS = process.env.TANSO_ARTIFACTS || join(ROOT, 'build/test-artifacts/browser');

async function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class DemoNode {
  async start() {
    this.dir = mkdtempSync(join(os.tmpdir(), 'tanso-browser-'));
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    execFileSync(join(BIN, 'tanso'), ['genesis', 'demo', '--chain-id', 'tanso-demo', '--keys-dir',
      join(this.dir, 'keys'), '--devices-dir', join(this.dir, 'devices'), '--out',
      join(this.dir, 'genesis.json')], { stdio: 'pipe' });
    // The chain's clock starts on 4 January 2027 (KST), so the demo's 2026 is over and a 2026
    // emission statement can go through submission, attestation and certification; the
    // surrender deadline (31 August 2027) is still ahead. Block times never go below it.
    const gpath = join(this.dir, 'genesis.json');
    const g = JSON.parse(readFileSync(gpath, 'utf8'));
    g.time_ms = Date.UTC(2027, 0, 4);
    writeFileSync(gpath, JSON.stringify(g, null, 2));
    this.proc = spawn(join(BIN, 'tansod'), ['--data-dir', join(this.dir, 'data'), '--genesis',
      join(this.dir, 'genesis.json'), '--listen', `127.0.0.1:${this.port}`, '--web-dir',
      join(WEB, 'dist')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.log = '';
    this.proc.stderr.on('data', (d) => (this.log += d));
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(this.base + '/healthz')).ok) break;
      } catch { /* not yet */ }
      await sleep(100);
    }
    execFileSync('bash', [join(ROOT, 'scripts/demo-activity.sh'), `127.0.0.1:${this.port}`, this.dir],
                 { stdio: 'pipe', env: { ...process.env, TANSO_BIN_DIR: BIN } });
    this.chain = (await this.get('/v1/status')).chain_id;
    return this;
  }

  keyPath(name) {
    return join(this.dir, 'keys', name + '.json');
  }

  key(name) {
    return T.parseKeyFile(readFileSync(this.keyPath(name), 'utf8'));
  }

  async get(target, key) {
    const headers = key ? T.readHeaders(this.chain, key, 'GET', target, Math.floor(Date.now() / 1000)) : {};
    const r = await fetch(this.base + target, { headers });
    const j = await r.json();
    if (!r.ok) throw new Error(`${target}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  }

  async send(type, body, keys) {
    const from = keys[0].account;
    const acct = await this.get('/v1/accounts/' + from);
    const st = await this.get('/v1/status');
    const payload = T.payloadText({ chain: this.chain, type, from, nonce: acct.nonce + 1,
                                    expires: st.height + 100, body });
    const r = await fetch(this.base + '/v1/txs?wait=commit', {
      method: 'POST', body: JSON.stringify(T.signEnvelope(this.chain, payload, keys)) });
    return r.json();
  }

  async balance(account, instrument) {
    const h = await this.get(`/v1/accounts/${account}/holdings`, this.key(account));
    const row = h.holdings.find((x) => x.instrument === instrument);
    return row ? BigInt(row.amount) : 0n;
  }

  async supply(instrument) {
    const i = (await this.get('/v1/instruments')).instruments.find((x) => x.instrument === instrument);
    return BigInt(i.supply);
  }

  stop() {
    if (this.proc) this.proc.kill('SIGTERM');
    if (this.dir && !process.env.TANSO_E2E_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The machine has no network beyond loopback: no background fetches, no first-run work.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that records every console error and uncaught exception (a CSP violation shows up as
// a console error), so the tests can require none.
export async function newPage(browser, { locale = 'en-US', viewport = { width: 1280, height: 900 } } = {}, errors) {
  const ctx = await browser.newContext({ locale, viewport, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage: true });
}

// axe-core's WCAG 2 A/AA rules on the current page; returns the violations.
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

export { T };
