/**
 * What must hold after faults, whatever was killed when: every accepted run closed (completed, or failed with a
 * message), no effect happened twice (one registered version per run, no extra artifacts at a run's final keys,
 * every dataset version what its schema.json says), and the registry's production pointers agree with stage.json.
 * Each check answers its violations as sentences; an empty list means it holds.
 */
import { createHash } from 'node:crypto';
import type { LoadRun } from './load.ts';
import type { Bucket } from './bucket.ts';

/** The violations found, by check. */
export interface InvariantReport {
  /** Runs still open after the drain. */
  stuck: string[];
  /** Runs that failed without a message. */
  silentFailures: string[];
  /** More than one registered version for a run, or none for a completed run. */
  duplicateVersions: string[];
  /** Objects under a run's prefix beyond the pipeline's final keys. */
  duplicateArtifacts: string[];
  /** Dataset versions whose data.csv disagrees with their schema.json or version. */
  datasets: string[];
  /** Production pointers that disagree with stage.json. */
  production: string[];
}

/** The number of violations in a report. */
export function violationCount(report: InvariantReport): number {
  return Object.values(report).reduce((sum, list: string[]) => sum + list.length, 0);
}

/**
 * The final (non-checkpoint) keys a completed run of each pipeline leaves under `runs/<runId>/`, as step folders
 * and file names. A key outside these (a second model under another name, a retry's leftover) is an effect twice.
 */
const FINAL_FILE = /^runs\/[^/]+\/(?<rest>.+)$/;

/** Checks every invariant over the accepted runs and the bucket. */
export async function checkInvariants(runs: readonly LoadRun[], bucket: Bucket): Promise<InvariantReport> {
  const report: InvariantReport = {
    stuck: runs.filter((run) => run.status === undefined).map((run) => `${run.runId} (${run.pipeline}) never closed`),
    silentFailures: runs
      .filter((run) => run.status && run.status !== 'completed' && !run.error?.trim())
      .map((run) => `${run.runId} ${run.status} without a message`),
    duplicateVersions: [],
    duplicateArtifacts: [],
    datasets: [],
    production: [],
  };
  const layouts = new Map<string, string>();
  for (const run of runs) {
    await checkRegistered(run, bucket, report);
    if (run.status === 'completed') await checkArtifacts(run, bucket, layouts, report);
  }
  await checkDatasets(bucket, report);
  return report;
}

/** One version per run that registered (exactly one when it completed), its lineage naming the run. */
async function checkRegistered(run: LoadRun, bucket: Bucket, report: InvariantReport): Promise<void> {
  const objects = await bucket.list(`models/${run.modelName}/`);
  const versions = new Map<string, string[]>();
  for (const { key } of objects) {
    const [, , version, file] = key.split('/');
    if (file) versions.set(version!, [...(versions.get(version!) ?? []), file]);
  }
  if (versions.size > 1 || (run.status === 'completed' && versions.size !== 1))
    report.duplicateVersions.push(`${run.runId}: ${versions.size} registered versions of ${run.modelName}`);
  const stages = new Map<string, string>();
  for (const [version, files] of versions) {
    const expected = ['model.json', 'model.skops', 'stage.json'];
    if (files.sort().join() !== expected.join())
      report.duplicateVersions.push(
        `${run.runId}: version ${version} holds ${files.join(', ')}, not ${expected.join(', ')}`,
      );
    if (!files.includes('model.json') || !files.includes('stage.json')) continue;
    const meta = await bucket.json<{ lineage: { run: { workflowId: string } } }>(
      `models/${run.modelName}/${version}/model.json`,
    );
    if (meta.lineage.run.workflowId !== run.runId)
      report.duplicateVersions.push(`${run.runId}: version ${version} says run ${meta.lineage.run.workflowId} made it`);
    stages.set(version, (await bucket.json<{ stage: string }>(`models/${run.modelName}/${version}/stage.json`)).stage);
  }
  const pointer = objects.some(({ key }) => key === `models/${run.modelName}/production.json`)
    ? await bucket.json<{ version: string }>(`models/${run.modelName}/production.json`)
    : undefined;
  for (const [version, stage] of stages) {
    const pointed = pointer?.version === version;
    if (pointed !== (stage === 'production'))
      report.production.push(
        `${run.modelName}: version ${version} has stage ${stage} but production.json points at ${pointer?.version ?? 'nothing'}`,
      );
  }
  if (pointer && !stages.has(pointer.version))
    report.production.push(`${run.modelName}: production.json points at ${pointer.version}, which is not registered`);
}

/**
 * A completed run's final keys (checkpoints aside) are the same set as every other completed run of its pipeline
 * leaves, and each key is written once by construction (S3 keys are unique): an extra key is an effect twice.
 */
async function checkArtifacts(
  run: LoadRun,
  bucket: Bucket,
  layouts: Map<string, string>,
  report: InvariantReport,
): Promise<void> {
  const keys = (await bucket.list(`runs/${run.runId}/`))
    .map(({ key }) => FINAL_FILE.exec(key)?.groups?.rest ?? key)
    .filter((rest) => !rest.includes('/checkpoints/'));
  const layout = keys.join(' ');
  const first = layouts.get(run.pipeline);
  if (first === undefined) layouts.set(run.pipeline, layout);
  else if (first !== layout)
    report.duplicateArtifacts.push(`${run.runId}: final keys [${layout}] differ from other runs' [${first}]`);
}

/** Every dataset version: data.csv's sha256 starts with the version, and schema.json's rows, bytes and columns match. */
async function checkDatasets(bucket: Bucket, report: InvariantReport): Promise<void> {
  const objects = await bucket.list('datasets/');
  const versions = new Set(
    objects
      .map(({ key }) => key.split('/'))
      .filter((parts) => parts.length === 4)
      .map((p) => `${p[1]}/${p[2]}`),
  );
  for (const id of versions) {
    const files = objects.filter(({ key }) => key.startsWith(`datasets/${id}/`)).map(({ key }) => key.split('/')[3]);
    if (files.sort().join() !== 'data.csv,schema.json') {
      report.datasets.push(`${id}: holds ${files.join(', ')}, not data.csv and schema.json`);
      continue;
    }
    const data = await bucket.bytes(`datasets/${id}/data.csv`);
    const schema = await bucket.json<{ version: string; rows: number; bytes: number; columns: { name: string }[] }>(
      `datasets/${id}/schema.json`,
    );
    const version = id.split('/')[1]!;
    const lines = data.toString('utf8').split('\n').filter(Boolean);
    const header = lines[0]?.split(',') ?? [];
    const problems = [
      createHash('sha256').update(data).digest('hex').startsWith(version) ? '' : 'data.csv is not its version',
      schema.version === version ? '' : `schema.json names version ${schema.version}`,
      schema.rows === lines.length - 1 ? '' : `schema.json says ${schema.rows} rows, data.csv has ${lines.length - 1}`,
      schema.bytes === data.length ? '' : `schema.json says ${schema.bytes} bytes, data.csv has ${data.length}`,
      schema.columns.map((c) => c.name).join() === header.join() ? '' : 'schema.json columns differ from the header',
    ].filter(Boolean);
    if (problems.length) report.datasets.push(`${id}: ${problems.join('; ')}`);
  }
}
