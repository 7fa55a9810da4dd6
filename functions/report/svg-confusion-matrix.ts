/**
 * A confusion matrix as an inline SVG heat-map: rows are the true classes, columns the predicted ones, each cell
 * shows its count and is shaded by its share of the row (the recall of that class on the diagonal), so a small
 * class reads as well as a big one. Pure: data in, markup out.
 */
import { html, type SafeHtml } from './html.ts';

export interface ConfusionMatrixOptions {
  /** `matrix[i][j]`: rows of true class i predicted as class j. */
  matrix: readonly (readonly number[])[];
  labels: readonly (string | number)[];
  title?: string;
}

const LOW = [244, 246, 251];
const HIGH = [30, 64, 175];
/** Labels longer than this are cut on the axes (the cell tooltips keep them whole). */
const MAX_LABEL_CHARS = 14;

/** The fill of a cell holding `share` (0..1) of its row. */
export function cellColor(share: number): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0));
  const channel = (i: number) =>
    Math.round(LOW[i]! + (HIGH[i]! - LOW[i]!) * t)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

function shortLabel(label: string | number): string {
  const text = String(label);
  return text.length > MAX_LABEL_CHARS ? `${text.slice(0, MAX_LABEL_CHARS - 1)}…` : text;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** Renders the matrix as an `<svg>` element: one `<g class="cell">` per (true, predicted) pair. */
export function svgConfusionMatrix(options: ConfusionMatrixOptions): SafeHtml {
  const { matrix, labels } = options;
  const n = labels.length;
  const cell = Math.max(24, Math.min(64, Math.floor(440 / Math.max(1, n))));
  const longest = Math.max(1, ...labels.map((l) => shortLabel(l).length));
  const left = 40 + Math.min(MAX_LABEL_CHARS, longest) * 7.5;
  const top = 56;
  const width = left + n * cell + 16;
  const height = top + n * cell + 16;
  const fontSize = cell >= 40 ? 13 : 10;

  const cells = matrix.flatMap((row, i) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return row.map((count, j) => {
      const share = total > 0 ? count / total : 0;
      const x = left + j * cell;
      const y = top + i * cell;
      return html`<g class="cell${i === j ? ' diagonal' : ''}" data-row="${i}" data-col="${j}" data-count="${count}">
  <rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${cellColor(share)}" stroke="${i === j ? '#1e3a8a' : '#ffffff'}" stroke-width="${i === j ? 1.5 : 1}"/>
  <text x="${x + cell / 2}" y="${y + cell / 2}" dy="0.35em" text-anchor="middle" font-size="${fontSize}" fill="${share > 0.55 ? '#ffffff' : '#111827'}">${count}</text>
  <title>true ${labels[i]} → predicted ${labels[j]}: ${count} (${percent(share)} of ${labels[i]})</title>
</g>`;
    });
  });

  const columnLabels = labels.map(
    (label, j) =>
      html`<text class="col-label" x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${shortLabel(label)}</text>`,
  );
  const rowLabels = labels.map(
    (label, i) =>
      html`<text class="row-label" x="${left - 8}" y="${top + i * cell + cell / 2}" dy="0.35em" text-anchor="end">${shortLabel(label)}</text>`,
  );
  const title = options.title ?? 'Confusion matrix';

  return html`<svg class="chart confusion-matrix" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${title}" font-family="system-ui, sans-serif" font-size="12" fill="#374151">
<title>${title}</title>
<text class="axis-title" x="${left + (n * cell) / 2}" y="20" text-anchor="middle" font-weight="600">predicted class</text>
<text class="axis-title" x="14" y="${top + (n * cell) / 2}" text-anchor="middle" font-weight="600" transform="rotate(-90 14 ${top + (n * cell) / 2})">true class</text>
${columnLabels}
${rowLabels}
${cells}
</svg>`;
}
