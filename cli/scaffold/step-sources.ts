/**
 * The text of what `baton new step` writes besides the handler (which is the template's starter, copied as it
 * is): the step's declaration, its in-process handler test and its `stack.yml` entry. The schemas here match the
 * starter handlers in template/baton-python/function/ and template/baton-node/function/.
 */
import { camelCase, snakeCase } from './names.ts';

/** Which template a step's function uses: `--lang python` or `--lang ts`. */
export const LANGS = { python: 'baton-python', ts: 'baton-node' } as const;
export type Lang = keyof typeof LANGS;

/** What the starter answers for its default input: workflow tests' fake output, the scaffold test's expectation. */
export const STARTER_OUTPUT = { greeting: 'Hello, world!' };
/** The same, as TypeScript source. */
export const STARTER_OUTPUT_TS = "{ greeting: 'Hello, world!' }";

/** `workflows/steps/<name>.ts`. */
export function stepDeclaration(name: string, lang: Lang): string {
  const handler = `functions/${name}/handler.${lang === 'python' ? 'py' : 'ts'}`;
  return `/** ${name}: its input and output, checked by the invoke activity on both sides of every call. */
import { z } from 'zod';
import { defineStep } from '../step-definition.ts';

export const ${camelCase(name)} = defineStep({
  name: '${name}',
  description: 'Greets someone (the starter of a new step: say here what ${name} does; GET /pipelines shows it).',
  // What ${handler} takes and returns: change the two together.
  input: z.object({
    name: z.string().min(1).max(200).default('world').describe('Who to greet.'),
  }),
  output: z.object({
    greeting: z.string(),
  }),
  // Timeouts and retries (workflows/step-presets.ts): 'quick' fits calls of seconds; keep stack.yml's exec_timeout below it.
  preset: 'quick',
});
`;
}

/** `functions/<name>/test_<name>.py`: the starter handler called in-process. */
export function pythonTest(name: string): string {
  const module = snakeCase(name);
  return `"""${name}'s handler called in-process with a test context: no stack needed."""

from __future__ import annotations

import os

import pytest

from baton_step import StepInputError
from baton_step.handler_loader import load_handler
from baton_step.testing import call_step, make_context

# call_step checks the input against step.schema.json (generated from workflows/steps/${name}.ts) and fills in its
# defaults, as the wrapper does, before calling handle.
${module} = load_handler(os.path.dirname(os.path.abspath(__file__)), module_name="${module}_handler")


def test_greets_by_name():
    result = call_step(${module}, {"name": "Ada"}, make_context(step="${name}"))
    assert result == {"output": {"greeting": "Hello, Ada!"}, "metrics": {"characters": 11}}


def test_greets_the_world_by_default():
    assert call_step(${module}, {}, make_context(step="${name}"))["output"] == {"greeting": "Hello, world!"}


def test_input_the_schema_refuses_never_reaches_the_handler():
    with pytest.raises(StepInputError) as refused:
        call_step(${module}, {"name": ""}, make_context(step="${name}"))
    assert [issue["path"] for issue in refused.value.issues] == ["name"]


def test_a_blank_name_is_refused_naming_the_field():
    with pytest.raises(StepInputError) as refused:
        call_step(${module}, {"name": "  "}, make_context(step="${name}"))
    assert refused.value.issues == [{"path": "name", "message": "name must not be blank"}]
`;
}

/** `functions/<name>/handler.test.ts`: the starter handler called in-process. */
export function tsTest(name: string): string {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StepInputError } from '#baton-step';
import { makeContext } from '../../template/baton-node/testing.ts';
import { handle } from './handler.ts';

// ${name}'s handler called in-process with a test context: no stack needed.
test('greets by name and logs the run', async () => {
  const ctx = makeContext({ step: '${name}', workflowId: 'wf-1' });
  assert.deepEqual(await handle({ name: 'Ada' }, ctx), { output: { greeting: 'Hello, Ada!' }, metrics: { characters: 11 } });
  assert.deepEqual(ctx.logs, ['greeting Ada in run wf-1']);
});

test('greets the world by default', async () => {
  assert.deepEqual((await handle({}, makeContext({ step: '${name}' }))).output, { greeting: 'Hello, world!' });
});

test('a blank name is refused, naming the field', async () => {
  await assert.rejects(handle({ name: '  ' }, makeContext({ step: '${name}' })),
    (error: unknown) => error instanceof StepInputError && error.issues[0]?.path === 'name');
});
`;
}

/** The function's entry, appended to `stack.yml` (the shape of the other steps' entries). */
export function stackEntry(name: string, lang: Lang): string {
  return `
  # ${name}: written by \`baton new step\`; give it the timeouts and storage rights it needs.
  ${name}:
    lang: ${LANGS[lang]}
    handler: ./functions/${name}
    image: baton/${name}:latest
    <<: *function-defaults
    environment:
      exec_timeout: 30s
      read_timeout: 30s
      write_timeout: 30s
    secrets:
      - s3-access-key-${name}
      - s3-secret-key-${name}
      - baton-step-key-${name}   # its own step key, derived from baton-signing-key: only signed calls run
    annotations:
      # what its S3 user may touch (see the top of this file): widen it when the handler stores or reads artifacts
      com.baton.storage: "read:runs/ write:runs/"
`;
}
