/**
 * `npm run build`: one self-contained Docker build context per function of the stack file, in `build/<fn>/`
 * (faas-cli's shrinkwrap layout, see build-context.ts), TypeScript functions bundled into `dist/`
 * (node-bundle.ts). Everything is derived from the stack file: its functions, languages, handlers and
 * `configuration.copy`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { loadStackCopyPaths, loadStackFiles } from '../local/stack-file.ts';
import { createBuildContext } from './build-context.ts';
import { bundledLanguages, bundleNodeFunction, type NodeBundle } from './node-bundle.ts';

export interface BuildOptions {
  repoRoot: string;
  /** Default `<repoRoot>/stack.yml`. */
  stackFile?: string;
  /** Default `<repoRoot>/build`. */
  buildDir?: string;
  /** Default `<repoRoot>/template`. */
  templateDir?: string;
  /** Only these functions (default: all). */
  only?: string[];
  log?: (line: string) => void;
}

/** One built context. */
export interface BuiltFunction {
  name: string;
  lang: string;
  image: string;
  context: string;
  /** For bundled languages: what is in dist/. */
  bundle?: NodeBundle;
}

/** Builds the contexts one after another (esbuild and webpack each use every core already). */
export async function buildFunctions(options: BuildOptions): Promise<BuiltFunction[]> {
  const stackFile = options.stackFile ?? path.join(options.repoRoot, 'stack.yml');
  const buildDir = options.buildDir ?? path.join(options.repoRoot, 'build');
  const templateDir = options.templateDir ?? path.join(options.repoRoot, 'template');
  const log = options.log ?? (() => {});
  const { functions } = await loadStackFiles([stackFile]);
  const copyPaths = await loadStackCopyPaths(stackFile);
  const unknown = (options.only ?? []).filter((name) => !functions.some((fn) => fn.name === name));
  if (unknown.length > 0)
    throw new Error(
      `not in ${stackFile}: ${unknown.join(', ')} (functions: ${functions.map((fn) => fn.name).join(', ')})`,
    );

  const built: BuiltFunction[] = [];
  for (const fn of functions.filter((f) => !options.only || options.only.includes(f.name))) {
    const started = performance.now();
    const context = await createBuildContext({
      name: fn.name,
      lang: fn.lang,
      handler: fn.handler,
      templateDir,
      buildDir,
      copyPaths,
      scopeDir: path.dirname(stackFile),
    });
    const bundle = bundledLanguages.includes(fn.lang)
      ? await bundleNodeFunction({
          name: fn.name,
          lang: fn.lang,
          handler: fn.handler,
          repoRoot: options.repoRoot,
          outDir: path.join(context, 'dist'),
        })
      : undefined;
    const what = bundle
      ? `bundled ${(bundle.bytes / 2 ** 20).toFixed(1)} MiB (${bundle.files.join(', ')})`
      : 'template + handler';
    log(
      `${fn.name} (${fn.lang}): ${path.relative(options.repoRoot, context)}/ — ${what} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    built.push({ name: fn.name, lang: fn.lang, image: fn.image, context, bundle });
  }
  await writeFaasCliStack(buildDir, built);
  return built;
}

/**
 * `build/stack.yml` + `build/template/dockerfile/`: faas-cli's way to build prebuilt contexts. faas-cli always
 * recreates `build/<fn>/` from the template and the handler, which would drop the bundles; with `lang: dockerfile`
 * and the context as the handler, `cd build && faas-cli build|publish -f stack.yml` copies each context unchanged
 * into `build/build/<fn>/` and runs `docker build` there.
 */
async function writeFaasCliStack(buildDir: string, built: BuiltFunction[]): Promise<void> {
  const functions = Object.fromEntries(
    built.map((fn) => [fn.name, { lang: 'dockerfile', handler: `./${fn.name}`, image: fn.image }]),
  );
  const header =
    '# Written by `npm run build`: builds the prebuilt contexts with faas-cli (run it in this folder):\n' +
    '#   faas-cli build -f stack.yml   |   faas-cli publish -f stack.yml --platforms linux/amd64,linux/arm64\n' +
    "# Deploy with the repository's stack.yml (same image names): faas-cli deploy -f stack.yml\n";
  await writeFile(
    path.join(buildDir, 'stack.yml'),
    header + toYaml({ version: '1.0', provider: { name: 'openfaas' }, functions }),
  );
  const template = path.join(buildDir, 'template', 'dockerfile');
  await mkdir(template, { recursive: true });
  await writeFile(path.join(template, 'template.yml'), 'language: dockerfile\nfprocess: ""\n');
}
