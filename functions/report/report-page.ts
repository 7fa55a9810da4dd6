/**
 * The run report: one self-contained HTML page (inline CSS and SVG, no script, no external asset; its Content
 * Security Policy forbids loading any). Pure: the data in, the page out.
 */
import { flatten, formatNumber, formatValue, html, safeHref, trustedMarkup, type SafeHtml } from './html.ts';
import type { CurvePoint, PromotionSummary, ReportRequest, ValidationSummary } from './schema.ts';
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
/** The data checks table shows this many issues at the most (errors first); the rest are in the validation report. */
export const MAX_ISSUE_ROWS = 20;

/** The page's stylesheet: a constant (no value of a run may go into `<style>`). */
const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}
main{max-width:980px;margin:0 auto;padding:24px 20px 48px}
header{margin-bottom:20px}
h1{font-size:26px;margin:0 0 4px}
h1 .run{font:600 18px ui-monospace,SFMono-Regular,Menlo,monospace;color:#374151}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:14px 0 6px}
.sub{color:#6b7280;margin:0}
section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:18px 20px;margin:16px 0;overflow-x:auto}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{flex:1 1 160px;background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px}
.card .k{color:#6b7280;font-size:13px}
.card .v{font-size:22px;font-weight:600}
.card .p{color:#6b7280;font-size:12px}
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
.badge{display:inline-block;border-radius:999px;padding:0 10px;font-size:13px;font-weight:600}
.badge.good{background:#dcfce7;color:#166534}
.badge.warn{background:#fef3c7;color:#92400e}
.badge.bad{background:#fee2e2;color:#991b1b}
.badge.plain{background:#e5e7eb;color:#374151}
ul.reasons{margin:0;padding-left:22px}
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

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** A measured value or limit of an issue: numbers formatted, strings as they are, nothing when absent. */
const measuredValue = (value: number | string | null | undefined) =>
  value === null || value === undefined ? '' : formatValue(value);

/** The candidate's holdout metrics, beside the production version's on the same rows when evaluate compared them. */
function metricsTable(evaluation: ReportPageData['evaluation'], metrics: [string, number][]): SafeHtml {
  const production = evaluation.production;
  if (!production) {
    return html`<table><thead><tr><th>metric</th><th class="num">value</th></tr></thead><tbody>
${metrics.map(([key, value]) => html`<tr><td>${key}</td><td class="num">${formatNumber(value)}</td></tr>`)}
</tbody></table>
${production === null ? html`<p class="note" id="no-production">Not compared with production: no other version was in production, or it reads other features.</p>` : null}`;
  }
  const theirs = (key: string) => production.metrics[key];
  return html`<table id="production-comparison"><thead><tr><th>metric</th><th class="num">this run</th><th class="num">production <code>${production.version}</code></th><th class="num">change</th></tr></thead><tbody>
${metrics.map(([key, value]) => {
  const other = theirs(key);
  return html`<tr><td>${key}</td><td class="num">${formatNumber(value)}</td><td class="num">${other === undefined ? '' : formatNumber(other)}</td><td class="num">${other === undefined ? '' : formatChange(value - other)}</td></tr>`;
})}
</tbody></table>
<p class="note">Production: version <code>${production.version}</code> of the registered model, scored on the same holdout rows.</p>`;
}

/** A difference with its sign, rounded so that float noise reads as 0. */
function formatChange(difference: number): string {
  const rounded = Math.round(difference * 1e6) / 1e6;
  return rounded > 0 ? `+${formatNumber(rounded)}` : formatNumber(rounded);
}

/** validate-dataset's verdict: its status, the issues (errors first, at most MAX_ISSUE_ROWS), the full report. */
function dataChecks(validation: ValidationSummary): SafeHtml {
  const { issues } = validation;
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  const shown = [...issues]
    .sort((a, b) => Number(b.severity === 'error') - Number(a.severity === 'error'))
    .slice(0, MAX_ISSUE_ROWS);
  const summary = issues.length
    ? `${plural(issues.length, 'issue')}: ${plural(errors, 'error')}, ${plural(issues.length - errors, 'warning')}.`
    : 'No issues.';
  return html`<p id="validation-status"><span class="badge ${validation.status === 'passed' ? 'good' : 'warn'}">${validation.status}</span> ${summary}</p>
${
  shown.length
    ? html`<table id="validation-issues"><thead><tr><th>severity</th><th>check</th><th>column</th><th>message</th><th class="num">value</th><th class="num">limit</th></tr></thead><tbody>
${shown.map((issue) => html`<tr><td><span class="badge ${issue.severity === 'error' ? 'bad' : 'warn'}">${issue.severity}</span></td><td>${issue.check}</td><td>${issue.column === undefined ? '' : html`<code>${issue.column}</code>`}</td><td>${issue.message}</td><td class="num">${measuredValue(issue.value)}</td><td class="num">${measuredValue(issue.limit)}</td></tr>`)}
</tbody></table>`
    : null
}
${issues.length > shown.length ? html`<p class="note" id="more-issues">and ${issues.length - shown.length} more in the validation report.</p>` : null}
<p class="note">Validation report: <code>${validation.report.uri}</code></p>`;
}

/** The promotion decision: where the candidate ended up, why, who approved it, what it replaced. */
function promotionDecision(promotion: PromotionSummary): SafeHtml {
  const { approval } = promotion;
  const candidate = `${promotion.modelName}@${promotion.version}`;
  let approvalNote: SafeHtml;
  if (!approval) approvalNote = html`No person's approval was asked for.`;
  else if ('expired' in approval)
    approvalNote = html`No approval came within <strong>${approval.timeout}</strong>: the wait expired.`;
  else
    approvalNote = html`${approval.approved ? 'Approved' : 'Rejected'} by <strong>${approval.by}</strong>${approval.reason ? html`: ${approval.reason}` : '.'}`;
  let previous: SafeHtml | null = null;
  if (promotion.previousProduction)
    previous = html`It replaced version <code>${promotion.previousProduction}</code> in production.`;
  else if (promotion.previousProduction === null) previous = html`No version was in production before.`;
  return html`<p id="promotion-stage">${
    promotion.promoted
      ? html`<span class="badge good">production</span> <strong>${candidate}</strong> was promoted to production.`
      : html`<span class="badge plain">staging</span> <strong>${candidate}</strong> stayed in staging.`
  }</p>
${previous ? html`<p class="note" id="previous-production">${previous}</p>` : null}
${
  promotion.policyVersion !== undefined
    ? html`<p class="note" id="promotion-policy">${
        promotion.policyVersion === 0
          ? html`Held to the default policy (the model has none stored).`
          : html`Held to the model's promotion policy, version <strong>${String(promotion.policyVersion)}</strong>.`
      }${
        (promotion.notApplied ?? []).length
          ? html` Not applied (the run cannot loosen the policy): ${(promotion.notApplied ?? []).join('; ')}.`
          : null
      }</p>`
    : null
}
<h3>Reasons</h3>
${
  promotion.reasons.length
    ? html`<ul class="reasons" id="promotion-reasons">${promotion.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>`
    : html`<p class="note">No reasons were recorded.</p>`
}
<h3>Approval</h3>
<p class="note" id="approval">${approvalNote}</p>`;
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
${cards.map(([key, value]) => {
  const theirs = evaluation.production?.metrics[key];
  return html`<div class="card"><div class="k">holdout ${key}</div><div class="v">${formatNumber(value)}</div>${theirs === undefined ? null : html`<div class="p">production ${formatNumber(theirs)}</div>`}</div>`;
})}
<div class="card"><div class="k">model</div><div class="v id">${model.name}@${model.version}</div></div>
<div class="card"><div class="k">dataset</div><div class="v id">${dataset.name}@${dataset.version}</div></div>
${data.validation ? html`<div class="card"><div class="k">data checks</div><div class="v">${data.validation.status}</div></div>` : null}
${data.promotion ? html`<div class="card"><div class="k">stage</div><div class="v">${data.promotion.promoted ? 'production' : 'staging'}</div></div>` : null}
</div>

<section id="parameters">
<h2>Parameters</h2>
${
  parameters.length
    ? html`<table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>
${parameters.map(([key, value]) => html`<tr><td><code>${key}</code></td><td>${formatValue(value)}</td></tr>`)}
</tbody></table>`
    : html`<p class="note">The pipeline ran with its defaults.</p>`
}
</section>

${
  data.validation
    ? html`<section id="data-checks">
<h2>Data checks</h2>
${dataChecks(data.validation)}
</section>`
    : null
}

<section id="metrics">
<h2>Holdout metrics</h2>
${metricsTable(evaluation, metrics)}
</section>

<section id="training-curve">
<h2>Training curve</h2>
${trainingCurve(data)}
</section>

<section id="confusion-matrix">
<h2>Confusion matrix</h2>
${
  evaluation.labels.length
    ? html`${svgConfusionMatrix({ matrix: evaluation.confusionMatrix, labels: evaluation.labels, title: `Confusion matrix of ${model.name}@${model.version} on the holdout rows` })}
<p class="note">Counts of holdout rows by true class (rows) and predicted class (columns); a cell's shade is its share of the true class's rows.</p>`
    : html`<p class="note">No classes were evaluated.</p>`
}
</section>

${
  data.promotion
    ? html`<section id="promotion">
<h2>Promotion</h2>
${promotionDecision(data.promotion)}
</section>`
    : null
}

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
${
  href
    ? html`<p class="note">Run <code>${data.runId}</code> in the Temporal UI: <a id="temporal-link" href="${href}" rel="noopener noreferrer">${href}</a></p>`
    : html`<p class="note">Run <code>${data.runId}</code>: its workflow id in Temporal.</p>`
}
</section>

<footer>Generated ${data.generatedAt} by the Baton report step.</footer>
</main>
</body>
</html>
`;
  return page.value;
}
