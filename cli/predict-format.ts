/** Output of `baton predict`: pure functions from the `predict` function's answer to lines. */
import type { Prediction } from './api/run-client.ts';
import { formatNumber, table } from './format.ts';

/** Which version served (production, or the one pinned with --version) and the request id (the key of feedback on
 * it), then one line per row. */
export function predictionLines(answer: Prediction, pinned: boolean): string[] {
  const withProbability = Array.isArray(answer.probabilities);
  const rows = answer.predictions.map((prediction, index) => {
    const row = [String(index + 1), show(prediction)];
    if (withProbability) {
      const probabilities = answer.probabilities![index] ?? [];
      row.push(probabilities.length > 0 ? formatNumber(Math.max(...probabilities)) : '-');
    }
    return row;
  });
  return [
    `${answer.model.name} ${answer.model.version} (${pinned ? 'pinned with --version' : 'production'})` +
      (answer.requestId ? `, request ${answer.requestId}` : ''),
    '',
    ...table(['ROW', 'PREDICTION', ...(withProbability ? ['PROBABILITY'] : [])], rows),
  ];
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? formatNumber(value) : JSON.stringify(value);
}
