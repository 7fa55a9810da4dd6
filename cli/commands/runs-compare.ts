import { getRun } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { comparableOf, compareFields, comparison } from '../format.ts';

export const runsCompareCommand: Command = {
  name: 'runs compare',
  synopsis: 'baton runs compare <runA> <runB> [--json]',
  summary: "two runs' parameters (input) and metrics side by side, differences marked ≠",
  details: [
    'Compares the input each run was started with (all defaults filled in) and its final metrics; a row marked',
    '≠ differs between the two runs.',
    '',
    'Options:',
    "  --json   print both runs' input and metrics and the differing fields as JSON",
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: ['runA', 'runB'],
  async run(ctx, { values, positionals }) {
    const [a, b] = await Promise.all([getRun(ctx.api, positionals[0]!), getRun(ctx.api, positionals[1]!)]);
    if (values.json === true) {
      const [left, right] = [comparableOf(a), comparableOf(b)];
      const differing = (x: unknown, y: unknown) =>
        compareFields(x ?? {}, y ?? {})
          .filter((field) => field.differs)
          .map((field) => field.path);
      ctx.out(
        JSON.stringify(
          {
            a: { runId: a.runId, pipeline: a.pipeline, status: a.status, ...left },
            b: { runId: b.runId, pipeline: b.pipeline, status: b.status, ...right },
            differences: { input: differing(left.input, right.input), metrics: differing(left.metrics, right.metrics) },
          },
          null,
          2,
        ),
      );
    } else {
      ctx.out(comparison(a, b).join('\n'));
    }
    return EXIT.ok;
  },
};
