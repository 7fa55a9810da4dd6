/**
 * Lays out a function image's filesystem without Docker, by following its Dockerfile over its build context:
 * every COPY and RUN makes a layer (a folder of the files it adds, and overlayfs whiteouts for the ones it
 * removes), cached under the hash of its parent and its inputs like Docker's layer cache, so a second layout is
 * quick and the Python functions share one install of the template's requirements. The base image's runtime is
 * the host's (its /usr and /etc; see `BASE_RUNTIMES`); image-run.ts mounts the layers over it.
 *
 * RUN steps are not run by a shell: the ones Baton's templates use are carried out on the host into the layer —
 * `pip install -r` (host pip, `--target` the base's site-packages), `chmod`, `useradd`/`groupadd`, `rm -f`,
 * `if [ -f … ]` / `if [ -n … ]` and `&&` — and any other is an error naming its line.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseCommand, parseDockerfile, parseEnvArgs, substitute, type Instruction, type Stage } from './dockerfile.ts';

const run = promisify(execFile);

/** The PATH Docker's official Debian images set. */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The uid and gid a named `USER` runs as (the image's useradd picks a system id; any non-root one will do). */
export const IMAGE_USER_ID = 10001;

/** What stands in for a base image: the host's runtime of the same major version, and the image's own ENV. */
interface BaseRuntime {
  image: RegExp;
  env: Record<string, string>;
  /** The host program that must exist, and the version its `--version` must start with. */
  program: string;
  version: string;
}

const BASE_RUNTIMES: BaseRuntime[] = [
  {
    image: /^python:3\.11(\.\d+)?-slim(-bookworm)?$/,
    env: { PATH: IMAGE_PATH, LANG: 'C.UTF-8' },
    program: '/usr/bin/python3',
    version: 'Python 3.11.',
  },
  {
    image: /^node:20(\.\d+){0,2}-bookworm-slim$/,
    env: { PATH: IMAGE_PATH },
    program: '/usr/bin/node',
    version: 'v20.',
  },
];

/** The of-watchdog stage's binary, replaced by the watchdog given to `layOutImage`. */
const WATCHDOG_IMAGE = /^ghcr\.io\/openfaas\/of-watchdog:/;

export interface ImageLayoutOptions {
  /** The build context (`build/<fn>/`), holding the Dockerfile. */
  context: string;
  /** Stands in for `COPY --from=<of-watchdog stage> /fwatchdog`. */
  watchdogBinary: string;
  /** Where layers are kept (e.g. `~/.cache/baton/image-layers`). */
  cacheDir: string;
  buildArgs?: Record<string, string>;
  log?: (line: string) => void;
}

/** An image's filesystem and configuration, ready for image-run.ts. */
export interface ImageLayout {
  /** The final stage's base image. */
  base: string;
  /** Layer folders, lowest first (the first is the skeleton of an empty root). */
  layers: string[];
  /** The base image's ENV, then the Dockerfile's. */
  env: Record<string, string>;
  /** Unset: root. */
  user?: { name: string; uid: number; gid: number; home: string };
  workdir: string;
  cmd: string[];
  /** Layers found in the cache and layers made now. */
  cached: number;
  built: number;
}

/** Follows `<context>/Dockerfile`; errors name the Dockerfile line that cannot be followed. */
export async function layOutImage(options: ImageLayoutOptions): Promise<ImageLayout> {
  const dockerfile = path.join(options.context, 'Dockerfile');
  const stages = parseDockerfile(await readFile(dockerfile, 'utf8'), dockerfile);
  const final = stages.at(-1)!;
  const runtime = await baseRuntime(final.image, dockerfile);
  await pruneImageLayers(options.cacheDir);
  const state = new LayoutState(options, dockerfile, stages, runtime);
  await state.start();
  for (const instruction of final.instructions) await state.apply(instruction);
  return state.result(final.image);
}

class LayoutState {
  layers: string[] = [];
  chain: string;
  args: Record<string, string> = {};
  env: Record<string, string>;
  workdir = '/';
  user?: ImageLayout['user'];
  users = new Map<string, string>(); // name → home, from useradd
  cmd: string[] = [];
  cached = 0;
  built = 0;

  constructor(
    private readonly options: ImageLayoutOptions,
    private readonly dockerfile: string,
    private readonly stages: Stage[],
    private readonly runtime: BaseRuntime & { id: string },
  ) {
    this.env = { ...runtime.env };
    this.chain = sha256(`base ${runtime.id}`);
  }

  async start(): Promise<void> {
    this.layers.push(
      await this.layer('skeleton', async (fs) => {
        for (const dir of ['usr', 'etc', 'proc', 'dev', 'sys', 'tmp', 'var', 'home', 'root', 'run'])
          await mkdir(path.join(fs, dir));
        for (const link of ['bin', 'lib', 'lib64', 'sbin']) await symlink(`usr/${link}`, path.join(fs, link)); // merged /usr, as Debian
      }),
    );
  }

  result(base: string): ImageLayout {
    return {
      base,
      layers: this.layers,
      env: this.env,
      user: this.user,
      workdir: this.workdir,
      cmd: this.cmd,
      cached: this.cached,
      built: this.built,
    };
  }

  async apply(instruction: Instruction): Promise<void> {
    const where = `${this.dockerfile}:${instruction.line}`;
    const args = substitute(instruction.args, { ...this.args, ...this.env });
    switch (instruction.keyword) {
      case 'ARG': {
        const [name, fallback] = instruction.args.split('=', 2) as [string, string | undefined];
        this.args[name] = this.options.buildArgs?.[name] ?? fallback ?? '';
        return this.note(`ARG ${name}=${this.args[name]}`);
      }
      case 'ENV':
        for (const [key, value] of parseEnvArgs(args)) this.env[key] = value;
        return this.note(`ENV ${JSON.stringify(this.env)}`);
      case 'WORKDIR':
        this.workdir = path.posix.resolve(this.workdir, args);
        this.layers.push(
          await this.layer(`WORKDIR ${this.workdir}`, (fs) =>
            mkdir(path.join(fs, this.workdir), { recursive: true }).then(() => {}),
          ),
        );
        return;
      case 'USER': {
        const home = this.users.get(args);
        if (home === undefined && args !== 'root')
          throw new Error(`${where}: USER ${args} was not created by a useradd/adduser before it`);
        this.user = args === 'root' ? undefined : { name: args, uid: IMAGE_USER_ID, gid: IMAGE_USER_ID, home: home! };
        return this.note(`USER ${args}`);
      }
      case 'COPY':
        return this.copy(args, where);
      case 'RUN':
        for (const created of usersCreatedBy(args)) this.users.set(created.name, created.home); // also when the layer is cached
        this.layers.push(await this.layer(`RUN ${args} ${this.runtime.id}`, (fs) => this.shell(args, fs, where)));
        return;
      case 'CMD':
        this.cmd = parseCommand(args);
        return;
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'LABEL':
      case 'STOPSIGNAL':
        return; // metadata only: nothing in the filesystem or the process's environment
      default:
        throw new Error(`${where}: the image smoke layout does not follow ${instruction.keyword}`);
    }
  }

  private note(text: string): void {
    this.chain = sha256(`${this.chain}\n${text}`);
  }

  /** The cached layer for the chain so far plus `what`, made by `fill` when absent. */
  private async layer(what: string, fill: (fs: string) => Promise<void>): Promise<string> {
    this.note(what);
    const dir = path.join(this.options.cacheDir, 'layers', this.chain.slice(0, 32));
    if (await exists(path.join(dir, 'layer.json'))) {
      const now = new Date();
      await utimes(path.join(dir, 'layer.json'), now, now); // last used: what pruneImageLayers goes by
      this.cached++;
      return path.join(dir, 'fs');
    }
    const started = performance.now();
    const partial = `${dir}.partial-${randomBytes(4).toString('hex')}`;
    await mkdir(path.join(partial, 'fs'), { recursive: true });
    try {
      await fill(path.join(partial, 'fs'));
      await writeFile(
        path.join(partial, 'layer.json'),
        JSON.stringify({ what: what.slice(0, 500), madeAt: new Date().toISOString() }) + '\n',
      );
      await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        await rm(partial, { recursive: true, force: true }); // another run made it meanwhile: the same content
      });
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
    this.built++;
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 1) this.options.log?.(`layer ${what.slice(0, 80)}: ${seconds.toFixed(1)} s`);
    return path.join(dir, 'fs');
  }

  private async copy(args: string, where: string): Promise<void> {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const unknownFlag = words.find((w) => w.startsWith('--') && !w.startsWith('--from='));
    if (unknownFlag) throw new Error(`${where}: COPY ${unknownFlag} is not followed by the smoke layout`);
    const [dest, ...sourcesReversed] = words.filter((w) => !w.startsWith('--')).reverse();
    const sources = sourcesReversed.reverse();
    if (!dest || sources.length === 0) throw new Error(`${where}: COPY needs a source and a destination`);
    const target = path.posix.resolve(this.workdir, dest);

    let files: { from: string; to: string }[];
    if (from !== undefined) {
      const stage = this.stages.find((s) => s.name === from);
      if (!stage || !WATCHDOG_IMAGE.test(stage.image) || sources.join(' ') !== '/fwatchdog') {
        throw new Error(`${where}: COPY --from=${from} is followed only for the of-watchdog stage's /fwatchdog`);
      }
      files = [{ from: this.options.watchdogBinary, to: target }];
    } else {
      files = [];
      for (const source of sources) {
        const matches = await globInContext(this.options.context, source);
        if (matches.length === 0)
          throw new Error(`${where}: COPY ${source}: no such file in the build context ${this.options.context}`);
        for (const match of matches) {
          const isDir = (await stat(match)).isDirectory();
          const intoDir = isDir || dest.endsWith('/') || sources.length > 1 || matches.length > 1;
          files.push({
            from: match,
            to: isDir ? target : intoDir ? path.posix.join(target, path.basename(match)) : target,
          });
        }
      }
    }
    const inputs = await Promise.all(files.map(async (f) => `${f.to} ${await treeHash(f.from)}`));
    this.layers.push(
      await this.layer(`COPY ${inputs.join(' ')}`, async (fs) => {
        for (const file of files) await cp(file.from, path.join(fs, file.to), { recursive: true, dereference: true });
      }),
    );
  }

  /** Carries out one RUN's command into the layer folder `fs`. */
  private async shell(command: string, fs: string, where: string): Promise<void> {
    const text = command.trim();
    const conditional = /^if\s+\[\s+(-[nf])\s+("[^"]*"|\S+)\s+\];\s*then\s+(.*?);?\s*fi$/s.exec(text);
    if (conditional) {
      const operand = conditional[2]!.replace(/^"|"$/g, '');
      const holds =
        conditional[1] === '-n'
          ? operand !== ''
          : (await this.lookup(fs, path.posix.resolve(this.workdir, operand)))?.isFile === true;
      if (holds) await this.shell(conditional[3]!, fs, where);
      return;
    }
    if (text.includes('&&')) {
      for (const part of text.split('&&')) await this.shell(part, fs, where);
      return;
    }
    const words = text.split(/\s+/);
    const [program, ...rest] = words;
    if (program === 'chmod' && rest.length === 2) {
      const file = path.posix.resolve(this.workdir, rest[1]!);
      const found = await this.lookup(fs, file);
      if (!found) throw new Error(`${where}: chmod: ${file} does not exist`);
      await cp(found.at, path.join(fs, file)); // copy-up, as overlayfs does
      const mode = rest[0] === '+x' ? (await stat(found.at)).mode | 0o111 : parseInt(rest[0]!, 8);
      return chmod(path.join(fs, file), mode);
    }
    if (program === 'groupadd' || program === 'addgroup') return;
    if (program === 'useradd' || program === 'adduser') {
      for (const { home } of usersCreatedBy(text)) await mkdir(path.join(fs, home), { recursive: true });
      return;
    }
    if (program === 'pip' && rest[0] === 'install' && rest[1] === '-r' && rest.length === 3) {
      return this.pipInstall(path.posix.resolve(this.workdir, rest[2]!), fs, where);
    }
    if (program === 'rm' && rest[0] === '-f') {
      for (const pattern of rest.slice(1)) {
        const abs = path.posix.resolve(this.workdir, pattern);
        for (const name of await this.listMerged(fs, path.posix.dirname(abs))) {
          if (matchesGlob(name, path.posix.basename(abs))) await whiteout(path.join(fs, path.posix.dirname(abs), name));
        }
      }
      return;
    }
    throw new Error(
      `${where}: RUN ${text.slice(0, 80)}: the smoke layout follows only pip install -r, chmod, useradd/groupadd, rm -f, if [ -f|-n ] and &&`,
    );
  }

  private async pipInstall(requirements: string, fs: string, where: string): Promise<void> {
    const found = await this.lookup(fs, requirements);
    if (!found) throw new Error(`${where}: pip install -r ${requirements}: no such file in the image`);
    const site = await sitePackages(this.runtime.program);
    const target = path.join(fs, site);
    await mkdir(target, { recursive: true });
    this.options.log?.(`pip install -r ${requirements} into ${site} (once; cached by the requirements' hash)`);
    // The host's pip (same Python minor version) installs into the base image's site-packages folder.
    await run(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--no-input',
        '--disable-pip-version-check',
        '--quiet',
        '--target',
        target,
        '-r',
        found.at,
      ],
      {
        env: { ...process.env, PIP_NO_INPUT: '1' },
        maxBuffer: 64 * 2 ** 20,
        timeout: 30 * 60_000,
      },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `${where}: pip install -r ${requirements} failed:\n${(error.stderr ?? error.message).trim().split('\n').slice(-15).join('\n')}`,
      );
    });
  }

  /** The file at `abs` in the image so far (the layer being made first), or undefined when absent or removed. */
  private async lookup(fs: string, abs: string): Promise<{ at: string; isFile: boolean } | undefined> {
    for (const layer of [fs, ...[...this.layers].reverse()]) {
      const at = path.join(layer, abs);
      const info = await lstat(at).catch(() => undefined);
      if (!info) continue;
      if (info.isCharacterDevice() && info.rdev === 0) return undefined;
      return { at, isFile: info.isFile() };
    }
    return undefined;
  }

  private async listMerged(fs: string, absDir: string): Promise<string[]> {
    const seen = new Map<string, boolean>(); // name → present
    for (const layer of [fs, ...[...this.layers].reverse()]) {
      for (const entry of await readdir(path.join(layer, absDir), { withFileTypes: true }).catch(() => [])) {
        if (seen.has(entry.name)) continue;
        const info = await lstat(path.join(layer, absDir, entry.name));
        seen.set(entry.name, !(info.isCharacterDevice() && info.rdev === 0));
      }
    }
    return [...seen].filter(([, present]) => present).map(([name]) => name);
  }
}

/** Layers unused this long are removed (every change of a bundle makes a new COPY layer). */
const LAYER_MAX_IDLE_MS = 3 * 24 * 3600_000;

/** Removes layers not used for three days, and partial ones an interrupted layout left; returns how many. */
export async function pruneImageLayers(cacheDir: string, now = Date.now()): Promise<number> {
  const layersDir = path.join(cacheDir, 'layers');
  let removed = 0;
  for (const name of await readdir(layersDir).catch(() => [])) {
    const dir = path.join(layersDir, name);
    const marker = await stat(path.join(dir, 'layer.json')).catch(() => undefined);
    const since = marker?.mtimeMs ?? (await stat(dir).catch(() => undefined))?.mtimeMs ?? now;
    const idle = now - since;
    if (marker ? idle > LAYER_MAX_IDLE_MS : idle > 3600_000) {
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** The users a RUN's useradd/adduser commands create, with their home folders. */
function usersCreatedBy(command: string): { name: string; home: string }[] {
  return command
    .split('&&')
    .map((part) => part.trim().split(/\s+/))
    .filter((words) => words[0] === 'useradd' || words[0] === 'adduser')
    .map((words) => {
      const name = words.at(-1)!;
      const homeFlag = words.findIndex((w) => w === '--home-dir' || w === '-d' || w === '-h');
      return { name, home: homeFlag >= 0 ? words[homeFlag + 1]! : `/home/${name}` };
    });
}

/** Which host runtime stands in for `image`; an error says which images the smoke layout knows. */
async function baseRuntime(image: string, dockerfile: string): Promise<BaseRuntime & { id: string }> {
  const runtime = BASE_RUNTIMES.find((r) => r.image.test(image));
  if (!runtime)
    throw new Error(
      `${dockerfile}: FROM ${image}: no host runtime stands in for it (known: ${BASE_RUNTIMES.map((r) => r.image.source).join(', ')})`,
    );
  const { stdout } = await run(runtime.program, ['--version']).catch(() => ({ stdout: '' }));
  if (!stdout.trim().startsWith(runtime.version)) {
    throw new Error(
      `${dockerfile}: FROM ${image} needs ${runtime.program} (${runtime.version}x) on the host to stand in for the image's runtime; found ${stdout.trim() || 'none'}`,
    );
  }
  return { ...runtime, id: `${image} on ${runtime.program} ${stdout.trim()}` };
}

const siteCache = new Map<string, Promise<string>>();

/** The base runtime's site-packages under /usr/local (python:3.11-slim: /usr/local/lib/python3.11/site-packages). */
function sitePackages(python: string): Promise<string> {
  let found = siteCache.get(python);
  if (!found) {
    found = run(python, [
      '-c',
      "import site; print([p for p in site.getsitepackages() if p.startswith('/usr/local/')][0])",
    ]).then(({ stdout }) => stdout.trim());
    siteCache.set(python, found);
  }
  return found;
}

/** An overlayfs whiteout: a 0/0 character device hides the lower layers' file of that name. */
async function whiteout(at: string): Promise<void> {
  await mkdir(path.dirname(at), { recursive: true });
  await run('mknod', [at, 'c', '0', '0']);
}

/** `*` in the last path segment only: what Baton's Dockerfiles use. */
async function globInContext(context: string, source: string): Promise<string[]> {
  const rel = path.posix.normalize(source.replace(/\/+$/, '')) || '.';
  const abs = path.join(context, rel);
  if (!abs.startsWith(path.resolve(context))) throw new Error(`COPY ${source} is outside the build context`);
  if (!rel.includes('*')) return (await exists(abs)) ? [abs] : [];
  const dir = path.dirname(abs);
  const names = await readdir(dir).catch(() => []);
  return names
    .filter((name) => matchesGlob(name, path.basename(abs)))
    .sort()
    .map((name) => path.join(dir, name));
}

function matchesGlob(name: string, pattern: string): boolean {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(name);
}

/** Hash of a file or folder: names, modes and contents. */
async function treeHash(at: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (p: string, rel: string): Promise<void> => {
    const info = await stat(p);
    if (info.isDirectory()) {
      hash.update(`d ${rel} ${info.mode}\n`);
      for (const name of (await readdir(p)).sort()) await walk(path.join(p, name), `${rel}/${name}`);
    } else {
      hash
        .update(`f ${rel} ${info.mode} `)
        .update(await readFile(p))
        .update('\n');
    }
  };
  await walk(at, '.');
  return hash.digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
