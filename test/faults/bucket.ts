/** Read-only access to the stack's artifact bucket with MinIO's root credentials, for the fault tests' checks. */
import { Client } from 'minio';

/** The bucket every Baton artifact lives in. */
export const ARTIFACT_BUCKET = 'baton-artifacts';

/** Lists and reads objects of the artifact bucket. */
export class Bucket {
  private readonly client: Client;

  constructor(minioUrl: string, credentials: { s3AccessKey: string; s3SecretKey: string }) {
    const url = new URL(minioUrl);
    this.client = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: credentials.s3AccessKey,
      secretKey: credentials.s3SecretKey,
    });
  }

  /** Every object under `prefix` with its size, sorted by key. */
  async list(prefix: string): Promise<{ key: string; size: number }[]> {
    const out: { key: string; size: number }[] = [];
    for await (const item of this.client.listObjectsV2(ARTIFACT_BUCKET, prefix, true))
      if (item.name) out.push({ key: item.name, size: item.size });
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** An object's bytes. */
  async bytes(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.client.getObject(ARTIFACT_BUCKET, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** An object's JSON. */
  async json<T>(key: string): Promise<T> {
    return JSON.parse((await this.bytes(key)).toString('utf8')) as T;
  }
}
