import { createHash } from 'node:crypto';
import { Client } from 'minio';
import { readSecret } from './secrets.ts';
import type { ArtifactRef } from './step-contract.ts';

/** S3 settings of a function, read once from its environment and secrets. */
export interface ArtifactStoreConfig {
  endpoint: URL;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

/** Reads the artifact settings; errors name the missing key. */
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
    accessKey: readSecret('s3-access-key'),
    secretKey: readSecret('s3-secret-key'),
  };
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
    this.client = new Client({
      endPoint: config.endpoint.hostname,
      port: config.endpoint.port ? Number(config.endpoint.port) : undefined,
      useSSL: config.endpoint.protocol === 'https:',
      region: config.region,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
    });
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
      if ((error as { code?: string }).code === 'NotFound' || (error as { code?: string }).code === 'NoSuchKey') return false;
      throw error;
    }
  }

  private async readAll(bucket: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.client.getObject(bucket, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      if (!(await this.client.bucketExists(this.bucket))) {
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

/** Lowercase hex sha256 of some bytes. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
