/** An in-memory RegistryStore for tests: the same compare-and-swap semantics as S3's conditional writes. */
import { createHash } from 'node:crypto';
import type { ArtifactRef } from '../template/baton-node/step-contract.ts';
import type { RegistryStore } from './store.ts';

/** The store plus its objects, for tests to look at or to tamper with. */
export interface MemoryRegistryStore extends RegistryStore {
  objects: Map<string, Buffer>;
  /** Stores bytes as an artifact would be (a trained model file, say) and answers its reference. */
  putArtifact(key: string, bytes: Buffer): ArtifactRef;
  /** Every key written, in order (puts, copies and removals as `-key`). */
  writes: string[];
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function memoryRegistryStore(bucket = 'baton-test'): MemoryRegistryStore {
  const objects = new Map<string, Buffer>();
  const writes: string[] = [];
  const refOf = (key: string, bytes: Buffer): ArtifactRef => ({
    uri: `s3://${bucket}/${key}`,
    sha256: sha256(bytes),
    size: bytes.length,
  });
  const keyOf = (uri: string) => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match || match[1] !== bucket) throw new Error(`not an artifact of bucket ${bucket}: ${uri}`);
    return match[2]!;
  };
  return {
    bucket,
    objects,
    writes,
    putArtifact(key, bytes) {
      objects.set(key, bytes);
      return refOf(key, bytes);
    },
    async readJson(key) {
      const bytes = objects.get(key);
      return bytes ? { value: JSON.parse(bytes.toString('utf8')), etag: sha256(bytes) } : undefined;
    },
    async putJsonIf(key, value, etag) {
      const current = objects.get(key);
      if (etag === null ? current !== undefined : current === undefined || sha256(current) !== etag) return undefined;
      const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
      objects.set(key, bytes);
      writes.push(key);
      return refOf(key, bytes);
    },
    async copy(ref, key) {
      const bytes = objects.get(keyOf(ref.uri));
      if (!bytes) throw new Error(`artifact ${ref.uri} does not exist`);
      objects.set(key, bytes);
      writes.push(key);
      return { ...ref, uri: `s3://${bucket}/${key}` };
    },
    async ref(key) {
      const bytes = objects.get(key);
      if (!bytes) throw new Error(`no object at ${key}`);
      return refOf(key, bytes);
    },
    async list(prefix) {
      const names = new Set<string>();
      for (const key of objects.keys()) {
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...names].sort();
    },
    async remove(key) {
      if (objects.delete(key)) writes.push(`-${key}`);
    },
  };
}
