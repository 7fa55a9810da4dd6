import { createHash, type Hash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Client } from 'minio';
import { withS3Spans } from './s3-spans.ts';
import { readS3Credentials } from './secrets.ts';
import type { ArtifactRef } from './step-contract.ts';

/** S3 settings of a function, read once from its environment and secrets. */
export interface ArtifactStoreConfig {
  endpoint: URL;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

/** Reads the artifact settings and the function's S3 credentials (readS3Credentials); errors name the missing key. */
export function artifactStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ArtifactStoreConfig {
  const endpoint = env.S3_ENDPOINT;
  if (!endpoint) throw new Error('S3_ENDPOINT is not set: give the S3 endpoint URL, e.g. http://127.0.0.1:9000');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`S3_ENDPOINT is not a URL: "${endpoint}"`);
  }
  return {
    endpoint: url,
    region: env.S3_REGION || 'us-east-1',
    bucket: env.BATON_ARTIFACT_BUCKET || 'baton-artifacts',
    ...readS3Credentials(),
  };
}

/** Default part size of `putStream`: an upload holds two parts in memory, whatever the artifact's size. */
export const STREAM_PART_SIZE = 8 * 1024 * 1024;
/** S3's smallest part (all but the last) and largest number of parts of a multipart upload. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** How `putStream` uploads. */
export interface PutStreamOptions {
  /** Bytes per multipart part, at least 5 MiB (S3's minimum); default `STREAM_PART_SIZE`. */
  partSize?: number;
  contentType?: string;
}

/** Parses `s3://bucket/key`. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// artifact URI: "${uri}"`);
  return { bucket: match[1]!, key: match[2]! };
}

/** Artifacts in S3-compatible storage, always passed around as `{uri, sha256, size}` references. */
export class ArtifactStore {
  readonly bucket: string;
  private readonly client: Client;
  private bucketReady: Promise<void> | undefined;

  constructor(config: ArtifactStoreConfig) {
    this.bucket = config.bucket;
    // With tracing on, every S3 call is a child span of the step in progress.
    this.client = withS3Spans(
      new Client({
        endPoint: config.endpoint.hostname,
        port: config.endpoint.port ? Number(config.endpoint.port) : undefined,
        useSSL: config.endpoint.protocol === 'https:',
        region: config.region,
        accessKey: config.accessKey,
        secretKey: config.secretKey,
      }),
    );
  }

  /** Stores small bytes (metadata, reports) at `key` and returns the reference. */
  async putBytes(key: string, bytes: Buffer, contentType = 'application/octet-stream'): Promise<ArtifactRef> {
    await this.ensureBucket();
    await this.client.putObject(this.bucket, key, bytes, bytes.length, { 'Content-Type': contentType });
    return { uri: `s3://${this.bucket}/${key}`, sha256: sha256(bytes), size: bytes.length };
  }

  /** Stores a value as pretty JSON. */
  putJson(key: string, value: unknown): Promise<ArtifactRef> {
    return this.putBytes(key, Buffer.from(`${JSON.stringify(value, null, 2)}\n`), 'application/json');
  }

  /** Reads a small artifact whole, checking its size and sha256 against the reference. */
  async getBytes(ref: ArtifactRef): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(ref.uri);
    const bytes = await this.readAll(bucket, key);
    if (bytes.length !== ref.size || sha256(bytes) !== ref.sha256) {
      throw new Error(`artifact ${ref.uri} does not match its reference (size or sha256 differ)`);
    }
    return bytes;
  }

  /**
   * Streams exactly `size` bytes from `source` to `key` and returns the reference, hashing on the way. Memory stays
   * at two parts (`partSize` each) whatever the size: one part uploads while the next is read, in two reused
   * buffers. A source that gives more or fewer bytes than `size` fails the call and leaves no object behind.
   */
  async putStream(
    key: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    size: number,
    options: PutStreamOptions = {},
  ): Promise<ArtifactRef> {
    const partSize = options.partSize ?? STREAM_PART_SIZE;
    if (!Number.isSafeInteger(size) || size < 0)
      throw new Error(`putStream: size must be a whole number of bytes, got ${size}`);
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE)
      throw new Error(`putStream: partSize must be at least ${MIN_PART_SIZE} bytes (S3's minimum), got ${partSize}`);
    if (Math.ceil(size / partSize) > MAX_PARTS)
      throw new Error(
        `putStream: ${size} bytes need more than ${MAX_PARTS} parts of ${partSize} bytes; pass a larger partSize`,
      );
    await this.ensureBucket();
    const hash = createHash('sha256');
    const parts = readParts(source, size, partSize, hash, key);
    const headers = { 'Content-Type': options.contentType ?? 'application/octet-stream' };
    if (size <= partSize) {
      const whole = Buffer.concat([...(await collect(parts))]);
      await this.client.putObject(this.bucket, key, whole, whole.length, headers);
    } else {
      const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, key, headers);
      try {
        const etags: { part: number; etag: string }[] = [];
        let uploading: Promise<unknown> = Promise.resolve();
        for await (const part of parts) {
          await uploading; // the part before is stored: its buffer may be refilled while this one uploads
          const partNumber = etags.length + 1;
          uploading = this.client
            .uploadPart({ bucketName: this.bucket, objectName: key, uploadID: uploadId, partNumber, headers: {} }, part)
            .then(({ etag }) => etags.push({ part: partNumber, etag }));
          uploading.catch(() => {}); // awaited on the next turn or after the loop; not unhandled meanwhile
        }
        await uploading;
        await this.client.completeMultipartUpload(this.bucket, key, uploadId, etags);
      } catch (error) {
        await this.client.abortMultipartUpload(this.bucket, key, uploadId).catch(() => {});
        throw error;
      }
    }
    return { uri: `s3://${this.bucket}/${key}`, sha256: hash.digest('hex'), size };
  }

  /**
   * Streams an artifact, checking its size and sha256 against the reference as the bytes pass: when they differ
   * the stream fails instead of ending, so a consumer never takes a corrupt artifact for a whole one.
   */
  async getStream(ref: ArtifactRef): Promise<Readable> {
    const { bucket, key } = parseS3Uri(ref.uri);
    const body = await this.client.getObject(bucket, key);
    const hash = createHash('sha256');
    let size = 0;
    const mismatch = () => new Error(`artifact ${ref.uri} does not match its reference (size or sha256 differ)`);
    const checked = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > ref.size) return done(mismatch());
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        done(size === ref.size && hash.digest('hex') === ref.sha256 ? null : mismatch());
      },
    });
    pipeline(body, checked, () => {}); // an error of either side reaches the consumer through `checked`
    return checked;
  }

  /** Server-side copy of an artifact to another key of this store's bucket; the reference keeps its hash. */
  async copy(ref: ArtifactRef, key: string): Promise<ArtifactRef> {
    await this.ensureBucket();
    const { bucket, key: sourceKey } = parseS3Uri(ref.uri);
    await this.client.copyObject(this.bucket, key, `/${bucket}/${sourceKey}`);
    return { ...ref, uri: `s3://${this.bucket}/${key}` };
  }

  /** The reference of an object already stored at `key` (reads it to hash it: meant for small objects). */
  async ref(key: string): Promise<ArtifactRef> {
    const bytes = await this.readAll(this.bucket, key);
    return { uri: `s3://${this.bucket}/${key}`, sha256: sha256(bytes), size: bytes.length };
  }

  /** Whether an object exists at `key`. */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.bucket, key);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFound' || (error as { code?: string }).code === 'NoSuchKey')
        return false;
      throw error;
    }
  }

  /**
   * A small mutable JSON document of this bucket read by key, with its ETag for `putJsonIf`; undefined when absent.
   * The ETag is read first: if the document changes in between, a `putJsonIf` with it fails, never overwrites.
   */
  async readJson(key: string): Promise<{ value: unknown; etag: string } | undefined> {
    let etag: string;
    try {
      etag = (await this.client.statObject(this.bucket, key)).etag;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      return { value: JSON.parse((await this.readAll(this.bucket, key)).toString('utf8')), etag };
    } catch (error) {
      if (isMissing(error)) return undefined; // removed between stat and get
      throw error;
    }
  }

  /**
   * Writes JSON at `key` only if the stored object still has `etag` (`null`: only if nothing is stored there yet),
   * with S3's conditional write (If-Match / If-None-Match). Answers undefined when another writer got there first.
   */
  async putJsonIf(key: string, value: unknown, etag: string | null): Promise<ArtifactRef | undefined> {
    await this.ensureBucket();
    const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    const condition = etag === null ? { 'If-None-Match': '*' } : { 'If-Match': etag };
    try {
      await this.client.putObject(this.bucket, key, bytes, bytes.length, {
        'Content-Type': 'application/json',
        ...condition,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'PreconditionFailed' || (etag !== null && isMissing(error)))
        return undefined;
      throw error;
    }
    return { uri: `s3://${this.bucket}/${key}`, sha256: sha256(bytes), size: bytes.length };
  }

  /** The names one level below `prefix` in this bucket: objects, and "folders" ending with "/". */
  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const item of this.client.listObjectsV2(this.bucket, prefix, false)) {
        const name = (item as { prefix?: string; name?: string }).prefix ?? (item as { name?: string }).name;
        if (name) names.push(name.slice(prefix.length));
      }
    } catch (error) {
      if ((error as { code?: string }).code === 'NoSuchBucket') return [];
      throw error;
    }
    return names;
  }

  /** Removes the object at `key`; nothing stored there is fine. */
  async remove(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  private async readAll(bucket: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.client.getObject(bucket, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      let exists: boolean;
      try {
        exists = await this.client.bucketExists(this.bucket);
      } catch (error) {
        // A function's own S3 user may see only its prefixes, not the bucket: the deployment made the bucket (and a
        // write to a missing one still fails, with NoSuchBucket).
        if ((error as { code?: string }).code === 'AccessDenied') return;
        throw error;
      }
      if (!exists) {
        await this.client.makeBucket(this.bucket).catch(async (error: unknown) => {
          // Another replica may have created it in between.
          if (!(await this.client.bucketExists(this.bucket))) throw error;
        });
      }
    })().catch((error: unknown) => {
      this.bucketReady = undefined;
      throw error;
    });
    return this.bucketReady;
  }
}

/**
 * Cuts `source` into parts of `partSize` bytes (the last one shorter), hashing every byte, in two buffers used in
 * turn: a part must be released before the part after the next one is asked for. Yields to the event loop between
 * chunks, so a synchronous source lets the upload in flight progress. Fails unless the source gives exactly `size` bytes.
 */
async function* readParts(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
  partSize: number,
  hash: Hash,
  key: string,
): AsyncGenerator<Buffer> {
  const buffers =
    size > partSize ? [Buffer.allocUnsafe(partSize), Buffer.allocUnsafe(partSize)] : [Buffer.allocUnsafe(size)];
  let turn = 0;
  let buffer = buffers[0]!;
  let filled = 0;
  let total = 0;
  for await (const chunk of source) {
    await nextTurn();
    total += chunk.length;
    if (total > size) throw new Error(`putStream ${key}: the source gave more than the ${size} bytes announced`);
    hash.update(chunk);
    for (let offset = 0; offset < chunk.length; ) {
      const taken = Math.min(chunk.length - offset, buffer.length - filled);
      buffer.set(chunk.subarray(offset, offset + taken), filled);
      filled += taken;
      offset += taken;
      if (filled === buffer.length) {
        yield buffer;
        turn = (turn + 1) % buffers.length;
        buffer = buffers[turn]!;
        filled = 0;
      }
    }
  }
  if (total !== size)
    throw new Error(`putStream ${key}: the source ended after ${total} of the ${size} bytes announced`);
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const copies: Buffer[] = [];
  for await (const part of parts) copies.push(Buffer.from(part));
  return copies;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket';
}

/** Lowercase hex sha256 of some bytes. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
