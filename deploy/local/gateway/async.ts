import { Hono } from 'hono';
import { HttpError } from '../errors.ts';

/**
 * `/async-function/{name}[/{path}]`: the queued invocation of the OpenFaaS gateway (202 + `X-Call-Id`, the result
 * POSTed later to `X-Callback-Url`). The local queue is not built yet: this router is where it plugs in (the app
 * mounts it at `/async-function`), and until then every call answers 501.
 */
export function asyncFunctionRoutes(): Hono {
  return new Hono().post('/*', () => {
    throw new HttpError(501, 'asynchronous invocation is not available on the local gateway yet; call /function/{name}');
  });
}
