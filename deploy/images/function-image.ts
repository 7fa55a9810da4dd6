/**
 * One function of the stack file started from its image tree (image-layers.ts + image-run.ts), as OpenFaaS
 * would start its container: the image's ENV, then the function's `environment` (and env files), then the
 * caller's overrides; its declared secrets only; the watchdog and wrapper on free ports.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toolsDir } from '../tools/layout.ts';
import { allocatePort } from '../local/ports.ts';
import type { FunctionSpec } from '../local/stack-file.ts';
import { layOutImage, type ImageLayout } from './image-layers.ts';
import { startImage, waitForHttp, waitForPort, type RunningImage } from './image-run.ts';

/** Where image layers are cached: beside the tools cache (`~/.cache/baton/image-layers`). */
export function imageLayersDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(toolsDir(env)), 'image-layers');
}

export interface FunctionImageOptions {
  spec: FunctionSpec;
  /** Its build context, `build/<fn>/`. */
  context: string;
  watchdogBinary: string;
  /** One file per secret; the function gets the ones it declares. */
  secretsDir: string;
  /** Over the function's environment (endpoints of the stack it joins). */
  env?: Record<string, string>;
  cacheDir?: string;
  /** A ready layout (from `layOutFunctionImage`); laid out now when absent. */
  layout?: ImageLayout;
  onLine?: (line: string) => void;
  log?: (line: string) => void;
}

/** A function running from its image. */
export interface FunctionImage {
  name: string;
  /** The watchdog's base URL. */
  url: string;
  image: RunningImage;
  layout: ImageLayout;
  /**
   * Resolves when `<url><readyPath>` answers 200 and the wrapper accepts connections; rejects with the process's
   * last lines if it ends first.
   */
  ready(readyPath?: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Lays out a function's image (cached layers). */
export function layOutFunctionImage(
  options: Pick<FunctionImageOptions, 'context' | 'watchdogBinary' | 'cacheDir' | 'log'>,
): Promise<ImageLayout> {
  return layOutImage({
    context: options.context,
    watchdogBinary: options.watchdogBinary,
    cacheDir: options.cacheDir ?? imageLayersDir(),
    log: options.log,
  });
}

/** Starts the function's image; returns once its process is spawned (then await `ready()`). */
export async function startFunctionImage(options: FunctionImageOptions): Promise<FunctionImage> {
  const layout = options.layout ?? (await layOutFunctionImage(options));
  const secrets: Record<string, string> = {};
  for (const name of options.spec.secrets) {
    secrets[name] = await readFile(path.join(options.secretsDir, name), 'utf8').catch(() => {
      throw new Error(
        `function ${options.spec.name} declares the secret ${name}, but ${options.secretsDir} has no file of that name`,
      );
    });
  }
  const [port, httpPort] = await Promise.all([allocatePort(), allocatePort()]);
  const image = await startImage({
    layout,
    secrets,
    env: {
      ...options.spec.environment,
      ...options.env,
      port: String(port),
      http_port: String(httpPort),
      upstream_url: `http://127.0.0.1:${httpPort}`,
    },
    onLine: options.onLine,
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name: options.spec.name,
    url,
    image,
    layout,
    ready: async (readyPath = '/_/ready', timeoutMs = 60_000) => {
      const what = `function ${options.spec.name} (from its image)`;
      await waitForHttp(image, `${url}${readyPath}`, what, timeoutMs);
      // The watchdog's /_/ready answers 200 once it runs, before its wrapper listens (of-watchdog's behaviour).
      await waitForPort(image, httpPort, what, timeoutMs);
    },
    stop: () => image.stop(),
  };
}
