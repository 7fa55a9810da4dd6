/**
 * A real PostgreSQL server for integration tests: Debian's `postgresql` package (installed with apt-get on first use
 * when missing, as the browser tests install Chromium), a fresh cluster in a temporary folder on a free port, a role
 * with a password and a database it owns. Runs as the `postgres` system user when the tests run as root (initdb
 * refuses root). `stop()` ends every server process and removes the folder; an exit hook does the same if a test
 * run ends without calling it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, rmSync } from 'node:fs';
import { access, chown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocatePort } from '../../deploy/local/ports.ts';
import { run as runLogged } from './browser.ts';

const PG_ROOT = '/usr/lib/postgresql';
/** The cluster's superuser (local socket only, trusted): it creates roles, databases and test tables. */
const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** What `startPostgres` creates. */
export interface PostgresOptions {
  /**
   * Password of the role; it never appears in a log line or an error message. Without one the role cannot log in
   * until `setPassword` gives it one (e.g. a password the test stack generated after the server started).
   */
  password?: string;
  /** Role that logs in over TCP with `password` (default `baton`). */
  user?: string;
  /** Database owned by that role (default `baton`). */
  database?: string;
  log?: (line: string) => void;
  /** The server's `max_connections` (default 20; a Temporal server with three services needs more). */
  maxConnections?: number;
}

/** A running server. Tests connect over TCP to `host:port` as `user` with the password. */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  database: string;
  /** The folder holding the cluster and its socket (gone after `stop()`). */
  dir: string;
  /** The server's process id (the postmaster; its process group holds every backend). */
  pid: number;
  /** libpq's connection variables for a client of this server (no password): PGHOST, PGPORT, PGDATABASE, PGUSER. */
  env: Record<'PGHOST' | 'PGPORT' | 'PGDATABASE' | 'PGUSER', string>;
  /**
   * Runs SQL (one or more statements) as the superuser in `database` (or another one); returns the rows of every
   * result, each field as text (NULL as ''). Values holding a line break are not supported.
   */
  query(sql: string, database?: string): Promise<string[][]>;
  /**
   * Creates `table` (`columnsSql` like `id int, name text`) from CSV text with a header, grants the role SELECT on
   * it and returns the number of rows loaded.
   */
  loadCsv(table: string, columnsSql: string, csv: string): Promise<number>;
  /** Sets the role's password (sent on psql's stdin, kept out of errors). */
  setPassword(password: string): Promise<void>;
  /** Stops the server (fast shutdown, then SIGKILL) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The newest installed server's bin folder, or undefined. */
async function findBinDir(): Promise<string | undefined> {
  const versions = (await readdir(PG_ROOT).catch(() => [] as string[]))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(PG_ROOT, version, 'bin');
    if (
      await access(join(bin, 'postgres'), constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return bin;
  }
  return undefined;
}

/** The bin folder of Debian's PostgreSQL server, installing `postgresql` with apt-get (root only) when missing. */
export async function ensurePostgres(log: (line: string) => void = (line) => console.log(line)): Promise<string> {
  const found = await findBinDir();
  if (found) return found;
  const howTo = 'install it with `sudo apt-get install -y postgresql` (Debian/Ubuntu)';
  if (
    !(await access('/usr/bin/apt-get', constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    throw new Error(
      `the PostgreSQL tests need a server under ${PG_ROOT}/<version>/bin, and this machine has no apt-get: ${howTo}`,
    );
  if (process.getuid?.() !== 0)
    throw new Error(
      `the PostgreSQL tests need a server under ${PG_ROOT}/<version>/bin; installing it needs root: ${howTo}`,
    );
  log(`PostgreSQL is missing under ${PG_ROOT}: installing Debian's postgresql package (once, a minute or two)…`);
  try {
    await runLogged('apt-get', ['update'], log);
    await runLogged('apt-get', ['install', '-y', 'postgresql'], log);
  } catch (error) {
    throw new Error(`could not install PostgreSQL for the tests (${howTo}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const installed = await findBinDir();
  if (!installed)
    throw new Error(`apt-get installed postgresql, but no server is under ${PG_ROOT}/<version>/bin: ${howTo}`);
  return installed;
}

/** The uid and gid the server runs as: the `postgres` system user when we are root, else ourselves. */
async function serverIdentity(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((entry) => entry.startsWith(`${SUPERUSER}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid)
    throw new Error(
      `running as root, the PostgreSQL tests need the "${SUPERUSER}" system user (initdb refuses root); the postgresql package creates it`,
    );
  return { uid: Number(uid), gid: Number(gid) };
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with `input` on stdin (never in its arguments, where `ps` would show it). */
function execute(
  command: string,
  args: string[],
  options: { identity?: { uid: number; gid: number }; input?: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<Output> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options.identity,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // a program that exits early closes its stdin: its exit code tells why
    child.stdin.end(options.input ?? '');
  });
}

/** SQL string literal. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** SQL identifier, always quoted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Process groups of servers not stopped yet: killed if the test process exits first (a last resort). */
const liveServers = new Map<number, string>();
let exitHookInstalled = false;

function track(pid: number, dir: string): void {
  if (!exitHookInstalled) {
    process.once('exit', () => {
      for (const [group, folder] of liveServers) {
        signalGroup(group, 'SIGKILL');
        rmSync(folder, { recursive: true, force: true });
      }
    });
    exitHookInstalled = true;
  }
  liveServers.set(pid, dir);
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!signalGroup(pgid, 0)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !signalGroup(pgid, 0);
}

/**
 * Starts a fresh PostgreSQL cluster on a free port of 127.0.0.1 with a role (`user`, password auth over TCP) and a
 * database it owns. Rejects, after cleaning up, when the server does not come up within a minute.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? (() => {});
  const user = options.user ?? 'baton';
  const database = options.database ?? 'baton';
  const bin = await ensurePostgres(log);
  const identity = await serverIdentity();
  const dir = await mkdtemp(join(tmpdir(), 'baton-postgres-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  let server: ChildProcess | undefined;
  let serverLog = '';

  const stop = async () => {
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      const pgid = server.pid;
      server.kill('SIGINT'); // fast shutdown: ends the backends, no waiting for clients
      if (!(await groupGone(pgid, STOP_GRACE_MS))) {
        signalGroup(pgid, 'SIGKILL');
        await groupGone(pgid, STOP_GRACE_MS);
      }
    }
    if (server?.pid !== undefined) liveServers.delete(server.pid);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await mkdir(socketDir);
    if (identity) await chown(dir, identity.uid, identity.gid).then(() => chown(socketDir, identity.uid, identity.gid));
    const init = await execute(
      join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        SUPERUSER,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { identity, cwd: dir },
    );
    if (init.code !== 0)
      throw new Error(`initdb failed (exit ${init.code}): ${init.stderr.trim().split('\n').slice(-5).join('\n')}`);

    const port = await allocatePort();
    // fsync off: a test cluster is thrown away, durability only costs time. Loopback TCP only, socket in our folder.
    const settings = [
      'listen_addresses=127.0.0.1',
      `port=${port}`,
      `unix_socket_directories=${socketDir}`,
      'fsync=off',
      'synchronous_commit=off',
      'full_page_writes=off',
      `max_connections=${options.maxConnections ?? 20}`,
      'shared_buffers=16MB',
    ];
    // detached: the server leads its own process group, so stop() (and the exit hook) reach every backend.
    server = spawn(join(bin, 'postgres'), ['-D', dataDir, ...settings.flatMap((s) => ['-c', s])], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...identity,
    });
    const pid = server.pid;
    if (pid === undefined) throw new Error(`could not start ${join(bin, 'postgres')}`);
    track(pid, dir);
    const keep = (chunk: Buffer) => {
      serverLog = (serverLog + chunk.toString('utf8')).slice(-8000);
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`[postgres] ${line}`);
    };
    server.stdout!.on('data', keep);
    server.stderr!.on('data', keep);

    const psql = async (sql: string, db = database, input?: string): Promise<Output> =>
      execute(
        join(bin, 'psql'),
        [
          '-X',
          '-q',
          '-A',
          '-t',
          '-F',
          '\x1f',
          '-R',
          '\x1e',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          socketDir,
          '-p',
          String(port),
          '-U',
          SUPERUSER,
          '-d',
          db,
          ...(input === undefined ? ['-f', '-'] : ['-c', sql]),
        ],
        {
          identity,
          cwd: dir,
          input: input ?? sql,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', PGCONNECT_TIMEOUT: '5' },
        },
      );

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(
          `postgres exited (code ${server.exitCode}, signal ${server.signalCode}) before accepting connections:\n${serverLog.trim()}`,
        );
      if ((await psql('SELECT 1', 'postgres')).code === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s:\n${serverLog.trim()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // psql quotes a failing statement back: errors show only its ERROR line, with every password scrubbed.
    const passwords: string[] = [];
    const scrub = (text: string) => passwords.reduce((acc, secret) => acc.replaceAll(secret, '***'), text);
    const query = async (sql: string, db = database): Promise<string[][]> => {
      const result = await psql(sql, db);
      if (result.code !== 0)
        throw new Error(
          scrub(
            `SQL failed (psql exit ${result.code}): ${result.stderr.split('\n').find((line) => line.includes('ERROR:')) ?? result.stderr.trim()}`,
          ),
        );
      // psql ends each result with a newline: rows of several statements come back one after another.
      return result.stdout
        .replaceAll('\n', '\x1e')
        .split('\x1e')
        .filter((row) => row !== '')
        .map((row) => row.split('\x1f'));
    };
    const setPassword = async (password: string) => {
      passwords.push(password);
      await query(`ALTER ROLE ${quoteIdentifier(user)} PASSWORD ${literal(password)}`, 'postgres');
    };
    await query(
      `CREATE ROLE ${quoteIdentifier(user)} LOGIN;\nCREATE DATABASE ${quoteIdentifier(database)} OWNER ${quoteIdentifier(user)};`,
      'postgres',
    );
    if (options.password !== undefined) await setPassword(options.password);

    return {
      host: '127.0.0.1',
      port,
      user,
      database,
      dir,
      pid,
      env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGDATABASE: database, PGUSER: user },
      query,
      setPassword,
      async loadCsv(table, columnsSql, csv) {
        await query(
          `CREATE TABLE ${quoteIdentifier(table)} (${columnsSql});\nGRANT SELECT ON ${quoteIdentifier(table)} TO ${quoteIdentifier(user)};`,
        );
        const copied = await psql(
          `COPY ${quoteIdentifier(table)} FROM STDIN WITH (FORMAT csv, HEADER true)`,
          database,
          csv,
        );
        if (copied.code !== 0)
          throw new Error(scrub(`loading ${table} failed (psql exit ${copied.code}): ${copied.stderr.trim()}`));
        const [[count] = []] = await query(`SELECT count(*) FROM ${quoteIdentifier(table)}`);
        return Number(count);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
