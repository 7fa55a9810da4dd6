import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactingLogger } from './runtime-logger.ts';

test('activity log lines keep their attributes but never the task token', () => {
  const lines: string[] = [];
  const logger = redactingLogger('INFO', (line) => lines.push(line));
  const taskToken = Buffer.from('a task token that completes an attempt').toString('base64');
  logger.warn('Activity failed', {
    taskToken,
    base64TaskToken: taskToken,
    activityId: 'train',
    attempt: 2,
    error: 'boom',
  });
  logger.debug('not at INFO', { taskToken });
  logger.info('no attributes');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0]!,
    /^\d{4}-\d\d-\d\dT.*Z \[WARN\] Activity failed \{.*activityId: 'train', attempt: 2, error: 'boom'.*\}$/,
  );
  assert.ok(!lines.join('\n').includes(taskToken), lines.join('\n'));
  assert.match(lines[1]!, /\[INFO\] no attributes$/);
});
