// The verifier's view: the queue of emission statements awaiting attestation, each with its
// evidence (the statement's figures per scope, fuel, installation and source, and the daily
// batches behind them), and the attestation form (approve, or request a correction).
import { useState } from 'preact/hooks';
import { ChartView } from '../components/Chart.jsx';
import { Badge, Loading, SignInFirst, TxResult, requireRole, useApi, useTx } from '../components/ui.jsx';
import { gramsToTonnes, time } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';

function Evidence({ client, company, year }) {
  const res = useApi(client, `/v1/mrv/companies/${company}/statements/${year}`);
  const daily = useApi(client, `/v1/mrv/companies/${company}/daily?year=${year}`);
  if (!res.data) return <Loading res={res} />;
  const s = res.data;
  const rev = s.revisions[s.revisions.length - 1];
  const c = rev.content;
  return (
    <div class="evidence">
      <h3>{t('ver.statement', { company, year, revision: rev.revision })}</h3>
      <p>{t('ver.total')}: <strong>{gramsToTonnes(c.total_co2e_g)} tCO2e</strong> ({t('ver.certifiable')}{' '}
        {c.certified_tco2e} t) · {t('ver.submitted_by', { by: rev.submitted_by })} · {time(rev.time_ms, state.lang)}</p>
      <table>
        <caption>{t('ver.by_scope')}</caption>
        <tbody>
          {Object.entries(c.by_scope).map(([k, v]) => (
            <tr key={k}><th scope="row">{t('scope')} {k}</th><td class="num">{gramsToTonnes(v)}</td></tr>))}
          {Object.entries(c.by_fuel).map(([k, v]) => (
            <tr key={k}><th scope="row">{t('source.' + k)}</th><td class="num">{gramsToTonnes(v)}</td></tr>))}
        </tbody>
      </table>
      {daily.data && daily.data.days.length > 0 && (
        <ChartView id="verifier-daily" label={t('company.emissions_label', { company })} unit="tCO2e"
                   labels={daily.data.days.map((d) => d.day.slice(5))}
                   datasets={[{ label: 'tCO2e', data: daily.data.days.map((d) => Number(d.co2e_g) / 1e6) }]} />
      )}
      <p><code>{t('ver.hash')}: {rev.hash}</code></p>
      <Attest client={client} company={company} year={year} revision={rev.revision} />
    </div>
  );
}

function Attest({ client, company, year, revision }) {
  const [decision, setDecision] = useState('approve');
  const [comments, setComments] = useState('');
  const [evidence, setEvidence] = useState('');
  const tx = useTx();
  const evOk = evidence === '' || /^[0-9a-f]{64}$/.test(evidence);
  const ok = evOk && (decision === 'approve' || comments.trim() !== '');
  if (tx.result && tx.result.ok && tx.result.ok.code === 'ok') return <TxResult result={tx.result} />;
  function submit(e) {
    e.preventDefault();
    const body = { company, year, revision, decision };
    if (comments) body.comments = comments;
    if (evidence) body.evidence_hash = evidence;
    tx.run(() => client.send('mrv.statement.attest', body));
  }
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{t('ver.decision')}</legend>
        <label class="inline"><input type="radio" name="decision" value="approve" checked={decision === 'approve'}
                                     onChange={() => setDecision('approve')} /> {t('ver.approve')}</label>
        <label class="inline"><input type="radio" name="decision" value="correction" checked={decision === 'correction'}
                                     onChange={() => setDecision('correction')} /> {t('ver.correction')}</label>
      </fieldset>
      <label>{t('ver.comments')}<textarea name="comments" rows="3" value={comments}
                                          onInput={(e) => setComments(e.target.value)} /></label>
      <label>{t('ver.evidence_hash')}<input name="evidence" value={evidence} aria-invalid={!evOk}
                                            onInput={(e) => setEvidence(e.target.value.trim())} /></label>
      <button type="submit" disabled={!ok || tx.busy}>{t('ver.sign_attest')}</button>
      <TxResult result={tx.result} />
    </form>
  );
}

export function Verifier({ client }) {
  const [open, setOpen] = useState(null);
  const allowed = requireRole(['verifier', 'regulator']);
  const res = useApi(client, allowed ? '/v1/mrv/statements/pending' : null);
  if (!allowed) return <SignInFirst roles={['verifier']} />;
  return (
    <div>
      <h1>{t('ver.title')}</h1>
      {!res.data ? <Loading res={res} /> : res.data.statements.length === 0 ? (
        <p class="muted" id="pending-empty">{t('ver.none')}</p>
      ) : (
        <table id="pending">
          <thead><tr>
            <th scope="col">{t('company')}</th><th scope="col">{t('year')}</th><th scope="col">{t('ver.revision')}</th>
            <th scope="col" class="num">tCO2e</th><th scope="col">{t('ver.history')}</th><th scope="col" />
          </tr></thead>
          <tbody>
            {res.data.statements.map((s) => (
              <tr key={s.company + s.year}>
                <td>{s.company}</td><td>{s.year}</td><td>{s.revision}</td>
                <td class="num">{gramsToTonnes(s.total_co2e_g)}</td>
                <td>{s.corrections > 0 ? <Badge kind="warn">{t('ver.corrections', { n: s.corrections })}</Badge> : '–'}</td>
                <td><button type="button" onClick={() => setOpen(s)}>{t('ver.review')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <Evidence client={client} company={open.company} year={open.year} />}
    </div>
  );
}
