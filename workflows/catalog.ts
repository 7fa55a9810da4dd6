/**
 * Every pipeline the trigger API offers, and every step the worker knows. The worker bundles `./index.ts`, which
 * exports the pipelines' workflows.
 */
import type { PipelineDefinition } from './pipeline-definition.ts';
import { trainClassifierPipeline } from './train-classifier/definition.ts';
import { trainClassifierResumablePipeline } from './train-classifier-resumable/definition.ts';
import { tuneClassifierPipeline } from './tune-classifier/definition.ts';
import { monitorModelPipeline } from './monitor-model/definition.ts';

export { steps } from './steps/index.ts';
export const pipelines: PipelineDefinition[] = [
  trainClassifierPipeline,
  trainClassifierResumablePipeline,
  tuneClassifierPipeline,
  monitorModelPipeline,
];
