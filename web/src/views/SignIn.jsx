// Signing in = choosing a key file (as `tanso keygen` or the demo writes it). The file is read
// and parsed here; the private key stays in this tab (sessionStorage) and signs in the browser.
// The node is asked only for the account's public record, to learn its role.
import { useState } from 'preact/hooks';
import { ErrorBox } from '../components/ui.jsx';
import { t } from '../lib/i18n.js';
import { set, signOut, state } from '../lib/store.js';

export const HOME = { company: '#/company', regulator: '#/regulator', verifier: '#/verifier' };
const WALLET_ROLES = ['citizen', 'merchant', 'municipality', 'bank', 'exchange', 'certifier', 'focal_point'];

export async function signInWith(client, key) {
  const account = await client.get(`/v1/accounts/${encodeURIComponent(key.account)}`, { anonymous: true });
  const active = account.keys.some((k) => k.key === key.pub && k.status === 'active');
  if (!active)
    throw Object.assign(new Error(t('signin.key_not_active', { account: key.account })), { code: 'key.not_active' });
  set({ session: { key, account } });
  return account;
}

export function SignIn({ client, onKeyText }) {
  const [error, setError] = useState(null);
  const [text, setText] = useState('');
  async function use(txt) {
    setError(null);
    try {
      const account = await onKeyText(txt);
      location.hash = HOME[account.role] || (WALLET_ROLES.includes(account.role) ? '#/wallet' : '#/');
    } catch (err) {
      setError(err);
    }
  }
  const s = state.session;
  return (
    <div class="signin">
      <h1>{t('signin.title')}</h1>
      <p>{t('signin.lead')}</p>
      {s && (
        <p class="notice" id="signed-in-as">
          {t('signin.as', { account: s.account.id, role: t('role.' + s.account.role) })}{' '}
          <button type="button" onClick={signOut}>{t('signin.out')}</button>
        </p>
      )}
      <label>{t('signin.file')}
        <input type="file" id="key-file" accept=".json,application/json"
               onChange={async (e) => e.target.files[0] && use(await e.target.files[0].text())} />
      </label>
      <details>
        <summary>{t('signin.paste')}</summary>
        <label>{t('signin.paste_label')}
          <textarea id="key-text" rows="6" value={text} onInput={(e) => setText(e.target.value)} spellcheck={false} />
        </label>
        <button type="button" onClick={() => use(text)} disabled={!text.trim()}>{t('signin.use')}</button>
      </details>
      <ErrorBox error={error && { code: error.code, message: error.code ? t('err.' + error.code, {}, error.message) : error.message }} />
      <p class="muted">{t('signin.privacy')}</p>
    </div>
  );
}
