/** The test stack's MinIO as its root user: what tests use to put and read objects behind the functions' backs. */
import { Client as MinioClient } from 'minio';
import type { TestStack } from './test-stack.ts';

/** A client of the stack's MinIO with the root credentials (every bucket, every key). */
export function rootMinioClient(stack: TestStack): MinioClient {
  return new MinioClient({
    endPoint: '127.0.0.1',
    port: Number(new URL(stack.minioUrl).port),
    useSSL: false,
    accessKey: stack.secrets.s3AccessKey,
    secretKey: stack.secrets.s3SecretKey,
  });
}
