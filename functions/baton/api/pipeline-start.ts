/**
 * What every start of a pipeline run shares, whoever starts it (`POST /runs`, a schedule): the pipeline looked up
 * and its input checked against the pipeline's own schema, and the memo and search attributes a run carries.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { toErrorIssues } from '#baton-contract';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import type { Principal } from '../auth/roles.ts';
import { TriggerApiError } from './trigger-api-error.ts';

/** Who started a run, kept in its memo: the id decides who may cancel it, the name is for people. */
export interface RunStarter {
  id: string;
  name: string;
}

/** What started a run: its `BatonTrigger` search attribute. */
export type RunTrigger = 'api' | 'schedule' | 'data-change';

/**
 * The pipeline named `name` and `input` parsed by its input schema. An unknown pipeline is a 404 listing the known
 * ones; input the schema refuses a 400 whose issues name each field under `inputPath` (`input.split.testSize`).
 */
export function checkedPipelineInput(
  pipelines: ReadonlyMap<string, PipelineDefinition>,
  name: string,
  input: unknown,
  inputPath = 'input',
): { pipeline: PipelineDefinition; input: unknown } {
  const pipeline = pipelines.get(name);
  if (!pipeline) {
    const known = [...pipelines.keys()];
    throw new TriggerApiError(404, `unknown pipeline "${name}"; known pipelines: ${known.join(', ')}`, undefined, {
      knownPipelines: known,
    });
  }
  const parsed = pipeline.input.safeParse(input);
  if (!parsed.success)
    throw new TriggerApiError(
      400,
      `invalid input for pipeline "${pipeline.name}"`,
      toErrorIssues(parsed.error, inputPath),
    );
  return { pipeline, input: parsed.data };
}

/** The memo and search attributes of a run of `pipeline` with `input`, started by `starter` through `trigger`. */
export function runStartFields(
  pipeline: PipelineDefinition,
  input: unknown,
  starter: RunStarter,
  trigger: RunTrigger,
): { memo: { input: unknown; startedBy: RunStarter }; typedSearchAttributes: SearchAttributePair[] } {
  return {
    memo: { input, startedBy: starter },
    typedSearchAttributes: [
      { key: batonSearchAttributes.pipeline, value: pipeline.name },
      { key: batonSearchAttributes.trigger, value: trigger },
    ],
  };
}

/** The starter recorded for a principal: its id and name, never its credential. */
export function starterOf(principal: Principal): RunStarter {
  return { id: principal.id, name: principal.name };
}

/** A starter kept in a memo (`startedBy`, `createdBy`), when it has the expected shape. */
export function starterIn(value: unknown): RunStarter | undefined {
  const starter = value as Partial<RunStarter> | undefined;
  return typeof starter?.id === 'string' && typeof starter.name === 'string'
    ? { id: starter.id, name: starter.name }
    : undefined;
}
