// The dashboard's shell: language, sign-in state, navigation by role, hash routes, and the
// live SSE stream (/v1/events) that makes every view re-read after a block commits.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { createClient } from './lib/api.js';
import { t } from './lib/i18n.js';
import { initialLang, rememberKeyText, restoreKeyText, set, setLang, signOut, state, useStore } from './lib/store.js';
import { parseKeyFile } from './lib/tanso.js';
import { ApiDocs } from './views/ApiDocs.jsx';
import { Company } from './views/Company.jsx';
import { Explorer } from './views/Explorer.jsx';
import { Market } from './views/Market.jsx';
import { Overview } from './views/Overview.jsx';
import { Regulator } from './views/Regulator.jsx';
import { SignIn, signInWith } from './views/SignIn.jsx';
import { Verifier } from './views/Verifier.jsx';
import { Wallet } from './views/Wallet.jsx';
import './style.css';

const client = createClient(() => state.session);

function parseRoute() {
  if (location.pathname.replace(/\/+$/, '') === '/docs') return ['docs'];
  return (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const f = () => {
      setRoute(parseRoute());
      const main = document.getElementById('main');
      if (main) main.focus();
    };
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);
  return route;
}

// One EventSource for the app; `block` events move the head height, which views watch.
function startEvents() {
  if (typeof EventSource === 'undefined') return;
  const es = new EventSource('/v1/events');
  es.addEventListener('open', () => set({ live: true }));
  es.addEventListener('error', () => set({ live: false }));
  es.addEventListener('block', (e) => {
    try {
      const h = JSON.parse(e.data);
      set({ height: h.height, lastEvent: Date.now(), live: true });
    } catch { /* ignore a malformed event */ }
  });
}

async function keyTextSignIn(text) {
  const account = await signInWith(client, parseKeyFile(text));
  rememberKeyText(text);
  return account;
}

const NAV = [
  { id: 'overview', roles: null },
  { id: 'company', roles: ['company'] },
  { id: 'market', roles: null },
  { id: 'regulator', roles: ['regulator'] },
  { id: 'verifier', roles: ['verifier', 'regulator'] },
  { id: 'wallet', roles: ['citizen', 'merchant', 'municipality', 'bank', 'exchange', 'certifier', 'focal_point'] },
  { id: 'explorer', roles: null },
];

function App() {
  const st = useStore();
  const route = useRoute();
  const role = st.session && st.session.account.role;
  const view = route[0];
  let body;
  if (view === 'company') body = <Company client={client} />;
  else if (view === 'regulator') body = <Regulator client={client} />;
  else if (view === 'verifier') body = <Verifier client={client} />;
  else if (view === 'wallet') body = <Wallet client={client} />;
  else if (view === 'market') body = <Market client={client} />;
  else if (view === 'explorer') body = <Explorer client={client} route={route} />;
  else if (view === 'signin') body = <SignIn client={client} onKeyText={(txt) => keyTextSignIn(txt)} />;
  else if (view === 'docs') body = <ApiDocs />;
  else body = <Overview client={client} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>{t('skip')}</a>
      <header>
        <a class="brand" href="#/">{t('brand')}</a>
        <nav aria-label={t('nav.label')}>
          <ul>
            {NAV.filter((n) => !n.roles || (role && n.roles.includes(role))).map((n) => (
              <li key={n.id}><a href={'#/' + n.id} aria-current={view === n.id ? 'page' : undefined}>{t('nav.' + n.id)}</a></li>
            ))}
            <li><a href="/docs" aria-current={view === 'docs' ? 'page' : undefined}>{t('nav.docs')}</a></li>
          </ul>
        </nav>
        <div class="tools">
          <span class={'live ' + (st.live ? 'on' : 'off')} id="live" title={t(st.live ? 'live.on' : 'live.off')}>
            {t(st.live ? 'live.on' : 'live.off')} · #{st.height}
          </span>
          <button type="button" id="lang" onClick={() => setLang(st.lang === 'ko' ? 'en' : 'ko')}
                  lang={st.lang === 'ko' ? 'en' : 'ko'}>{st.lang === 'ko' ? 'English' : '한국어'}</button>
          {st.session ? (
            <span class="who">
              <a href="#/signin" id="who">{st.session.account.id}</a>{' '}
              <button type="button" id="sign-out" onClick={() => { signOut(); location.hash = '#/'; }}>{t('signin.out')}</button>
            </span>
          ) : <a class="button" href="#/signin" id="sign-in">{t('signin.title')}</a>}
        </div>
      </header>
      <main id="main" tabIndex="-1">{body}</main>
      <footer><span>{t('footer')}</span></footer>
    </>
  );
}

async function boot() {
  let stored = null;
  try {
    stored = localStorage.getItem('tanso.lang');
  } catch { /* private mode */ }
  const lang = initialLang(stored, navigator.languages || [navigator.language]);
  document.documentElement.lang = lang;
  set({ lang });
  try {
    const s = await client.get('/v1/status', { anonymous: true });
    set({ height: s.height });
  } catch { /* the views show the error */ }
  const keyText = restoreKeyText();
  if (keyText) {
    try {
      await signInWith(client, parseKeyFile(keyText));
    } catch {
      signOut();
    }
  }
  render(<App />, document.getElementById('app'));
  startEvents();
}

boot();
