import type { Context } from 'hono';
import { GatewayError } from './gateway-error.ts';
import type { LogLine } from '../log-store.ts';
import { FUNCTION_NAMESPACE, type GatewayBackend } from './backend.ts';
import { assertKnownNamespace } from './namespace.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `GET /system/logs?name=&namespace=&instance=&tail=&since=&follow=` as faas-provider's log handler answers it (and
 * `faas-cli logs` reads it): one JSON `logs.Message` per line, `application/x-ndjson`. With `follow=true` new lines
 * keep coming until the client disconnects. Unparsable parameters: 422 naming the parameter.
 */
export function logsHandler(backend: GatewayBackend) {
  return (c: Context): Response => {
    const query = parseQuery(new URL(c.req.url).searchParams);
    if (!backend.getFunction(query.name))
      throw new GatewayError(404, `function ${query.name} not found in namespace ${FUNCTION_NAMESPACE}`);
    const encoder = new TextEncoder();
    const encode = (line: LogLine) =>
      encoder.encode(
        `${JSON.stringify({ name: line.name, namespace: FUNCTION_NAMESPACE, instance: line.instance, timestamp: line.timestamp, text: line.text })}\n`,
      );
    let unsubscribe = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const line of backend.logs.query(query)) controller.enqueue(encode(line));
        if (!query.follow) return controller.close();
        unsubscribe = backend.logs.subscribe(query.name, (line) => controller.enqueue(encode(line)), query.instance);
      },
      cancel: () => unsubscribe(),
    });
    return new Response(body, { headers: { 'Content-Type': 'application/x-ndjson' } });
  };
}

function parseQuery(params: URLSearchParams) {
  const last = (key: string) => params.getAll(key).at(-1) ?? ''; // faas-provider reads the last value
  assertKnownNamespace(params.get('namespace') ?? undefined);
  const name = last('name');
  if (!name) throw new GatewayError(422, 'could not parse the log request: name is required');
  const tail = last('tail');
  if (tail && !/^-?\d+$/.test(tail))
    throw new GatewayError(422, `could not parse the log request: tail must be a whole number, not "${tail}"`);
  const since = last('since');
  if (since && (!RFC3339.test(since) || Number.isNaN(Date.parse(since)))) {
    throw new GatewayError(422, `could not parse the log request: since must be an RFC 3339 time, not "${since}"`);
  }
  const instance = last('instance');
  return {
    name,
    ...(instance && { instance }),
    tail: tail ? Number(tail) : 0,
    ...(since && { since: new Date(since) }),
    follow: ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(last('follow')), // Go's strconv.ParseBool; else false
  };
}
