import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GATEWAY,
  gatewayUrl,
  integerOption,
  parseCommandArgs,
  splitCommand,
  type CommandSpec,
} from './args.ts';
import { UsageError } from './errors.ts';

const groups = ['runs'];
const run: CommandSpec = {
  name: 'run',
  options: { input: { type: 'string' }, wait: { type: 'boolean' } },
  positionals: ['pipeline'],
};
const compare: CommandSpec = { name: 'runs compare', options: {}, positionals: ['runA', 'runB'] };

test('the command words are found wherever the common options stand', () => {
  assert.deepEqual(splitCommand(['run', 'train', '--wait'], groups), { name: 'run', rest: ['train', '--wait'] });
  assert.deepEqual(splitCommand(['runs', 'list', '--limit', '5'], groups), {
    name: 'runs list',
    rest: ['--limit', '5'],
  });
  assert.deepEqual(splitCommand(['--gateway', 'http://gw:1', 'runs', 'show', 'r1'], groups), {
    name: 'runs show',
    rest: ['--gateway', 'http://gw:1', 'r1'],
  });
  assert.deepEqual(splitCommand(['--gateway=http://gw:1', 'pipelines'], groups), {
    name: 'pipelines',
    rest: ['--gateway=http://gw:1'],
  });
  assert.deepEqual(splitCommand(['runs', '--help'], groups), { name: 'runs', rest: ['--help'] });
  assert.deepEqual(splitCommand(['--help'], groups), { name: undefined, rest: ['--help'] });
  assert.deepEqual(splitCommand([], groups), { name: undefined, rest: [] });
});

test("a command's arguments are parsed strictly, with the common options anywhere", () => {
  const parsed = parseCommandArgs(
    run,
    ['train-classifier', '--input', '{"failures": 0}', '--wait', '--gateway', 'http://gw:9/'],
    {},
  );
  assert.deepEqual(parsed.positionals, ['train-classifier']);
  assert.equal(parsed.values.input, '{"failures": 0}');
  assert.equal(parsed.values.wait, true);
  assert.equal(parsed.gateway, 'http://gw:9', 'no trailing slash');
  assert.equal(parseCommandArgs(run, ['-h'], {}).help, true, 'help needs no positionals');
});

test('usage errors say what is wrong in a few words and name the command', () => {
  const cases: [CommandSpec, string[], RegExp][] = [
    [run, [], /^missing <pipeline>$/],
    [compare, ['a'], /^missing <runB>$/],
    [compare, ['a', 'b', 'c'], /^unexpected argument "c"$/],
    [run, ['p', '--frob'], /^unknown option --frob$/],
    [run, ['p', '--input'], /^option --input needs a value$/],
    [run, ['p', '--input', '-x'], /^option --input needs a value \(one that starts with "-" goes as --input=-…\)$/],
    [run, ['p', '--wait=yes'], /^option --wait takes no value$/],
  ];
  for (const [spec, args, message] of cases) {
    assert.throws(
      () => parseCommandArgs(spec, args, {}),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, message, args.join(' '));
        assert.equal(error.command, spec.name);
        return true;
      },
    );
  }
});

test('the gateway comes from --gateway, else BATON_GATEWAY_URL, else the local default', () => {
  assert.equal(gatewayUrl(undefined, {}), DEFAULT_GATEWAY);
  assert.equal(gatewayUrl(undefined, { BATON_GATEWAY_URL: 'http://env:1/' }), 'http://env:1');
  assert.equal(gatewayUrl('https://flag:2', { BATON_GATEWAY_URL: 'http://env:1' }), 'https://flag:2');
  assert.throws(
    () => gatewayUrl(undefined, { BATON_GATEWAY_URL: 'localhost' }),
    /BATON_GATEWAY_URL "localhost" is not a URL: give one like http:\/\/127\.0\.0\.1:8080/,
  );
  assert.throws(() => gatewayUrl('ftp://x', {}), /--gateway "ftp:\/\/x" is not an http\(s\) URL/);
});

test('integer options are whole numbers within bounds', () => {
  assert.equal(integerOption('20', 'limit', 1, 1000, 'runs list'), 20);
  assert.equal(integerOption(undefined, 'limit', 1, 1000, 'runs list'), undefined);
  for (const bad of ['0', '1001', '2.5', 'ten', '-3']) {
    assert.throws(
      () => integerOption(bad, 'limit', 1, 1000, 'runs list'),
      new RegExp(`--limit must be a whole number from 1 to 1000, not "${bad}"`),
    );
  }
});
