/**
 * One function's Docker build context, laid out exactly as `faas-cli build --shrinkwrap` lays it out
 * (openfaas/go-sdk builder.CreateBuildContext): `build/<fn>/` holds the template's files at its root, the
 * handler folder's entries in `function/` (but `build` and `template`), and each `configuration.copy` path of the
 * stack file under `function/<path>`. Files are copied with their modes, symlinks followed.
 */
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** faas-cli's handler folder inside a context (its `DefaultTemplateHandler`). */
export const HANDLER_FOLDER = 'function';

export interface BuildContextInput {
  name: string;
  lang: string;
  /** Absolute path of the handler folder. */
  handler: string;
  /** The folder holding `<lang>/` templates (faas-cli: `./template`). */
  templateDir: string;
  /** Where contexts go (faas-cli: `./build`). */
  buildDir: string;
  /** `configuration.copy` paths, relative to `scopeDir`. */
  copyPaths: string[];
  /** The folder copy paths must stay inside (faas-cli: its working directory; here the stack file's folder). */
  scopeDir: string;
}

/** Generated files faas-cli would copy too, left out: they are not part of any image. */
const GENERATED = new Set(['__pycache__', '.pytest_cache', 'node_modules']);
const keep = (source: string) => !GENERATED.has(path.basename(source));

/** (Re)creates `<buildDir>/<name>/` and returns its path. */
export async function createBuildContext(input: BuildContextInput): Promise<string> {
  const context = path.join(input.buildDir, input.name);
  const handlerDst = path.join(context, HANDLER_FOLDER);
  await rm(context, { recursive: true, force: true });
  await mkdir(handlerDst, { recursive: true });

  const template = path.join(input.templateDir, input.lang);
  await cp(template, context, { recursive: true, dereference: true, filter: keep }).catch(
    (error: NodeJS.ErrnoException) => {
      throw new Error(
        `function ${input.name}: cannot copy template ${input.lang} from ${template}: ${error.code ?? error.message}`,
        { cause: error },
      );
    },
  );
  for (const entry of await readdir(input.handler)) {
    if (entry === 'build' || entry === 'template') continue; // as faas-cli: never nested contexts or templates
    await cp(path.join(input.handler, entry), path.join(handlerDst, entry), {
      recursive: true,
      dereference: true,
      filter: keep,
    });
  }
  for (const extra of input.copyPaths) {
    const source = pathInScope(extra, input.scopeDir);
    await cp(source, path.join(handlerDst, path.normalize(extra)), {
      recursive: true,
      dereference: true,
      filter: keep,
    });
  }
  return context;
}

/** faas-cli's rule for `configuration.copy`: inside the project folder, and not the whole of it. */
export function pathInScope(extra: string, scopeDir: string): string {
  const scope = path.resolve(scopeDir);
  const abs = path.resolve(scope, extra);
  if (abs === scope)
    throw new Error(`configuration.copy: "${extra}" is the whole project folder; name the folders the functions need`);
  if (!abs.startsWith(scope + path.sep))
    throw new Error(`configuration.copy: "${extra}" is outside the project folder ${scope}`);
  return abs;
}
