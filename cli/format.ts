/** Output formatting: pure functions from API answers to lines, so they are unit-tested without a stack. */
import type { PipelineInfo, RunSummary } from './api/run-client.ts';
import type { RunView, StepView } from '../functions/baton/api/run-view.ts';

/** The mark of a step status: ✓ done, … in flight, ↻ retrying, ✗ failed/timed out/cancelled, · not yet. */
export function stepMark(status: StepView['status']): string {
  switch (status) {
    case 'completed':
      return '✓';
    case 'scheduled':
    case 'running':
      return '…';
    case 'retrying':
      return '↻';
    case 'failed':
    case 'timed_out':
    case 'cancelled':
      return '✗';
    default:
      return '·';
  }
}

/** 850 ms, 1.2 s, 2m 05s, 1h 02m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `2026-01-01 12:00:03` in the given (default: local) time zone. */
export function formatTime(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
}

/** A metric for people: at most 4 decimals. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
}

/** `loss=0.31 accuracy=0.82` */
export function formatMetrics(metrics: Record<string, unknown> | undefined): string {
  return Object.entries(metrics ?? {})
    .map(([name, value]) => `${name}=${typeof value === 'number' ? formatNumber(value) : JSON.stringify(value)}`)
    .join(' ');
}

/** A long step's progress: `epoch 12 · 40% · loss=0.2 accuracy=0.9 · resumed after epoch 9`. */
export function formatProgress(progress: NonNullable<StepView['progress']>): string {
  return [
    progress.epoch !== undefined ? `epoch ${progress.epoch}` : undefined,
    `${Math.round(progress.fraction * 100)}%`,
    formatMetrics(progress.metrics) || undefined,
    progress.resumedFromEpoch !== undefined ? `resumed after epoch ${progress.resumedFromEpoch}` : undefined,
    progress.message,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** One line per step: mark, name, duration or state, attempt, then progress, metrics or the error. */
export function stepLine(step: StepView, nameWidth: number): string {
  const inFlight = ['scheduled', 'running', 'retrying'].includes(step.status);
  const state =
    step.durationMs !== undefined && !inFlight ? formatDuration(step.durationMs) : step.status.replace('_', ' ');
  const parts = [`${stepMark(step.status)} ${step.name.padEnd(nameWidth)}  ${state.padEnd(9)}`];
  if (step.attempt > 0) parts.push(`attempt ${step.attempt}`);
  if (step.status !== 'completed' && step.durationMs !== undefined && !inFlight)
    parts.push(step.status.replace('_', ' '));
  if (step.progress && inFlight) parts.push(formatProgress(step.progress));
  if (step.metrics && step.status === 'completed') parts.push(formatMetrics(step.metrics));
  if (step.error) parts.push(step.status === 'retrying' ? `last error: ${step.error}` : step.error);
  return parts.filter(Boolean).join('  ').trimEnd();
}

/**
 * Follows a run's steps: `changes(run)` answers one line per step whose state changed since the last call —
 * status (scheduled and running count as one), attempt, and for long steps the epoch or each tenth of the work.
 */
export class StepWatcher {
  private readonly seen = new Map<string, string>();

  changes(run: RunView): string[] {
    const width = Math.max(0, ...run.steps.map((step) => step.name.length));
    const lines: string[] = [];
    for (const step of run.steps) {
      if (step.status === 'pending') continue;
      const key = stepKey(step);
      if (this.seen.get(step.name) === key) continue;
      this.seen.set(step.name, key);
      lines.push(stepLine(step, width));
    }
    return lines;
  }
}

function stepKey(step: StepView): string {
  const phase = step.status === 'scheduled' ? 'running' : step.status;
  const progress =
    step.progress && phase === 'running' ? (step.progress.epoch ?? Math.floor(step.progress.fraction * 10)) : '';
  return `${phase}/${step.attempt}/${progress}`;
}

/** Left-aligned columns, two spaces apart, with a header row. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** The `runs list` table. */
export function runsTable(runs: readonly RunSummary[], timeZone?: string): string[] {
  return table(
    ['RUN ID', 'PIPELINE', 'STATUS', 'STARTED', 'ACCURACY', 'MODEL VERSION'],
    runs.map((run) => [
      run.runId,
      run.pipeline,
      run.status === 'running' && run.step ? `running (${run.step})` : run.status.replace('_', ' '),
      formatTime(run.startedAt, timeZone),
      run.accuracy !== undefined ? formatNumber(run.accuracy) : '-',
      run.modelVersion ?? '-',
    ]),
  );
}

/** JSON for people, indented by `indent` spaces. */
export function prettyJson(value: unknown, indent = 2): string[] {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `${' '.repeat(indent)}${line}`);
}

/** `runs show`: the run, its step timeline, its result or error, and where to see it in the Temporal UI. */
export function runDetails(run: RunView, timeZone?: string): string[] {
  const width = Math.max(0, ...run.steps.map((step) => step.name.length));
  const elapsed = run.closedAt ? ` (${formatDuration(Date.parse(run.closedAt) - Date.parse(run.startedAt))})` : '';
  const lines = [
    `run       ${run.runId}`,
    `pipeline  ${run.pipeline}`,
    `status    ${run.status.replace('_', ' ')}`,
    `started   ${formatTime(run.startedAt, timeZone)}`,
    ...(run.closedAt ? [`closed    ${formatTime(run.closedAt, timeZone)}${elapsed}`] : []),
    '',
    'steps',
    ...run.steps.map((step) => `  ${stepLine(step, width)}`),
  ];
  if (run.result !== undefined) lines.push('', 'result', ...prettyJson(run.result));
  if (run.error) lines.push('', `error${run.error.type ? ` (${run.error.type})` : ''}`, `  ${run.error.message}`);
  lines.push('', ...linkLines(run.links));
  return lines;
}

/** `API  …` and `Temporal UI  …` lines. */
export function linkLines(links: RunView['links']): string[] {
  return [`API          ${links.self}`, ...(links.temporalUi ? [`Temporal UI  ${links.temporalUi}`] : [])];
}

/** One compared field: its dotted path, both values (undefined when absent), and whether they differ. */
export interface ComparedField {
  path: string;
  a: unknown;
  b: unknown;
  differs: boolean;
}

/**
 * Compares two values field by field, walking both objects together: keys in `a`'s order, then keys only `b`
 * has; nested objects become dotted paths (`model.params.n_estimators`), arrays and scalars are compared whole.
 */
export function compareFields(a: unknown, b: unknown, prefix = ''): ComparedField[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  const nonEmpty = (value: unknown) => isObject(value) && Object.keys(value).length > 0;
  const walk =
    (isObject(a) || a === undefined) && (isObject(b) || b === undefined) && (nonEmpty(a) || nonEmpty(b) || !prefix);
  if (!walk) return [{ path: prefix, a, b, differs: JSON.stringify(a) !== JSON.stringify(b) }];
  const left = (a ?? {}) as Record<string, unknown>;
  const right = (b ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  return keys.flatMap((key) => compareFields(left[key], right[key], prefix ? `${prefix}.${key}` : key));
}

/** What a run is compared on: its input (memo) and its final metrics (memo, else the result's `metrics`). */
export function comparableOf(run: RunView): { input: unknown; metrics: Record<string, unknown> | undefined } {
  const resultMetrics = (run.result as { metrics?: unknown } | undefined)?.metrics;
  const metrics =
    run.metrics ??
    (resultMetrics && typeof resultMetrics === 'object' && !Array.isArray(resultMetrics)
      ? (resultMetrics as Record<string, unknown>)
      : undefined);
  return { input: run.input, metrics };
}

/** `runs compare`: parameters and metrics side by side; `≠` marks a row whose values differ. */
export function comparison(a: RunView, b: RunView): string[] {
  const left = comparableOf(a);
  const right = comparableOf(b);
  const show = (value: unknown) =>
    value === undefined
      ? '-'
      : typeof value === 'string'
        ? value
        : typeof value === 'number'
          ? formatNumber(value)
          : JSON.stringify(value);
  const section = (title: string, x: unknown, y: unknown): { rows: string[][]; differences: number } => {
    if (x === undefined && y === undefined)
      return { rows: [[' ', title, '(not recorded)', '(not recorded)']], differences: 0 };
    const fields = compareFields(x ?? {}, y ?? {});
    return {
      rows: [
        [' ', title, '', ''],
        ...fields.map((field) => [field.differs ? '≠' : ' ', `  ${field.path}`, show(field.a), show(field.b)]),
      ],
      differences: fields.filter((field) => field.differs).length,
    };
  };
  const input = section('input', left.input, right.input);
  const metrics = section('metrics', left.metrics, right.metrics);
  const header = [
    [' ', 'run', a.runId, b.runId],
    [a.pipeline !== b.pipeline ? '≠' : ' ', 'pipeline', a.pipeline, b.pipeline],
    [a.status !== b.status ? '≠' : ' ', 'status', a.status, b.status],
  ];
  const lines = table(['', '', 'A', 'B'], [...header, ...input.rows, ...metrics.rows]).slice(1);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  lines.push(
    '',
    `${count(input.differences, 'difference')} in input, ${count(metrics.differences, 'difference')} in metrics`,
  );
  return lines;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `baton pipelines`: a pipeline, its steps and each example as a command to run. */
export function pipelineLines(pipeline: PipelineInfo, index: number): string[] {
  const width = Math.max(0, ...Object.keys(pipeline.examples).map((name) => name.length));
  return [
    ...(index > 0 ? [''] : []),
    `${pipeline.name}  ${pipeline.description}`,
    `  steps     ${pipeline.steps.map((step) => step.name).join(' → ')}`,
    ...Object.entries(pipeline.examples).map(
      ([name, input], i) =>
        `  ${i === 0 ? 'examples' : '        '}  ${name.padEnd(width)}  baton run ${pipeline.name}${exampleInput(input)}`,
    ),
  ];
}

function exampleInput(input: unknown): string {
  const isEmpty = input !== null && typeof input === 'object' && Object.keys(input).length === 0;
  return isEmpty ? '' : ` --input ${shellQuote(JSON.stringify(input))}`;
}
