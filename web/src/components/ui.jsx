// Small shared pieces of the dashboard: a data hook that re-reads when a block commits, cards,
// tables, status badges, error and result boxes.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../lib/i18n.js';
import { state, useStore } from '../lib/store.js';

// Reads `path` (null: nothing) with the app's client; re-reads after each committed block when
// `live`. Returns {data, error, loading, reload}.
export function useApi(client, path, { live = true } = {}) {
  const st = useStore();
  const [res, setRes] = useState({ data: null, error: null, loading: !!path });
  const [nonce, setNonce] = useState(0);
  const height = live ? st.height : 0;
  const who = st.session ? st.session.key.pub : '';
  useEffect(() => {
    if (!path) return undefined;
    let gone = false;
    client.get(path).then(
      (data) => !gone && setRes({ data, error: null, loading: false }),
      (error) => !gone && setRes({ data: null, error, loading: false }));
    return () => {
      gone = true;
    };
  }, [path, height, nonce, who]);
  return { ...res, reload: () => setNonce((n) => n + 1) };
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.code ? <code>{error.code}</code> : t('error')}</strong> {error.message}
    </div>
  );
}

export function Loading({ res }) {
  if (res.error) return <ErrorBox error={res.error} />;
  if (res.loading || !res.data) return <p class="muted" aria-busy="true">{t('loading')}</p>;
  return null;
}

export function Card({ label, value, hint, id }) {
  return (
    <div class="card" id={id}>
      <div class="card-label">{label}</div>
      <div class="card-value">{value}</div>
      {hint && <div class="card-hint">{hint}</div>}
    </div>
  );
}

export function Badge({ kind, children }) {
  return <span class={'badge badge-' + kind}>{children}</span>;
}

// A tx's result as the node answered it: committed with `ok`, committed but rejected by the
// state machine (a stable code), or refused at admission (an ApiError).
export function TxResult({ result }) {
  if (!result) return null;
  if (result.error) return <ErrorBox error={result.error} />;
  const r = result.ok;
  const ok = r.code === 'ok';
  return (
    <div class={ok ? 'success' : 'error'} role="status" data-testid="tx-result">
      <strong>{ok ? t('tx.committed') : t('tx.rejected')}</strong>{' '}
      {!ok && <code>{r.code}</code>} {r.message}{' '}
      <a href={'#/explorer/tx/' + r.tx_id}>{t('tx.view', { height: r.height })}</a>
    </div>
  );
}

// Runs `fn` (a promise of a tx answer) and keeps its result for <TxResult>.
export function useTx() {
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  async function run(fn) {
    setBusy(true);
    setResult(null);
    try {
      setResult({ ok: await fn() });
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(false);
    }
  }
  return { result, busy, run, clear: () => setResult(null) };
}

export function requireRole(roles) {
  const s = state.session;
  return s && roles.includes(s.account.role);
}

export function SignInFirst({ roles }) {
  return (
    <div class="notice">
      <p>{t('signin.needed', { roles: roles.map((r) => t('role.' + r)).join(', ') })}</p>
      <a class="button" href="#/signin">{t('signin.title')}</a>
    </div>
  );
}
