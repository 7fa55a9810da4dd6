import { Hono } from 'hono';
import { z } from 'zod';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';
import type { RouteDocs } from './route-doc.ts';

/** `GET /pipelines`: what can be run, with the input JSON Schema and named examples of each pipeline. */
export function pipelinesRoutes(pipelines: ReadonlyMap<string, PipelineDefinition>): Hono {
  const described = [...pipelines.values()].map((pipeline) => ({
    name: pipeline.name,
    description: pipeline.description,
    inputSchema: z.toJSONSchema(pipeline.input, { io: 'input', unrepresentable: 'any' }),
    examples: pipeline.examples,
    steps: pipeline.steps.map((step) => ({ name: step.name, function: step.function, description: step.description })),
    alternativeSteps: (pipeline.alternativeSteps ?? []).map((step) => ({
      name: step.name,
      function: step.function,
      description: step.description,
    })),
  }));
  return new Hono().get('/', (c) => c.json({ pipelines: described }));
}

const stepInfo = z.object({ name: z.string(), function: z.string(), description: z.string().optional() });
const pipelineInfo = z.object({
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()).describe('The JSON Schema of `input` in `POST /runs`'),
  examples: z.unknown(),
  steps: z.array(stepInfo),
  alternativeSteps: z.array(stepInfo),
});

/** The pipelines route in the OpenAPI document. */
export const pipelinesRouteDocs: RouteDocs = {
  'GET /pipelines': {
    tag: 'pipelines',
    summary: 'What can be run: each pipeline with its input JSON Schema, named examples and steps',
    responses: { 200: { description: 'The pipelines', schema: z.object({ pipelines: z.array(pipelineInfo) }) } },
  },
};
