/** `baton new step` and `baton new pipeline`: scaffolds in the checkout (no stack needed). */
import type { Command, CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { findCheckout } from '../scaffold/checkout.ts';
import { regenerate } from '../scaffold/generate.ts';
import { snakeCase } from '../scaffold/names.ts';
import { NEW_PIPELINE, planPipeline } from '../scaffold/pipeline.ts';
import { applyPlan, type Plan } from '../scaffold/plan.ts';
import { NEW_STEP, planStep } from '../scaffold/step.ts';
import { LANGS, type Lang } from '../scaffold/step-sources.ts';

export const newStepCommand: Command = {
  name: NEW_STEP,
  synopsis: 'baton new step <name> --lang python|ts [--pipeline <pipeline>]',
  summary: 'scaffold a step: its function, declaration, stack.yml entry, test and wiring',
  details: [
    "Writes, in the Baton checkout holding the current folder: functions/<name>/ (the template's starter handler",
    'and an in-process test), workflows/steps/<name>.ts (its input and output schemas) listed in',
    'workflows/steps/index.ts, and its stack.yml entry; then runs `npm run gen:contract` and `npm run gen:chart`.',
    'Refuses a name already taken or not a valid function name, writing nothing.',
    '',
    'Options:',
    "  --lang python|ts       the handler's language (template baton-python or baton-node)",
    '  --pipeline <pipeline>  also add the step to that pipeline: its steps, a call in its workflow, a fake output',
    '                         in its workflow test (or print what to add when the pipeline was written by hand)',
  ].join('\n'),
  options: { lang: { type: 'string' }, pipeline: { type: 'string' } },
  positionals: ['name'],
  async run(ctx, { values, positionals }) {
    const lang = values.lang;
    if (typeof lang !== 'string' || !(lang in LANGS)) {
      throw new UsageError(
        `--lang must be ${Object.keys(LANGS).join(' or ')}${typeof lang === 'string' ? `, not "${lang}"` : ''}`,
        NEW_STEP,
      );
    }
    const name = positionals[0]!;
    const pipeline = typeof values.pipeline === 'string' ? values.pipeline : undefined;
    const root = findCheckout(ctx.cwd, NEW_STEP);
    const plan = await planStep(root, { name, lang: lang as Lang, pipeline });
    const handler = `functions/${name}/handler.${lang === 'python' ? 'py' : 'ts'}`;
    const test =
      lang === 'python'
        ? `npm run test:py -- -k test_${snakeCase(name)}`
        : `node --import tsx --test functions/${name}/handler.test.ts`;
    return finish(
      ctx,
      root,
      plan,
      `step ${name}`,
      [
        `${handler}: the step's work (the starter greets)`,
        `workflows/steps/${name}.ts: its input and output schemas (keep them in step with the handler)`,
        pipeline
          ? `workflows/${pipeline}/workflow.ts: the step's input in its call, and what the run does with its output`
          : `a pipeline's workflow: call it with runStep(${name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}, {...}) and add it to that pipeline's \`steps\` (or use --pipeline)`,
      ],
      [test, ...(pipeline ? [`node --import tsx --test workflows/${pipeline}/workflow.test.ts`] : [])],
    );
  },
};

export const newPipelineCommand: Command = {
  name: NEW_PIPELINE,
  synopsis: 'baton new pipeline <name>',
  summary: 'scaffold a pipeline: its workflow, input, definition and workflow test, wired into the catalog',
  details: [
    'Writes, in the Baton checkout holding the current folder: workflows/<name>/input.ts, definition.ts, workflow.ts',
    'and workflow.test.ts; exports the workflow from workflows/index.ts and adds the definition to',
    'workflows/catalog.ts. Add steps with `baton new step <step> --lang python|ts --pipeline <name>`.',
    'Refuses a name already taken or not a valid function name, writing nothing.',
  ].join('\n'),
  options: {},
  positionals: ['name'],
  async run(ctx, { positionals }) {
    const name = positionals[0]!;
    const root = findCheckout(ctx.cwd, NEW_PIPELINE);
    const plan = await planPipeline(root, name);
    return finish(
      ctx,
      root,
      plan,
      `pipeline ${name}`,
      [
        `add its steps: npx baton new step <step> --lang python|ts --pipeline ${name}`,
        `workflows/${name}/workflow.ts: what the run does, one runStep per step`,
        `workflows/${name}/input.ts: the run's parameters (each with a default); definition.ts: its description and examples`,
      ],
      [`node --import tsx --test workflows/${name}/workflow.test.ts`],
    );
  },
};

/** Writes the plan, regenerates, and says what was done and what to do next. */
async function finish(
  ctx: CliContext,
  root: string,
  plan: Plan,
  what: string,
  next: string[],
  tests: string[],
): Promise<number> {
  await applyPlan(root, plan);
  ctx.out(
    `${what}: wrote\n${plan.changes.map((change) => `  ${change.action === 'create' ? 'new ' : 'edit'} ${change.path}`).join('\n')}`,
  );
  const failures = await regenerate(
    root,
    plan.changes.map((change) => change.path),
  );
  if (plan.byHand.length > 0)
    ctx.out(
      `\nAdd by hand (this pipeline was not written by \`baton new pipeline\`):\n${plan.byHand.map((line) => `  - ${line}`).join('\n')}`,
    );
  ctx.out(
    `\nNext, edit:\n${next.map((line) => `  - ${line}`).join('\n')}\n\nTest:\n${tests.map((line) => `  ${line}`).join('\n')}\n  npm test   # everything, the new files included`,
  );
  for (const failure of failures) ctx.err(`baton: ${failure}`);
  return failures.length > 0 ? EXIT.runFailed : EXIT.ok;
}
