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

/**
 * Adds the attributes the namespace lacks; idempotent. Throws when an attribute exists with another type
 * (Temporal cannot change a type; the message names the attribute).
 */
export async function registerSearchAttributes(connection: Connection | NativeConnection, namespace: string): Promise<SearchAttributeRegistration> {
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
      throw new Error(`search attribute ${key.name} exists in namespace "${namespace}" as ${IndexedValueType[existing]}, Baton needs ${IndexedValueType[wanted]}: remove it (temporal operator search-attribute remove) or use another namespace`);
    } else {
      present.push(key.name);
    }
  }
  if (added.length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return { added, present };
}
