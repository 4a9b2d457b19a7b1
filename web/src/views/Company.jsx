// The company view (any account of a company organization): emissions per source per day from
// the MRV batches (chart and table), holdings, the ETS compliance position with its risk band,
// the surrender form, and the account's latest transactions.
import { useState } from 'preact/hooks';
import { ChartView } from '../components/Chart.jsx';
import { Badge, Card, Loading, SignInFirst, TxResult, requireRole, useApi, useTx } from '../components/ui.jsx';
import { date, gramsToTonnes, groupDigits } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';
import { MyFills, MyOrders } from './Market.jsx';

const YEAR = 2026;

function Emissions({ client, company }) {
  const res = useApi(client, `/v1/mrv/companies/${company}/daily?year=${YEAR}`);
  if (!res.data) return <Loading res={res} />;
  const days = res.data.days.slice(-31);
  const sources = [...new Set(days.flatMap((d) => d.sources.map((s) => s.source)))].sort();
  // Tonnes for the chart only (display); the table keeps the exact grams.
  const perSource = (d, src) =>
    d.sources.filter((s) => s.source === src).reduce((a, s) => a + Number(s.co2e_g), 0) / 1e6;
  return (
    <section aria-labelledby="emis-h">
      <h2 id="emis-h">{t('company.emissions', { year: YEAR })}</h2>
      {days.length === 0 ? <p class="muted">{t('company.no_batches')}</p> : (
        <>
          <ChartView id="emissions-chart" stacked unit="tCO2e"
                     label={t('company.emissions_label', { company })}
                     labels={days.map((d) => d.day.slice(5))}
                     datasets={sources.map((src) => ({ label: t('source.' + src), data: days.map((d) => perSource(d, src)) }))} />
          <details>
            <summary>{t('company.as_table')}</summary>
            <table id="emissions-table">
              <thead><tr>
                <th scope="col">{t('day')}</th>
                {sources.map((s) => <th scope="col" class="num" key={s}>{t('source.' + s)}</th>)}
                <th scope="col" class="num">{t('total')} (tCO2e)</th>
              </tr></thead>
              <tbody>
                {days.map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    {sources.map((src) => (
                      <td class="num" key={src}>
                        {gramsToTonnes(String(d.sources.filter((s) => s.source === src)
                          .reduce((a, s) => a + BigInt(s.co2e_g), 0n)))}
                      </td>
                    ))}
                    <td class="num">{gramsToTonnes(d.co2e_g)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}

function Holdings({ client, account }) {
  const res = useApi(client, `/v1/accounts/${account}/holdings`);
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="hold-h">
      <h2 id="hold-h">{t('holdings')}</h2>
      <table id="holdings">
        <thead><tr><th scope="col">{t('instrument')}</th><th scope="col" class="num">{t('amount')}</th></tr></thead>
        <tbody>
          {res.data.holdings.map((h) => (
            <tr key={h.instrument}><td><code>{h.instrument}</code></td><td class="num">{groupDigits(h.amount)}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const RISK = { stable: 'ok', rising: 'warn', high: 'bad', unknown: 'neutral' };

function Position({ client, company }) {
  const res = useApi(client, `/v1/ets/companies/${company}/position?year=${YEAR}`);
  if (res.error && res.error.code === 'ets.not_designated')
    return <p class="muted">{t('company.not_designated')}</p>;
  if (!res.data) return <Loading res={res} />;
  const p = res.data;
  return (
    <section aria-labelledby="pos-h">
      <h2 id="pos-h">{t('company.position', { year: YEAR })}</h2>
      <p id="risk-band">
        {t('company.risk')}: <Badge kind={RISK[p.risk] || 'neutral'}>{t('risk.' + p.risk)}</Badge>{' '}
        <span class="muted">{t('company.risk_rule')}</span>
      </p>
      <div class="cards">
        <Card label={t('company.projected')} value={groupDigits(p.projected_tco2e)}
              hint={t('projection.' + p.projection_source)} />
        <Card label={t('company.usable')} value={groupDigits(p.usable)}
              hint={`KAU ${groupDigits(p.holdings.kau)} · KCU ${groupDigits(p.kcu_usable)}`} />
        <Card label={t('company.gap')} value={groupDigits(p.gap_t)} hint={`${p.gap_pct} %`} />
        <Card label={t('company.surrendered')} value={groupDigits(String(Number(p.surrendered.kau) + Number(p.surrendered.kcu)))}
              hint={`KAU ${groupDigits(p.surrendered.kau)} · KCU ${groupDigits(p.surrendered.kcu)}`} />
        <Card label={t('company.deadline')} value={date(p.deadline_ms, state.lang)} />
      </div>
    </section>
  );
}

function Surrender({ client }) {
  const [kau, setKau] = useState('');
  const [kcu, setKcu] = useState('');
  const tx = useTx();
  const digits = (s) => s.replace(/[,\s_]/g, '');
  const valid = (s) => s === '' || /^[1-9][0-9]{0,17}$/.test(digits(s));
  const ok = valid(kau) && valid(kcu) && (kau !== '' || kcu !== '');
  function submit(e) {
    e.preventDefault();
    const units = [];
    if (kau) units.push([`KAU-${YEAR}`, Number(digits(kau))]);
    if (kcu) units.push(['KCU', Number(digits(kcu))]);
    tx.run(() => client.send('ets.surrender', { year: YEAR, units }));
  }
  return (
    <section aria-labelledby="surr-h">
      <h2 id="surr-h">{t('company.surrender', { year: YEAR })}</h2>
      <form onSubmit={submit} class="form-row">
        <label>{t('company.kau_amount')}
          <input name="kau" inputMode="numeric" value={kau} onInput={(e) => setKau(e.target.value)}
                 aria-invalid={!valid(kau)} /></label>
        <label>{t('company.kcu_amount')}
          <input name="kcu" inputMode="numeric" value={kcu} onInput={(e) => setKcu(e.target.value)}
                 aria-invalid={!valid(kcu)} /></label>
        <button type="submit" disabled={!ok || tx.busy}>{tx.busy ? t('signing') : t('company.sign_surrender')}</button>
      </form>
      <TxResult result={tx.result} />
    </section>
  );
}

const STATEMENT = { submitted: 'warn', correction_requested: 'bad', approved: 'ok', certified: 'ok' };

// The annual emission statement: the draft computed from the batches, what was submitted and
// its attestation and certification, and the submission (mrv.statement.submit; the ledger
// accepts it once the year is over: mrv.year_not_over).
function Statement({ client, company }) {
  const draft = useApi(client, `/v1/mrv/companies/${company}/statement-draft?year=${YEAR}`);
  const sub = useApi(client, `/v1/mrv/companies/${company}/statements/${YEAR}`);
  const [comment, setComment] = useState('');
  const tx = useTx();
  if (!draft.data) return <Loading res={draft} />;
  const d = draft.data;
  const st = sub.data;
  const last = st ? st.revisions[st.revisions.length - 1] : null;
  const canSubmit = !st || st.status === 'correction_requested';
  function submit(e) {
    e.preventDefault();
    const body = { company, year: YEAR };
    if (comment) body.comment = comment;
    tx.run(() => client.send('mrv.statement.submit', body));
  }
  return (
    <section aria-labelledby="stmt-h" id="statement">
      <h2 id="stmt-h">{t('company.statement', { year: YEAR })}</h2>
      <p>{t('company.draft_total')}: <strong id="draft-total">{gramsToTonnes(d.total_co2e_g)}</strong> tCO2e
        {' '}· {t('scope')} 1 {gramsToTonnes(d.by_scope['1'] || '0')} · {t('scope')} 2 {gramsToTonnes(d.by_scope['2'] || '0')}</p>
      <details>
        <summary>{t('company.draft_rows')}</summary>
        <table>
          <thead><tr>
            <th scope="col">{t('installations')}</th><th scope="col">{t('company.source')}</th>
            <th scope="col" class="num">{t('company.days')}</th><th scope="col" class="num">tCO2e</th>
          </tr></thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.installation + r.source}><td>{r.installation}</td><td>{t('source.' + r.source)}</td>
                <td class="num">{r.days}</td><td class="num">{gramsToTonnes(r.co2e_g)}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
      {st && (
        <p id="statement-status">
          {t('company.statement_status', { revision: st.revision })}{' '}
          <Badge kind={STATEMENT[st.status] || 'neutral'}>{t('stmt.' + st.status)}</Badge>{' '}
          {last && last.attestation && last.attestation.comments && <q>{last.attestation.comments}</q>}
          {st.certification && <> · {t('company.certified_t', { t: groupDigits(st.certification.certified_tco2e) })}</>}
        </p>
      )}
      {canSubmit && (
        <form onSubmit={submit} class="form-row">
          <label>{t('company.statement_comment')}
            <input name="statement-comment" value={comment} onInput={(e) => setComment(e.target.value)} /></label>
          <button type="submit" id="submit-statement" disabled={tx.busy}>{t('company.submit_statement')}</button>
        </form>
      )}
      <TxResult result={tx.result} />
    </section>
  );
}

function History({ client, account }) {
  const res = useApi(client, `/v1/accounts/${account}/history?limit=10`);
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="hist-h">
      <h2 id="hist-h">{t('company.history')}</h2>
      <table>
        <thead><tr>
          <th scope="col" class="num">{t('height')}</th><th scope="col">{t('type')}</th>
          <th scope="col">{t('code')}</th><th scope="col">{t('tx')}</th>
        </tr></thead>
        <tbody>
          {res.data.rows.map((r) => (
            <tr key={r.tx_id}>
              <td class="num">{r.height}</td><td><code>{r.type}</code></td>
              <td>{r.code === 'ok' ? <Badge kind="ok">ok</Badge> : <Badge kind="bad">{r.code}</Badge>}</td>
              <td><a href={'#/explorer/tx/' + r.tx_id}><code>{r.tx_id.slice(0, 12)}…</code></a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// The company's orders and fills in each market (placing orders is in the Market view).
function CompanyMarket({ client }) {
  const res = useApi(client, '/v1/markets', { live: false });
  if (!res.data || res.data.markets.length === 0) return null;
  return (
    <div class="two">
      {res.data.markets.map((m) => (
        <div key={m.market}>
          <MyOrders client={client} market={m.market} />
          <MyFills client={client} market={m.market} />
        </div>
      ))}
    </div>
  );
}

export function Company({ client }) {
  if (!requireRole(['company'])) return <SignInFirst roles={['company']} />;
  const a = state.session.account;
  const company = a.org;
  return (
    <div>
      <h1>{t('company.title', { company })}</h1>
      <Emissions client={client} company={company} />
      <Position client={client} company={company} />
      <Statement client={client} company={company} />
      <div class="two">
        <Holdings client={client} account={a.id} />
        <Surrender client={client} />
      </div>
      <CompanyMarket client={client} />
      <History client={client} account={a.id} />
    </div>
  );
}
