/** What the registry needs of an object store, and reading and updating its documents safely over it. */
import type { z } from 'zod';
import { describeZodError, type ArtifactRef } from '../template/baton-node/step-contract.ts';
import { RegistryConflictError, RegistryDocumentError } from './errors.ts';

/**
 * The object store under the registry: the baton-node template's ArtifactStore fits as it is, tests use
 * `memoryRegistryStore`. Mutable documents are rewritten with compare-and-swap on their ETag.
 */
export interface RegistryStore {
  readonly bucket: string;
  /** A JSON document and its ETag; undefined when absent. */
  readJson(key: string): Promise<{ value: unknown; etag: string } | undefined>;
  /** Writes only if the stored document still has `etag` (`null`: only if absent); undefined when it had changed. */
  putJsonIf(key: string, value: unknown, etag: string | null): Promise<ArtifactRef | undefined>;
  /** Server-side copy of an artifact to `key` in this store's bucket. */
  copy(ref: ArtifactRef, key: string): Promise<ArtifactRef>;
  /** The reference of the object at `key`. */
  ref(key: string): Promise<ArtifactRef>;
  /** Names one level below `prefix`: objects, and "folders" ending with "/". */
  list(prefix: string): Promise<string[]>;
  /** Removes the object at `key` (absent is fine). */
  remove(key: string): Promise<void>;
}

/** A document read and checked against its schema, with the ETag to rewrite it. */
export interface StoredDocument<T> {
  value: T;
  etag: string;
}

/** Reads the document at `key` and checks it; undefined when absent, RegistryDocumentError when malformed. */
export async function readDocument<S extends z.ZodType>(
  store: RegistryStore,
  key: string,
  schema: S,
): Promise<StoredDocument<z.infer<S>> | undefined> {
  const stored = await store.readJson(key);
  if (!stored) return undefined;
  const parsed = schema.safeParse(stored.value);
  if (!parsed.success) {
    throw new RegistryDocumentError(key, describeZodError(parsed.error));
  }
  return { value: parsed.data, etag: stored.etag };
}

/** How many times an update re-reads a document another writer changed before giving up. */
export const UPDATE_ATTEMPTS = 8;

/**
 * Read-modify-write of one document with compare-and-swap: `change` gets the current value (undefined when absent)
 * and answers the new one, or undefined to leave the document as it is. When another writer changed the document
 * in between, it is read again and `change` runs again on the newer value. Answers whether it wrote.
 */
export async function updateDocument<S extends z.ZodType>(
  store: RegistryStore,
  key: string,
  schema: S,
  change: (current: z.infer<S> | undefined) => z.infer<S> | undefined,
): Promise<boolean> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await readDocument(store, key, schema);
    const next = change(current?.value);
    if (next === undefined) return false;
    if (await store.putJsonIf(key, next, current?.etag ?? null)) return true;
  }
  throw new RegistryConflictError(key);
}
