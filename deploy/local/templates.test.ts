import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveTemplate } from './templates.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const fixtureTemplates = path.join(repo, 'test/fixtures/gateway/templates');
const dirs = [fixtureTemplates, path.join(repo, 'template')];

describe('resolveTemplate', () => {
  it("finds the template's folder and fprocess in the search path", async () => {
    const template = await resolveTemplate({ name: 'echo', lang: 'echo', environment: {} }, dirs);
    assert.deepEqual(template, {
      lang: 'echo',
      dir: path.join(fixtureTemplates, 'echo'),
      fprocess: 'node echo-server.mjs',
    });
  });

  it("lets the function's environment.fprocess override the template's", async () => {
    const template = await resolveTemplate(
      { name: 'echo', lang: 'echo', environment: { fprocess: 'node other.mjs' } },
      dirs,
    );
    assert.equal(template.fprocess, 'node other.mjs');
  });

  it('names the function and lists the available templates for an unknown lang', async () => {
    await assert.rejects(resolveTemplate({ name: 'train', lang: 'cobol', environment: {} }, dirs), (err: Error) => {
      assert.match(err.message, /^function train: no template "cobol" in .*; available: .*\becho\b/);
      return true;
    });
  });
});
