import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { describeIssues, describeZodError, toErrorIssues } from './step-contract.ts';

const schema = z.object({
  model: z.object({ params: z.object({ C: z.number().positive() }) }),
  epochs: z.number().int(),
});

test('zod issues read as dotted paths, under a prefix when given, (root) for the value itself', () => {
  const error = schema.safeParse({ model: { params: { C: -1 } }, epochs: 1.5 }).error!;
  assert.deepEqual(
    toErrorIssues(error, 'input').map((issue) => issue.path),
    ['input.model.params.C', 'input.epochs'],
  );
  assert.match(describeZodError(error), /^model\.params\.C: .+; epochs: .+$/);
  assert.match(
    describeZodError(error, { prefix: 'input', separator: '\n  ' }),
    /^input\.model\.params\.C: .+\n {2}input\.epochs: .+$/,
  );
  assert.match(describeZodError(schema.safeParse(3).error!), /^\(root\): /);
});

test('issues join as path: message', () => {
  assert.equal(
    describeIssues([
      { path: 'a', message: 'x' },
      { path: 'b.c', message: 'y' },
    ]),
    'a: x; b.c: y',
  );
  assert.equal(describeIssues([]), '');
});
