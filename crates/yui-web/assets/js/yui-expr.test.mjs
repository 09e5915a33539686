// Runs the shared expression case table against the browser evaluator:
//   node --test crates/yui-web/assets/js/yui-expr.test.mjs
// The same table is run by the Rust evaluator (crates/yui-domain/src/expr/tests.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { evaluate, numStr } from './yui-expr.js';

const table = new URL('../../../../spec/expression-cases.json', import.meta.url);
const cases = JSON.parse(readFileSync(table, 'utf8'));
const DEFAULT_CONTEXT = { today: '2024-04-01', now: '2024-04-01T10:30:00+09:00' };

const normalise = (v) => (typeof v === 'number' && !Number.isFinite(v) ? { number: numStr(v) } : v);

test('the case table has enough evaluated cases', () => {
  assert.ok(cases.filter((c) => !c.error).length >= 150);
});

for (const c of cases) {
  if (c.error) continue;
  test(c.name, () => {
    const fields = Object.fromEntries(
      Object.entries(c.fields || {}).map(([k, v]) => [k, typeof v === 'string' ? { type: v } : v]),
    );
    const env = { ...DEFAULT_CONTEXT, ...c.context, fields, answers: c.answers || {},
      current: c.current, row: c.row, item: c.item };
    const got = normalise(evaluate(c.ast, env));
    assert.deepStrictEqual(got, c.expect, `${c.expr}`);
  });
}

test('field names that are also object properties read as fields', () => {
  const env = { ...DEFAULT_CONTEXT, fields: { constructor: { type: 'text' } }, answers: {} };
  assert.equal(evaluate({ ref: 'constructor' }, env), '');
});

test('an invalid portable pattern evaluates to false rather than throwing', () => {
  const ast = { fn: 'regex', args: [{ lit: 'a' }, { lit: '(' }], re: '(' };
  assert.equal(evaluate(ast, { ...DEFAULT_CONTEXT, fields: {}, answers: {} }), false);
});
