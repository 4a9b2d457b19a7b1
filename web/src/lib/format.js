// Number, date and amount formatting for both languages. Amounts arrive as decimal strings
// (exact integers); they are grouped without going through floating point.
export function groupDigits(s) {
  if (s === null || s === undefined) return '–';
  s = String(s);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const g = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + g + (frac ? '.' + frac : '');
}

// Grams of CO2e (integer string) as tonnes with 3 decimals, exact.
export function gramsToTonnes(g) {
  if (g === null || g === undefined) return '–';
  let s = String(g);
  const neg = s.startsWith('-');
  if (neg) s = s.slice(1);
  s = s.padStart(7, '0');
  const t = s.slice(0, -6);
  const kg = s.slice(-6, -3);
  return (neg ? '-' : '') + groupDigits(t) + '.' + kg;
}

export function time(ms, lang) {
  if (!ms) return '–';
  return new Date(Number(ms)).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-GB',
                                             { timeZone: 'Asia/Seoul', hour12: false });
}

export const short = (h, n = 10) => (h ? String(h).slice(0, n) + '…' : '–');

export function date(ms, lang) {
  if (!ms) return '–';
  return new Date(Number(ms)).toLocaleDateString(lang === 'ko' ? 'ko-KR' : 'en-GB', { timeZone: 'Asia/Seoul' });
}
