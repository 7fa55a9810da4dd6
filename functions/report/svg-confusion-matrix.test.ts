import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellColor, svgConfusionMatrix } from './svg-confusion-matrix.ts';

const cells = (svg: string) =>
  [...svg.matchAll(/<g class="cell[^"]*" data-row="(\d+)" data-col="(\d+)" data-count="(\d+)">/g)].map((m) =>
    m.slice(1).map(Number),
  );

test('one cell per (true, predicted) pair, each with its count', () => {
  const matrix = [
    [40, 2, 0],
    [1, 35, 4],
    [0, 3, 29],
  ];
  const svg = svgConfusionMatrix({ matrix, labels: ['setosa', 'versicolor', 'virginica'] }).value;
  assert.equal(cells(svg).length, 9);
  assert.deepEqual(
    cells(svg).map(([, , c]) => c),
    matrix.flat(),
  );
  assert.equal(svg.match(/class="cell diagonal"/g)?.length, 3);
  assert.match(svg, /<text[^>]*>35<\/text>/);
  assert.match(svg, /<title>true versicolor → predicted virginica: 4 \(10% of versicolor\)<\/title>/);
  for (const label of ['setosa', 'versicolor', 'virginica']) {
    assert.match(svg, new RegExp(`class="row-label"[^>]*>${label}<`));
    assert.match(svg, new RegExp(`class="col-label"[^>]*>${label}<`));
  }
  assert.match(svg, />predicted class</);
  assert.match(svg, />true class</);
});

test('cells are shaded by their share of the row; an empty row stays light', () => {
  assert.equal(cellColor(0), '#f4f6fb');
  assert.equal(cellColor(1), '#1e40af');
  const svg = svgConfusionMatrix({
    matrix: [
      [10, 0],
      [0, 0],
    ],
    labels: [0, 1],
  }).value;
  assert.match(svg, /data-row="0" data-col="0" data-count="10">\s*<rect [^>]*fill="#1e40af"/);
  assert.match(svg, /data-row="1" data-col="1" data-count="0">\s*<rect [^>]*fill="#f4f6fb"/);
});

test('labels are escaped, and long ones cut on the axes but whole in the tooltips', () => {
  const long = 'a-very-long-class-name-indeed';
  const svg = svgConfusionMatrix({
    matrix: [
      [1, 0],
      [0, 1],
    ],
    labels: ['<img src=x>', long],
  }).value;
  assert.doesNotMatch(svg, /<img/);
  assert.match(svg, /&lt;img src=x&gt;/);
  assert.match(svg, />a-very-long-c…</);
  assert.match(svg, new RegExp(`predicted ${long}: 1`));
});
