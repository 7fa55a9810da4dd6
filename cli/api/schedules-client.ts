/** The schedules routes of the trigger API (`/schedules`), through the gateway. */
import { callApi, type BatonApi } from './run-client.ts';
import type { ScheduleLinks, ScheduleSummaryView, ScheduleView } from '../../functions/baton/api/schedule-view.ts';
import type { CreateScheduleBody, OverlapPolicy } from '../../functions/baton/api/schedule-spec.ts';

export type { OverlapPolicy, ScheduleSummaryView, ScheduleView };

/** The body of `POST /schedules` as a caller writes it: everything but `pipeline` and `spec` has a default. */
export type ScheduleRequest = Pick<CreateScheduleBody, 'pipeline' | 'spec'> &
  Partial<Omit<CreateScheduleBody, 'pipeline' | 'spec' | 'policy'>> & {
    policy?: Partial<CreateScheduleBody['policy']>;
  };

/** The answer to `POST /schedules`. */
export interface CreatedSchedule {
  scheduleId: string;
  pipeline: string;
  paused: boolean;
  links: ScheduleLinks;
}

const path = (scheduleId: string, action = '') => `/schedules/${encodeURIComponent(scheduleId)}${action}`;

/** `POST /schedules`: ApiError 400 naming the field, 404 for an unknown pipeline, 409 for a taken id. */
export async function createSchedule(api: BatonApi, request: ScheduleRequest): Promise<CreatedSchedule> {
  return callApi(api, 'POST', '/schedules', request);
}

/** `GET /schedules`, sorted by id. */
export async function listSchedules(
  api: BatonApi,
  options: { pipeline?: string; limit?: number } = {},
): Promise<ScheduleSummaryView[]> {
  const params = new URLSearchParams();
  if (options.pipeline) params.set('pipeline', options.pipeline);
  if (options.limit !== undefined) params.set('limit', String(options.limit));
  const search = params.size > 0 ? `?${params}` : '';
  return (await callApi<{ schedules: ScheduleSummaryView[] }>(api, 'GET', `/schedules${search}`)).schedules;
}

/** `GET /schedules/{id}`; ApiError 404 for an unknown schedule. */
export async function getSchedule(api: BatonApi, scheduleId: string): Promise<ScheduleView> {
  return callApi(api, 'GET', path(scheduleId));
}

/** `DELETE /schedules/{id}`: the runs it started go on. */
export async function deleteSchedule(api: BatonApi, scheduleId: string): Promise<{ scheduleId: string }> {
  return callApi(api, 'DELETE', path(scheduleId));
}

/** Pauses (`paused` true) or unpauses a schedule, with a note saying why (default: who did it). */
export async function setSchedulePaused(
  api: BatonApi,
  scheduleId: string,
  paused: boolean,
  note?: string,
): Promise<{ scheduleId: string; paused: boolean; note: string }> {
  return callApi(api, 'POST', path(scheduleId, paused ? '/pause' : '/unpause'), note === undefined ? {} : { note });
}

/** Starts a run of the schedule now; `overlap` for this run only (default allow-all). */
export async function triggerSchedule(
  api: BatonApi,
  scheduleId: string,
  overlap?: OverlapPolicy,
): Promise<{ scheduleId: string; overlap: OverlapPolicy; status: 'triggered' }> {
  return callApi(api, 'POST', path(scheduleId, '/trigger'), overlap === undefined ? {} : { overlap });
}
