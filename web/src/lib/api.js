// The dashboard's HTTP client: reads (signed with the signed-in key when there is one, so
// restricted data comes back for the right reader) and tx submission (nonce from the account,
// expiry from the head, signatures made here in the browser). Errors carry the node's stable
// {code, message} (docs/ERRORS.md).
import { payloadText, readHeaders, signEnvelope } from './tanso.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function parse(res) {
  const text = await res.text();
  let j = null;
  try {
    j = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'http.not_json', text.slice(0, 200));
  }
  if (!res.ok && j && j.error) throw new ApiError(res.status, j.error.code, j.error.message);
  if (!res.ok) throw new ApiError(res.status, 'http.' + res.status, res.statusText);
  return j;
}

export function createClient(getSession) {
  const status = { chain: null };
  async function chain() {
    if (!status.chain) status.chain = (await get('/v1/status', { anonymous: true })).chain_id;
    return status.chain;
  }
  async function get(target, { anonymous = false } = {}) {
    const s = getSession();
    const headers = {};
    if (s && !anonymous) {
      Object.assign(headers,
                    readHeaders(await chain(), s.key, 'GET', target, Math.floor(Date.now() / 1000)));
    }
    return parse(await fetch(target, { headers }));
  }
  // Builds and signs {chain, type, from, nonce, expires, body} with `keys` (default: the
  // session's key). Returns the envelope, not submitted.
  async function sign(type, body, keys, from) {
    const s = getSession();
    keys = keys || [s.key];
    from = from || keys[0].account;
    const c = await chain();
    const acct = await get(`/v1/accounts/${encodeURIComponent(from)}`, { anonymous: true });
    const st = await get('/v1/status', { anonymous: true });
    const payload = payloadText({ chain: c, type, from, nonce: acct.nonce + 1,
                                  expires: st.height + 1000, body });
    return signEnvelope(c, payload, keys);
  }
  async function submit(envelope) {
    const res = await fetch('/v1/txs?wait=commit', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    return parse(res);
  }
  async function send(type, body) {
    return submit(await sign(type, body));
  }
  return { get, sign, submit, send, chain };
}
