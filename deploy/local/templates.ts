import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** How a function of a given `lang` runs locally. */
export interface FunctionTemplate {
  lang: string;
  /** `<templateDir>/<lang>`: the replica's working directory. */
  dir: string;
  /** The watchdog's `fprocess`: the function's `environment.fprocess` when set, else the template's. */
  fprocess: string;
}

const templateFileSchema = z.looseObject({ fprocess: z.string().min(1).optional() });

/**
 * Finds `<dir>/<lang>/template.yml` in the first of `templateDirs` that has it (faas-cli's layout) and returns
 * the working directory and fprocess for a function. An unknown `lang` is an error listing the templates there are.
 */
export async function resolveTemplate(
  fn: { name: string; lang: string; environment: Record<string, string> },
  templateDirs: string[],
): Promise<FunctionTemplate> {
  for (const templateDir of templateDirs) {
    const dir = path.join(templateDir, fn.lang);
    const file = path.join(dir, 'template.yml');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const parsed = templateFileSchema.safeParse(parseYaml(text) ?? {});
    if (!parsed.success) throw new Error(`${file}: fprocess must be a non-empty string`);
    const fprocess = fn.environment.fprocess ?? parsed.data.fprocess;
    if (!fprocess) throw new Error(`${file}: fprocess is required (or set functions.${fn.name}.environment.fprocess)`);
    return { lang: fn.lang, dir, fprocess };
  }
  const available = (await Promise.all(templateDirs.map(listTemplates))).flat();
  throw new Error(
    `function ${fn.name}: no template "${fn.lang}" in ${templateDirs.join(', ')}; ` +
      `available: ${available.length > 0 ? [...new Set(available)].sort().join(', ') : 'none'}`,
  );
}

async function listTemplates(templateDir: string): Promise<string[]> {
  const entries = await readdir(templateDir, { withFileTypes: true }).catch(() => []);
  const found = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) =>
        (await readFile(path.join(templateDir, entry.name, 'template.yml')).catch(() => undefined))
          ? entry.name
          : undefined,
      ),
  );
  return found.filter((name): name is string => name !== undefined);
}
