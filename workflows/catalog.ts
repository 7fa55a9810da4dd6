/** Every pipeline the trigger API offers. The worker bundles `./index.ts`, which exports their workflows. */
import type { PipelineDefinition } from './pipeline-definition.ts';
import { trainClassifier } from './train-classifier/definition.ts';
import { trainClassifierResumable } from './train-classifier-resumable/definition.ts';
import { tuneClassifier } from './tune-classifier/definition.ts';

export const pipelines: PipelineDefinition[] = [trainClassifier, trainClassifierResumable, tuneClassifier];
