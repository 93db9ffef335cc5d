/**
 * Issue 12, goal 3b: the source page's first load over a Tor-like link,
 * until it is ready to send: the worker has verified the signed manifest
 * and the send button is enabled. The real page and the real server on
 * loopback (bench-portal.ts), Debian's Chromium with CDP network emulation
 * (3 Mbit/s each way, 300 ms latency added to every request), cache
 * disabled, a fresh context per run; with WebAssembly (worker.js) and without
 * it (`--js-flags=--jitless`, worker-nowasm.js).
 *
 * Each run also records every request (start and end from navigation start,
 * from playwright's resource timing), so the report shows what the time
 * goes to and in which order. Goal: at most 3 s with WebAssembly, 2 s
 * without. Run alone: `node dist/scripts/bench/page-first-load.js [--runs 3]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request } from 'playwright-core';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../../client/core/sodium.js';
import { median, option } from './bench-args.js';
import { startBenchPortal } from './bench-portal.js';
import { launchBenchChromium } from './chromium.js';
import { SLOW_LINK_CONDITIONS } from './page-upload.js';

/** The link: goal 3a's, 3 Mbit/s each way, 300 ms added to every request. */
const LINK = SLOW_LINK_CONDITIONS;
/** Goal 3b's limits, in seconds. */
export const FIRST_LOAD_LIMIT_SECONDS = { webAssembly: 3, noWebAssembly: 2 } as const;

/** One request of a first load, in seconds from the navigation's start. */
export interface LoadedFile {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

export interface FirstLoadResult {
  readonly webAssembly: boolean;
  /** Seconds from navigation to ready, each run. */
  readonly seconds: readonly number[];
  /** The requests of the median run. */
  readonly files: readonly LoadedFile[];
}

/** One first load in a fresh context: seconds to ready, and its requests. */
async function firstLoad(
  sourceUrl: string,
  jitless: boolean,
  browser: Awaited<ReturnType<typeof launchBenchChromium>>,
): Promise<{ seconds: number; files: LoadedFile[] }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const session = await context.newCDPSession(page);
    await session.send('Network.enable');
    await session.send('Network.setCacheDisabled', { cacheDisabled: true });
    await session.send('Network.emulateNetworkConditions', LINK);
    const requests: Request[] = [];
    const finished: Promise<void>[] = [];
    page.on('request', (request) => {
      requests.push(request);
      finished.push(
        request.response().then(async (response) => {
          await response?.finished();
        }),
      );
    });
    const started = Date.now();
    await page.goto(`${sourceUrl}?lang=en`, { waitUntil: 'commit' });
    await page.waitForSelector('#send:not([disabled])', { timeout: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    const webAssembly = await page.evaluate(() => typeof WebAssembly !== 'undefined');
    if (webAssembly === jitless) throw new Error('WebAssembly present or absent unexpectedly');
    await Promise.all(finished);
    const files = requests.map((request) => {
      const timing = request.timing();
      const name = new URL(request.url()).pathname.slice(1) || 'index.html';
      return {
        name,
        start: (timing.startTime - started) / 1000,
        end: (timing.startTime + timing.responseEnd - started) / 1000,
      };
    });
    return { seconds, files: files.sort((a, b) => a.start - b.start) };
  } finally {
    await context.close();
  }
}

/**
 * `runs` first loads of the page at `sourceUrl`, with WebAssembly or without.
 * @throws Error if the page does not get ready, or WebAssembly is not as asked.
 */
export async function measureFirstLoad(sourceUrl: string, jitless: boolean, runs: number): Promise<FirstLoadResult> {
  const browser = await launchBenchChromium(jitless);
  try {
    const loads: { seconds: number; files: LoadedFile[] }[] = [];
    for (let run = 0; run < runs; run++) loads.push(await firstLoad(sourceUrl, jitless, browser));
    const sorted = [...loads].sort((a, b) => a.seconds - b.seconds);
    return {
      webAssembly: !jitless,
      seconds: loads.map((load) => load.seconds),
      files: sorted[sorted.length >> 1]!.files,
    };
  } finally {
    await browser.close();
  }
}

export function firstLoadGoalMet(result: FirstLoadResult): boolean {
  const limit = result.webAssembly ? FIRST_LOAD_LIMIT_SECONDS.webAssembly : FIRST_LOAD_LIMIT_SECONDS.noWebAssembly;
  return median(result.seconds) <= limit;
}

/** The requests of each mode's median run, then one goal line per mode. */
export function firstLoadReport(results: readonly FirstLoadResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(
      `${result.webAssembly ? 'with' : 'without'} WebAssembly, requests of the median run (s from navigation: start - end):`,
      ...result.files.map(
        (file) => `  ${file.name.padEnd(24)} ${file.start.toFixed(2).padStart(5)} - ${file.end.toFixed(2)}`,
      ),
    );
  }
  lines.push('');
  for (const result of results) {
    const limit = result.webAssembly ? FIRST_LOAD_LIMIT_SECONDS.webAssembly : FIRST_LOAD_LIMIT_SECONDS.noWebAssembly;
    lines.push(
      `goal 3b (first load ready to send at 3 Mbit/s, 300 ms, ${result.webAssembly ? 'with' : 'without'} WebAssembly, ` +
        `<= ${limit} s): median ${median(result.seconds).toFixed(2)} s of ${result.seconds.length} ` +
        `(${result.seconds.map((s) => s.toFixed(2)).join(', ')}), ${firstLoadGoalMet(result) ? 'met' : 'NOT met'}`,
    );
  }
  return lines;
}

/** The whole goal-3b measurement on its own portal under `work`. */
export async function benchFirstLoad(work: string, runs: number): Promise<FirstLoadResult[]> {
  const server = await startBenchPortal(path.join(work, 'portal-first-load'));
  try {
    return [
      await measureFirstLoad(server.sourceUrl, false, runs),
      await measureFirstLoad(server.sourceUrl, true, runs),
    ];
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  guardWasmAbortInProcess();
  await loadSodium();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-first-load-'));
  try {
    process.stdout.write(`${firstLoadReport(await benchFirstLoad(work, option('runs', 3))).join('\n')}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
