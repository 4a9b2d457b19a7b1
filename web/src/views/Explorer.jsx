// The explorer: blocks, transactions and receipts, and a transaction's inclusion proof checked
// here in the browser (leaf, audit path to the block's tx root, header hash, proposer
// signature) without trusting the node's word for it.
import { useState } from 'preact/hooks';
import { Badge, ErrorBox, Loading, useApi } from '../components/ui.jsx';
import { groupDigits, time } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';
import { headerHash, verifySig, fromHex, verifyTxProof } from '../lib/tanso.js';
import { LatestBlocks } from './Overview.jsx';

function Search() {
  const [q, setQ] = useState('');
  function go(e) {
    e.preventDefault();
    const v = q.trim();
    if (/^[0-9]+$/.test(v)) location.hash = '#/explorer/block/' + v;
    else if (/^[0-9a-fA-F]{64}$/.test(v)) location.hash = '#/explorer/tx/' + v.toLowerCase();
    else if (v) location.hash = '#/explorer/account/' + encodeURIComponent(v);
  }
  return (
    <form onSubmit={go} class="form-row" role="search">
      <label>{t('exp.search')}<input name="q" value={q} onInput={(e) => setQ(e.target.value)}
                                     placeholder={t('exp.search_hint')} /></label>
      <button type="submit">{t('exp.go')}</button>
    </form>
  );
}

function Fields({ obj }) {
  return (
    <dl class="fields">
      {Object.entries(obj).map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd><code>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</code></dd></div>
      ))}
    </dl>
  );
}

function Block({ client, height }) {
  const res = useApi(client, `/v1/blocks/${height}`, { live: false });
  if (!res.data) return <Loading res={res} />;
  const h = res.data.header;
  const hashOk = headerHash(h) === h.hash;
  const sigOk = h.height === 0 || verifySig(h.proposer, fromHex(h.hash), h.signature);
  return (
    <section>
      <h2>{t('exp.block', { height })}</h2>
      <p>
        <Badge kind={hashOk ? 'ok' : 'bad'}>{t(hashOk ? 'exp.hash_ok' : 'exp.hash_bad')}</Badge>{' '}
        <Badge kind={sigOk ? 'ok' : 'bad'}>{t(sigOk ? 'exp.sig_ok' : 'exp.sig_bad')}</Badge>{' '}
        {time(h.time_ms, state.lang)}
      </p>
      <nav class="pager" aria-label={t('exp.neighbours')}>
        {height > 0 && <a href={'#/explorer/block/' + (height - 1)}>← {height - 1}</a>}{' '}
        <a href={'#/explorer/block/' + (height + 1)}>{height + 1} →</a>
      </nav>
      <Fields obj={h} />
      <h3>{t('txs')} ({res.data.txs.length})</h3>
      <table>
        <thead><tr><th scope="col" class="num">#</th><th scope="col">{t('tx')}</th><th scope="col">{t('code')}</th></tr></thead>
        <tbody>
          {res.data.txs.map((x, i) => (
            <tr key={x.tx_id}>
              <td class="num">{i}</td>
              <td><a href={'#/explorer/tx/' + x.tx_id}><code>{x.tx_id}</code></a></td>
              <td><Badge kind={x.code === 'ok' ? 'ok' : 'bad'}>{x.code}</Badge></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Proof({ status }) {
  const [result, setResult] = useState(null);
  return (
    <div class="proof">
      <button type="button" id="verify-proof" onClick={() => setResult(verifyTxProof(status))}>{t('exp.verify_proof')}</button>
      {result && (
        <div id="proof-result" role="status" class={result.ok ? 'success' : 'error'}>
          <strong>{t(result.ok ? 'exp.proof_ok' : 'exp.proof_bad')}</strong>
          <ul>
            {result.checks.map((c) => (
              <li key={c.name}>{c.ok ? '✓' : '✗'} {t('exp.check.' + c.name)}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function Tx({ client, id }) {
  const res = useApi(client, `/v1/txs/${id}`, { live: false });
  if (!res.data) return <Loading res={res} />;
  const s = res.data;
  if (s.status !== 'committed') return <p>{t('exp.pending')}</p>;
  let payload = null;
  try {
    payload = s.envelope ? JSON.parse(s.envelope.payload) : null;
  } catch { /* shown raw */ }
  return (
    <section>
      <h2>{t('exp.tx')}</h2>
      <p><code>{s.tx_id}</code></p>
      <p>{t('exp.in_block')} <a href={'#/explorer/block/' + s.height}>{s.height}</a>, #{s.index} ·{' '}
        <Badge kind={s.receipt.code === 'ok' ? 'ok' : 'bad'}>{s.receipt.code}</Badge>{' '}
        {s.receipt.message}</p>
      <p>{t('exp.accounts')}: {s.receipt.accounts.join(', ')}</p>
      <Proof status={s} />
      <h3>{t('exp.proof')}</h3>
      <Fields obj={s.proof} />
      {payload ? (
        <>
          <h3>{t('exp.payload')}</h3>
          <pre class="json">{JSON.stringify(payload, null, 2)}</pre>
          <p class="muted">{t('exp.signatures', { n: s.envelope.signatures.length })}</p>
        </>
      ) : <p class="muted">{t('exp.payload_restricted')}</p>}
    </section>
  );
}

function Account({ client, id }) {
  const res = useApi(client, `/v1/accounts/${id}`);
  if (!res.data) return <Loading res={res} />;
  return (
    <section>
      <h2>{t('exp.account', { id })}</h2>
      <Fields obj={{ org: res.data.org, role: res.data.role, nonce: res.data.nonce, threshold: res.data.threshold }} />
      <ul>{res.data.keys.map((k) => <li key={k.key}><code>{k.key}</code> {k.status}</li>)}</ul>
    </section>
  );
}

export function Explorer({ client, route }) {
  const [, kind, arg] = route;
  return (
    <div>
      <h1>{t('exp.title')}</h1>
      <Search />
      {kind === 'block' && <Block client={client} height={Number(arg)} />}
      {kind === 'tx' && <Tx client={client} id={arg} />}
      {kind === 'account' && <Account client={client} id={decodeURIComponent(arg)} />}
      {!kind && <LatestBlocks client={client} count={20} />}
      <ErrorBox error={null} />
      <p class="muted">{t('exp.head')}: {groupDigits(String(state.height))}</p>
    </div>
  );
}
