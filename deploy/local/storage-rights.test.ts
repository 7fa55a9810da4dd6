/** Storage rights: the annotation's grammar, its pairing with the function's own S3 secrets, the policy made of it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStorageSecrets, formatStorageRights, parseStorageRights, storagePolicy } from './storage-rights.ts';

const where = 'stack.yml: functions.predict.annotations["com.baton.storage"]';

describe('parseStorageRights', () => {
  it('reads clauses of a right and its prefixes, sorted and without repeats', () => {
    assert.deepEqual(parseStorageRights('read:models/', where), { read: ['models/'], write: [], delete: [] });
    assert.deepEqual(parseStorageRights('  write:datasets/  read:runs/,datasets/,runs/ ', where), {
      read: ['datasets/', 'runs/'],
      write: ['datasets/'],
      delete: [],
    });
    assert.deepEqual(parseStorageRights('read:models/a/b/ delete:models/', where), {
      read: ['models/a/b/'],
      write: [],
      delete: ['models/'],
    });
    assert.deepEqual(parseStorageRights('read:system/api-keys.json,models/', where), {
      read: ['models/', 'system/api-keys.json'],
      write: [],
      delete: [],
    });
    const rights = parseStorageRights('delete:models/ write:models/ read:runs/,models/', where);
    assert.equal(formatStorageRights(rights), 'read:models/,runs/ write:models/ delete:models/');
    assert.deepEqual(parseStorageRights(formatStorageRights(rights), where), rights);
  });

  const refused: [string, string, RegExp][] = [
    ['empty', '  ', /is empty: name what the function may do/],
    ['an unknown right', 'list:models/', /"list:models\/" must be <right>:<prefix>.*read, write or delete/],
    ['no colon', 'models/', /"models\/" must be <right>:<prefix>/],
    ['a right twice', 'read:models/ read:runs/', /"read" is given twice/],
    ['the whole bucket', 'read:', /read prefix "" must be folder names ending with "\/"/],
    ['a wildcard', 'write:*', /write prefix "\*" must be folder names/],
    ['a prefix without its slash', 'read:models', /read prefix "models" must be folder names ending with "\/"/],
    ['a path escaping upwards', 'read:../models/', /read prefix "\.\.\/models\/"/],
    ['an empty prefix in a list', 'read:models/,', /read prefix ""/],
    [
      'a key without a folder',
      'read:api-keys.json',
      /read prefix "api-keys\.json" must be .* or one object's key, like "system\/api-keys\.json"/,
    ],
    ['a key with a wildcard', 'read:system/*.json', /read prefix "system\/\*\.json"/],
    ['a key escaping upwards', 'read:system/../x.json', /read prefix "system\/\.\.\/x\.json"/],
  ];
  for (const [what, value, error] of refused) {
    it(`refuses ${what}, naming the file and key`, () => {
      assert.throws(
        () => parseStorageRights(value, where),
        (e: Error) => e.message.startsWith(where) && error.test(e.message),
      );
    });
  }
});

describe('checkStorageSecrets', () => {
  const fn = 'stack.yml: functions.predict';
  const rights = parseStorageRights('read:models/', where);
  const own = ['s3-access-key-predict', 's3-secret-key-predict'];

  it('accepts rights with the own pair, and neither', () => {
    checkStorageSecrets('predict', rights, [...own, 'baton-step-key-predict'], fn);
    checkStorageSecrets('flaky', undefined, ['baton-step-key-flaky'], 'stack.yml: functions.flaky');
  });

  it("refuses another function's credentials, the shared pair, and one half missing", () => {
    assert.throws(
      () => checkStorageSecrets('predict', rights, [...own, 's3-secret-key-ingest'], fn),
      /functions\.predict\.secrets lists "s3-secret-key-ingest": a function uses only its own S3 user/,
    );
    assert.throws(
      () => checkStorageSecrets('predict', undefined, ['s3-access-key', 's3-secret-key'], fn),
      /lists "s3-access-key", "s3-secret-key": declare the function's own "s3-access-key-predict"/,
    );
    assert.throws(
      () => checkStorageSecrets('predict', rights, ['s3-access-key-predict'], fn),
      /gives storage rights, but secrets lacks "s3-secret-key-predict"/,
    );
  });

  it('refuses credentials without rights: what the user may do must be declared', () => {
    assert.throws(
      () => checkStorageSecrets('predict', undefined, own, fn),
      /annotations\["com\.baton\.storage"\] is missing/,
    );
  });
});

describe('storagePolicy', () => {
  it("predict's policy reads models/ and nothing else", () => {
    assert.deepEqual(storagePolicy('baton-artifacts', parseStorageRights('read:models/', where)), {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadObjects',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::baton-artifacts/models/*'],
        },
        {
          Sid: 'ListReadPrefixes',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: ['arn:aws:s3:::baton-artifacts'],
          Condition: { StringLike: { 's3:prefix': ['models/*'] } },
        },
      ],
    });
  });

  it('a single key is that object only, and listing only of exactly that key', () => {
    const policy = storagePolicy('b', parseStorageRights('read:models/,system/api-keys.json', where));
    assert.deepEqual(policy.Statement.find((statement) => statement.Sid === 'ReadObjects')!.Resource, [
      'arn:aws:s3:::b/models/*',
      'arn:aws:s3:::b/system/api-keys.json',
    ]);
    assert.deepEqual(policy.Statement.find((statement) => statement.Sid === 'ListReadPrefixes')!.Condition, {
      StringLike: { 's3:prefix': ['models/*', 'system/api-keys.json'] },
    });
  });

  it("ingest's policy writes datasets/ only and deletes nothing", () => {
    const policy = storagePolicy('b', parseStorageRights('read:datasets/,runs/ write:datasets/', where));
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    assert.ok(!actions.includes('s3:DeleteObject'));
    const write = policy.Statement.find((statement) => statement.Sid === 'WriteObjects')!;
    assert.deepEqual(write.Action, ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts']);
    assert.deepEqual(write.Resource, ['arn:aws:s3:::b/datasets/*']);
    assert.deepEqual(policy.Statement.find((statement) => statement.Sid === 'ReadObjects')!.Resource, [
      'arn:aws:s3:::b/datasets/*',
      'arn:aws:s3:::b/runs/*',
    ]);
  });

  it('a delete right is its own statement; no statement names the bucket for anything but a prefix-limited list', () => {
    const policy = storagePolicy('b', parseStorageRights('read:models/ write:models/ delete:models/', where));
    assert.deepEqual(policy.Statement.find((statement) => statement.Sid === 'DeleteObjects')!.Resource, [
      'arn:aws:s3:::b/models/*',
    ]);
    for (const statement of policy.Statement) {
      if (statement.Resource.includes('arn:aws:s3:::b')) assert.deepEqual(statement.Action, ['s3:ListBucket']);
      assert.ok(statement.Action.every((action) => !action.includes('*')));
    }
  });
});
