import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseWatchdogDuration } from '../../template/baton-node/duration.ts';
import { checkStorageSecrets, parseStorageRights, STORAGE_ANNOTATION, type StorageRights } from './storage-rights.ts';

/** One function of a stack file, with everything the local stack needs to run it. */
export interface FunctionSpec {
  name: string;
  lang: string;
  /** Absolute path of the handler folder. */
  handler: string;
  image: string;
  /** `environment_file` entries first (in order), then `environment`. */
  environment: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  secrets: string[];
  /** From the annotation `com.baton.storage`: the prefixes its own S3 user may read, write and delete. */
  storage?: StorageRights;
  /** From the annotation `com.baton.max-request-bytes`: the largest request body the gateway passes on (413 beyond). */
  maxRequestBytes: number;
  limits: { memory?: string; cpu?: string };
  /** faas-cli's `requests`, `constraints` and `readonly_root_filesystem`: used by the Kubernetes chart only. */
  requests?: { memory?: string; cpu?: string };
  constraints?: string[];
  readOnlyRootFilesystem?: boolean;
  /** From the label `com.openfaas.scale.min`; 1 when absent. */
  minReplicas: number;
  /** From the label `com.openfaas.scale.max`; 20 when absent. */
  maxReplicas: number;
  /** The watchdog's timeouts in ms (of-watchdog's default is 30 s each). */
  timeouts: { execMs: number; readMs: number; writeMs: number };
  /** The stack file that defined it. */
  stackFile: string;
}

/** The annotation capping a function's request bodies at the gateway. */
export const MAX_REQUEST_ANNOTATION = 'com.baton.max-request-bytes';
/** Step envelopes carry references, never artifact bytes: 1 MiB is plenty (NATS' default message size, too). */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_REQUEST_CEILING = 64 * 1024 * 1024;

/** A whole number of bytes from 1 to 64 MiB, or `fallback` when absent; the error names the key. */
function byteCount(value: string | undefined, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  const bytes = Number(value);
  if (!/^\d+$/.test(value.trim()) || bytes < 1 || bytes > MAX_REQUEST_CEILING) {
    throw new Error(
      `${key} must be a whole number of bytes from 1 to ${MAX_REQUEST_CEILING}, not ${JSON.stringify(value)}`,
    );
  }
  return bytes;
}

/** The functions of one or more stack files, merged. */
export interface Stack {
  functions: FunctionSpec[];
  /** The functions a later file redefined, each with a sentence naming both files. */
  overridden: { name: string; note: string }[];
}

/** The OpenFaaS labels bounding a function's replicas. */
export const MIN_SCALE_LABEL = 'com.openfaas.scale.min';
export const MAX_SCALE_LABEL = 'com.openfaas.scale.max';
/** The replicas bounds when the labels are absent (OpenFaaS' defaults). */
export const DEFAULT_MIN_REPLICAS = 1;
export const DEFAULT_MAX_REPLICAS = 20;
/** of-watchdog's default for exec_timeout, read_timeout and write_timeout. */
const DEFAULT_WATCHDOG_TIMEOUT_MS = 30_000;

/** faas-cli reads these maps as strings; YAML may give numbers or booleans (`max_inflight: 1`). */
const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const resources = z.object({ memory: z.coerce.string().optional(), cpu: z.coerce.string().optional() });
const functionSchema = z.looseObject({
  lang: z.string().min(1),
  handler: z.string().min(1),
  image: z.string().min(1),
  environment: stringMap.optional(),
  environment_file: z.array(z.string().min(1)).optional(),
  secrets: z.array(z.string().min(1)).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  limits: resources.optional(),
  requests: resources.optional(),
  constraints: z.array(z.string().min(1)).optional(),
  readonly_root_filesystem: z.boolean().optional(),
});
const stackSchema = z.looseObject({ functions: z.record(z.string(), functionSchema) });
const envFileSchema = z.looseObject({ environment: stringMap });

type RawFunction = z.infer<typeof functionSchema>;

/** A DNS-1123 label, as faas-netes requires of function names (and the gateway's routes accept). */
const FUNCTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Reads stack files and merges their functions: a function defined again in a later file replaces the earlier
 * one (listed in `overridden`). Errors name the file and the key, e.g.
 * `stack.yml: functions.train.labels["com.openfaas.scale.min"] must be a whole number`.
 */
export async function loadStackFiles(files: string[]): Promise<Stack> {
  const byName = new Map<string, FunctionSpec>();
  const overridden: Stack['overridden'] = [];
  for (const file of files) {
    for (const spec of await loadStackFile(path.resolve(file))) {
      const previous = byName.get(spec.name);
      if (previous) {
        const note = `${shown(spec.stackFile)}: functions.${spec.name} replaces the one in ${shown(previous.stackFile)}`;
        overridden.push({ name: spec.name, note });
      }
      byName.set(spec.name, spec);
    }
  }
  return { functions: [...byName.values()], overridden };
}

async function loadStackFile(file: string): Promise<FunctionSpec[]> {
  const doc = validate(stackSchema, await readYaml(file), shown(file));
  const specs: FunctionSpec[] = [];
  for (const [name, raw] of Object.entries(doc.functions)) {
    if (!FUNCTION_NAME.test(name)) {
      throw new Error(
        `${shown(file)}: ${keyPath(['functions', name])} is not a valid function name (lowercase letters, digits and '-', like a DNS label)`,
      );
    }
    specs.push(await toSpec(file, name, raw));
  }
  return specs;
}

async function toSpec(file: string, name: string, raw: RawFunction): Promise<FunctionSpec> {
  const where = (...keys: (string | number)[]) => `${shown(file)}: ${keyPath(['functions', name, ...keys])}`;
  const environment: Record<string, string> = {};
  for (const [i, envFile] of (raw.environment_file ?? []).entries()) {
    const values = await readEnvFile(path.resolve(path.dirname(file), envFile)).catch((err: Error) => {
      throw new Error(`${where('environment_file', i)}: ${err.message}`, { cause: err });
    });
    Object.assign(environment, values);
  }
  Object.assign(environment, raw.environment);
  return buildSpec(file, name, { ...raw, handler: path.resolve(path.dirname(file), raw.handler) }, environment, where);
}

/** What faas-cli deploy sends (faas-provider's `types.FunctionDeployment`), as far as a spec is made of it. */
export interface DeploymentFields {
  image: string;
  envVars?: Record<string, string>;
  secrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
  constraints?: string[];
  readOnlyRootFilesystem?: boolean;
}

/**
 * The spec of `base` as a deployment request redefines it: environment, labels, annotations, secrets, image and
 * resources come from the request (checked as a stack file's are; errors name the request's field), the language,
 * handler folder and stack file stay those of `base`, since the local stack runs the handler, not the image.
 */
export function specFromDeployment(base: FunctionSpec, deployment: DeploymentFields): FunctionSpec {
  const field: Record<string, string> = { environment: 'envVars', readonly_root_filesystem: 'readOnlyRootFilesystem' };
  const where = (...keys: (string | number)[]) =>
    keys.length === 0
      ? `deployment of ${base.name}: request`
      : `deployment of ${base.name}: ${keyPath([field[String(keys[0])] ?? keys[0]!, ...keys.slice(1)])}`;
  const raw: RawFunction = {
    lang: base.lang,
    handler: base.handler,
    image: deployment.image,
    labels: deployment.labels ?? {},
    annotations: deployment.annotations ?? {},
    secrets: deployment.secrets ?? [],
    ...(deployment.limits && { limits: deployment.limits }),
    ...(deployment.requests && { requests: deployment.requests }),
    ...(deployment.constraints && { constraints: deployment.constraints }),
    ...(deployment.readOnlyRootFilesystem !== undefined && {
      readonly_root_filesystem: deployment.readOnlyRootFilesystem,
    }),
  };
  return buildSpec(base.stackFile, base.name, raw, { ...deployment.envVars }, where);
}

/** A spec from a function's raw fields (handler already absolute) and its merged environment. */
function buildSpec(
  file: string,
  name: string,
  raw: RawFunction,
  environment: Record<string, string>,
  where: (...keys: (string | number)[]) => string,
): FunctionSpec {
  const labels = raw.labels ?? {};
  const minReplicas = wholeNumber(labels[MIN_SCALE_LABEL], DEFAULT_MIN_REPLICAS, where('labels', MIN_SCALE_LABEL));
  const maxReplicas = wholeNumber(labels[MAX_SCALE_LABEL], DEFAULT_MAX_REPLICAS, where('labels', MAX_SCALE_LABEL));
  if (maxReplicas < 1) throw new Error(`${where('labels', MAX_SCALE_LABEL)} must be at least 1`);
  if (minReplicas > maxReplicas) {
    throw new Error(
      `${where('labels', MIN_SCALE_LABEL)} (${minReplicas}) must not exceed ${keyPath(['labels', MAX_SCALE_LABEL])} (${maxReplicas})`,
    );
  }
  const timeout = (key: string) => {
    const value = environment[key];
    if (value === undefined) return DEFAULT_WATCHDOG_TIMEOUT_MS;
    const ms = parseWatchdogDuration(value);
    if (ms === undefined)
      throw new Error(
        `${where('environment', key)} must be a duration like "60s" or whole seconds, not ${JSON.stringify(value)}`,
      );
    return ms;
  };
  const annotations = raw.annotations ?? {};
  const storageValue = annotations[STORAGE_ANNOTATION];
  const storage =
    storageValue === undefined ? undefined : parseStorageRights(storageValue, where('annotations', STORAGE_ANNOTATION));
  checkStorageSecrets(name, storage, raw.secrets ?? [], where());
  const maxRequestBytes = byteCount(
    annotations[MAX_REQUEST_ANNOTATION],
    DEFAULT_MAX_REQUEST_BYTES,
    where('annotations', MAX_REQUEST_ANNOTATION),
  );
  return {
    name,
    lang: raw.lang,
    handler: raw.handler,
    image: raw.image,
    environment,
    labels,
    annotations,
    secrets: raw.secrets ?? [],
    ...(storage ? { storage } : {}),
    maxRequestBytes,
    limits: raw.limits ?? {},
    requests: raw.requests ?? {},
    constraints: raw.constraints ?? [],
    ...(raw.readonly_root_filesystem === undefined ? {} : { readOnlyRootFilesystem: raw.readonly_root_filesystem }),
    minReplicas,
    maxReplicas,
    timeouts: { execMs: timeout('exec_timeout'), readMs: timeout('read_timeout'), writeMs: timeout('write_timeout') },
    stackFile: file,
  };
}

const copySchema = z.looseObject({
  configuration: z.looseObject({ copy: z.array(z.string().min(1)).optional() }).optional(),
});

/**
 * The stack file's `configuration.copy` paths (faas-cli copies them into every function's build context, under
 * `function/`), as written: relative to the stack file's folder.
 */
export async function loadStackCopyPaths(file: string): Promise<string[]> {
  return validate(copySchema, await readYaml(path.resolve(file)), shown(file)).configuration?.copy ?? [];
}

async function readEnvFile(file: string): Promise<Record<string, string>> {
  return validate(envFileSchema, await readYaml(file), shown(file)).environment;
}

async function readYaml(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${shown(file)} does not exist` : `${shown(file)}: cannot read (${code})`, {
      cause: err,
    });
  }
  try {
    return parseYaml(text, { merge: true }); // stack.yml shares settings through merge keys (<<: *anchor), as faas-cli reads them
  } catch (err) {
    throw new Error(`${shown(file)}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
}

function validate<T extends z.ZodType>(schema: T, value: unknown, source: string): z.output<T> {
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`${source}: ${keyPath(issue.path)} ${describe(issue)}`);
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return `is invalid: ${issue.message}`;
  if (issue.input === undefined) return 'is required';
  const expected: Record<string, string> = { string: 'a string', array: 'a list', object: 'a map', record: 'a map' };
  return `must be ${expected[issue.expected] ?? issue.expected}`;
}

function wholeNumber(value: string | undefined, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new Error(`${where} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** `['functions', 'train', 'labels', 'com.openfaas.scale.min']` → `functions.train.labels["com.openfaas.scale.min"]`. */
export function keyPath(keys: readonly PropertyKey[]): string {
  return (
    keys
      .map((key, i) => {
        if (typeof key === 'number') return `[${key}]`;
        const text = String(key);
        if (/^[A-Za-z_][\w-]*$/.test(text)) return i === 0 ? text : `.${text}`;
        return `[${JSON.stringify(text)}]`;
      })
      .join('') || '(top level)'
  );
}

/** A path as the user would type it: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
