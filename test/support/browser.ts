/**
 * A headless Chromium for the browser tests: Debian's `chromium` package (installed with apt-get on first use when
 * missing) driven by playwright-core. Every launch gets a fresh, temporary user-data dir (Playwright creates one
 * per launch and deletes it on close), so no profile, cache or cookie carries over between tests.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../deploy/local/stack-config.ts';

/** Debian's Chromium; `BATON_CHROMIUM` points at another build (then nothing is installed). */
export const CHROMIUM_PATH = process.env.BATON_CHROMIUM || '/usr/bin/chromium';

/**
 * Flags for a quiet headless browser in a container: no sandbox (root in a container has no user namespaces), no
 * GPU, no QUIC, and none of the background traffic (updates, sync, component downloads) a test must not depend on.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the tests' screenshots go (gitignored). */
export const ARTIFACTS_DIR = join(repoRoot, 'test-artifacts');

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Runs a command, printing one progress line per `everyMs` while it runs; rejects with the tail of its output. */
export function run(command: string, args: string[], log: (line: string) => void, everyMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(
      () => log(`  … ${command} ${args[0]} still running (${Math.round((Date.now() - started) / 1000)} s)`),
      everyMs,
    );
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` exited with ${code}:\n${tail.trim().split('\n').slice(-15).join('\n')}`,
          ),
        );
    });
  });
}

/**
 * Makes sure Chromium is there: returns its path at once when it is; otherwise installs Debian's `chromium` with
 * `apt-get update && apt-get install -y chromium` (root only), printing progress. Throws a message saying what to
 * do when that is impossible.
 */
export async function ensureChromium(log: (line: string) => void = (line) => console.log(line)): Promise<string> {
  if (await executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const howTo =
    'install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set BATON_CHROMIUM to a Chromium or Chrome binary';
  if (process.env.BATON_CHROMIUM)
    throw new Error(`BATON_CHROMIUM=${CHROMIUM_PATH} is not an executable file: point it at a Chromium binary`);
  if (!(await executable('/usr/bin/apt-get')))
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM_PATH}, and this machine has no apt-get to install it: ${howTo}`,
    );
  if (process.getuid?.() !== 0)
    throw new Error(`the browser tests need Chromium at ${CHROMIUM_PATH}; installing it needs root: ${howTo}`);
  log(
    `Chromium is missing at ${CHROMIUM_PATH}: installing Debian's chromium package (apt-get update && apt-get install -y chromium; once, a minute or two)…`,
  );
  const started = Date.now();
  try {
    log('  apt-get update…');
    await run('apt-get', ['update'], log);
    log('  apt-get install -y chromium…');
    await run('apt-get', ['install', '-y', 'chromium'], log);
  } catch (error) {
    throw new Error(`could not install Chromium for the browser tests (${howTo}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!(await executable(CHROMIUM_PATH)))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing: ${howTo}`);
  log(`Chromium installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return CHROMIUM_PATH;
}

/** A launched browser; `newPage()` opens a page in a fresh context, `close()` ends the browser and its profile. */
export interface BrowserSession {
  browser: Browser;
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Ensures Chromium, then launches it headless with CHROMIUM_ARGS. */
export async function launchBrowser(log?: (line: string) => void): Promise<BrowserSession> {
  const executablePath = await ensureChromium(log);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
  return {
    browser,
    async newPage({ width = 1400, height = 1000 } = {}) {
      const context = await browser.newContext({ viewport: { width, height } });
      return context.newPage();
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** Saves a full-page screenshot as `test-artifacts/<name>.png`, prints its path and returns it. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}
