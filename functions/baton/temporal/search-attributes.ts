/**
 * Registering Baton's search attributes (workflows/search-attributes.ts) on a Temporal cluster through its
 * operator service: what `temporal operator search-attribute create` does, from the same connection settings as
 * the orchestrator. The dev server gets them at start (`--search-attribute`); a self-hosted cluster needs this
 * once per namespace (the Helm chart's Job, or `npm run temporal:register-search-attributes`). Temporal Cloud
 * registers them in its UI or with `tcld`; its API keys may not call the operator service.
 */
import type { Connection } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { batonSearchAttributes } from '../../../workflows/search-attributes.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** What registration found: attributes added now, and those that were already there. */
export interface SearchAttributeRegistration {
  added: string[];
  present: string[];
}

/** The command that registers them, for error messages. */
export const REGISTER_COMMAND = 'npm run temporal:register-search-attributes';

/**
 * The start-up check: every Baton attribute registered with its type. Without them every run fails when it
 * starts, so a missing one stops start-up with the command that registers it. A cluster that does not let these
 * credentials list attributes (some Temporal Cloud keys) only gets a warning.
 */
export async function checkSearchAttributes(
  connection: Connection | NativeConnection,
  namespace: string,
  warn: (line: string) => void = console.warn,
): Promise<void> {
  let customAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> | null | undefined;
  try {
    ({ customAttributes } = await connection.operatorService.listSearchAttributes({ namespace }));
  } catch (error) {
    warn(
      `baton: could not list the search attributes of namespace "${namespace}" (${(error as Error).message}); make sure ${Object.values(
        batonSearchAttributes,
      )
        .map((k) => k.name)
        .join(', ')} are registered`,
    );
    return;
  }
  const missing = Object.values(batonSearchAttributes).filter(
    (key) => customAttributes?.[key.name] !== IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`],
  );
  if (missing.length > 0) {
    throw new Error(
      `search attributes ${missing.map((key) => `${key.name} (${key.type})`).join(', ')} are not registered in namespace "${namespace}": run \`${REGISTER_COMMAND}\` with the same TEMPORAL_* settings (or \`temporal operator search-attribute create\`; on Temporal Cloud, add them to the namespace)`,
    );
  }
}

/**
 * Adds the attributes the namespace lacks; idempotent. Throws when an attribute exists with another type
 * (Temporal cannot change a type; the message names the attribute).
 */
export async function registerSearchAttributes(
  connection: Connection | NativeConnection,
  namespace: string,
): Promise<SearchAttributeRegistration> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const added: string[] = [];
  const present: string[] = [];
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of Object.values(batonSearchAttributes)) {
    const wanted = IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`];
    const existing = customAttributes?.[key.name];
    if (existing === undefined || existing === null) {
      missing[key.name] = wanted;
      added.push(key.name);
    } else if (existing !== wanted) {
      throw new Error(
        `search attribute ${key.name} exists in namespace "${namespace}" as ${IndexedValueType[existing]}, Baton needs ${IndexedValueType[wanted]}: remove it (temporal operator search-attribute remove) or use another namespace`,
      );
    } else {
      present.push(key.name);
    }
  }
  if (added.length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return { added, present };
}
