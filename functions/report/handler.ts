/**
 * report: renders one self-contained HTML page about a finished training run (parameters, metrics, the training
 * curve, the confusion matrix, lineage, a link to the run in the Temporal UI) and stores it at
 * `runs/<workflowId>/report/report.html`. A retry renders again and overwrites the same key.
 */
import { StepInputError, type ArtifactRef, type StepContext, type StepResult } from '#baton-step';
import { renderReport } from './report-page.ts';
import { trainingCurve, type CurvePoint, type ReportOutput, type ReportRequest } from './schema.ts';

/** What the handler reads of the artifact store (the real one, or a fake in tests). */
export interface CurveStore {
  getBytes(ref: ArtifactRef): Promise<Buffer>;
}

export async function handle(request: ReportRequest, ctx: StepContext): Promise<StepResult<ReportOutput>> {
  const store = ctx.artifacts();
  const curve = request.curve ? await loadCurve(store, request.curve) : undefined;
  const page = renderReport({
    ...request,
    curve,
    temporalUiUrl: temporalUiLink(request.temporalUiPath, ctx.run.workflowId, process.env),
    generatedAt: new Date().toISOString(),
  });
  const report = await store.putBytes(ctx.runKey('report.html'), Buffer.from(page, 'utf8'), 'text/html; charset=utf-8');
  ctx.log(
    `report of ${request.pipeline} run ${request.runId}: ${report.uri} (${report.size} bytes${curve ? `, ${curve.length} epochs` : ''})`,
  );
  return { output: { report }, metrics: { reportBytes: report.size, curvePoints: curve?.length ?? 0 } };
}

/**
 * Reads train-epochs' curve.json. A curve that is missing, does not match its reference or is not a curve is the
 * caller's mistake (422, not retried): trying again cannot fix it.
 */
export async function loadCurve(store: CurveStore, ref: ArtifactRef): Promise<CurvePoint[]> {
  let bytes: Buffer;
  try {
    bytes = await store.getBytes(ref);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'NoSuchKey' || code === 'NotFound')
      throw new StepInputError(`curve ${ref.uri} does not exist`, { path: 'curve' });
    if (/does not match its reference/.test((error as Error).message))
      throw new StepInputError((error as Error).message, { path: 'curve' });
    throw error; // the store is unreachable, say: retried
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StepInputError(`curve ${ref.uri} is not JSON`, { path: 'curve' });
  }
  const parsed = trainingCurve.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? ` (at ${issue.path.join('.')})` : '';
    throw new StepInputError(`curve ${ref.uri} is not a list of {epoch, loss, accuracy}${where}: ${issue.message}`, {
      path: 'curve',
    });
  }
  return parsed.data;
}

/**
 * The report's link to the run in the Temporal UI: an absolute URL as given; a path joined to TEMPORAL_UI_URL (kept
 * relative when that is unset); without either, the run's page under TEMPORAL_UI_URL, or no link at all.
 */
export function temporalUiLink(
  pathOrUrl: string | undefined,
  workflowId: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const base = env.TEMPORAL_UI_URL?.replace(/\/+$/, '');
  if (pathOrUrl && /^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  if (pathOrUrl) return base ? `${base}${pathOrUrl}` : pathOrUrl;
  if (!base) return undefined;
  return `${base}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE || 'default')}/workflows/${encodeURIComponent(workflowId)}`;
}
