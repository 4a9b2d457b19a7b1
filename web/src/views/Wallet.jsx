// "My account" for every signed-in account that holds units — a citizen's carbon points and
// local currency first — with the account's movements and their memos. Points are the
// instruments counted in points; local currency is a municipality's won-denominated
// instrument. Citizen funds are not on the ledger yet (they come with the citizens module).
import { Card, Loading, SignInFirst, useApi } from '../components/ui.jsx';
import { groupDigits } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { state } from '../lib/store.js';

function kindOf(instr, orgs) {
  if (!instr) return 'other';
  if (instr.unit === 'point') return 'points';
  const issuer = orgs[instr.issuer];
  if (instr.unit === 'KRW' && issuer === 'municipality') return 'local';
  return 'other';
}

export function Wallet({ client }) {
  const s = state.session;
  const id = s ? s.account.id : null;
  const holdings = useApi(client, id ? `/v1/accounts/${id}/holdings` : null);
  const instruments = useApi(client, '/v1/instruments');
  const orgs = useApi(client, '/v1/orgs', { live: false });
  const history = useApi(client, id ? `/v1/accounts/${id}/history?limit=20` : null);
  if (!s) return <SignInFirst roles={['citizen', 'merchant']} />;
  for (const r of [holdings, instruments, orgs]) if (!r.data) return <Loading res={r} />;
  const byId = Object.fromEntries(instruments.data.instruments.map((i) => [i.instrument, i]));
  const roleOf = Object.fromEntries(orgs.data.orgs.map((o) => [o.org, o.role]));
  const rows = holdings.data.holdings.map((h) => ({ ...h, info: byId[h.instrument], kind: kindOf(byId[h.instrument], roleOf) }));
  const cards = rows.filter((r) => r.kind !== 'other');
  return (
    <div>
      <h1>{t(s.account.role === 'citizen' ? 'wallet.title_citizen' : 'wallet.title', { account: id })}</h1>
      {cards.length > 0 && (
        <div class="cards" id="wallet-cards">
          {cards.map((r) => (
            <Card key={r.instrument} id={'wallet-' + r.instrument} label={`${t('wallet.' + r.kind)} · ${r.info.name}`}
                  value={groupDigits(r.amount)} hint={`${r.instrument} (${r.info.unit})`} />
          ))}
        </div>
      )}
      <section aria-labelledby="wallet-all-h">
        <h2 id="wallet-all-h">{t('holdings')}</h2>
        {rows.length === 0 ? <p class="muted">{t('wallet.empty')}</p> : (
          <table id="wallet-holdings">
            <thead><tr><th scope="col">{t('instrument')}</th><th scope="col">{t('name')}</th><th scope="col" class="num">{t('amount')}</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.instrument}><td><code>{r.instrument}</code></td><td>{r.info ? r.info.name : ''}</td>
                  <td class="num">{groupDigits(r.amount)} {r.info ? r.info.unit : ''}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="wallet-hist-h">
        <h2 id="wallet-hist-h">{t('wallet.movements')}</h2>
        {!history.data ? <Loading res={history} /> : (
          <table id="wallet-history">
            <thead><tr>
              <th scope="col" class="num">{t('height')}</th><th scope="col">{t('type')}</th>
              <th scope="col">{t('wallet.counterparty')}</th><th scope="col" class="num">{t('amount')}</th>
              <th scope="col">{t('wallet.memo')}</th>
            </tr></thead>
            <tbody>
              {history.data.rows.map((r) => {
                const b = r.body || {};
                const incoming = b.to === id;
                return (
                  <tr key={r.tx_id}>
                    <td class="num"><a href={'#/explorer/tx/' + r.tx_id}>{r.height}</a></td>
                    <td><code>{r.type}</code></td>
                    <td>{incoming ? r.from : b.to || ''}</td>
                    <td class="num">{b.amount ? `${incoming ? '+' : '−'}${groupDigits(b.amount)} ${b.instrument}` : ''}</td>
                    <td>{b.memo || ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {s.account.role === 'citizen' && (
        <section aria-labelledby="wallet-fund-h">
          <h2 id="wallet-fund-h">{t('wallet.fund')}</h2>
          <p class="muted">{t('wallet.fund_none')}</p>
        </section>
      )}
    </div>
  );
}
