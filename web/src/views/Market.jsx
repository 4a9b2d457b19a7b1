// The market view: for everyone, each market's book depth (price levels and sizes, never who),
// the latest trades and the price chart; for a signed-in participant, an order form (signed in
// the browser, market.order.place) and its own orders with a cancel button. What a participant
// sees of others is exactly what the public routes answer.
import { useState } from 'preact/hooks';
import { ChartView } from '../components/Chart.jsx';
import { Badge, Card, Loading, TxResult, useApi, useTx } from '../components/ui.jsx';
import { groupDigits, time } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';

const TRADERS = ['company', 'bank', 'municipality', 'exchange'];

function Depth({ depth }) {
  const rows = (side, list) => list.map((l) => (
    <tr key={side + l.price} class={'depth-' + side}>
      <td>{t('mkt.' + side)}</td><td class="num">{groupDigits(l.price)}</td>
      <td class="num">{groupDigits(l.qty)}</td><td class="num">{l.orders}</td>
    </tr>
  ));
  return (
    <table id="depth">
      <caption>{t('mkt.depth')}</caption>
      <thead><tr><th scope="col">{t('mkt.side')}</th><th scope="col" class="num">{t('mkt.price')}</th>
        <th scope="col" class="num">{t('mkt.qty')}</th><th scope="col" class="num">{t('mkt.orders')}</th></tr></thead>
      <tbody>
        {rows('sell', [...depth.asks].reverse())}
        {rows('buy', depth.bids)}
      </tbody>
    </table>
  );
}

function Trades({ client, market }) {
  const res = useApi(client, `/v1/markets/${market}/trades?limit=50`);
  if (!res.data) return <Loading res={res} />;
  const trades = res.data.trades;
  const ordered = [...trades].reverse();
  return (
    <section aria-labelledby="trades-h">
      <h2 id="trades-h">{t('mkt.trades')}</h2>
      {trades.length === 0 ? <p class="muted">{t('mkt.no_trades')}</p> : (
        <>
          <ChartView id="price-chart" type="line" unit="KRW/t" zero={false} label={t('mkt.chart_label', { market })}
                     labels={ordered.map((x) => '#' + x.id)}
                     datasets={[{ label: t('mkt.price'), data: ordered.map((x) => Number(x.price)) }]} />
          <table id="trades">
            <thead><tr><th scope="col">{t('time')}</th><th scope="col" class="num">{t('mkt.price')}</th>
              <th scope="col" class="num">{t('mkt.qty')}</th><th scope="col">{t('mkt.kind')}</th></tr></thead>
            <tbody>
              {trades.slice(0, 15).map((x) => (
                <tr key={x.id}><td>{time(x.t, state.lang)}</td><td class="num">{groupDigits(x.price)}</td>
                  <td class="num">{groupDigits(x.qty)}</td><td>{x.kind}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function OrderForm({ client, market, band }) {
  const [side, setSide] = useState('buy');
  const [price, setPrice] = useState('');
  const [qty, setQty] = useState('');
  const tx = useTx();
  const digits = (s) => s.replace(/[,\s_]/g, '');
  const ok = /^[1-9][0-9]{0,11}$/.test(digits(price)) && /^[1-9][0-9]{0,6}$/.test(digits(qty));
  function submit(e) {
    e.preventDefault();
    tx.run(() => client.send('market.order.place',
                             { market, side, price: Number(digits(price)), qty: Number(digits(qty)) }));
  }
  return (
    <section aria-labelledby="order-h">
      <h2 id="order-h">{t('mkt.place')}</h2>
      <p class="muted">{t('mkt.band', { lo: groupDigits(band.lo), hi: groupDigits(band.hi) })}</p>
      <form onSubmit={submit} class="form-row">
        <fieldset>
          <legend>{t('mkt.side')}</legend>
          <label class="inline"><input type="radio" name="side" value="buy" checked={side === 'buy'} onChange={() => setSide('buy')} /> {t('mkt.buy')}</label>
          <label class="inline"><input type="radio" name="side" value="sell" checked={side === 'sell'} onChange={() => setSide('sell')} /> {t('mkt.sell')}</label>
        </fieldset>
        <label>{t('mkt.price_krw')}<input name="price" inputMode="numeric" value={price} onInput={(e) => setPrice(e.target.value)} /></label>
        <label>{t('mkt.qty_t')}<input name="qty" inputMode="numeric" value={qty} onInput={(e) => setQty(e.target.value)} /></label>
        <button type="submit" id="place-order" disabled={!ok || tx.busy}>{t('mkt.sign_order')}</button>
      </form>
      <TxResult result={tx.result} />
    </section>
  );
}

function Cancel({ client, market, order }) {
  const tx = useTx();
  if (tx.result && tx.result.ok && tx.result.ok.code === 'ok') return <Badge kind="neutral">{t('mkt.cancelled')}</Badge>;
  return (
    <>
      <button type="button" class="cancel-order" disabled={tx.busy}
              onClick={() => tx.run(() => client.send('market.order.cancel', { market, order }))}>{t('mkt.cancel')}</button>
      <TxResult result={tx.result} />
    </>
  );
}

export function MyOrders({ client, market }) {
  const res = useApi(client, `/v1/markets/${market}/orders?limit=20`);
  if (!res.data) return <Loading res={res} />;
  const orders = res.data.orders;
  return (
    <section aria-labelledby="myorders-h">
      <h2 id="myorders-h">{t('mkt.my_orders')}</h2>
      {orders.length === 0 ? <p class="muted">{t('mkt.no_orders')}</p> : (
        <table id="my-orders">
          <thead><tr><th scope="col" class="num">#</th><th scope="col">{t('mkt.side')}</th>
            <th scope="col" class="num">{t('mkt.price')}</th><th scope="col" class="num">{t('mkt.open')}</th>
            <th scope="col" class="num">{t('mkt.filled')}</th><th scope="col">{t('status')}</th><th scope="col" /></tr></thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.id} id={'order-' + o.id}>
                <td class="num">{o.id}</td><td>{t('mkt.' + o.side)}</td><td class="num">{groupDigits(o.price)}</td>
                <td class="num">{groupDigits(o.open)}</td><td class="num">{groupDigits(o.filled)}</td>
                <td>{t('mkt.status.' + o.status)}</td>
                <td>{o.status === 'open' && <Cancel client={client} market={market} order={o.id} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function MyFills({ client, market }) {
  const res = useApi(client, `/v1/markets/${market}/fills?limit=20`);
  if (!res.data) return <Loading res={res} />;
  const fills = res.data.fills;
  return (
    <section aria-labelledby="fills-h">
      <h2 id="fills-h">{t('mkt.my_fills', { market })}</h2>
      {fills.length === 0 ? <p class="muted">{t('mkt.no_fills')}</p> : (
        <table id="my-fills">
          <thead><tr><th scope="col">{t('time')}</th><th scope="col">{t('mkt.side')}</th>
            <th scope="col" class="num">{t('mkt.price')}</th><th scope="col" class="num">{t('mkt.qty')}</th>
            <th scope="col" class="num">{t('mkt.order')}</th></tr></thead>
          <tbody>
            {fills.map((f) => (
              <tr key={f.id + f.side}><td>{time(f.t, state.lang)}</td><td>{t('mkt.' + f.side)}</td>
                <td class="num">{groupDigits(f.price)}</td><td class="num">{groupDigits(f.qty)}</td><td class="num">{f.order}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OneMarket({ client, m }) {
  const depth = useApi(client, `/v1/markets/${m.market}/depth?levels=10`);
  const role = state.session && state.session.account.role;
  return (
    <div>
      <div class="cards">
        <Card id="mkt-last" label={t('mkt.last')} value={m.last ? groupDigits(m.last) : '–'} hint="KRW/t" />
        <Card label={t('mkt.base')} value={groupDigits(m.base_price)} hint={`${t('mkt.tick')} ${m.tick}`} />
        <Card label={t('mkt.phase')} value={t('mkt.phase.' + m.phase)} hint={m.date} />
      </div>
      <div class="two">
        <section aria-labelledby="book-h">
          <h2 id="book-h">{t('mkt.book')}</h2>
          {depth.data ? <Depth depth={depth.data} /> : <Loading res={depth} />}
          {depth.data && depth.data.indicative && (
            <p>{t('mkt.indicative', { price: groupDigits(depth.data.indicative.price), qty: groupDigits(depth.data.indicative.volume) })}</p>
          )}
        </section>
        <Trades client={client} market={m.market} />
      </div>
      {role && TRADERS.includes(role) && (
        <div class="two">
          <OrderForm client={client} market={m.market} band={m.band} />
          <MyOrders client={client} market={m.market} />
        </div>
      )}
      {!state.session && <p class="notice">{t('mkt.sign_in_to_trade')}</p>}
    </div>
  );
}

export function Market({ client }) {
  const res = useApi(client, '/v1/markets');
  const [pick, setPick] = useState(null);
  if (!res.data) return <Loading res={res} />;
  const markets = res.data.markets;
  const m = markets.find((x) => x.market === pick) || markets[0];
  return (
    <div>
      <h1>{t('mkt.title')}</h1>
      {markets.length === 0 ? <p class="muted">{t('overview.market_none')}</p> : (
        <>
          {markets.length > 1 && (
            <label>{t('mkt.choose')}
              <select value={m.market} onChange={(e) => setPick(e.target.value)}>
                {markets.map((x) => <option key={x.market} value={x.market}>{x.market}</option>)}
              </select>
            </label>
          )}
          <h2 class="market-name">{m.market} / {m.cash}</h2>
          <OneMarket client={client} m={m} />
        </>
      )}
    </div>
  );
}
