/**
 * A model version's signature: the inputs it reads (feature names and types, in column order) and the output it
 * gives (the target's classes, in the order of predict's probabilities). Recorded in every version's model.json and
 * compared at promotion: a candidate whose signature differs from production's would break predict's callers.
 * Pure code: the registry writes it, the pipelines compare it, tests check both.
 */
import { z } from 'zod';

/**
 * The type of every feature a Baton model reads: the steps read features as 64-bit floats (train and evaluate
 * through baton_ml/tables.py, predict through feature_rows.py), whatever the source column held.
 */
export const FEATURE_TYPE = 'float64';

/** A class label: whole numbers (the bundled datasets) or text. */
const classLabel = z.union([z.string(), z.number()]);

export const modelSignature = z.object({
  /** The features, in the order the model reads them (predict's `rows` order). */
  inputs: z.array(z.object({ name: z.string(), type: z.string() })),
  output: z.object({
    /** The predicted column; absent for versions registered before it was recorded. */
    target: z.string().optional(),
    /** The classes, in the order of predict's probabilities. */
    classes: z.array(classLabel),
  }),
});
export type ModelSignature = z.infer<typeof modelSignature>;

/** The signature of a trained model (train's `model` output) or of a model.json registered before signatures. */
export function signatureOf(model: {
  features: string[];
  classes: (string | number)[];
  target?: string | undefined;
}): ModelSignature {
  return {
    inputs: model.features.map((name) => ({ name, type: FEATURE_TYPE })),
    output: { ...(model.target !== undefined ? { target: model.target } : {}), classes: [...model.classes] },
  };
}

/** How a candidate's signature differs from production's; every list empty: compatible. */
export interface SignatureChange {
  /** Features the candidate reads and production does not. */
  added: string[];
  /** Features production reads and the candidate does not. */
  removed: string[];
  /** Features both read, at another place among them. */
  reordered: string[];
  typeChanged: { name: string; from: string; to: string }[];
  classesAdded: (string | number)[];
  classesRemoved: (string | number)[];
  /** The same classes in another order (probabilities would swap columns). */
  classesReordered: boolean;
}

/** What changes from `production` to `candidate`. */
export function signatureChange(production: ModelSignature, candidate: ModelSignature): SignatureChange {
  const before = new Map(production.inputs.map((input) => [input.name, input.type]));
  const after = new Map(candidate.inputs.map((input) => [input.name, input.type]));
  const keptBefore = production.inputs.map((input) => input.name).filter((name) => after.has(name));
  const keptAfter = candidate.inputs.map((input) => input.name).filter((name) => before.has(name));
  const typeChanged = keptAfter
    .filter((name) => before.get(name) !== after.get(name))
    .map((name) => ({ name, from: before.get(name)!, to: after.get(name)! }));
  // Labels compare by type and value: the class 1 and the class "1" are different answers.
  const label = (value: string | number) => JSON.stringify(value);
  const classesBefore = production.output.classes.map(label);
  const classesAfter = candidate.output.classes.map(label);
  const classesAdded = candidate.output.classes.filter((value) => !classesBefore.includes(label(value)));
  const classesRemoved = production.output.classes.filter((value) => !classesAfter.includes(label(value)));
  const sharedBefore = classesBefore.filter((value) => classesAfter.includes(value));
  const sharedAfter = classesAfter.filter((value) => classesBefore.includes(value));
  return {
    added: candidate.inputs.map((input) => input.name).filter((name) => !before.has(name)),
    removed: production.inputs.map((input) => input.name).filter((name) => !after.has(name)),
    reordered: keptAfter.filter((name, index) => keptBefore[index] !== name),
    typeChanged,
    classesAdded,
    classesRemoved,
    classesReordered: sharedBefore.some((value, index) => sharedAfter[index] !== value),
  };
}

/** True when a caller of production's signature would break on the candidate's. */
export function isBreaking(change: SignatureChange): boolean {
  return (
    change.added.length > 0 ||
    change.removed.length > 0 ||
    change.reordered.length > 0 ||
    change.typeChanged.length > 0 ||
    change.classesAdded.length > 0 ||
    change.classesRemoved.length > 0 ||
    change.classesReordered
  );
}

/** At most this many names per kind of change; a reason stays readable with 64 pixel features. */
export const NAMES_SHOWN = 5;
/** The longest description; past it, the text ends with "…". */
export const MAX_DESCRIPTION_CHARS = 600;

/**
 * The change in words, e.g. `features removed: mean radius, mean texture, … (+25 more); added: alcohol`; "" when
 * nothing changed.
 */
export function describeSignatureChange(change: SignatureChange): string {
  const parts: string[] = [];
  const features: string[] = [];
  if (change.removed.length > 0) features.push(`removed: ${listed(change.removed)}`);
  if (change.added.length > 0) features.push(`added: ${listed(change.added)}`);
  if (change.reordered.length > 0) features.push(`reordered: ${listed(change.reordered)}`);
  if (change.typeChanged.length > 0)
    features.push(
      `type changed: ${listed(change.typeChanged.map(({ name, from, to }) => `${name} (${from} → ${to})`))}`,
    );
  if (features.length > 0) parts.push(`features ${features.join('; ')}`);
  const classes: string[] = [];
  if (change.classesRemoved.length > 0) classes.push(`removed: ${listed(change.classesRemoved.map(show))}`);
  if (change.classesAdded.length > 0) classes.push(`added: ${listed(change.classesAdded.map(show))}`);
  if (change.classesReordered) classes.push('reordered');
  if (classes.length > 0) parts.push(`classes ${classes.join('; ')}`);
  const text = parts.join('; ');
  return text.length <= MAX_DESCRIPTION_CHARS ? text : `${text.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`;
}

function listed(names: string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} (+${names.length - NAMES_SHOWN} more)` : shown;
}

function show(value: string | number): string {
  return JSON.stringify(value);
}
