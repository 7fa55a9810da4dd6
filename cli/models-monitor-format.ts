/** `baton models monitor`'s text: the latest window's verdict and drift per feature, then drift and accuracy over time. */
import type { MonitoringView } from './api/models-client.ts';

const pValue = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
const figure = (value: number | null, digits = 3) => (value === null ? '-' : value.toFixed(digits));

/** The lines printed for a model's monitoring view. */
export function monitoringDetails(view: MonitoringView): string[] {
  const { latest } = view;
  if (!latest)
    return [
      `model       ${view.name}`,
      'monitoring  none yet: run the monitor-model pipeline (baton run monitor-model --input \'{"modelName": "' +
        `${view.name}"}'), or put it on a schedule`,
    ];
  const lines = [
    `model       ${view.name} (version ${latest.model.version})`,
    `window      ${latest.window.start} → ${latest.window.end}, ${latest.samples} rows`,
    `drift       ${latest.drift.detected ? 'DETECTED' : 'none'} (largest PSI ${figure(latest.drift.value)}): ${latest.drift.reason}`,
    `accuracy    live ${figure(latest.accuracy.live)} on ${latest.accuracy.labeled} labeled rows, holdout ${figure(latest.accuracy.holdout)}`,
    `report      ${latest.report} (GET /models/${view.name}/monitoring/report serves it)`,
    '',
    'FEATURE                          PSI   KS p-value  DRIFTED',
    ...latest.features.map((f) =>
      `${f.feature.padEnd(28).slice(0, 28)} ${figure(f.psi).padStart(7)} ${pValue(f.ksPValue).padStart(12)}  ${f.drifted ? 'yes' : ''}`.trimEnd(),
    ),
  ];
  if (latest.predictionsPsi !== null)
    lines.push(`${'(predicted classes)'.padEnd(28)} ${figure(latest.predictionsPsi).padStart(7)}`);
  lines.push(
    '',
    'WINDOW END              VERSION       ROWS   DRIFT  DETECTED  LIVE ACCURACY',
    ...view.history.map(
      (point) =>
        `${point.windowEnd.padEnd(23)} ${point.version.padEnd(12)} ${String(point.samples).padStart(6)} ${figure(point.drift).padStart(7)}  ${(point.detected ? 'yes' : 'no').padEnd(8)}  ${point.liveAccuracy === null ? '-' : `${point.liveAccuracy.toFixed(3)} (${point.labeled})`}`,
    ),
  );
  if (view.unreadable.length > 0) lines.push('', `unreadable summaries left out: ${view.unreadable.join(', ')}`);
  return lines;
}
