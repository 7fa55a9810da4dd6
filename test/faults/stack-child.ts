/**
 * The fault tests' stack, run as a child process (stack-process.ts) on one data folder and fixed ports, so its
 * supervisor can be SIGKILLed and a new one started on the same data: Temporal's SQLite file and MinIO's data persist,
 * and clients keep the same URLs across restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureLocalSecrets } from '../../deploy/local/local-secrets.ts';
import { allocatePort } from '../../deploy/local/ports.ts';
import type { StackPorts } from '../../deploy/local/stack-config.ts';

const script = fileURLToPath(new URL('./stack-process.ts', import.meta.url));

/** Free ports for every listener of the stack, chosen once and kept across supervisor restarts. */
export async function fixedPorts(): Promise<StackPorts> {
  return {
    gateway: await allocatePort(),
    gatewayMetrics: await allocatePort(),
    temporal: await allocatePort(),
    temporalUi: await allocatePort(),
    minio: await allocatePort(),
    minioConsole: await allocatePort(),
  };
}

/** A stack supervisor in a child process; `restart()` after `kill()` starts a new one on the same data and ports. */
export class StackChild {
  private child?: ChildProcess;
  /** Supervisors started so far (the first included). */
  starts = 0;

  private constructor(
    readonly dataDir: string,
    readonly ports: StackPorts,
    readonly gatewayUrl: string,
    readonly minioUrl: string,
    /** The admin key and MinIO's root credentials (read from the data folder, never printed). */
    readonly secrets: { adminKey: string; s3AccessKey: string; s3SecretKey: string },
    /** More environment for every function (e.g. BATON_WORKFLOW_BUNDLE_DIR). */
    readonly functionEnv: Record<string, string>,
  ) {}

  /** Starts the first supervisor and waits until every function has a ready replica. */
  static async start(
    dataDir: string,
    ports: StackPorts,
    log: (line: string) => void,
    functionEnv: Record<string, string> = {},
  ): Promise<StackChild> {
    const child = new StackChild(
      dataDir,
      ports,
      `http://127.0.0.1:${ports.gateway}`,
      `http://127.0.0.1:${ports.minio}`,
      {
        adminKey: '',
        s3AccessKey: '',
        s3SecretKey: '',
      },
      functionEnv,
    );
    await child.restart(log);
    const secrets = await ensureLocalSecrets(dataDir);
    Object.assign(child.secrets, {
      adminKey: secrets.adminKey,
      s3AccessKey: secrets.s3AccessKey,
      s3SecretKey: secrets.s3SecretKey,
    });
    return child;
  }

  /** The trigger API's address and credential, as cli/api/run-client.ts takes them. */
  get api(): { gatewayUrl: string; token: string } {
    return { gatewayUrl: this.gatewayUrl, token: this.secrets.adminKey };
  }

  /** The supervisor's pid while one runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts a supervisor (it stops what a killed one left running first) and waits for `ready`. */
  async restart(log: (line: string) => void): Promise<void> {
    const args = [script, this.dataDir, JSON.stringify(this.ports), JSON.stringify(this.functionEnv)];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    const tail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (process.env.BATON_TEST_VERBOSE === '1') log(`[stack] ${line}`);
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
      child.once('exit', (code, signal) =>
        reject(new Error(`the stack exited (${signal ?? `code ${code}`}) before it was ready:\n${tail.join('\n')}`)),
      );
    });
  }

  /** SIGKILLs the supervisor (and its in-process gateway); its servers and replicas keep running. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the supervisor cleanly (SIGTERM: every server and replica it runs is stopped). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }
}
