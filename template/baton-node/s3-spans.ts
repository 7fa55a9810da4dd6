/**
 * S3 calls as spans: each call the artifact store makes on its S3 client becomes a client span (`S3.PutObject`,
 * `S3.GetObject`, ...), a child of the step span in progress. The span carries the bucket and the object key,
 * never the credentials or the request's headers.
 */
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { inSpan, inSpanSync, tracingActive } from './tracing.ts';

/** The client's methods the store calls, and the S3 operation each one is. */
const S3_OPERATIONS: Record<string, string> = {
  putObject: 'PutObject',
  getObject: 'GetObject',
  statObject: 'HeadObject',
  copyObject: 'CopyObject',
  removeObject: 'DeleteObject',
  listObjectsV2: 'ListObjectsV2',
  bucketExists: 'HeadBucket',
  makeBucket: 'CreateBucket',
  initiateNewMultipartUpload: 'CreateMultipartUpload',
  uploadPart: 'UploadPart',
  completeMultipartUpload: 'CompleteMultipartUpload',
  abortMultipartUpload: 'AbortMultipartUpload',
};

/**
 * `client` with a span around each S3 operation, or `client` itself when tracing is off. Calls the client makes
 * on itself are not wrapped (they run on the original object): one span per operation the store asked for.
 */
export function withS3Spans<T extends object>(client: T): T {
  if (!tracingActive()) return client;
  return new Proxy(client, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      const operation = typeof key === 'string' ? S3_OPERATIONS[key] : undefined;
      if (!operation || typeof value !== 'function') return value;
      const call = (args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
      return (...args: unknown[]) => {
        const spec = { name: `S3.${operation}`, kind: SpanKind.CLIENT, attributes: s3Attributes(operation, args) };
        // listObjectsV2 answers a stream at once, not a promise: its span covers the call that opens it.
        if (operation === 'ListObjectsV2') return inSpanSync(spec, () => call(args));
        return inSpan(spec, async () => call(args));
      };
    },
  });
}

function s3Attributes(operation: string, args: unknown[]): Attributes {
  const first = args[0];
  // uploadPart takes one object with the names; the others take (bucket, key, ...).
  const [bucket, key] =
    first && typeof first === 'object'
      ? [(first as { bucketName?: unknown }).bucketName, (first as { objectName?: unknown }).objectName]
      : [first, operation === 'HeadBucket' || operation === 'CreateBucket' ? undefined : args[1]];
  const attributes: Attributes = { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'rpc.method': operation };
  if (typeof bucket === 'string') attributes['aws.s3.bucket'] = bucket;
  if (typeof key === 'string') attributes['aws.s3.key'] = key;
  return attributes;
}
