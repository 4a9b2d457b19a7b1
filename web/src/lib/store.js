// App-wide state for the dashboard, without a framework store: the language, the signed-in
// key (kept in this tab's sessionStorage only, never sent to the server), the head height the
// SSE stream last announced, and a tiny subscribe mechanism the views use to re-render.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();
export const state = {
  lang: 'en',
  session: null, // {key: {account, seed, pub}, account: {id, org, role, ...}}
  height: 0,
  lastEvent: null,
  live: false,
};

export function set(patch) {
  Object.assign(state, patch);
  for (const l of listeners) l();
}

export function useStore() {
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return state;
}

export function initialLang(stored, navigatorLanguages) {
  if (stored === 'ko' || stored === 'en') return stored;
  const first = (navigatorLanguages && navigatorLanguages[0]) || '';
  return first.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function setLang(lang) {
  try {
    localStorage.setItem('tanso.lang', lang);
  } catch { /* private mode */ }
  document.documentElement.lang = lang;
  set({ lang });
}

const SESSION_KEY = 'tanso.keyfile';

export function restoreKeyText() {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

// Keeps a key file that signed in for this tab (only after the node confirmed its account).
export function rememberKeyText(text) {
  try {
    sessionStorage.setItem(SESSION_KEY, text);
  } catch { /* private mode */ }
}

export function signOut() {
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch { /* private mode */ }
  set({ session: null });
}
