/**
 * A new Baton step (the starter `npx baton new step` copies): replace the greeting with the step's work.
 *
 * Its input and output are declared once, in zod, in workflows/steps/<name>.ts: keep `GreetInput` and the
 * result in step with them. The wrapper (template/baton-node) checks the signed call and gives the handler its
 * input and a context; large data goes by reference, stored with `ctx.artifacts()` (answers `{uri, sha256, size}`).
 */
import { StepInputError, type StepContext, type StepResult } from '#baton-step';

/** What the step takes (the step's zod input, defaults applied). */
export interface GreetInput {
  name?: string;
}

/** Greets `input.name`; returns `{output, metrics}` (metrics: numbers only). */
export async function handle(input: GreetInput, ctx: StepContext): Promise<StepResult<{ greeting: string }>> {
  const name = input.name ?? 'world';
  // Bad input is the caller's mistake: 422, naming the field, and the run does not retry it.
  if (!name.trim()) throw new StepInputError('name must not be blank', { path: 'name' });
  ctx.log(`greeting ${name} in run ${ctx.run.workflowId}`);
  const greeting = `Hello, ${name}!`;
  return { output: { greeting }, metrics: { characters: greeting.length } };
}
