/**
 * Bundles a TypeScript function (its template's entry, its handler and every dependency) into `dist/` of its
 * build context with esbuild, so its image needs no npm install and nothing outside the context:
 * - `dist/index.mjs`: the template's runner called with the handler module, imported statically;
 * - the Temporal worker's parts that must be files (derived from what the bundle contains): its workflow thread
 *   (`workflow-worker-thread.js`, started by path), the native addon of @temporalio/core-bridge
 *   (`releases/<target>/index.node`, loaded by path), and the prebuilt workflow bundles (`workflows/*.js`).
 * Webpack and swc (the worker's start-time bundler) are replaced by a stub: an image never bundles at start, and
 * never even loads them.
 */
import { cp, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import {
  PIPELINE_INTERCEPTOR_MODULES,
  WORKFLOW_BUNDLE_FILES,
  WORKFLOW_SOURCES,
  PRELOADED_PIPELINE_MODULES,
} from '../../functions/baton/workflow-code.ts';
import { workflowTracingModule } from '../../functions/baton/telemetry/tracing.ts';

/** How each TypeScript template runs a handler module (template/<lang>/). */
const RUNNERS: Record<string, { module: string; export: string }> = {
  'baton-node': { module: 'template/baton-node/serve-step.ts', export: 'serveStep' },
  'baton-node-service': { module: 'template/baton-node-service/run-service.ts', export: 'runService' },
};

/** The languages `npm run build` bundles. */
export const bundledLanguages = Object.keys(RUNNERS);

/** The native addon builds an image may need: Linux on x86-64 and arm64 (glibc, as the Debian base images). */
const CORE_BRIDGE_TARGETS = ['x86_64-unknown-linux-gnu', 'aarch64-unknown-linux-gnu'];

/**
 * Files a bundled module reads from `${__dirname}` at run time (in the bundle: dist/), copied beside the bundle
 * when the module is in it. source-map (the worker maps workflow stack traces) loads its WebAssembly this way.
 */
const FILES_BESIDE_MODULES = [{ module: 'source-map/lib/read-wasm.js', file: 'mappings.wasm' }];

/** The worker's start-time bundler and its loaders: never part of an image. */
const START_TIME_BUNDLER = /^(webpack|@swc\/core|swc-loader|source-map-loader|unionfs|memfs)$/;

/** ESM output still meets CommonJS code that uses `require`, `__dirname` and `__filename`. */
const ESM_BANNER = [
  "import { createRequire as __batonCreateRequire } from 'node:module';",
  "import { fileURLToPath as __batonFileURLToPath } from 'node:url';",
  'const require = __batonCreateRequire(import.meta.url);',
  'const __filename = __batonFileURLToPath(import.meta.url);',
  "const __dirname = __batonFileURLToPath(new URL('.', import.meta.url));",
].join('\n');

export interface NodeBundleInput {
  name: string;
  lang: string;
  /** Absolute path of the handler folder (holding handler.ts). */
  handler: string;
  repoRoot: string;
  /** `<context>/dist`. */
  outDir: string;
}

/** What went into a function's dist/. */
export interface NodeBundle {
  files: string[];
  bytes: number;
}

/** Bundles one function; the error names the function and what esbuild could not resolve. */
export async function bundleNodeFunction(input: NodeBundleInput): Promise<NodeBundle> {
  const runner = RUNNERS[input.lang];
  if (!runner)
    throw new Error(
      `function ${input.name}: lang ${input.lang} is not bundled (bundled: ${bundledLanguages.join(', ')})`,
    );
  await mkdir(input.outDir, { recursive: true });
  const entry = [
    `import * as handler from ${JSON.stringify(path.join(input.handler, 'handler.ts'))};`,
    `import { ${runner.export} as run } from ${JSON.stringify(path.join(input.repoRoot, runner.module))};`,
    `await run(handler, 'function/handler.ts');`,
  ].join('\n');
  const main = await esbuildOnce(input, {
    stdin: { contents: entry, resolveDir: input.repoRoot, sourcefile: `${input.name}-entry.ts`, loader: 'ts' },
    outfile: path.join(input.outDir, 'index.mjs'),
    format: 'esm',
    banner: { js: ESM_BANNER },
  });
  const files = ['index.mjs'];
  const inputs = new Set(Object.keys(main.inputs));
  const uses = (file: string) => [...inputs].some((input) => input.endsWith(file));

  if (uses('@temporalio/worker/lib/workflow/threaded-vm.js')) {
    // Started with `new Worker(require.resolve('./workflow-worker-thread'))`: resolved next to index.mjs.
    const thread = await esbuildOnce(input, {
      entryPoints: [
        path.join(input.repoRoot, 'node_modules/@temporalio/worker/lib/workflow/workflow-worker-thread.js'),
      ],
      outfile: path.join(input.outDir, 'workflow-worker-thread.js'),
      format: 'cjs',
    });
    files.push('workflow-worker-thread.js');
    for (const key of Object.keys(thread.inputs)) inputs.add(key);
  }
  for (const { module, file } of FILES_BESIDE_MODULES) {
    const key = [...inputs].find((inputKey) => inputKey.endsWith(`/${module}`));
    if (!key) continue;
    await cp(path.join(path.dirname(path.resolve(input.repoRoot, key)), file), path.join(input.outDir, file));
    files.push(file);
  }
  if (uses('@temporalio/core-bridge/common.js')) {
    // core-bridge loads `${__dirname}/releases/<target>/index.node`; in the bundle __dirname is dist/.
    for (const target of CORE_BRIDGE_TARGETS) {
      const file = path.join('releases', target, 'index.node');
      await cp(path.join(input.repoRoot, 'node_modules/@temporalio/core-bridge', file), path.join(input.outDir, file));
      files.push(file);
    }
  }
  if (uses('functions/baton/workflow-code.ts')) files.push(...(await prebuildWorkflowBundles(input.outDir)));

  let bytes = 0;
  for (const file of files) bytes += (await stat(path.join(input.outDir, file))).size;
  return { files, bytes };
}

/** `workflows/pipelines.js` and `workflows/system.js`: what BATON_WORKFLOW_BUNDLE_DIR points at in the image. */
export async function prebuildWorkflowBundles(outDir: string): Promise<string[]> {
  const dir = path.join(outDir, 'workflows');
  await mkdir(dir, { recursive: true });
  const logger = new DefaultLogger('WARN');
  const written: string[] = [];
  for (const kind of ['pipelines', 'system'] as const) {
    // The pipelines carry the run-metrics and the OpenTelemetry workflow interceptors in any case: an image turns
    // tracing on by its environment alone (functions/baton/telemetry/tracing.ts registers their sink either way).
    const workflowInterceptorModules =
      kind === 'pipelines' ? [...PIPELINE_INTERCEPTOR_MODULES, workflowTracingModule()] : [];
    const { code } = await bundleWorkflowCode({
      workflowsPath: WORKFLOW_SOURCES[kind],
      workflowInterceptorModules,
      preloadModules: kind === 'pipelines' ? PRELOADED_PIPELINE_MODULES : [],
      logger,
    });
    await writeFile(path.join(dir, WORKFLOW_BUNDLE_FILES[kind]), code);
    written.push(path.join('workflows', WORKFLOW_BUNDLE_FILES[kind]));
  }
  return written;
}

async function esbuildOnce(input: NodeBundleInput, options: Parameters<typeof build>[0]): Promise<Metafile> {
  try {
    const result = await build({
      bundle: true,
      platform: 'node',
      target: 'node20',
      absWorkingDir: input.repoRoot,
      plugins: [stubStartTimeBundler],
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      // A pipeline's workflow type is its workflow function's name: bundling must not rename functions.
      keepNames: true,
      ...options,
    });
    return result.metafile!; // metafile: true
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const detail =
      errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n  ') ??
      (error as Error).message;
    throw new Error(`function ${input.name}: bundling failed:\n  ${detail}`, { cause: error });
  }
}

const notInImage = (what: string) =>
  `${what} is not in this image: it runs prebuilt workflow bundles (BATON_WORKFLOW_BUNDLE_DIR) and never bundles at start`;

/**
 * The worker's bundler module is replaced as a whole (it resolves files at load time, and loads webpack), and
 * the packages only it uses by a stub that fails when touched.
 */
const stubStartTimeBundler: Plugin = {
  name: 'baton-no-start-time-bundler',
  setup(b) {
    b.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]bundler\.js$/ }, () => ({
      loader: 'js',
      contents: `const fail = () => { throw new Error(${JSON.stringify(notInImage("@temporalio/worker's workflow bundler"))}); };
        exports.defaultWorkflowInterceptorModules = [];
        exports.bundleWorkflowCode = fail;
        exports.WorkflowCodeBundler = class { constructor() { fail(); } };`,
    }));
    b.onResolve({ filter: START_TIME_BUNDLER }, (args) => ({ path: args.path, namespace: 'not-in-image' }));
    b.onLoad({ filter: /.*/, namespace: 'not-in-image' }, (args) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get(_, key) {
        if (key === '__esModule' || typeof key === 'symbol') return undefined;
        throw new Error(${JSON.stringify(notInImage(args.path))});
      } });`,
    }));
  },
};
