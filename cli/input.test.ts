import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInput } from './input.ts';

const noStdin = async () => assert.fail('stdin is not read');

test('--input takes inline JSON, a file relative to the working directory, or - for stdin', async () => {
  assert.deepEqual(await readInput('{"failures": 0}', '/', noStdin), { failures: 0 });
  assert.deepEqual(await readInput(' [1, 2]', '/', noStdin), [1, 2]);
  assert.deepEqual(await readInput('-', '/', async () => '{"dataset": "wine"}'), { dataset: 'wine' });
  const dir = await mkdtemp(join(tmpdir(), 'baton-cli-'));
  try {
    await writeFile(join(dir, 'input.json'), '{"dataset": "iris"}');
    assert.deepEqual(await readInput('input.json', dir, noStdin), { dataset: 'iris' });
    await writeFile(join(dir, 'broken.json'), '{dataset');
    await assert.rejects(readInput('broken.json', dir, noStdin), /--input file "broken.json" is not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad input says how to give it right', async () => {
  await assert.rejects(
    readInput('{bad', '/', noStdin),
    /--input is not valid JSON \(.+\); for example '\{"dataset": "wine"\}'/,
  );
  await assert.rejects(
    readInput('missing.json', '/nowhere', noStdin),
    /--input "missing.json": no such file; give a JSON file, inline JSON such as '\{"dataset": "wine"\}', or - for stdin/,
  );
});
