/** The worker's workflow bundle: every pipeline's workflow function. */
export { trainClassifier } from './train-classifier/workflow.ts';
