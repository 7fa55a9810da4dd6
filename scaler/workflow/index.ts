/** The system worker's workflow bundle (task queue `baton-system`): Baton's own housekeeping, not pipelines. */
export { batonScaler } from './scaler-workflow.ts';
