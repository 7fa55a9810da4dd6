/**
 * The data Baton's Helm chart renders its Functions from, derived from stack.yml (through the same reader as the
 * local stack, so `environment_file`s are resolved the same way) and from the search attributes the workflows
 * use. `npm run gen:chart` writes it to `baton/files/functions.json`; chart.test.ts fails when that file is stale.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { repoRoot } from '../local/stack-config.ts';
import { loadStackFiles, type FunctionSpec } from '../local/stack-file.ts';
import { searchAttributeRegistrations } from '../../workflows/search-attributes.ts';

/** Where the chart reads the data (`.Files.Get "files/functions.json"`). */
export const chartDataFile = join(repoRoot, 'deploy/kubernetes/baton/files/functions.json');
export const stackFile = join(repoRoot, 'stack.yml');

/** One function as the chart needs it: what becomes a Function's spec before values are applied. */
export interface ChartFunction {
  name: string;
  /** stack.yml's image split up, so the chart can swap the registry and the tag: `<repository>:<tag>`. */
  image: { repository: string; name: string; tag: string };
  /** `environment_file`s then `environment`, as faas-cli deploys them. */
  environment: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  secrets: string[];
  limits: { memory?: string; cpu?: string };
  requests: { memory?: string; cpu?: string };
  constraints: string[];
  /** Only when stack.yml says (`readonly_root_filesystem`); else the chart's default applies. */
  readOnlyRootFilesystem?: boolean;
}

export interface ChartData {
  /** Says what made the file, for a reader who opens it. */
  generatedBy: string;
  functions: ChartFunction[];
  /** For the registration Job: `temporal operator search-attribute create --name <name> --type <type>`. */
  searchAttributes: { name: string; type: string }[];
}

/** Reads stack.yml (default: the repository's) and the workflows' search attributes. */
export async function chartData(file = stackFile): Promise<ChartData> {
  const { functions } = await loadStackFiles([file]);
  return {
    generatedBy: `npm run gen:chart, from ${relative(repoRoot, file)} and workflows/search-attributes.ts; do not edit`,
    functions: functions.map(toChartFunction),
    searchAttributes: searchAttributeRegistrations().map((pair) => {
      const [name, type] = pair.split('=') as [string, string];
      return { name, type };
    }),
  };
}

/** The file's exact text: stable key order (stack order for functions), so a stale file shows as a diff. */
export function chartDataText(data: ChartData): string {
  return JSON.stringify(data, null, 2) + '\n';
}

/** The committed file's text, or undefined when there is none. */
export async function committedChartData(): Promise<string | undefined> {
  return readFile(chartDataFile, 'utf8').catch(() => undefined);
}

function toChartFunction(spec: FunctionSpec): ChartFunction {
  return {
    name: spec.name,
    image: splitImage(spec.image, spec.name),
    environment: spec.environment,
    labels: spec.labels,
    annotations: spec.annotations,
    secrets: spec.secrets,
    limits: spec.limits,
    requests: spec.requests ?? {},
    constraints: spec.constraints ?? [],
    ...(spec.readOnlyRootFilesystem === undefined ? {} : { readOnlyRootFilesystem: spec.readOnlyRootFilesystem }),
  };
}

/** `baton/fetch-csv:latest` → repository `baton/fetch-csv`, name `fetch-csv`, tag `latest`. */
export function splitImage(image: string, functionName: string): ChartFunction['image'] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (image.includes('@') || colon <= slash) {
    throw new Error(
      `stack.yml: functions.${functionName}.image must be <repository>:<tag> (the chart swaps registry and tag), not ${JSON.stringify(image)}`,
    );
  }
  const repository = image.slice(0, colon);
  return { repository, name: repository.slice(slash + 1), tag: image.slice(colon + 1) };
}
