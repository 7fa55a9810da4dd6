import { ApiError, GatewayUnreachableError, triggerRun, waitForRun } from '../api/run-client.ts';
import type { Command } from '../context.ts';
import { EXIT, exitCodeOfRun } from '../errors.ts';
import { formatDuration, linkLines, prettyJson, StepWatcher } from '../format.ts';
import { readInput } from '../input.ts';

/** How long `--wait` keeps asking a gateway that stopped answering before it gives up. */
const LOST_GATEWAY_GRACE_MS = 60_000;

export const runCommand: Command = {
  name: 'run',
  synopsis: 'baton run <pipeline> [--input <file.json | json | ->] [--run-id <id>] [--wait] [--json]',
  summary: 'start a run of a pipeline (and follow it with --wait)',
  details: [
    'Starts a run through POST /runs. Every input field has a default: without --input the pipeline runs its',
    'default example. See the pipelines and their examples with `baton pipelines`.',
    '',
    'Options:',
    '  --input <value>   the run\'s input: a JSON file, inline JSON (\'{"dataset": "wine"}\') or - for stdin',
    "  --run-id <id>     the run's id; repeating a run id returns that run instead of starting another",
    '  --wait            follow the run: one line per step change (✓ done, … running, ↻ retrying, ✗ failed),',
    '                    then the result or the error; the exit code tells how the run ended',
    "  --json            print the API's answer (with --wait: the finished run) as JSON",
    '',
    'Exit codes: 0 started (with --wait: completed), 1 with --wait: failed, cancelled, terminated or timed out,',
    "2 bad input (the server's message names the failing fields), 3 cannot reach the stack.",
  ].join('\n'),
  options: {
    input: { type: 'string' },
    'run-id': { type: 'string' },
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: ['pipeline'],
  async run(ctx, { values, positionals }) {
    const pipeline = positionals[0]!;
    const input = typeof values.input === 'string' ? await readInput(values.input, ctx.cwd, ctx.readStdin) : undefined;
    const runId = typeof values['run-id'] === 'string' ? values['run-id'] : undefined;
    const json = values.json === true;
    const started = await triggerRun(ctx.api, {
      pipeline,
      ...(input !== undefined ? { input } : {}),
      ...(runId ? { runId } : {}),
    });

    if (values.wait !== true) {
      if (json) {
        ctx.out(JSON.stringify(started, null, 2));
        return EXIT.ok;
      }
      ctx.out(started.runId);
      ctx.err(
        [
          `${started.status === 'running' ? 'started' : `already ${started.status}:`} ${started.pipeline} run ${started.runId}`,
          `follow it   baton runs show ${started.runId}`,
          ...linkLines(started.links),
        ].join('\n'),
      );
      return EXIT.ok;
    }

    if (!json) ctx.err(`run ${started.runId} of ${started.pipeline} (${started.status})`);
    const watcher = new StepWatcher();
    let lostSince: number | undefined;
    const stopFollowing = ctx.onInterrupt(() => {
      ctx.err(
        `\nstopped following; the run goes on: baton runs show ${started.runId}   (cancel it: baton runs cancel ${started.runId})`,
      );
    });
    try {
      const began = Date.now();
      const run = await waitForRun(ctx.api, started.runId, {
        timeoutMs: Infinity,
        intervalMs: 500,
        onPoll: (view) => {
          lostSince = undefined;
          if (!json) for (const line of watcher.changes(view)) ctx.out(line);
        },
        giveUpOn: (error) => {
          if (error instanceof ApiError && error.fromApi && error.status < 500) return true;
          if (!(error instanceof GatewayUnreachableError || error instanceof ApiError)) return true;
          if (lostSince === undefined) {
            lostSince = Date.now();
            ctx.err(`lost the gateway (${error.message}); asking again for ${LOST_GATEWAY_GRACE_MS / 1000} s…`);
          }
          return Date.now() - lostSince > LOST_GATEWAY_GRACE_MS;
        },
      });
      if (json) {
        ctx.out(JSON.stringify(run, null, 2));
        return exitCodeOfRun(run.status);
      }
      const took = formatDuration(
        run.closedAt ? Date.parse(run.closedAt) - Date.parse(run.startedAt) : Date.now() - began,
      );
      if (run.status === 'completed') {
        ctx.out(`✓ ${run.runId} completed in ${took}`);
        if (run.result !== undefined) ctx.out(['result', ...prettyJson(run.result)].join('\n'));
      } else {
        ctx.out(
          `✗ ${run.runId} ${run.status.replace('_', ' ')} after ${took}${run.error ? `: ${run.error.message}` : ''}`,
        );
      }
      ctx.out(linkLines(run.links).join('\n'));
      return exitCodeOfRun(run.status);
    } finally {
      stopFollowing();
    }
  },
};
