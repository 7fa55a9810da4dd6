/**
 * An inline SVG line chart with one or two y-axes (left and right), e.g. loss and accuracy per epoch. Pure: data
 * in, markup out. Each series is one `<path class="line">` (a missing value breaks the line) plus, up to
 * `MAX_MARKERS` points, one `<circle class="point">` per value with a tooltip.
 */
import { formatNumber, html, type SafeHtml } from './html.ts';

/** One value of a series; `y: null` is a gap (not a finite number). */
export interface ChartPoint {
  x: number;
  y: number | null;
}

export interface ChartSeries {
  /** Shown in the legend, on the axis and in tooltips. */
  name: string;
  axis: 'left' | 'right';
  /** A CSS hex color. */
  color: string;
  points: readonly ChartPoint[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
  /** Whole-number x ticks only (epochs). Default true. */
  integerX?: boolean;
  /** Fixed y-domains; by default each axis spans its values, rounded out to nice ticks. */
  leftDomain?: [number, number];
  rightDomain?: [number, number];
}

/** Above this many points per series the markers are left out: the line alone stays readable. */
export const MAX_MARKERS = 200;

const MARGIN = { top: 40, right: 72, bottom: 52, left: 72 };
const HEX_COLOR = /^#[0-9a-f]{3,8}$/i;

/**
 * About `count` evenly spaced round ticks (steps of 1, 2, 2.5 or 5 × 10^k) covering [min, max]; the first and last
 * tick are the axis's ends. `integer` keeps steps whole.
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i += 1)
    ticks.push(Number((first + i * step).toFixed(decimals)));
  return ticks;
}

/** Renders the chart as an `<svg>` element. */
export function svgLineChart(options: LineChartOptions): SafeHtml {
  const width = options.width ?? 720;
  const height = options.height ?? 320;
  const plot = {
    x: MARGIN.left,
    y: MARGIN.top,
    w: width - MARGIN.left - MARGIN.right,
    h: height - MARGIN.top - MARGIN.bottom,
  };
  const series = options.series.map((s) => ({
    ...s,
    color: HEX_COLOR.test(s.color) ? s.color : '#333333',
    points: [...s.points].sort((a, b) => a.x - b.x),
  }));

  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter(Number.isFinite);
  const integerX = options.integerX ?? true;
  let xTicks = xs.length ? niceTicks(Math.min(...xs), Math.max(...xs), 8, integerX) : [0, 1];
  // One x value only (a single epoch): centre it rather than pinning it to an edge.
  if (xs.length && Math.min(...xs) === Math.max(...xs)) xTicks = [xs[0]! - 1, xs[0]!, xs[0]! + 1];
  const xDomain: [number, number] = [xTicks[0]!, xTicks.at(-1)!];

  const axis = (side: 'left' | 'right', fixed: [number, number] | undefined) => {
    const members = series.filter((s) => s.axis === side);
    if (members.length === 0) return undefined;
    const ys = members
      .flatMap((s) => s.points.map((p) => p.y))
      .filter((y): y is number => y !== null && Number.isFinite(y));
    const ticks = fixed
      ? niceTicks(fixed[0], fixed[1], 5)
      : ys.length
        ? niceTicks(Math.min(...ys), Math.max(...ys), 5)
        : [0, 1];
    const domain: [number, number] = fixed ?? [ticks[0]!, ticks.at(-1)!];
    return { side, members, domain, ticks: ticks.filter((t) => t >= domain[0] - 1e-12 && t <= domain[1] + 1e-12) };
  };
  const left = axis('left', options.leftDomain);
  const right = axis('right', options.rightDomain);

  const sx = (x: number) => plot.x + ((x - xDomain[0]) / (xDomain[1] - xDomain[0] || 1)) * plot.w;
  const syFor = (domain: [number, number]) => (y: number) =>
    plot.y + plot.h - ((y - domain[0]) / (domain[1] - domain[0] || 1)) * plot.h;
  const r = (n: number) => Number(n.toFixed(2));

  const grid = (left ?? right)?.ticks.map((t) => {
    const y = r(syFor((left ?? right)!.domain)(t));
    return html`<line class="grid" x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`;
  });

  const yAxis = (a: NonNullable<typeof left>) => {
    const sy = syFor(a.domain);
    const x = a.side === 'left' ? plot.x : plot.x + plot.w;
    const dir = a.side === 'left' ? -1 : 1;
    const color = a.members.length === 1 ? a.members[0]!.color : '#374151';
    const title = a.members.map((m) => m.name).join(', ');
    const tx = a.side === 'left' ? 18 : width - 18;
    return html`<g class="axis axis-${a.side}">
  <line x1="${x}" x2="${x}" y1="${plot.y}" y2="${plot.y + plot.h}" stroke="#9ca3af"/>
  ${a.ticks.map((t) => html`<line x1="${x}" x2="${x + 5 * dir}" y1="${r(sy(t))}" y2="${r(sy(t))}" stroke="#9ca3af"/><text x="${x + 8 * dir}" y="${r(sy(t))}" dy="0.32em" text-anchor="${a.side === 'left' ? 'end' : 'start'}">${formatNumber(t)}</text>`)}
  <text class="axis-title" x="${tx}" y="${plot.y + plot.h / 2}" fill="${color}" text-anchor="middle" transform="rotate(${a.side === 'left' ? -90 : 90} ${tx} ${plot.y + plot.h / 2})">${title}</text>
</g>`;
  };

  const xAxis = html`<g class="axis axis-x">
  <line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h}" stroke="#9ca3af"/>
  ${xTicks.map((t) => html`<line x1="${r(sx(t))}" x2="${r(sx(t))}" y1="${plot.y + plot.h}" y2="${plot.y + plot.h + 5}" stroke="#9ca3af"/><text x="${r(sx(t))}" y="${plot.y + plot.h + 18}" text-anchor="middle">${formatNumber(t)}</text>`)}
  <text class="axis-title" x="${plot.x + plot.w / 2}" y="${height - 10}" text-anchor="middle">${options.xLabel}</text>
</g>`;

  const lines = series.map((s) => {
    const a = s.axis === 'left' ? left! : right!;
    const sy = syFor(a.domain);
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y) || !Number.isFinite(p.x)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${r(sx(p.x))},${r(sy(p.y))}`;
      pen = true;
    }
    const markers =
      s.points.length <= MAX_MARKERS
        ? s.points
            .filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y))
            .map(
              (p) =>
                html`<circle class="point" data-series="${s.name}" data-x="${p.x}" cx="${r(sx(p.x))}" cy="${r(sy(p.y))}" r="3.5" fill="${s.color}"><title>${options.xLabel} ${formatNumber(p.x)}: ${s.name} ${formatNumber(p.y)}</title></circle>`,
            )
        : [];
    return html`<g class="series" data-series="${s.name}">
  <path class="line" data-series="${s.name}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>
  ${markers}
</g>`;
  });

  let legendX = plot.x;
  const legend = series.map((s) => {
    const item = html`<g class="legend-item"><line x1="${legendX}" x2="${legendX + 18}" y1="16" y2="16" stroke="${s.color}" stroke-width="3"/><text x="${legendX + 24}" y="16" dy="0.32em">${s.name}${s.axis === 'right' && left ? ' (right axis)' : ''}</text></g>`;
    legendX += 24 + 8 * (s.name.length + (s.axis === 'right' && left ? 13 : 0)) + 24;
    return item;
  });

  return html`<svg class="chart line-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${options.title}" font-family="system-ui, sans-serif" font-size="12" fill="#374151">
<title>${options.title}</title>
${grid}
${left ? yAxis(left) : null}
${right ? yAxis(right) : null}
${xAxis}
${lines}
${legend}
</svg>`;
}
