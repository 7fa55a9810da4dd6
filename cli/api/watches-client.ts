/** The watches routes of the trigger API (`/watches`), through the gateway. */
import { callApi, type BatonApi } from './run-client.ts';
import type { WatchLinks, WatchView } from '../../functions/baton/api/watch-view.ts';
import type { CreateWatchBody } from '../../functions/baton/api/watch-spec.ts';

export type { WatchView };

/** The body of `POST /watches` as a caller writes it: everything but `pipeline` and `source` has a default. */
export type WatchRequest = Pick<CreateWatchBody, 'pipeline'> &
  Partial<Omit<CreateWatchBody, 'pipeline' | 'source'>> & {
    source:
      | { kind: 'csv'; path?: string; url?: string; query?: Record<string, string> }
      | {
          kind: 'postgres';
          table: string;
          schema?: string;
          highWaterMark?: string;
        }
      | { kind: 'minio-prefix'; prefix: string };
  };

/** The answer to `POST /watches`. */
export interface CreatedWatch {
  watchId: string;
  pipeline: string;
  interval: string;
  links: WatchLinks;
}

const path = (watchId: string) => `/watches/${encodeURIComponent(watchId)}`;

/** `POST /watches`: ApiError 400 naming the field, 404 for an unknown pipeline, 409 for a watch id in use. */
export async function createWatch(api: BatonApi, request: WatchRequest): Promise<CreatedWatch> {
  return callApi(api, 'POST', '/watches', request);
}

/** `GET /watches`: the running watches, sorted by id. */
export async function listWatches(api: BatonApi, options: { limit?: number } = {}): Promise<WatchView[]> {
  const search = options.limit !== undefined ? `?limit=${options.limit}` : '';
  return (await callApi<{ watches: WatchView[] }>(api, 'GET', `/watches${search}`)).watches;
}

/** `GET /watches/{id}`; ApiError 404 for an unknown watch. */
export async function getWatch(api: BatonApi, watchId: string): Promise<WatchView> {
  return callApi(api, 'GET', path(watchId));
}

/** `DELETE /watches/{id}`: the watch stops; the runs it started go on. */
export async function deleteWatch(api: BatonApi, watchId: string): Promise<{ watchId: string; deleted: true }> {
  return callApi(api, 'DELETE', path(watchId));
}
