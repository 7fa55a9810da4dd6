import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batonSearchAttributes } from '../workflows/search-attributes.ts';
import { allocatePort } from '../deploy/local/ports.ts';
import { ApiError, GatewayUnreachableError } from './api/run-client.ts';
import { SEARCH_ATTRIBUTES_HELP } from './commands/runs-list.ts';
import { describeFailure, EXIT } from './errors.ts';
import { runCliCaptured as cli, startFakeGateway } from './testing.ts';

test('help exits 0; no or an unknown command prints the usage and exits 2', async () => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const { code, out } = await cli(argv);
    assert.equal(code, EXIT.ok, argv.join(' '));
    assert.match(out, /^baton: start and inspect Baton pipeline runs/);
    assert.match(out, /baton runs list \[--where <query>\]/);
  }
  const runsHelp = await cli(['runs', '--help']);
  assert.equal(runsHelp.code, EXIT.ok);
  assert.match(runsHelp.out, /baton runs compare <runA> <runB>/);
  assert.match((await cli(['runs', 'show', '--help'])).out, /^Usage: baton runs show <runId> \[--json\]/);

  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, EXIT.usage);
  assert.match(unknown.err, /^baton: unknown command "frobnicate"\n\nbaton: start and inspect/);
  assert.equal((await cli([])).code, EXIT.usage);
  const group = await cli(['runs', 'frob']);
  assert.equal(group.code, EXIT.usage);
  assert.match(group.err, /unknown command "runs frob"[\s\S]*baton runs list/);
});

test("a usage error names the problem and the command's synopsis, and exits 2", async () => {
  const { code, err } = await cli(['runs', 'show']);
  assert.equal(code, EXIT.usage);
  assert.equal(err, 'baton: missing <runId>\nusage: baton runs show <runId> [--json]\n(see baton runs show --help)');
  assert.equal((await cli(['runs', 'list', '--limit', '5000'])).code, EXIT.usage);
  assert.equal((await cli(['run', 'p', '--input', '{oops'])).code, EXIT.usage);
});

test('nothing listening at the gateway: exit 3 and how to start the stack', async () => {
  const url = `http://127.0.0.1:${await allocatePort()}`;
  const { code, err } = await cli(['runs', 'list'], { BATON_GATEWAY_URL: url });
  assert.equal(code, EXIT.unreachable);
  assert.equal(
    err,
    `baton: no Baton gateway at ${url} (connection refused): start it with \`npm start\` (or set BATON_GATEWAY_URL / --gateway)`,
  );
});

test("the server's 400 is shown with its failing fields (exit 2); a gateway without a ready orchestrator exits 3", async () => {
  const gateway = await startFakeGateway(({ method, url }) => {
    if (method === 'POST' && url === '/function/baton/runs') {
      return {
        status: 400,
        body: {
          error: {
            message: 'invalid input for pipeline "train-classifier"',
            issues: [{ path: 'input.split.testSize', message: 'Too big: expected number to be <1' }],
          },
        },
      };
    }
    if (url.startsWith('/function/baton/runs?')) {
      return {
        status: 400,
        body: {
          error: {
            message: 'invalid query: malformed SQL query: syntax error at position 44',
            query: 'BatonPipeline ==',
          },
        },
      };
    }
    return { status: 503, text: 'No endpoints available for: baton.' };
  });
  try {
    const bad = await cli([
      'run',
      'train-classifier',
      '--input',
      '{"split": {"testSize": 2}}',
      '--gateway',
      gateway.url,
    ]);
    assert.equal(bad.code, EXIT.usage);
    assert.equal(
      bad.err,
      'baton: invalid input for pipeline "train-classifier"\n  input.split.testSize: Too big: expected number to be <1',
    );
    const query = await cli(['runs', 'list', '--where', 'BatonPipeline ==', '--gateway', gateway.url]);
    assert.equal(query.code, EXIT.usage);
    assert.match(
      query.err,
      /^baton: invalid query: malformed SQL query: syntax error at position 44\n {2}in: BatonPipeline ==\n {2}Baton's search attributes/,
    );
    const notReady = await cli(['pipelines', '--gateway', gateway.url]);
    assert.equal(notReady.code, EXIT.unreachable);
    assert.match(
      notReady.err,
      /answered 503 \(No endpoints available for: baton\.\): the Baton orchestrator is not running or not ready yet/,
    );
  } finally {
    await gateway.close();
  }
});

test('failures map to exit codes: 4xx from the API 2, unreachable or unhealthy stack 3, anything else 1', () => {
  assert.equal(describeFailure(new ApiError('GET /runs/x', 404, 'no run "x"'), 'http://gw').exitCode, EXIT.usage);
  assert.equal(
    describeFailure(new ApiError('POST /runs/x/cancel', 409, 'run "x" is already completed'), 'http://gw').message,
    'run "x" is already completed',
  );
  assert.equal(describeFailure(new ApiError('GET /runs', 500, 'boom'), 'http://gw').exitCode, EXIT.unreachable);
  const noBaton = describeFailure(
    new ApiError('GET /pipelines', 404, 'error finding function baton', [], false),
    'http://gw',
  );
  assert.equal(noBaton.exitCode, EXIT.unreachable);
  assert.match(noBaton.message, /has no "baton" function: is this a Baton gateway\?/);
  assert.equal(
    describeFailure(new GatewayUnreachableError('http://gw', 'ENOTFOUND'), 'http://gw').message,
    'no Baton gateway at http://gw (unknown host): start it with `npm start` (or set BATON_GATEWAY_URL / --gateway)',
  );
  assert.equal(describeFailure(new Error('bug'), 'http://gw').exitCode, EXIT.runFailed);
});

test('the --where help names every Baton search attribute', () => {
  for (const key of Object.values(batonSearchAttributes))
    assert.match(SEARCH_ATTRIBUTES_HELP, new RegExp(`\\b${key.name}\\b`), key.name);
});
