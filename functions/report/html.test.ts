import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, flatten, formatNumber, formatValue, html, safeHref } from './html.ts';

test('every interpolated value is escaped, nested html is not escaped twice', () => {
  const evil = `<script>alert("x")</script>&'\``;
  assert.equal(escapeHtml(evil), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;');
  const cell = html`<td title="${evil}">${evil}</td>`;
  assert.equal(String(html`<tr>${cell}${[cell, 'a<b']}${null}${undefined}${3}</tr>`), `<tr>${cell}${cell}a&lt;b3</tr>`);
  assert.doesNotMatch(cell.value, /<script>/);
});

test('numbers read well: whole numbers as they are, fractions with 4 decimals, tiny and huge ones in exponents', () => {
  assert.deepEqual([114, 0.9736842105, 0.5, 1e-7, 123456789012.5, Number.NaN, -0.12345].map(formatNumber), [
    '114',
    '0.9737',
    '0.5',
    '1.000e-7',
    '1.235e+11',
    'n/a',
    '-0.1235',
  ]);
  assert.deepEqual([0.1, 'wine', null, [1, 2], true].map(formatValue), ['0.1', 'wine', 'null', '[1,2]', 'true']);
});

test('parameters flatten to dotted keys in their order; arrays and empty objects stay whole', () => {
  assert.deepEqual(
    flatten({
      dataset: 'wine',
      model: { type: 'random_forest', params: { n_estimators: 200 } },
      split: {},
      tags: ['a'],
    }),
    [
      ['dataset', 'wine'],
      ['model.type', 'random_forest'],
      ['model.params.n_estimators', 200],
      ['split', {}],
      ['tags', ['a']],
    ],
  );
});

test('only http(s) URLs and paths become links', () => {
  assert.equal(safeHref('/namespaces/default/workflows/r1'), '/namespaces/default/workflows/r1');
  assert.equal(
    safeHref('http://127.0.0.1:8233/namespaces/default/workflows/r1'),
    'http://127.0.0.1:8233/namespaces/default/workflows/r1',
  );
  for (const bad of ['javascript:alert(1)', '//evil.example/x', 'data:text/html,hi', 'not a url', undefined])
    assert.equal(safeHref(bad), undefined, String(bad));
});
