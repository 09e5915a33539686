// Yui's form pages, enhanced: focus on the error summary, questions shown and hidden as the
// answers make them apply, notes and filtered choices kept up to date, "use my location".
// Pages work without it; the server decides everything. It evaluates the trees of
// Form::client_logic() (the #yui-logic element) with yui-expr.js, on answers normalised the
// way the server reads them (docs/resident-forms.md).

document.querySelector('[data-autofocus]')?.focus();

const data = document.getElementById('yui-logic');
const form = document.querySelector('form[data-yui-form]');
if (data && form) start(JSON.parse(data.textContent), form);

const ERA = { 令和: 2018, 平成: 1988, 昭和: 1925, 大正: 1911 };
const ascii = (s) => s.replace(/[０-９．，－＋]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).trim();
const kata = (s) => s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
const pad = (n, w = 2) => String(n).padStart(w, '0');

function isoDate(p) {
  const [y0, m, d] = [p.year, p.month, p.day].map((s) => (/^\d+$/.test(ascii(s || '')) ? +ascii(s) : NaN));
  const y = (ERA[p.era] ?? 0) + y0;
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  const ok = y > 0 && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  return ok ? `${pad(y, 4)}-${pad(m)}-${pad(d)}` : '';
}

// A value as the server normalises it, or undefined for no answer.
function normal(type, v) {
  if (Array.isArray(v)) return v.length ? v : undefined;
  if (v && typeof v === 'object') {
    if (type === 'date') return isoDate(v) || undefined;
    const o = {};
    for (const [k, x] of Object.entries(v)) if (x.trim()) o[k] = type === 'name_kana' ? kata(x.trim()) : x.trim();
    return Object.keys(o).length ? o : undefined;
  }
  const s = (v ?? '').trim();
  if (!s) return undefined;
  if (type === 'integer' || type === 'decimal') {
    const n = ascii(s).replace(/,/g, '');
    return /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(n) ? Number(n) : s;
  }
  return type === 'kana' ? kata(s) : s;
}

async function start(cfg, form) {
  const expr = await import(cfg.expr);
  const fields = cfg.fields;
  const chain = (name) => {
    const out = [];
    for (let r = fields[name]?.repeat; r; r = fields[r]?.repeat) out.unshift(r);
    return out;
  };
  const pathOf = (name, rows) => chain(name).map((r, i) => `${r}[${rows[i]}].`).join('') + name;
  // `children[1].age` → { name: 'age', rows: [1] }; compound parts as `part`.
  const split = (path) => {
    const rows = [];
    let rest = path;
    for (let m; (m = /^[^[]+?\[(\d+)\]\.(.+)$/.exec(rest)); rest = m[2]) rows.push(+m[1]);
    if (fields[rest]) return { name: rest, rows };
    const dot = rest.lastIndexOf('.');
    return dot > 0 && fields[rest.slice(0, dot)] ? { name: rest.slice(0, dot), rows, part: rest.slice(dot + 1) } : null;
  };
  const holder = (ans, name, rows, create) => {
    let m = ans;
    chain(name).forEach((r, i) => {
      if (!m) return;
      if (create && !Array.isArray(m[r])) m[r] = [];
      if (create && !m[r][rows[i]]) m[r][rows[i]] = {};
      m = m[r]?.[rows[i]];
    });
    return m;
  };
  const env = (ans, name, rows, item) => ({ fields, answers: ans, current: name, row: rows, today: cfg.today, now: cfg.now, item });

  function read() {
    const ans = JSON.parse(JSON.stringify(cfg.answers || {}));
    // Repeats on this page are rebuilt from their rows' markers (`children[0]._row`).
    const reset = new Set();
    for (const m of form.querySelectorAll('input[name$="._row"]')) {
      const base = m.name.slice(0, -5);
      const rows = [...base.matchAll(/\[(\d+)\]/g)].map((x) => +x[1]);
      const repeat = base.slice(0, base.lastIndexOf('[')).split('].').pop();
      const h = holder(ans, repeat, rows, true);
      const key = `${rows.slice(0, -1)}|${repeat}`;
      if (!reset.has(key)) h[repeat] = [];
      reset.add(key);
      h[repeat][rows.at(-1)] = {};
    }
    const got = new Map();
    for (const e of form.elements) {
      if (!e.name || e.name[0] === '_' || e.type === 'file' || e.type === 'submit' || e.name.endsWith('._row')) continue;
      const at = split(e.name);
      if (!at) continue;
      const key = `${at.rows}|${at.name}`;
      const type = fields[at.name].type;
      const entry = got.get(key) ?? { ...at, type, v: type === 'select_multiple' ? [] : at.part ? {} : '' };
      got.set(key, entry);
      const on = (e.type !== 'radio' && e.type !== 'checkbox') || e.checked;
      if (!on) continue;
      if (Array.isArray(entry.v)) entry.v.push(e.value);
      else if (at.part) entry.v[at.part] = e.value;
      else entry.v = e.value;
    }
    for (const { name, rows, type, v } of got.values()) {
      const h = holder(ans, name, rows, true);
      const value = normal(type, v);
      if (value === undefined) delete h[name];
      else h[name] = value;
    }
    return ans;
  }

  const rowPaths = (ans, names) => {
    let paths = [[]];
    for (const r of names) {
      paths = paths.flatMap((p) => {
        const list = holder(ans, r, p, false)?.[r];
        return Array.isArray(list) ? list.map((_, i) => [...p, i]) : [];
      });
    }
    return paths;
  };

  function compute(ans) {
    const rel = new Map();
    for (const name of cfg.order) {
      const f = fields[name];
      for (const rows of rowPaths(ans, chain(name))) {
        const up = f.parent ? rel.get(pathOf(f.parent, rows)) !== false : true;
        const ok = up && (!f.relevant || expr.bool(expr.evaluate(f.relevant, env(ans, name, rows))));
        rel.set(pathOf(name, rows), ok);
        const h = holder(ans, name, rows, false);
        if (!h) continue;
        if (!ok && f.type !== 'group') delete h[name];
        else if (ok && f.calculation) {
          const v = expr.evaluate(f.calculation, env(ans, name, rows));
          if (v === '' || (typeof v === 'number' && !Number.isFinite(v))) delete h[name];
          else h[name] = v;
        }
      }
    }
    return rel;
  }

  function update() {
    const ans = read();
    const rel = compute(ans);
    for (const el of form.querySelectorAll('[data-path]')) {
      const shown = rel.get(el.dataset.path);
      if (shown !== undefined) el.hidden = !shown;
    }
    for (const p of form.querySelectorAll('[data-template]')) {
      const at = split(p.closest('[data-path]').dataset.path);
      p.textContent = p.dataset.template.replace(/\$\{([^}]+)\}/g, (_, ref) =>
        expr.str(expr.evaluate({ ref: ref.trim() }, env(ans, at.name, at.rows))));
    }
    for (const box of form.querySelectorAll('[data-filter]')) {
      const at = split(box.dataset.filter);
      const tree = fields[at.name]?.choice_filter;
      const items = cfg.choices?.[at.name] ?? [];
      for (const c of box.querySelectorAll('[data-choice]')) {
        const item = items.find((i) => i.name === c.dataset.choice);
        const ok = !tree || !item || expr.bool(expr.evaluate(tree, env(ans, at.name, at.rows, item)));
        c.hidden = !ok;
        if (!ok) c.querySelector('input').checked = false;
      }
    }
  }

  for (const box of form.querySelectorAll('[data-geo]')) {
    if (!navigator.geolocation) continue;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'button button-secondary button-small';
    b.textContent = box.dataset.geo;
    b.addEventListener('click', () => navigator.geolocation.getCurrentPosition((p) => {
      const [lat, lon] = box.querySelectorAll('input');
      lat.value = p.coords.latitude.toFixed(6);
      lon.value = p.coords.longitude.toFixed(6);
      update();
    }));
    box.append(b);
  }

  form.addEventListener('input', update);
  form.addEventListener('change', update);
  form.addEventListener('submit', () => {
    const shown = [...form.querySelectorAll('[data-path]')]
      .filter((el) => !el.closest('[hidden]') && !el.classList.contains('note'))
      .map((el) => el.dataset.path);
    form.elements._shown.value = shown.join(' ');
  });
  update();
}
