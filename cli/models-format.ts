/** Output of the `models` commands: pure functions from the registry's answers to lines. */
import { formatMetrics, formatTime, table } from './format.ts';
import type { ModelPolicyView, ModelSummary, ModelView, PromotionAnswer } from './api/models-client.ts';

/** `baton models`: one row per model. */
export function modelsTable(models: readonly ModelSummary[], timeZone?: string): string[] {
  return table(
    ['MODEL', 'VERSIONS', 'PRODUCTION', 'PROMOTED', 'LATEST', 'LATEST STAGE', 'LATEST METRICS'],
    models.map((model) => [
      model.name,
      String(model.versionCount),
      model.production?.version ?? '-',
      model.production ? formatTime(model.production.promotedAt, timeZone) : '-',
      model.latest.version,
      model.latest.stage,
      formatMetrics(model.latest.metrics) || '-',
    ]),
  );
}

/** `baton models <name>`: the production pointer, then every version with its stage, metrics and lineage. */
export function modelDetails(model: ModelView, timeZone?: string): string[] {
  const production = model.production;
  const lines = [
    `model       ${model.name}`,
    `production  ${production ? `${production.version} since ${formatTime(production.promotedAt, timeZone)} by ${production.by}${production.reason ? ` (${production.reason})` : ''}` : 'none'}`,
    '',
    ...table(
      ['VERSION', 'STAGE', 'REGISTERED', 'TYPE', 'METRICS'],
      model.versions.map((version) => [
        version.version,
        version.stage,
        formatTime(version.registeredAt, timeZone),
        version.model.type,
        formatMetrics(version.metrics) || '-',
      ]),
    ),
  ];
  for (const version of model.versions) {
    const { lineage } = version;
    lines.push(
      '',
      `${version.version}  ${version.stage} since ${formatTime(version.stageChangedAt, timeZone)}`,
      `  dataset     ${lineage.dataset.name} ${lineage.dataset.version}`,
      `  run         ${lineage.run.workflowId} (${lineage.run.pipeline})`,
      `  code        ${lineage.codeVersion ?? 'unknown'}`,
      `  params      ${JSON.stringify(version.params)}`,
      ...(version.target ? [`  target      ${version.target}`] : []),
      ...(lineage.parameters ? [`  parameters  ${JSON.stringify(lineage.parameters)}`] : []),
      `  model       ${version.model.uri}`,
    );
    for (const change of version.stageHistory) {
      lines.push(
        `  ${formatTime(change.at, timeZone)}  → ${change.stage.padEnd(10)} by ${change.by}${change.reason ? `: ${change.reason}` : ''}`,
      );
    }
  }
  return lines;
}

/** What a promotion did, in one line. */
export function promotionLine(answer: PromotionAnswer): string {
  if (!answer.changed) return `${answer.modelName} ${answer.version} is already in ${answer.stage}; nothing changed`;
  const replaced =
    answer.stage === 'production' && answer.previousProduction ? `; ${answer.previousProduction} archived` : '';
  const left =
    answer.stage !== 'production' && answer.previousProduction === answer.version
      ? '; no version is in production now'
      : '';
  return `${answer.modelName} ${answer.version} → ${answer.stage}${replaced}${left}`;
}

/** `baton models policy <name>`: the rules every run of the model is held to, who set them, and earlier versions. */
export function policyDetails(policy: ModelPolicyView, timeZone?: string): string[] {
  const { rules } = policy;
  const { approval } = rules;
  const lines = [
    `model       ${policy.name}`,
    `policy      ${policy.stored ? `version ${policy.version}, set ${formatTime(policy.updatedAt, timeZone)} by ${policy.updatedBy}${policy.reason ? ` (${policy.reason})` : ''}` : 'the default policy (version 0): none stored'}`,
    `promotion   ${rules.enabled ? 'enabled' : 'disabled: versions stay in staging'}`,
    `metric      ${rules.metric} ≥ ${rules.minimum}${rules.mustBeatProduction ? ', and above the production version' : ''}`,
    `signature   ${rules.allowBreakingSignature ? "may break production's (allowBreakingSignature): predict's callers must follow" : "must match production's (features, order, types, classes)"}`,
    `approval    ${approval.required ? `required within ${approval.timeout}${approval.approverMustNotBeStarter ? ", by someone other than the run's starter" : ''}` : 'not required'}`,
  ];
  if (policy.stored) {
    for (const earlier of [...policy.history].reverse()) {
      lines.push(
        `  v${earlier.version}  ${formatTime(earlier.updatedAt, timeZone)} by ${earlier.updatedBy}${earlier.reason ? `: ${earlier.reason}` : ''}  ${JSON.stringify(earlier.rules)}`,
      );
    }
  }
  lines.push('', "A run's input may make these rules stricter, never looser.");
  return lines;
}
