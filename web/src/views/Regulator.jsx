// The regulator's view: the designated companies, the compliance table, market surveillance
// alerts, and the allocation order with the officers' multi-signature: one officer builds and
// signs the order, passes the signed envelope (a file) to the next, who checks the same preview
// and the signatures already on it, adds a signature and submits once the threshold is met.
// Keys never leave the browser.
import { useState } from 'preact/hooks';
import { Badge, ErrorBox, Loading, SignInFirst, TxResult, requireRole, useApi, useTx } from '../components/ui.jsx';
import { gramsToTonnes, groupDigits } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';
import { addSignature, checkEnvelope } from '../lib/tanso.js';

const YEAR = 2026;
const TYPE = 'ets.allocation.order';

const STATUS = { compliant: 'ok', met: 'ok', open: 'warn', shortfall: 'bad', uncertified: 'neutral' };

function Compliance({ client }) {
  const res = useApi(client, `/v1/ets/years/${YEAR}/compliance`);
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="comp-h">
      <h2 id="comp-h">{t('reg.compliance', { year: YEAR })}</h2>
      <table id="compliance">
        <thead><tr>
          <th scope="col">{t('company')}</th><th scope="col" class="num">{t('overview.allocated')}</th>
          <th scope="col" class="num">{t('reg.certified')}</th><th scope="col" class="num">{t('reg.surrendered')}</th>
          <th scope="col" class="num">{t('reg.shortfall')}</th><th scope="col">{t('status')}</th>
        </tr></thead>
        <tbody>
          {res.data.rows.map((r) => (
            <tr key={r.company}>
              <td>{r.name}</td><td class="num">{groupDigits(r.allocated)}</td>
              <td class="num">{groupDigits(r.certified_tco2e)}</td>
              <td class="num">{groupDigits(String(Number(r.surrendered_kau) + Number(r.surrendered_kcu)))}</td>
              <td class="num">{groupDigits(r.shortfall)}</td>
              <td><Badge kind={STATUS[r.status] || 'neutral'}>{t('status.' + r.status)}</Badge></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// The order as the officers see it before signing: every entry, the total and the plan's room.
function Preview({ client, body }) {
  const totals = useApi(client, `/v1/ets/years/${body.year}/totals`);
  const total = body.entries.reduce((a, [, n]) => a + BigInt(n), 0n);
  const cap = totals.data && totals.data.plan ? BigInt(totals.data.plan.cap) : null;
  const already = totals.data ? BigInt(totals.data.allocated) : 0n;
  const room = cap === null ? null : cap - already;
  return (
    <div class="preview" id="allocation-preview">
      <h3>{t('reg.preview', { order: body.order, year: body.year })}</h3>
      {body.basis && <p class="muted">{t('reg.basis')}: {body.basis}</p>}
      <table>
        <thead><tr><th scope="col">{t('company')}</th><th scope="col" class="num">KAU-{body.year}</th></tr></thead>
        <tbody>
          {body.entries.map(([c, n]) => <tr key={c}><td>{c}</td><td class="num">{groupDigits(String(n))}</td></tr>)}
        </tbody>
        <tfoot>
          <tr><th scope="row">{t('total')}</th><td class="num" id="preview-total">{groupDigits(String(total))}</td></tr>
          {room !== null && (
            <tr><th scope="row">{t('reg.room')}</th><td class="num">{groupDigits(String(room))}</td></tr>
          )}
        </tfoot>
      </table>
      {room !== null && total > room && <p class="error" role="alert">{t('reg.above_cap')}</p>}
      <ErrorBox error={totals.error} />
    </div>
  );
}

function download(name, obj) {
  const blob = new Blob([JSON.stringify(obj, null, 2) + '\n'], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

// Signatures on an envelope against the regulator's keys and the type's threshold.
function SignatureState({ envelope, account }) {
  const need = (account.type_thresholds && account.type_thresholds[TYPE]) || account.threshold || 1;
  const have = envelope.signatures.length;
  return (
    <p id="sig-state">
      {t('reg.signatures', { have, need })}{' '}
      {have >= need ? <Badge kind="ok">{t('reg.ready')}</Badge> : <Badge kind="warn">{t('reg.needs_more')}</Badge>}
    </p>
  );
}

function Signed({ client, envelope, account }) {
  const tx = useTx();
  const need = (account.type_thresholds && account.type_thresholds[TYPE]) || account.threshold || 1;
  const body = JSON.parse(envelope.payload).body;
  return (
    <div class="signed">
      <SignatureState envelope={envelope} account={account} />
      <ul class="sigs">{envelope.signatures.map((s) => <li key={s.key}><code>{s.key.slice(0, 24)}…</code></li>)}</ul>
      <div class="buttons">
        <button type="button" id="download-envelope"
                onClick={() => download(`allocation-${body.order}.envelope.json`, envelope)}>
          {t('reg.download')}
        </button>
        {envelope.signatures.length >= need && !(tx.result && tx.result.ok) && (
          <button type="button" id="submit-order" disabled={tx.busy}
                  onClick={() => tx.run(() => client.submit(envelope))}>
            {t('reg.submit')}
          </button>
        )}
      </div>
      <TxResult result={tx.result} />
    </div>
  );
}

function NewOrder({ client, account }) {
  const companies = useApi(client, `/v1/ets/companies?year=${YEAR}`, { live: false });
  const [order, setOrder] = useState(`ORD-${YEAR}-${Date.now() % 100000}`);
  const [basis, setBasis] = useState('');
  const [amounts, setAmounts] = useState({});
  const [envelope, setEnvelope] = useState(null);
  const [error, setError] = useState(null);
  if (!companies.data) return <Loading res={companies} />;
  const entries = companies.data.companies
    .map((c) => [c.company, (amounts[c.company] || '').replace(/[,\s_]/g, '')])
    .filter(([, n]) => n !== '');
  const bad = entries.some(([, n]) => !/^[1-9][0-9]{0,17}$/.test(n));
  const body = { order, year: YEAR, basis, entries: entries.map(([c, n]) => [c, Number(n)]) };
  if (!basis) delete body.basis;
  async function sign(e) {
    e.preventDefault();
    setError(null);
    try {
      setEnvelope(await client.sign(TYPE, body));
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section aria-labelledby="alloc-h">
      <h2 id="alloc-h">{t('reg.new_order')}</h2>
      <p class="muted">{t('reg.multisig_help')}</p>
      <form onSubmit={sign}>
        <div class="form-row">
          <label>{t('reg.order_id')}<input name="order" value={order} onInput={(e) => setOrder(e.target.value)} /></label>
          <label>{t('reg.basis')}<input name="basis" value={basis} onInput={(e) => setBasis(e.target.value)} /></label>
        </div>
        <table>
          <thead><tr><th scope="col">{t('company')}</th><th scope="col">KAU-{YEAR}</th></tr></thead>
          <tbody>
            {companies.data.companies.map((c) => (
              <tr key={c.company}>
                <td>{c.name}</td>
                <td><input aria-label={t('reg.amount_for', { company: c.company })} name={'amount-' + c.company}
                           inputMode="numeric" value={amounts[c.company] || ''}
                           onInput={(e) => setAmounts({ ...amounts, [c.company]: e.target.value })} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {entries.length > 0 && !bad && <Preview client={client} body={body} />}
        <button type="submit" id="sign-order" disabled={entries.length === 0 || bad || !order}>{t('reg.sign_first')}</button>
      </form>
      <ErrorBox error={error} />
      {envelope && <Signed client={client} envelope={envelope} account={account} />}
    </section>
  );
}

function CoSign({ client, account }) {
  const [envelope, setEnvelope] = useState(null);
  const [error, setError] = useState(null);
  const [chain, setChain] = useState(null);
  async function load(text) {
    setError(null);
    setEnvelope(null);
    try {
      const env = JSON.parse(text);
      const p = JSON.parse(env.payload);
      const c = await client.chain();
      setChain(c);
      if (p.type !== TYPE) throw Object.assign(new Error(t('reg.not_order')), { code: 'envelope.wrong_type' });
      if (p.chain !== c) throw Object.assign(new Error(t('reg.wrong_chain')), { code: 'envelope.wrong_chain' });
      checkEnvelope(c, env);
      setEnvelope(env);
    } catch (err) {
      setError(err.code ? err : Object.assign(err, { code: 'envelope.malformed' }));
    }
  }
  function cosign() {
    setError(null);
    try {
      setEnvelope(addSignature(chain, envelope, state.session.key));
    } catch (err) {
      setError(err);
    }
  }
  const mine = envelope && envelope.signatures.some((s) => s.key === state.session.key.pub);
  return (
    <section aria-labelledby="cosign-h">
      <h2 id="cosign-h">{t('reg.cosign')}</h2>
      <label>{t('reg.envelope_file')}
        <input type="file" id="envelope-file" accept=".json,application/json"
               onChange={async (e) => e.target.files[0] && load(await e.target.files[0].text())} />
      </label>
      <ErrorBox error={error} />
      {envelope && (
        <div>
          <Preview client={client} body={JSON.parse(envelope.payload).body} />
          {!mine && <button type="button" id="add-signature" onClick={cosign}>{t('reg.add_signature')}</button>}
          <Signed client={client} envelope={envelope} account={account} />
        </div>
      )}
    </section>
  );
}

function Installation({ client, id }) {
  const res = useApi(client, `/v1/mrv/installations/${id}`);
  const tx = useTx();
  if (!res.data) return <tr><td colSpan="5"><Loading res={res} /></td></tr>;
  const d = res.data;
  const expiry = d.devices
    .filter((dev) => !dev.retired_on)
    .map((dev) => (dev.calibrations.length ? dev.calibrations[dev.calibrations.length - 1].expires_on : null));
  const firstExpiry = expiry.includes(null) ? null : expiry.sort()[0];
  return (
    <tr id={'inst-' + id}>
      <td><code>{id}</code></td>
      <td class="num">{d.devices.filter((dev) => !dev.retired_on).length}</td>
      <td>{firstExpiry || <Badge kind="bad">{t('reg.uncalibrated')}</Badge>}</td>
      <td>{d.plan ? t('reg.plan_rev', { revision: d.plan.revision }) : <Badge kind="warn">{t('reg.no_plan')}</Badge>}</td>
      <td>
        {d.pending ? (
          <>
            <Badge kind="warn">{t('reg.pending_rev', { revision: d.pending.revision })}</Badge>{' '}
            {d.pending.sources.map((src) => `${src.source} (tier ${src.tier}, ${src.factor_version})`).join('; ')}{' '}
            <button type="button" class="approve-plan" disabled={tx.busy}
                    onClick={() => tx.run(() => client.send('mrv.plan.approve', { installation: id, revision: d.pending.revision }))}>
              {t('reg.approve_plan')}
            </button>
          </>
        ) : '–'}
        <TxResult result={tx.result} />
      </td>
    </tr>
  );
}

function Designations({ client }) {
  const res = useApi(client, `/v1/ets/companies?year=${YEAR}`, { live: false });
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="desig-h">
      <h2 id="desig-h">{t('reg.designations', { year: YEAR })}</h2>
      <table id="designations">
        <thead><tr>
          <th scope="col">{t('company')}</th><th scope="col">{t('sector')}</th><th scope="col">{t('reg.years')}</th>
          <th scope="col" class="num">{t('overview.annual')}</th><th scope="col">{t('reg.threshold')}</th>
        </tr></thead>
        <tbody>
          {res.data.companies.map((c) => (
            <tr key={c.company}>
              <td>{c.name} <span class="muted">({c.company})</span></td><td>{c.sector}</td>
              <td>{c.from_year}–{c.to_year || ''}</td><td class="num">{groupDigits(c.annual_tco2e)}</td>
              <td>{c.meets_threshold ? <Badge kind="ok">{t('reg.meets')}</Badge> : <Badge kind="warn">{t('reg.below')}</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('reg.installations')}</h3>
      <table id="installations">
        <thead><tr>
          <th scope="col">{t('installations')}</th><th scope="col" class="num">{t('reg.meters')}</th>
          <th scope="col">{t('reg.calibrated_until')}</th><th scope="col">{t('reg.plan')}</th><th scope="col">{t('reg.pending')}</th>
        </tr></thead>
        <tbody>
          {res.data.companies.flatMap((c) => c.installations.map((i) => <Installation key={i.id} client={client} id={i.id} />))}
        </tbody>
      </table>
    </section>
  );
}

// One designated company's statement for the year once a verifier approved it: certify it
// (mrv.statement.certify), which sets the company's certified emissions in the ETS; certified
// ones stay listed, marked so.
function Certifiable({ client, company }) {
  const res = useApi(client, `/v1/mrv/companies/${company}/statements/${YEAR}`);
  const tx = useTx();
  if (!res.data || !['approved', 'certified'].includes(res.data.status)) return null;
  const s = res.data;
  const rev = s.revisions[s.revisions.length - 1];
  return (
    <tr id={'certify-' + company}>
      <td>{company}</td><td>{s.revision}</td><td class="num">{gramsToTonnes(rev.total_co2e_g)}</td>
      <td class="num">{groupDigits(rev.certified_tco2e)}</td><td>{rev.attestation && rev.attestation.by}</td>
      <td>
        {s.status === 'approved' ? (
          <button type="button" class="certify" disabled={tx.busy}
                  onClick={() => tx.run(() => client.send('mrv.statement.certify', { company, year: YEAR, revision: s.revision }))}>
            {t('reg.certify')}
          </button>
        ) : <Badge kind="ok">{t('stmt.certified')}</Badge>}
        <TxResult result={tx.result} />
      </td>
    </tr>
  );
}

function Certification({ client }) {
  const res = useApi(client, `/v1/ets/companies?year=${YEAR}`, { live: false });
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="cert-h">
      <h2 id="cert-h">{t('reg.certification', { year: YEAR })}</h2>
      <p class="muted">{t('reg.certification_help')}</p>
      <table id="certifiable">
        <thead><tr>
          <th scope="col">{t('company')}</th><th scope="col">{t('ver.revision')}</th><th scope="col" class="num">tCO2e</th>
          <th scope="col" class="num">{t('reg.to_certify')}</th><th scope="col">{t('reg.approved_by')}</th><th scope="col" />
        </tr></thead>
        <tbody>
          {res.data.companies.map((c) => <Certifiable key={c.company} client={client} company={c.company} />)}
        </tbody>
      </table>
    </section>
  );
}

// Basis points as a percentage with two decimals, integers only ("2,500" -> "25.00 %").
function pct(bps) {
  const n = Number(bps);
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')} %`;
}

// Basis points as a multiple, integers only (30,000 -> "3", 25,000 -> "2.5").
function times(bps) {
  const n = Number(bps);
  const frac = String(n % 10000).padStart(4, '0').replace(/0+$/, '');
  return frac ? `${Math.floor(n / 10000)}.${frac}` : String(n / 10000);
}

function alertKind(kind) {
  switch (kind) {
    case 'large_position': return t('alert.large_position');
    case 'price_sustained_high': return t('alert.price_sustained_high');
    case 'price_volume_surge': return t('alert.price_volume_surge');
    case 'price_fall': return t('alert.price_fall');
    default: return kind;
  }
}

function alertFigures(a) {
  const f = a.figures || {};
  const g = groupDigits;
  switch (a.kind) {
    case 'large_position':
      return t('alert.large_detail', { holding: g(f.holding), supply: g(f.supply), share: pct(f.share_bps), threshold: pct(f.threshold_bps) });
    case 'price_sustained_high':
      return t('alert.high_detail', { lowest: g(f.lowest_price), days: f.days, ratio: times(f.threshold_bps), average: g(f.average), ref: f.ref_days });
    case 'price_volume_surge':
      return t('alert.surge_detail', { price: g(f.price), average: g(f.average), volume: g(f.volume), ref_volume: g(f.ref_volume) });
    case 'price_fall':
      return t('alert.fall_detail', { price: g(f.price), fall: pct(f.threshold_bps), average: g(f.average) });
    default:
      return JSON.stringify(f);
  }
}

// The surveillance alerts the ledger raised (GET /v1/markets/alerts, the regulator's read):
// large positions at trades, the stabilization triggers at each day's close.
function Surveillance({ client }) {
  const res = useApi(client, '/v1/markets/alerts?limit=50');
  if (!res.data) return <Loading res={res} />;
  const alerts = res.data.alerts;
  return (
    <section aria-labelledby="surv-h">
      <h2 id="surv-h">{t('reg.surveillance')}</h2>
      <p class="muted">{t('reg.surveillance_help')}</p>
      {alerts.length === 0 ? <p id="no-alerts">{t('reg.no_alerts')}</p> : (
        <table id="market-alerts">
          <thead><tr>
            <th scope="col">{t('day')}</th><th scope="col">{t('mkt.market')}</th><th scope="col">{t('reg.alert')}</th>
            <th scope="col">{t('reg.account')}</th><th scope="col">{t('reg.alert_figures')}</th>
          </tr></thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.seq} id={'alert-' + a.seq} data-kind={a.kind}>
                <td>{a.day}</td><td>{a.market}</td>
                <td><Badge kind={a.kind === 'large_position' ? 'warn' : 'bad'}>{alertKind(a.kind)}</Badge></td>
                <td>{a.account || '–'}</td><td>{alertFigures(a)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Regulator({ client }) {
  if (!requireRole(['regulator'])) return <SignInFirst roles={['regulator']} />;
  const account = state.session.account;
  return (
    <div>
      <h1>{t('reg.title')}</h1>
      <Compliance client={client} />
      <Surveillance client={client} />
      <Certification client={client} />
      <Designations client={client} />
      <NewOrder client={client} account={account} />
      <CoSign client={client} account={account} />
    </div>
  );
}
