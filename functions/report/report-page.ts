/**
 * The run report: one self-contained HTML page (inline CSS and SVG, no script, no external asset; its Content
 * Security Policy forbids loading any). Pure: the data in, the page out.
 */
import { flatten, formatNumber, formatValue, html, safeHref, trustedMarkup, type SafeHtml } from './html.ts';
import type { CurvePoint, ReportRequest } from './schema.ts';
import { svgConfusionMatrix } from './svg-confusion-matrix.ts';
import { svgLineChart } from './svg-line-chart.ts';

/** What the page shows: the step's input, the curve read from its artifact, and where the run is in Temporal's UI. */
export interface ReportPageData extends Omit<ReportRequest, 'curve' | 'temporalUiPath'> {
  curve?: readonly CurvePoint[];
  /** Link to the run in the Temporal UI (absolute, or a path); absent when unknown. */
  temporalUiUrl?: string;
  /** When the report was made (ISO 8601). */
  generatedAt: string;
}

export const LOSS_COLOR = '#dc2626';
export const ACCURACY_COLOR = '#2563eb';
const HEADLINE_METRICS = ['accuracy', 'f1', 'precision', 'recall'];

/** The page's stylesheet: a constant (no value of a run may go into `<style>`). */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
header{margin-bottom:20px}
h1{font-size:26px;margin:0 0 4px}
h1 .run{font:600 18px ui-monospace,SFMono-Regular,Menlo,monospace;color:#374151}
h2{font-size:18px;margin:0 0 12px}
.sub{color:#6b7280;margin:0}
section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:18px 20px;margin:16px 0;overflow-x:auto}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{flex:1 1 160px;background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px}
.card .k{color:#6b7280;font-size:13px}
.card .v{font-size:22px;font-weight:600}
.card .v.id{font:600 15px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere;padding-top:4px}
table{border-collapse:collapse;min-width:60%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #f0f1f3;vertical-align:top}
th{color:#6b7280;font-weight:600;font-size:13px}
td.num{font-variant-numeric:tabular-nums;text-align:right}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f4f6;border-radius:4px;padding:1px 5px;word-break:break-all}
.lineage{display:flex;align-items:stretch;gap:12px;flex-wrap:wrap}
.node{flex:1 1 260px;border:1px solid #d1d5db;border-radius:8px;padding:10px 14px}
.node .kind{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.node .name{font-weight:600;font-size:16px}
.arrow{align-self:center;font-size:26px;color:#6b7280}
.note{color:#4b5563;margin:0}
svg.chart{max-width:100%;height:auto}
a{color:#1d4ed8}
footer{color:#9ca3af;font-size:12px;margin-top:24px}
`;

function metricRows(metrics: Record<string, number>): [string, number][] {
  const entries = Object.entries(metrics);
  const headline = HEADLINE_METRICS.flatMap((name) => entries.filter(([key]) => key === name));
  return [...headline, ...entries.filter(([key]) => !HEADLINE_METRICS.includes(key))];
}

function trainingCurve(data: ReportPageData): SafeHtml {
  if (!data.curve || data.curve.length === 0) {
    return html`<p class="note" id="no-curve">No per-epoch curve: this estimator (<code>${data.model.type}</code>) trains in one fit.</p>`;
  }
  const points = (key: 'loss' | 'accuracy') => data.curve!.map((p) => ({ x: p.epoch, y: p[key] }));
  const last = data.curve.at(-1)!;
  return html`${svgLineChart({
    title: `Training curve of run ${data.runId}: loss and holdout accuracy per epoch`,
    xLabel: 'epoch',
    series: [
      { name: 'loss', axis: 'left', color: LOSS_COLOR, points: points('loss') },
      { name: 'accuracy', axis: 'right', color: ACCURACY_COLOR, points: points('accuracy') },
    ],
  })}
<p class="note">${data.curve.length} epoch${data.curve.length === 1 ? '' : 's'}; after epoch ${last.epoch}: training loss ${last.loss === null ? 'n/a' : formatNumber(last.loss)}, holdout accuracy ${last.accuracy === null ? 'n/a' : formatNumber(last.accuracy)}.</p>`;
}

/** Renders the whole page. */
export function renderReport(data: ReportPageData): string {
  const { dataset, model, evaluation } = data;
  const metrics = metricRows(evaluation.metrics);
  const cards = metrics.filter(([key]) => HEADLINE_METRICS.includes(key)).slice(0, 2);
  const href = safeHref(data.temporalUiUrl);
  const parameters = flatten(data.parameters);

  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${data.pipeline} · ${data.runId} · Baton run report</title>
<style>${trustedMarkup(STYLE)}</style>
</head>
<body>
<main>
<header>
<h1>${data.pipeline} <span class="run">${data.runId}</span></h1>
<p class="sub">Baton run report · model <strong>${model.name}@${model.version}</strong> (${model.type}) trained on <strong>${dataset.name}@${dataset.version}</strong></p>
</header>

<div class="cards">
${cards.map(([key, value]) => html`<div class="card"><div class="k">holdout ${key}</div><div class="v">${formatNumber(value)}</div></div>`)}
<div class="card"><div class="k">model</div><div class="v id">${model.name}@${model.version}</div></div>
<div class="card"><div class="k">dataset</div><div class="v id">${dataset.name}@${dataset.version}</div></div>
</div>

<section id="parameters">
<h2>Parameters</h2>
${parameters.length
    ? html`<table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>
${parameters.map(([key, value]) => html`<tr><td><code>${key}</code></td><td>${formatValue(value)}</td></tr>`)}
</tbody></table>`
    : html`<p class="note">The pipeline ran with its defaults.</p>`}
</section>

<section id="metrics">
<h2>Holdout metrics</h2>
<table><thead><tr><th>metric</th><th class="num">value</th></tr></thead><tbody>
${metrics.map(([key, value]) => html`<tr><td>${key}</td><td class="num">${formatNumber(value)}</td></tr>`)}
</tbody></table>
</section>

<section id="training-curve">
<h2>Training curve</h2>
${trainingCurve(data)}
</section>

<section id="confusion-matrix">
<h2>Confusion matrix</h2>
${evaluation.labels.length
    ? html`${svgConfusionMatrix({ matrix: evaluation.confusionMatrix, labels: evaluation.labels, title: `Confusion matrix of ${model.name}@${model.version} on the holdout rows` })}
<p class="note">Counts of holdout rows by true class (rows) and predicted class (columns); a cell's shade is its share of the true class's rows.</p>`
    : html`<p class="note">No classes were evaluated.</p>`}
</section>

<section id="lineage">
<h2>Lineage</h2>
<div class="lineage">
<div class="node"><div class="kind">dataset</div><div class="name">${dataset.name}@${dataset.version}</div><code>${dataset.uri}</code></div>
<div class="arrow" aria-label="trained into">→</div>
<div class="node"><div class="kind">model · ${model.type}</div><div class="name">${model.name}@${model.version}</div><code>${model.uri}</code></div>
</div>
${Object.keys(model.params).length ? html`<p class="note">Model parameters: ${Object.entries(model.params).map(([key, value], i) => html`${i ? ', ' : ''}<code>${key}=${formatValue(value)}</code>`)}</p>` : null}
</section>

<section id="temporal">
<h2>Workflow</h2>
${href
    ? html`<p class="note">Run <code>${data.runId}</code> in the Temporal UI: <a id="temporal-link" href="${href}" rel="noopener noreferrer">${href}</a></p>`
    : html`<p class="note">Run <code>${data.runId}</code>: its workflow id in Temporal.</p>`}
</section>

<footer>Generated ${data.generatedAt} by the Baton report step.</footer>
</main>
</body>
</html>
`;
  return page.value;
}
