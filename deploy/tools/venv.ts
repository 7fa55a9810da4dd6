/**
 * The project's Python virtualenvs, each keyed by the requirements it was made from:
 * `<toolsDir>/venv/<sha256 of the requirements file, 12 hex>/`. Virtualenvs cannot be moved once made, so each is
 * built in place under a `.partial` file and only marked complete when pip has succeeded. Two exist: the
 * baton-python functions' runtime, and the test tools (schemathesis), kept apart so the functions' packages (and
 * their images) do not grow with tools that only tests use.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { find, line, type SetupContext } from './context.ts';
import { ToolError } from './errors.ts';
import { run, tail } from './exec.ts';
import { withHeartbeat } from './heartbeat.ts';
import { markerPath, readJson, sha12, writeFileAtomic } from './layout.ts';
import { pythonVersion } from './versions.ts';

const MIN_PYTHON: [number, number] = [3, 10];
const PIP_TIMEOUT_MS = 30 * 60_000;

export interface VenvFound {
  python: string;
  bin: string;
  subject: string;
  status: string;
}

/** Which virtualenv: its requirements file (relative to the checkout) and its name in progress lines. */
export interface VenvSpec {
  requirements: string;
  label: string;
}

/** The baton-python functions' runtime (and pytest). */
export const FUNCTIONS_VENV: VenvSpec = {
  requirements: join('template', 'baton-python', 'requirements.txt'),
  label: 'python venv',
};
/** Tools only tests run (schemathesis, the OpenAPI fuzzer). */
export const TEST_TOOLS_VENV: VenvSpec = {
  requirements: join('test', 'tools', 'requirements.txt'),
  label: 'test tools venv',
};

/** The requirements file the functions' venv is made from. */
export function requirementsPath(root: string): string {
  return join(root, FUNCTIONS_VENV.requirements);
}

/** The venv folder for a requirements text (an absent file counts as empty). */
export function venvDir(dir: string, requirements: string): string {
  return join(dir, 'venv', sha12(requirements));
}

export async function ensureVenv(ctx: SetupContext, spec: VenvSpec = FUNCTIONS_VENV): Promise<VenvFound | undefined> {
  const reqFile = join(ctx.root, spec.requirements);
  const present = existsSync(reqFile);
  const requirements = present ? readFileSync(reqFile, 'utf8') : '';
  const dir = venvDir(ctx.dir, requirements);
  const bin = join(dir, 'bin');
  const python = join(bin, 'python3');
  const subject = `${spec.label} ${sha12(requirements)}`;
  const absent = present ? '' : ` (no ${relative(ctx.root, reqFile)} yet: no packages)`;

  // existsSync follows the symlink, so a venv whose base Python was removed counts as missing.
  if (readJson(markerPath(dir, true)) && existsSync(python)) return { python, bin, subject, status: `cached${absent}` };
  if (!ctx.install) return undefined;

  const base = await basePython(ctx);
  rmSync(dir, { recursive: true, force: true }); // a partial venv from an interrupted setup
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.partial'), 'created by npm run setup; complete only when .baton-complete.json exists\n');

  const created = await run(base, ['-m', 'venv', dir], { env: ctx.env, timeoutMs: 5 * 60_000 });
  if (created.code !== 0) {
    throw new ToolError(
      `creating the Python virtualenv ${dir} failed:\n${tail(created)}`,
      'install the venv module for python3 (Debian/Ubuntu: apt-get install python3-venv) and run npm run setup again',
    );
  }
  if (hasRequirements(requirements)) {
    ctx.progress(line(subject, `pip install -r ${relative(ctx.root, reqFile)} (first time, a minute or two)`));
    const pip = await withHeartbeat(ctx, `installing ${spec.label} packages`, () =>
      run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', reqFile], {
        env: { ...ctx.env, PIP_NO_INPUT: '1' },
        timeoutMs: PIP_TIMEOUT_MS,
      }),
    );
    if (pip.code !== 0) {
      throw new ToolError(
        `pip install -r ${relative(ctx.root, reqFile)} failed${pip.failure ? ` (${pip.failure})` : ''}:\n${tail(pip, 15)}`,
        'check the pins in that file and that the package index is reachable (pip config list), then run npm run setup again',
      );
    }
  }
  writeFileAtomic(
    markerPath(dir, true),
    JSON.stringify({ requirementsSha12: sha12(requirements), base, at: new Date().toISOString() }, null, 2) + '\n',
  );
  rmSync(join(dir, '.partial'), { force: true });
  return { python, bin, subject, status: `created${absent}` };
}

/** python3 on PATH, at least MIN_PYTHON. */
async function basePython(ctx: SetupContext): Promise<string> {
  const python = find(ctx, 'python3');
  const fix = `install Python ${MIN_PYTHON.join('.')}+ with its venv module and make sure python3 is on PATH`;
  if (!python) throw new ToolError('python3 is not on PATH; it is needed for the baton-python functions', fix);
  const result = await run(python, ['--version'], { env: ctx.env, timeoutMs: 30_000 });
  const v = pythonVersion(`${result.stdout}\n${result.stderr}`);
  if (!v || v[0] < MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] < MIN_PYTHON[1])) {
    throw new ToolError(
      `${python} is Python ${v ? v.join('.') : '(unknown version)'}; baton-python functions need ${MIN_PYTHON.join('.')}+`,
      fix,
    );
  }
  return python;
}

/** Whether a requirements text names anything (comments and blank lines do not count). */
function hasRequirements(text: string): boolean {
  return text.split('\n').some((l) => l.replace(/#.*/, '').trim() !== '');
}
