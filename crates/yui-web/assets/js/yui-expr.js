// Yui's browser evaluator of expression trees (docs/expressions.md) for live show/hide and
// calculations; the server stays the authority. spec/expression-cases.json keeps it identical
// to the Rust evaluator. Answers must be normalised (full-width digits converted etc.).

const WS = '[ \\t\\r\\n]';
const trim = (s) => s.replace(new RegExp(`^${WS}+|${WS}+$`, 'g'), '');
const tokens = (s) => s.split(new RegExp(WS)).filter((t) => t !== '');
const DAY = 864e5;
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const DAYS = 'Sun Mon Tue Wed Thu Fri Sat'.split(' ');
const NAME = ['family', 'given'];
const KEYS = { name: NAME, name_kana: NAME, address: ['postal_code', 'address', 'building'],
  geopoint: ['lat', 'lon'], file: ['name'], image: ['name'] };
const MATH = { int: Math.trunc, floor: Math.floor, ceiling: Math.ceil, abs: Math.abs };
const regexes = new Map();

const isSet = (v) => typeof v === 'object' && v !== null;
// Own properties only: a field named `constructor` is not Object's.
const get = (o, k) => (isSet(o) && Object.hasOwn(o, k) ? o[k] : undefined);

export const numStr = (n) => (n === 0 ? '0' : String(n));

export function str(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numStr(v);
  if (typeof v === 'boolean') return String(v);
  return v.s.length ? str(v.s[0]) : '';
}

export function num(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isSet(v)) return v.s.length ? num(v.s[0]) : NaN;
  const t = trim(v);
  if (/^-?(\d+(\.\d*)?|\.\d+)$/.test(t)) return parseFloat(t);
  const p = parts(t) ?? { d: 0, s: clock(t) ?? NaN };
  return p.d + p.s / 86400;
}

// JavaScript truthiness is XPath's boolean() for strings, numbers and booleans.
export const bool = (v) => (isSet(v) ? v.s.length > 0 : !!v);

// YYYY-MM-DD as days since 1970-01-01, or null.
function ymd(t) {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(t);
  if (!m || +m[1] === 0) return null;
  const [d, mo, day] = [new Date(0), m[2] - 1, +m[3]];
  d.setUTCFullYear(+m[1], mo, day);
  return d.getUTCMonth() === mo && d.getUTCDate() === day ? Math.round(d.getTime() / DAY) : null;
}

// HH:MM[:SS[.fff]] as seconds, or null.
function clock(t) {
  const m = /^(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?$/.exec(t);
  if (!m) return null;
  const s = (m[3] ? +m[3] : 0) + (m[4] ? parseFloat(m[4]) : 0);
  if (+m[1] > 23 || +m[2] > 59 || s >= 60) return null;
  return +m[1] * 3600 + +m[2] * 60 + s;
}

// A date with optional wall-clock time (zone ignored): {d: days, s: seconds}.
function parts(t) {
  if (t.length < 10) return null;
  const d = ymd(t.slice(0, 10));
  if (d === null) return null;
  if (t.length === 10) return { d, s: 0 };
  if (t[10] !== 'T' && t[10] !== ' ') return null;
  let rest = t.slice(11);
  if (rest.endsWith('Z')) rest = rest.slice(0, -1);
  else if (rest.length > 6 && '+-'.includes(rest[rest.length - 6])) {
    if (!/^[+-]\d\d:\d\d$/.test(rest.slice(-6))) return null;
    rest = rest.slice(0, -6);
  }
  const s = clock(rest);
  return s === null ? null : { d, s };
}

function dayParts(days) {
  const d = Math.floor(days);
  return dateOf(d) === '' ? null : { d, s: Math.round((days - d) * 864e5) / 1000 };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

function dateOf(days) {
  if (!Number.isFinite(days) || Math.abs(days) > 3e6) return '';
  const t = new Date(Math.floor(days) * DAY);
  const y = t.getUTCFullYear();
  if (y < 1 || y > 9999) return '';
  return `${pad(y, 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

function formatDate(p, f) {
  const t = new Date(p.d * DAY);
  const ms = Math.max(0, Math.round(p.s * 1000));
  const h = Math.floor(ms / 36e5) % 24;
  const mo = t.getUTCMonth();
  const codes = {
    Y: pad(t.getUTCFullYear(), 4), y: pad(t.getUTCFullYear() % 100), m: pad(mo + 1),
    n: String(mo + 1), b: MONTHS[mo], d: pad(t.getUTCDate()), e: String(t.getUTCDate()),
    a: DAYS[t.getUTCDay()], H: pad(h), h: String(h), M: pad(Math.floor(ms / 6e4) % 60),
    S: pad(Math.floor(ms / 1000) % 60), 3: pad(ms % 1000, 3), '%': '%',
  };
  return f.replace(/%([\s\S]?)/gu, (all, c) => (c === '' ? '%' : codes[c] ?? all));
}

function round(x, places) {
  if (Number.isNaN(places)) return NaN;
  if (!Number.isFinite(x)) return x;
  const r = (y) => Math.sign(y) * Math.round(Math.abs(y));
  const p = Math.trunc(places);
  if (p === 0) return r(x);
  if (Math.abs(p) > 15) return p > 0 ? x : 0 * Math.sign(x);
  let f = 1;
  for (let i = 0; i < Math.abs(p); i++) f *= 10;
  return p > 0 ? r(x * f) / f : r(x / f) * f;
}

const clampIndex = (n, len) => (Number.isNaN(n) || n <= 0 ? 0 : Math.min(Math.trunc(n), len));

function equals(a, b) {
  if (typeof a === 'boolean' || typeof b === 'boolean') return bool(a) === bool(b);
  if (typeof a === 'number' || typeof b === 'number') return num(a) === num(b);
  return str(a) === str(b);
}

// How a normalised answer reads in an expression.
function jsonValue(type, v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return type === 'yes_no' || type === 'consent' ? (v ? 'yes' : 'no') : v;
  if (typeof v !== 'object') return v;
  const items = Array.isArray(v) ? v : (KEYS[type] || []).map((k) => v[k]);
  return items.map((x) => (typeof x === 'number' ? numStr(x) : typeof x === 'string' ? x : ''))
    .filter((x) => x !== '').join(' ');
}

/** Evaluates a tree to a string, number or boolean. env = { fields: {name: {type, repeat}},
 * answers, current, row: [indexes], today, now, item } */
export function evaluate(ast, env) {
  const fields = env.fields || {};
  const rows = env.row === undefined ? [] : [].concat(env.row);
  const type = (name) => get(get(fields, name), 'type');
  const parent = (name) => get(get(fields, name), 'repeat');
  const chain = (name) => {
    const out = [];
    for (let r = parent(name); r; r = parent(r)) out.unshift(r);
    return out;
  };
  const context = env.current ? chain(env.current) : [];
  const rowOf = (names, at) => {
    let m = env.answers || {};
    for (let i = 0; i < names.length; i++) {
      const list = get(m, names[i]);
      m = Array.isArray(list) ? list[at[i]] : undefined;
      if (!isSet(m) || Array.isArray(m)) return null;
    }
    return m;
  };
  const count = (name, at) => {
    const list = get(rowOf(chain(name), at), name);
    return Array.isArray(list) ? list.length : 0;
  };
  const value = (name, at) => jsonValue(type(name), get(rowOf(chain(name), at), name));
  // Values (for repeats: rows) of `name` in all rows below the shared context.
  const gather = (name, names, at, out) => {
    if (at.length === names.length) {
      if (type(name) === 'repeat') out.push(...Array(count(name, at)).fill(''));
      else out.push(value(name, at));
      return out;
    }
    for (let i = 0; i < count(names[at.length], at); i++) gather(name, names, [...at, i], out);
    return out;
  };
  const ref = (name) => {
    const names = chain(name);
    let shared = 0;
    while (shared < names.length && names[shared] === context[shared]) shared++;
    if (shared === names.length && type(name) !== 'repeat') return value(name, rows);
    return { s: gather(name, names, rows.slice(0, shared), []) };
  };
  const flat = (args) => args.flatMap((a) => { const v = ev(a); return isSet(v) ? v.s : [v]; });
  const cur = () => (env.current ? value(env.current, rows) : '');

  function ev(n) {
    if ('num' in n) return n.num;
    if ('lit' in n) return n.lit;
    if ('ref' in n) return ref(n.ref);
    if ('dot' in n) return cur();
    if ('prop' in n) return jsonValue('text', get(env.item, n.prop));
    if ('neg' in n) return -num(ev(n.neg));
    if ('op' in n) {
      const { op } = n;
      if (op === 'or') return bool(ev(n.a)) || bool(ev(n.b));
      if (op === 'and') return bool(ev(n.a)) && bool(ev(n.b));
      if (op === '=' || op === '!=') return equals(ev(n.a), ev(n.b)) === (op === '=');
      const x = num(ev(n.a));
      const y = num(ev(n.b));
      return {
        '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y, '+': x + y, '-': x - y,
        '*': x * y, div: x / y, mod: x % y,
      }[op];
    }
    return call(n.fn, n.args, n);
  }

  function call(fn, a, n) {
    const s = (i) => str(ev(a[i]));
    const x = (i) => num(ev(a[i]));
    const one = () => (a.length ? ev(a[0]) : cur());
    switch (fn) {
      case 'not': case 'boolean': return bool(ev(a[0])) === (fn === 'boolean');
      case 'true': case 'false': return fn === 'true';
      case 'boolean-from-string': return /^(true|1)$/i.test(trim(s(0)));
      case 'if': return bool(ev(a[0])) ? ev(a[1]) : ev(a[2]);
      case 'coalesce':
        for (const arg of a) { const v = ev(arg); if (str(v) !== '') return v; }
        return '';
      case 'selected': { const list = s(0); return tokens(list).includes(trim(s(1))); }
      case 'count-selected': return tokens(s(0)).length;
      case 'selected-at': {
        const [list, i] = [s(0), x(1)];
        return Number.isNaN(i) || i < 0 || i > 1e9 ? '' : tokens(list)[Math.trunc(i)] ?? '';
      }
      case 'regex': {
        const subject = s(0);
        if (!regexes.has(n.re)) {
          try { regexes.set(n.re, new RegExp(n.re, 'u')); } catch { regexes.set(n.re, null); }
        }
        return regexes.get(n.re)?.test(subject) ?? false;
      }
      case 'contains': return s(0).includes(s(1));
      case 'starts-with': return s(0).startsWith(s(1));
      case 'ends-with': return s(0).endsWith(s(1));
      case 'string-length': return [...str(one())].length;
      case 'concat': return a.map((_, i) => s(i)).join('');
      case 'substr': {
        const chars = [...s(0)];
        const from = clampIndex(x(1), chars.length);
        const to = a.length > 2 ? clampIndex(x(2), chars.length) : chars.length;
        return to <= from ? '' : chars.slice(from, to).join('');
      }
      case 'substring-before':
      case 'substring-after': {
        const [h, w] = [s(0), s(1)];
        const i = h.indexOf(w);
        if (fn === 'substring-after') return w === '' ? h : i < 0 ? '' : h.slice(i + w.length);
        return w === '' || i < 0 ? '' : h.slice(0, i);
      }
      case 'translate': {
        const [t, from, to] = [[...s(0)], [...s(1)], [...s(2)]];
        return t.map((c) => { const i = from.indexOf(c); return i < 0 ? c : to[i] ?? ''; }).join('');
      }
      case 'normalize-space': return tokens(str(one())).join(' ');
      case 'string': return str(one());
      case 'number': return num(one());
      case 'today': return env.today;
      case 'now': return env.now;
      case 'date': {
        const v = ev(a[0]);
        if (typeof v === 'string') { const p = parts(trim(v)); if (p) return dateOf(p.d); }
        return dateOf(num(v));
      }
      case 'decimal-date-time': return x(0);
      case 'format-date':
      case 'format-date-time': {
        const v = ev(a[0]);
        const [p, f] = [typeof v === 'string' ? parts(trim(v)) : dayParts(num(v)), s(1)];
        return p ? formatDate(p, f) : '';
      }
      case 'round': return round(x(0), a.length > 1 ? x(1) : 0);
      case 'int': case 'floor': case 'ceiling': case 'abs': return MATH[fn](x(0));
      case 'pow': {
        const [b, e] = [x(0), x(1)];
        return Number.isNaN(e) || (Math.abs(b) === 1 && !Number.isFinite(e)) ? NaN : b ** e;
      }
      case 'min':
      case 'max': {
        const ns = flat(a).map(num);
        return ns.length === 0 || ns.some(Number.isNaN) ? NaN : Math[fn](...ns);
      }
      case 'sum': return flat(a).reduce((t, v) => t + num(v), 0);
      case 'count': return flat(a).length;
      case 'count-non-empty': return flat(a).filter((v) => str(v) !== '').length;
      case 'join': { const sep = s(0); return flat(a.slice(1)).map(str).join(sep); }
      case 'position': {
        const d = a.length && 'ref' in a[0] ? context.indexOf(a[0].ref) : context.length - 1;
        return d >= 0 && d < rows.length ? rows[d] + 1 : NaN;
      }
      default: return '';
    }
  }

  return ev(ast);
}
