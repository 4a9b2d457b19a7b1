// The public view: what anyone may see without signing in — the ETS year's totals (allocated,
// certified emissions, surrendered), the designated companies, the instruments and their
// supplies, and the latest blocks as they commit.
import { ChartView } from '../components/Chart.jsx';
import { Card, Loading, useApi } from '../components/ui.jsx';
import { groupDigits, short, time } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';

const YEAR = 2026;

function Totals({ client }) {
  const res = useApi(client, `/v1/ets/years/${YEAR}/totals`);
  if (!res.data) return <Loading res={res} />;
  const d = res.data;
  const n = (s) => Number(s || 0);
  return (
    <section aria-labelledby="totals-h">
      <h2 id="totals-h">{t('overview.totals', { year: YEAR })}</h2>
      <div class="cards">
        <Card id="card-cap" label={t('overview.cap')} value={groupDigits(d.plan && d.plan.cap)} hint="tCO2e" />
        <Card id="card-allocated" label={t('overview.allocated')} value={groupDigits(d.allocated)} hint="KAU" />
        <Card id="card-emitted" label={t('overview.emitted')} value={groupDigits(d.certified_tco2e)}
              hint={t('overview.certified_of', { n: d.certified_companies, m: d.companies })} />
        <Card id="card-surrendered" label={t('overview.surrendered')}
              value={groupDigits(String(n(d.surrendered_kau) + n(d.surrendered_kcu)))}
              hint={`KAU ${groupDigits(d.surrendered_kau)} · KCU ${groupDigits(d.surrendered_kcu)}`} />
        <Card id="card-price" label={t('overview.avg_price')} value={groupDigits(d.avg_price_krw)} hint="KRW/t" />
      </div>
      <ChartView id="totals-chart" label={t('overview.chart_label', { year: YEAR })}
                 labels={[t('overview.cap'), t('overview.allocated'), t('overview.emitted'), t('overview.surrendered')]}
                 datasets={[{ label: 'tCO2e', data: [n(d.plan && d.plan.cap), n(d.allocated), n(d.certified_tco2e),
                                                     n(d.surrendered_kau) + n(d.surrendered_kcu)] }]} />
    </section>
  );
}

function Companies({ client }) {
  const res = useApi(client, `/v1/ets/companies?year=${YEAR}`);
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="companies-h">
      <h2 id="companies-h">{t('overview.companies')}</h2>
      <table>
        <thead><tr>
          <th scope="col">{t('company')}</th><th scope="col">{t('sector')}</th>
          <th scope="col" class="num">{t('overview.annual')}</th><th scope="col">{t('installations')}</th>
        </tr></thead>
        <tbody>
          {res.data.companies.map((c) => (
            <tr key={c.company}>
              <td>{c.name} <span class="muted">({c.company})</span></td>
              <td>{c.sector}</td>
              <td class="num">{groupDigits(c.annual_tco2e)}</td>
              <td>{c.installations.map((i) => i.name).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Instruments({ client }) {
  const res = useApi(client, '/v1/instruments');
  if (!res.data) return <Loading res={res} />;
  return (
    <section aria-labelledby="instr-h">
      <h2 id="instr-h">{t('overview.instruments')}</h2>
      <table>
        <thead><tr>
          <th scope="col">{t('instrument')}</th><th scope="col">{t('name')}</th>
          <th scope="col">{t('issuer')}</th><th scope="col" class="num">{t('supply')}</th>
        </tr></thead>
        <tbody>
          {res.data.instruments.map((i) => (
            <tr key={i.instrument}>
              <td><code>{i.instrument}</code></td><td>{i.name}</td><td>{i.issuer}</td>
              <td class="num">{groupDigits(i.supply)} {i.unit}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function LatestBlocks({ client, count = 8 }) {
  const res = useApi(client, '/v1/status');
  const head = res.data ? res.data.height : null;
  const blocks = useApi(client, head === null ? null
                                              : `/v1/blocks?from=${Math.max(0, head - count + 1)}&to=${head}`);
  if (!blocks.data) return <Loading res={blocks} />;
  return (
    <section aria-labelledby="blocks-h">
      <h2 id="blocks-h">{t('overview.latest_blocks')}</h2>
      <table id="latest-blocks">
        <thead><tr>
          <th scope="col" class="num">{t('height')}</th><th scope="col">{t('time')}</th>
          <th scope="col" class="num">{t('txs')}</th><th scope="col">{t('hash')}</th>
        </tr></thead>
        <tbody>
          {[...blocks.data.blocks].reverse().map((b) => (
            <tr key={b.height}>
              <td class="num"><a href={'#/explorer/block/' + b.height}>{b.height}</a></td>
              <td>{time(b.time_ms, state.lang)}</td>
              <td class="num">{b.tx_count}</td>
              <td><code>{short(b.hash, 16)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MarketSummary({ client }) {
  const res = useApi(client, '/v1/markets');
  return (
    <section aria-labelledby="market-h">
      <h2 id="market-h">{t('overview.market')}</h2>
      {!res.data ? <Loading res={res} /> : res.data.markets.length === 0 ? (
        <p class="muted">{t('overview.market_none')}</p>
      ) : (
        <table id="market-summary">
          <thead><tr>
            <th scope="col">{t('mkt.market')}</th><th scope="col" class="num">{t('mkt.last')}</th>
            <th scope="col" class="num">{t('mkt.base')}</th><th scope="col">{t('mkt.band_col')}</th><th scope="col">{t('mkt.phase')}</th>
          </tr></thead>
          <tbody>
            {res.data.markets.map((m) => (
              <tr key={m.market}>
                <td><a href="#/market">{m.market}</a></td><td class="num">{m.last ? groupDigits(m.last) : '–'}</td>
                <td class="num">{groupDigits(m.base_price)}</td><td>{groupDigits(m.band.lo)}–{groupDigits(m.band.hi)}</td>
                <td>{t('mkt.phase.' + m.phase)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Overview({ client }) {
  return (
    <div>
      <h1>{t('overview.title')}</h1>
      <p class="lead">{t('overview.lead')}</p>
      <Totals client={client} />
      <div class="two">
        <Companies client={client} />
        <Instruments client={client} />
      </div>
      <MarketSummary client={client} />
      <LatestBlocks client={client} />
    </div>
  );
}
