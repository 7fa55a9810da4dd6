/**
 * Baton's search attributes: what makes runs findable in the Temporal UI and through `GET /runs?query=`.
 * Registered when the local stack starts (see `registrationFlags`) and by `temporal operator search-attribute
 * create` in production. Never put a secret in one.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const batonSearchAttributes = {
  pipeline: defineSearchAttributeKey('BatonPipeline', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('BatonStep', SearchAttributeType.KEYWORD),
  datasetVersion: defineSearchAttributeKey('BatonDatasetVersion', SearchAttributeType.KEYWORD),
  modelVersion: defineSearchAttributeKey('BatonModelVersion', SearchAttributeType.KEYWORD),
  accuracy: defineSearchAttributeKey('BatonAccuracy', SearchAttributeType.DOUBLE),
  stage: defineSearchAttributeKey('BatonStage', SearchAttributeType.KEYWORD),
  trigger: defineSearchAttributeKey('BatonTrigger', SearchAttributeType.KEYWORD),
  /** A monitor-model run's drift: the largest PSI of the window (any feature, or the predicted classes). */
  drift: defineSearchAttributeKey('BatonDrift', SearchAttributeType.DOUBLE),
} as const;

const cliTypeNames: Record<string, string> = {
  KEYWORD: 'Keyword',
  DOUBLE: 'Double',
  INT: 'Int',
  TEXT: 'Text',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
};

/** `Name=Type` pairs, as `temporal server start-dev --search-attribute` and `temporal operator` take them. */
export function searchAttributeRegistrations(): string[] {
  return Object.values(batonSearchAttributes).map((key) => `${key.name}=${cliTypeNames[key.type]}`);
}
