/**
 * Issue 12, goal 2: the source page's memory does not grow with the
 * submission. A real submission of a small and of a large file goes through
 * the real page (Debian's Chromium, a fresh browser per run) to the real
 * server on loopback (bench-portal.ts); the file is a sparse file on disk
 * given to the file input by path, so Chromium reads it from disk as a
 * source's browser does. While it runs, every 200 ms:
 *
 *   renderer   VmRSS of every renderer process (/proc/<pid>/status; the pids
 *              from CDP `SystemInfo.getProcessInfo`); the page's renderer is
 *              the one that used the most CPU. Its VmHWM at the end is the
 *              peak, whatever sampling missed. The encryption worker runs in
 *              this process, and so do its fetch bodies and blobs.
 *   worker     the worker's V8 heap and ArrayBuffer backing stores (CDP
 *              `Runtime.getHeapUsage` through the worker's own target)
 *   page       the page's V8 heap, the same way
 *   network    VmRSS of Chromium's network service process (for reading
 *              where upload bodies go; not part of the goal)
 *
 * Goal: renderer and worker each grow by less than 100 MB (10^6 bytes)
 * between the small and the large submission. With WebAssembly 10 MiB
 * against 1 GiB; without (`--js-flags=--jitless`, ~1.5 MB/s) 10 MiB against
 * 256 MiB, so a run takes 3 minutes instead of 15: the retained batches and
 * upload buffers that bound memory fill up within the first 40 MiB, so
 * 256 MiB already shows any growth with the size.
 *
 * Run alone: `node dist/scripts/bench/page-memory.js [--small-mib 10]
 * [--large-mib 1024] [--jitless-large-mib 256] [--skip-jitless]`;
 * `npm run bench:client` runs it with these defaults.
 */
import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../../client/core/sodium.js';
import { option } from './bench-args.js';
import { startBenchPortal } from './bench-portal.js';
import { launchBenchChromium } from './chromium.js';

const MIB = 1024 * 1024;
const MB = 1e6;
const SAMPLE_MS = 200;
/** Growth allowed between the small and the large submission (issue 12, goal 2). */
export const MEMORY_GROWTH_LIMIT_BYTES = 100 * MB;

/** Peaks seen during one submission, in bytes. */
export interface MemoryRun {
  readonly mib: number;
  readonly seconds: number;
  /** The page's renderer right after the page was ready to send. */
  readonly rendererReady: number;
  /** The page's renderer's VmHWM after the submission. */
  readonly rendererPeak: number;
  /** The worker's V8 heap plus ArrayBuffer backing stores, highest sample. */
  readonly workerPeak: number;
  /** Of which ArrayBuffer backing stores, highest sample. */
  readonly workerBuffersPeak: number;
  readonly pageHeapPeak: number;
  readonly networkPeak: number;
}

export interface PageMemoryResult {
  readonly webAssembly: boolean;
  readonly small: MemoryRun;
  readonly large: MemoryRun;
}

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

/** VmRSS and VmHWM of `pid` in bytes, or null once it is gone. */
async function processMemory(pid: number): Promise<{ rss: number; hwm: number } | null> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/**
 * The worker's heap through its own CDP target. Dedicated workers are not
 * pages, so playwright has no session for them: a separate page session
 * auto-attaches to them unflattened and talks to them through
 * `Target.sendMessageToTarget`.
 */
class WorkerHeap {
  readonly #session: CDPSession;
  #worker: string | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, (usage: HeapUsage | null) => void>();

  private constructor(session: CDPSession) {
    this.#session = session;
    session.on('Target.attachedToTarget', (event) => {
      if (event.targetInfo.type === 'worker') this.#worker = event.sessionId;
    });
    session.on('Target.receivedMessageFromTarget', (event) => {
      const message = JSON.parse(event.message) as { id?: number; result?: HeapUsage };
      if (message.id === undefined) return;
      this.#waiting.get(message.id)?.(message.result ?? null);
      this.#waiting.delete(message.id);
    });
  }

  static async attach(session: CDPSession): Promise<WorkerHeap> {
    const heap = new WorkerHeap(session);
    await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return heap;
  }

  /** The worker's heap usage now, or null before it started (or if it does not answer within a second). */
  async usage(): Promise<HeapUsage | null> {
    const worker = this.#worker;
    if (worker === null) return null;
    const id = this.#nextId++;
    const answer = new Promise<HeapUsage | null>((resolve) => {
      this.#waiting.set(id, resolve);
      setTimeout(() => {
        this.#waiting.delete(id);
        resolve(null);
      }, 1000);
    });
    await this.#session
      .send('Target.sendMessageToTarget', {
        sessionId: worker,
        message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
      })
      .catch(() => undefined);
    return answer;
  }
}

async function processesOf(
  browser: Browser,
): Promise<{ renderers: number[]; network: number | null; cpu: Map<number, number> }> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = await session.send('SystemInfo.getProcessInfo');
    return {
      renderers: processInfo.filter((info) => info.type === 'renderer').map((info) => info.id),
      network: processInfo.find((info) => info.type.includes('NetworkService'))?.id ?? null,
      cpu: new Map(processInfo.map((info) => [info.id, info.cpuTime])),
    };
  } finally {
    await session.detach();
  }
}

/** A sparse file of `mib` MiB: read back as zeros, costs no disk. */
async function sparseFile(folder: string, mib: number): Promise<string> {
  const file = path.join(folder, `document-${mib}MiB.bin`);
  const handle = await open(file, 'w');
  try {
    await handle.truncate(mib * MIB);
  } finally {
    await handle.close();
  }
  return file;
}

async function waitReady(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#send:not([disabled])', { timeout: 120_000 });
}

/** One submission of a `mib` MiB file in a fresh browser, sampled throughout. */
async function measureRun(sourceUrl: string, file: string, mib: number, jitless: boolean): Promise<MemoryRun> {
  const browser = await launchBenchChromium(jitless);
  try {
    const page = await browser.newPage();
    const session = await page.context().newCDPSession(page);
    const worker = await WorkerHeap.attach(session);
    await waitReady(page, `${sourceUrl}?lang=en`);
    const webAssembly = await page.evaluate(() => typeof WebAssembly !== 'undefined');
    if (webAssembly === jitless) throw new Error('WebAssembly present or absent unexpectedly');
    const { renderers, network } = await processesOf(browser);
    const ready = new Map<number, number>();
    for (const pid of renderers) ready.set(pid, (await processMemory(pid))?.rss ?? 0);

    let workerPeak = 0;
    let workerBuffersPeak = 0;
    let pageHeapPeak = 0;
    let networkPeak = 0;
    // An object, so the loop sees the change made after it started.
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const usage = await worker.usage();
        if (usage !== null) {
          workerPeak = Math.max(workerPeak, usage.usedSize + (usage.backingStorageSize ?? 0));
          workerBuffersPeak = Math.max(workerBuffersPeak, usage.backingStorageSize ?? 0);
        }
        const pageUsage = (await session.send('Runtime.getHeapUsage').catch(() => null)) as HeapUsage | null;
        if (pageUsage !== null) pageHeapPeak = Math.max(pageHeapPeak, pageUsage.usedSize);
        if (network !== null) networkPeak = Math.max(networkPeak, (await processMemory(network))?.rss ?? 0);
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      }
    })();

    await page.fill('#message', `memory benchmark, ${mib} MiB`);
    await page.setInputFiles('#files', file);
    const started = performance.now();
    await page.click('#send');
    try {
      await page.waitForSelector('#send-again', { timeout: 30 * 60_000 });
    } finally {
      sampling.on = false;
      await sampler;
    }
    const seconds = (performance.now() - started) / 1000;
    // The page's renderer: the one that did the work.
    const { cpu } = await processesOf(browser);
    const busiest = [...renderers].sort((a, b) => (cpu.get(b) ?? 0) - (cpu.get(a) ?? 0))[0];
    if (busiest === undefined) throw new Error('no renderer process found');
    const peak = await processMemory(busiest);
    if (peak === null) throw new Error('the renderer process is gone');
    return {
      mib,
      seconds,
      rendererReady: ready.get(busiest) ?? 0,
      rendererPeak: peak.hwm,
      workerPeak,
      workerBuffersPeak,
      pageHeapPeak,
      networkPeak,
    };
  } finally {
    await browser.close();
  }
}

/**
 * Measures a `smallMib` and a `largeMib` submission through the page at
 * `sourceUrl`, with WebAssembly or without (`jitless`). Files go in `folder`.
 * @throws Error if a submission does not complete or WebAssembly is not as asked.
 */
export async function measurePageMemory(
  sourceUrl: string,
  folder: string,
  jitless: boolean,
  smallMib: number,
  largeMib: number,
): Promise<PageMemoryResult> {
  const small = await measureRun(sourceUrl, await sparseFile(folder, smallMib), smallMib, jitless);
  const large = await measureRun(sourceUrl, await sparseFile(folder, largeMib), largeMib, jitless);
  return { webAssembly: !jitless, small, large };
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1);

/** Whether both the renderer and the worker stayed within the goal. */
export function memoryGoalMet(result: PageMemoryResult): boolean {
  return (
    result.large.rendererPeak - result.small.rendererPeak < MEMORY_GROWTH_LIMIT_BYTES &&
    result.large.workerPeak - result.small.workerPeak < MEMORY_GROWTH_LIMIT_BYTES
  );
}

/** A markdown table of the results, then one goal line per mode. */
export function memoryReport(results: readonly PageMemoryResult[]): string[] {
  const rows = results.flatMap((result) =>
    [result.small, result.large].map(
      (run) =>
        `| ${result.webAssembly ? 'with' : 'without'} | ${run.mib} MiB | ${run.seconds.toFixed(1)} | ` +
        `${mb(run.rendererReady)} | ${mb(run.rendererPeak)} | ${mb(run.workerPeak)} (${mb(run.workerBuffersPeak)}) | ` +
        `${mb(run.pageHeapPeak)} | ${mb(run.networkPeak)} |`,
    ),
  );
  const goals = results.map((result) => {
    const renderer = result.large.rendererPeak - result.small.rendererPeak;
    const worker = result.large.workerPeak - result.small.workerPeak;
    return (
      `goal 2 (renderer and worker grow < 100 MB, ${result.small.mib} MiB vs ${result.large.mib} MiB, ` +
      `${result.webAssembly ? 'with' : 'without'} WebAssembly): renderer ${renderer >= 0 ? '+' : ''}${mb(renderer)} MB, ` +
      `worker ${worker >= 0 ? '+' : ''}${mb(worker)} MB, ${memoryGoalMet(result) ? 'met' : 'NOT met'}`
    );
  });
  return [
    'MB = 10^6 bytes. renderer: VmRSS when ready to send, VmHWM after the submission (the worker runs in this process). ' +
      'worker: V8 heap + ArrayBuffer backing stores (of which buffers), highest sample. page: V8 heap used. network: the network service process.',
    '',
    '| WebAssembly | file | seconds | renderer ready | renderer peak | worker peak (buffers) | page heap | network peak |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...goals,
  ];
}

/**
 * The whole goal-2 measurement on its own portal under `work`: with
 * WebAssembly small vs large, and without it small vs `jitlessLargeMib`
 * (skipped when `jitlessLargeMib` is 0).
 */
export async function benchPageMemory(
  work: string,
  smallMib: number,
  largeMib: number,
  jitlessLargeMib: number,
): Promise<PageMemoryResult[]> {
  const server = await startBenchPortal(path.join(work, 'portal-memory'));
  try {
    const results = [await measurePageMemory(server.sourceUrl, work, false, smallMib, largeMib)];
    if (jitlessLargeMib > 0)
      results.push(await measurePageMemory(server.sourceUrl, work, true, smallMib, jitlessLargeMib));
    return results;
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  guardWasmAbortInProcess();
  await loadSodium();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-page-memory-'));
  try {
    const results = await benchPageMemory(
      work,
      option('small-mib', 10),
      option('large-mib', 1024),
      process.argv.includes('--skip-jitless') ? 0 : option('jitless-large-mib', 256),
    );
    process.stdout.write(`${memoryReport(results).join('\n')}\n`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
