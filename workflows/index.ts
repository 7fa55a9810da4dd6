/** The worker's workflow bundle: every pipeline's workflow function. */
export { trainClassifier } from './train-classifier/workflow.ts';
export { trainClassifierResumable } from './train-classifier-resumable/workflow.ts';
export { tuneClassifier } from './tune-classifier/workflow.ts';
export { monitorModel } from './monitor-model/workflow.ts';
export { dataChangeWatch } from './data-change-watch/workflow.ts';
