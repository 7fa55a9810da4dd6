import { Hono } from 'hono';
import { z } from 'zod';
import type { PipelineDefinition } from '../../../workflows/pipeline-definition.ts';

/** `GET /pipelines`: what can be run, with the input JSON Schema and named examples of each pipeline. */
export function pipelinesRoutes(pipelines: ReadonlyMap<string, PipelineDefinition>): Hono {
  const described = [...pipelines.values()].map((pipeline) => ({
    name: pipeline.name,
    description: pipeline.description,
    inputSchema: z.toJSONSchema(pipeline.input, { io: 'input', unrepresentable: 'any' }),
    examples: pipeline.examples,
    steps: pipeline.steps.map((step) => ({ name: step.name, function: step.function, description: step.description })),
    alternativeSteps: (pipeline.alternativeSteps ?? []).map((step) => ({ name: step.name, function: step.function, description: step.description })),
  }));
  return new Hono().get('/', (c) => c.json({ pipelines: described }));
}
