import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MARKERS, niceTicks, svgLineChart, type ChartSeries } from './svg-line-chart.ts';

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
const curve = (n: number, f: (epoch: number) => number | null) =>
  Array.from({ length: n }, (_, i) => ({ x: i + 1, y: f(i + 1) }));
const lossAndAccuracy = (n: number): ChartSeries[] => [
  { name: 'loss', axis: 'left', color: '#dc2626', points: curve(n, (e) => 1 / e) },
  { name: 'accuracy', axis: 'right', color: '#2563eb', points: curve(n, (e) => 0.8 + e / 100) },
];

test('nice ticks are round, cover the values and keep whole steps for epochs', () => {
  assert.deepEqual(niceTicks(0.083, 0.61, 5), [0, 0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks(0.9, 0.98, 5), [0.9, 0.92, 0.94, 0.96, 0.98]);
  assert.deepEqual(niceTicks(1, 4, 8, true), [1, 2, 3, 4]);
  assert.deepEqual(niceTicks(1, 1000, 8, true), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(0.5, 0.5, 5), [0.45, 0.475, 0.5, 0.525, 0.55]);
});

test('each series is one path through all its points, with one marker per point', () => {
  const svg = svgLineChart({ title: 'Training curve', xLabel: 'epoch', series: lossAndAccuracy(4) }).value;
  assert.match(svg, /^<svg class="chart line-chart" xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const path = (name: string) =>
    new RegExp(`<path class="line" data-series="${name}" d="([^"]*)"`).exec(svg)?.[1] ?? '';
  for (const name of ['loss', 'accuracy']) {
    assert.equal(count(path(name), /[ML]/), 4, `${name}: 4 points on its path`);
    assert.equal(count(path(name), /M/), 1, `${name}: one unbroken line`);
    assert.equal(count(svg, new RegExp(`<circle class="point" data-series="${name}"`)), 4);
  }
  assert.match(svg, /<title>epoch 3: loss 0.3333<\/title>/);
  // Loss falls: its y (SVG y grows downwards) rises from the first point to the last.
  const ys = [...path('loss').matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(ys[0]! < ys[3]!, `loss points ${ys}`);
  assert.match(svg, /class="axis axis-left"/);
  assert.match(svg, /class="axis axis-right"/);
  assert.match(svg, />epoch<\/text>/);
  assert.match(svg, /accuracy \(right axis\)/);
});

test('a missing value breaks the line instead of joining across it; one epoch still draws its point', () => {
  const gap = svgLineChart({
    title: 't',
    xLabel: 'epoch',
    series: [{ name: 'loss', axis: 'left', color: '#dc2626', points: curve(5, (e) => (e === 3 ? null : e)) }],
  }).value;
  const d = /<path class="line" data-series="loss" d="([^"]*)"/.exec(gap)![1]!;
  assert.equal(count(d, /M/), 2);
  assert.equal(count(gap, /<circle class="point"/), 4);
  const single = svgLineChart({ title: 't', xLabel: 'epoch', series: lossAndAccuracy(1) }).value;
  assert.equal(count(single, /<circle class="point"/), 2);
  assert.doesNotMatch(single, /NaN|Infinity/);
});

test('labels and titles are escaped; a color that is not a hex color is not used', () => {
  const svg = svgLineChart({
    title: '<b>"t"</b>',
    xLabel: '<x>',
    series: [{ name: '<s>', axis: 'left', color: 'red" onload="x', points: curve(2, (e) => e) }],
  }).value;
  assert.doesNotMatch(svg, /<b>|<x>|<s>|onload/);
  assert.match(svg, /&lt;s&gt;/);
});

test('long curves keep the line and drop the markers', () => {
  const svg = svgLineChart({ title: 't', xLabel: 'epoch', series: lossAndAccuracy(MAX_MARKERS + 1) }).value;
  assert.equal(count(svg, /<circle /), 0);
  assert.equal(count(/<path class="line" data-series="loss" d="([^"]*)"/.exec(svg)![1]!, /[ML]/), MAX_MARKERS + 1);
});
