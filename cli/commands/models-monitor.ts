import type { Command } from '../context.ts';
import { EXIT } from '../errors.ts';
import { getModelMonitoring } from '../api/models-client.ts';
import { monitoringDetails } from '../models-monitor-format.ts';

export const modelsMonitorCommand: Command = {
  name: 'models monitor',
  synopsis: 'baton models monitor <name> [--json]',
  summary: 'what monitor-model found: the latest drift per feature, and drift and live accuracy over time',
  details: [
    'GET /models/{name}/monitoring: the latest window monitor-model checked (rows, drift verdict, PSI and KS',
    "p-value per feature, live accuracy from feedback, the HTML report's location), then every window, oldest first.",
    'Run the monitor with `baton run monitor-model --input \'{"modelName": "<name>"}\'` or put it on a schedule',
    "(`baton schedules create`); past the drift threshold it starts the retraining (BatonTrigger = 'drift').",
    '',
    'Options:',
    '  --json   print the answer as the API gives it',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  positionals: ['name'],
  async run(ctx, { values, positionals }) {
    const view = await getModelMonitoring(ctx.api, positionals[0]!);
    ctx.out(values.json === true ? JSON.stringify(view, null, 2) : monitoringDetails(view).join('\n'));
    return EXIT.ok;
  },
};
