/**
 * Part of `npm run bench:client`: a real submission through the source page
 * in Chromium (its worker: File.stream -> tar -> Padmé -> age -> upload.ts)
 * to the real server on loopback, against the worker pipeline's own speed
 * (the same path with the output discarded) measured in the same run, with
 * WebAssembly and without it (`--js-flags=--jitless`, worker-nowasm.js); and
 * a 10 MiB submission over a Tor-like link (CDP network emulation: 3 Mbit/s,
 * 300 ms latency) against its ciphertext size / bandwidth.
 *
 * Each run also records where the time goes: every request the page made,
 * as Chromium saw it (start and end, so idle time between requests shows),
 * and the server's own time for each (its request log), summed per kind.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Page, Request } from 'playwright-core';
import type { RunningServer } from '../../server/main.js';
import type { DemoNewsroom } from '../demo.js';
import { startBenchPortal } from './bench-portal.js';
import { launchBenchChromium } from './chromium.js';

const MIB = 1024 * 1024;

/** The link of goal 3a: about a Tor circuit's. */
export const SLOW_LINK = { bitsPerSecond: 3_000_000, latencyMs: 300 } as const;

/** {@link SLOW_LINK} as CDP `Network.emulateNetworkConditions` takes it: the same rate each way. */
export const SLOW_LINK_CONDITIONS = {
  offline: false,
  latency: SLOW_LINK.latencyMs,
  downloadThroughput: SLOW_LINK.bitsPerSecond / 8,
  uploadThroughput: SLOW_LINK.bitsPerSecond / 8,
} as const;

/** Goals of issue 12 this part checks. */
export const UPLOAD_GOALS = { wasm: 0.5, jitless: 0.8, slowLink: 1.08 } as const;

export interface PageUploadOptions {
  readonly newsroom: DemoNewsroom;
  /** The client build for the newsroom's root key. */
  readonly site: string;
  /** A scratch folder (the server's data and the test files go under it). */
  readonly work: string;
  /** Plaintext sizes of the loopback submissions, with and without WebAssembly. */
  readonly mib: number;
  readonly jitlessMib: number;
  /** The plaintext size of the slow-link submission. */
  readonly slowMib: number;
  /** Worker pipeline throughput (MB/s of plaintext) on `mib` / `jitlessMib` MiB, from the bench worker. */
  readonly pipeline: (jitless: boolean, mib: number) => Promise<number>;
}

/** One kind of request, or the time with none in flight. */
interface TimeShare {
  readonly what: string;
  readonly count: number;
  /** Wall time with at least one request of this kind in flight (Chromium's view). */
  readonly seconds: number;
  /** The server's own time for them (its request log), summed. */
  readonly serverSeconds: number;
}

export interface UploadRun {
  /** Plaintext bytes of the file sent. */
  readonly bytes: number;
  /** Ciphertext bytes stored. */
  readonly stored: number;
  /** From the click on "send" until the page says it is sent. */
  readonly seconds: number;
  readonly profile: readonly TimeShare[];
  /** Sizes of the chunks sent, in MiB, in order (first few and last). */
  readonly batches: readonly number[];
}

export interface PageUploadResult {
  readonly wasm: { pipeline: number; upload: UploadRun };
  readonly jitless: { pipeline: number; upload: UploadRun };
  readonly slow: UploadRun;
}

/** One line of the server's request log. */
interface LoggedRequest {
  readonly method: string;
  readonly route: string;
  readonly ms: number;
}

/** A file of `mib` MiB of incompressible-looking bytes (generated once, on disk). */
async function testFile(directory: string, mib: number): Promise<string> {
  const file = path.join(directory, `upload-${String(mib)}.bin`);
  const block = Buffer.alloc(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const blocks = Array.from({ length: mib }, () => block);
  await writeFile(file, blocks);
  return file;
}

/** The real server (source listener) with its request log captured. */
async function startPortal(
  newsroom: DemoNewsroom,
  site: string,
  work: string,
): Promise<{ server: RunningServer; log: LoggedRequest[] }> {
  const log: LoggedRequest[] = [];
  const sink = new Writable({
    write(line: Buffer, _encoding, callback) {
      for (const text of line.toString('utf8').split('\n')) {
        if (text === '') continue;
        const entry = JSON.parse(text) as Partial<LoggedRequest>;
        if (typeof entry.route === 'string' && typeof entry.ms === 'number' && typeof entry.method === 'string')
          log.push({ method: entry.method, route: entry.route, ms: entry.ms });
      }
      callback();
    },
  });
  const server = await startBenchPortal(work, { built: { newsroom, site }, log: sink });
  return { server, log };
}

/** The requests of one upload, as Chromium saw them. */
interface SeenRequest {
  readonly kind: string;
  readonly start: number;
  end: number;
  /** A chunk's body length, asked of Chromium once the request is done. */
  body: Promise<number> | null;
}

/**
 * The body length Chromium sent: its Content-Length, else the size it
 * reports (a Blob body has no post data in the DevTools record).
 */
async function bodyLength(request: Request): Promise<number> {
  const header = await request.headerValue('content-length').catch(() => null);
  if (header !== null && /^\d+$/.test(header)) return Number(header);
  return (await request.sizes()).requestBodySize;
}

function kindOf(method: string, url: URL): string | null {
  const route = url.pathname;
  if (route.endsWith('/api/uploads') && method === 'POST') return 'create';
  if (!route.includes('/api/uploads/')) return route.endsWith('.json') || route.endsWith('.minisig') ? 'keys' : null;
  if (method === 'PUT') return 'chunk';
  if (method === 'GET') return 'status';
  if (route.endsWith('/finalize')) return 'finalize';
  return method === 'DELETE' ? 'delete' : null;
}

/** Server route label (the request log's) for a kind. */
function serverKind(entry: LoggedRequest): string | null {
  if (entry.route === '/api/uploads') return 'create';
  if (entry.route === '/api/uploads/:id/finalize') return 'finalize';
  if (entry.route === '/api/uploads/:id')
    return entry.method === 'PUT' ? 'chunk' : entry.method === 'GET' ? 'status' : 'delete';
  if (entry.route.startsWith('/manifest')) return 'keys';
  return null;
}

/** Wall time covered by the union of `[start, end)` intervals. */
function covered(intervals: readonly { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

function profileOf(
  seen: readonly SeenRequest[],
  log: readonly LoggedRequest[],
  began: number,
  ended: number,
): TimeShare[] {
  const kinds = ['keys', 'create', 'chunk', 'status', 'finalize', 'delete'];
  const shares: TimeShare[] = [];
  for (const kind of kinds) {
    const mine = seen.filter((request) => request.kind === kind);
    if (mine.length === 0) continue;
    const server = log.filter((entry) => serverKind(entry) === kind);
    shares.push({
      what: kind,
      count: mine.length,
      seconds: covered(mine) / 1000,
      serverSeconds: server.reduce((sum, entry) => sum + entry.ms, 0) / 1000,
    });
  }
  const busy = covered(seen.map(({ start, end }) => ({ start: Math.max(start, began), end: Math.min(end, ended) })));
  shares.push({ what: 'no request in flight', count: 0, seconds: (ended - began - busy) / 1000, serverSeconds: 0 });
  return shares;
}

/**
 * One submission of the file at `file` through the real page.
 * @throws Error if the page does not say it is sent, or nothing is stored.
 */
async function submitThroughPage(
  page: Page,
  url: string,
  file: string,
  log: LoggedRequest[],
  dataDir: string,
  timeoutMs: number,
): Promise<UploadRun> {
  await page.goto(url);
  await page.waitForSelector('#send:not([disabled])', { timeout: 60_000 });
  await page.fill('#message', 'page upload benchmark');
  await page.setInputFiles('#files', file);
  const seen: SeenRequest[] = [];
  const open = new Map<Request, SeenRequest>();
  const onRequest = (request: Request): void => {
    const target = new URL(request.url());
    const kind = kindOf(request.method(), target);
    if (kind === null) return;
    const entry: SeenRequest = { kind, start: performance.now(), end: 0, body: null };
    open.set(request, entry);
    seen.push(entry);
  };
  const onDone = (request: Request): void => {
    const entry = open.get(request);
    if (entry === undefined) return;
    entry.end = performance.now();
    if (entry.kind === 'chunk') entry.body = bodyLength(request).catch(() => Number.NaN);
    open.delete(request);
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  log.length = 0;
  const submissions = path.join(dataDir, 'submissions');
  const before = new Set(await readdir(submissions).catch(() => []));
  const began = performance.now();
  await page.click('#send');
  await page.waitForSelector('#send-again', { timeout: timeoutMs });
  const ended = performance.now();
  page.off('request', onRequest);
  page.off('requestfinished', onDone);
  page.off('requestfailed', onDone);
  for (const entry of seen) if (entry.end === 0) entry.end = ended;
  const added = (await readdir(submissions)).filter((name) => name.endsWith('.age') && !before.has(name));
  if (added.length !== 1) throw new Error(`expected one new submission, found ${String(added.length)}`);
  const stored = (await stat(path.join(submissions, added[0]!))).size;
  // What each request carried, in the order sent (offsets would hide a chunk sent again).
  const lengths = await Promise.all(
    seen.filter((entry) => entry.kind === 'chunk').map((entry) => entry.body ?? Promise.resolve(Number.NaN)),
  );
  const sizes = lengths.map((length) => length / MIB);
  return {
    bytes: (await stat(file)).size,
    stored,
    seconds: (ended - began) / 1000,
    profile: profileOf(seen, log, began, ended),
    batches: sizes.length > 8 ? [...sizes.slice(0, 6), ...sizes.slice(-2)] : sizes,
  };
}

/** A fresh browser and page, throttled to {@link SLOW_LINK} if asked, for one submission. */
async function run(
  portal: { server: RunningServer; log: LoggedRequest[] },
  dataDir: string,
  file: string,
  jitless: boolean,
  slow: boolean,
): Promise<UploadRun> {
  const browser = await launchBenchChromium(jitless);
  try {
    const page = await browser.newPage();
    if (slow) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', SLOW_LINK_CONDITIONS);
    }
    const jsWebAssembly = await page.evaluate(() => typeof WebAssembly !== 'undefined');
    if (jsWebAssembly === jitless) throw new Error(`WebAssembly ${jsWebAssembly ? 'present' : 'missing'} unexpectedly`);
    return await submitThroughPage(page, portal.server.sourceUrl, file, portal.log, dataDir, 30 * 60_000);
  } finally {
    await browser.close();
  }
}

/**
 * Runs the three measurements.
 * @throws Error if a submission fails or the server does not start.
 */
export async function benchPageUpload(options: PageUploadOptions): Promise<PageUploadResult> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-upload-'));
  const portal = await startPortal(options.newsroom, options.site, options.work);
  const dataDir = options.newsroom.dataDir;
  try {
    const wasmFile = await testFile(scratch, options.mib);
    const wasmPipeline = await options.pipeline(false, options.mib);
    const wasmUpload = await run(portal, dataDir, wasmFile, false, false);
    await rm(wasmFile);
    const jitlessFile = await testFile(scratch, options.jitlessMib);
    const jitlessPipeline = await options.pipeline(true, options.jitlessMib);
    const jitlessUpload = await run(portal, dataDir, jitlessFile, true, false);
    const slowFile = await testFile(scratch, options.slowMib);
    const slow = await run(portal, dataDir, slowFile, false, true);
    return {
      wasm: { pipeline: wasmPipeline, upload: wasmUpload },
      jitless: { pipeline: jitlessPipeline, upload: jitlessUpload },
      slow,
    };
  } finally {
    await portal.server.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

const mbps = (run: UploadRun): number => run.bytes / 1e6 / run.seconds;
const fmt = (value: number): string => value.toFixed(value < 10 ? 2 : 1);
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** Seconds the slow link needs for `bytes` at its bandwidth. */
export function slowLinkFloor(bytes: number): number {
  return (bytes * 8) / SLOW_LINK.bitsPerSecond;
}

/** The goal lines printed on the console. */
export function uploadGoalLines(result: PageUploadResult): string[] {
  const wasm = mbps(result.wasm.upload) / result.wasm.pipeline;
  const jitless = mbps(result.jitless.upload) / result.jitless.pipeline;
  const slow = result.slow.seconds / slowLinkFloor(result.slow.stored);
  return [
    `goal 1 (page upload >= 50% of pipeline, WebAssembly): ${(wasm * 100).toFixed(0)}%, ${met(wasm >= UPLOAD_GOALS.wasm)}`,
    `goal 1 (page upload >= 80% of pipeline, jitless): ${(jitless * 100).toFixed(0)}%, ${met(jitless >= UPLOAD_GOALS.jitless)}`,
    `goal 3a (10 MiB at 3 Mbit/s, 300 ms <= 1.08x size/bandwidth): ${slow.toFixed(3)}x, ${met(slow <= UPLOAD_GOALS.slowLink)}`,
  ];
}

function profileRows(name: string, run: UploadRun): string[] {
  return run.profile.map(
    (share) =>
      `| ${name} | ${share.what} | ${share.count > 0 ? String(share.count) : ''} | ${share.seconds.toFixed(2)} | ${share.count > 0 ? share.serverSeconds.toFixed(2) : ''} |`,
  );
}

/** The Markdown lines of this part (inside bench:client's section or its own). */
export function uploadMarkdown(
  result: PageUploadResult,
  options: Pick<PageUploadOptions, 'mib' | 'jitlessMib' | 'slowMib'>,
): string[] {
  const { wasm, jitless, slow } = result;
  const batches = (run: UploadRun): string => run.batches.map((size) => size.toFixed(2)).join(', ');
  return [
    '| what | pipeline MB/s | page upload MB/s | ratio | goal |',
    '|---|---:|---:|---:|---|',
    `| with WebAssembly (${String(options.mib)} MiB) | ${fmt(wasm.pipeline)} | ${fmt(mbps(wasm.upload))} | ${(mbps(wasm.upload) / wasm.pipeline).toFixed(2)} | >= 0.50: ${met(mbps(wasm.upload) / wasm.pipeline >= UPLOAD_GOALS.wasm)} |`,
    `| jitless, no WebAssembly (${String(options.jitlessMib)} MiB) | ${fmt(jitless.pipeline)} | ${fmt(mbps(jitless.upload))} | ${(mbps(jitless.upload) / jitless.pipeline).toFixed(2)} | >= 0.80: ${met(mbps(jitless.upload) / jitless.pipeline >= UPLOAD_GOALS.jitless)} |`,
    '',
    `Slow link (${String(options.slowMib)} MiB file, ${String(slow.stored)} bytes of ciphertext, 3 Mbit/s, 300 ms): ${slow.seconds.toFixed(1)} s against ${slowLinkFloor(slow.stored).toFixed(1)} s for size/bandwidth: ${(slow.seconds / slowLinkFloor(slow.stored)).toFixed(3)}x (goal <= 1.08x: ${met(slow.seconds / slowLinkFloor(slow.stored) <= UPLOAD_GOALS.slowLink)}).`,
    '',
    'Where the time goes, from the click on "send" to "sent": wall seconds with at least one request of that kind in flight as Chromium saw it (kinds may overlap), the server\'s own seconds for them (its request log, summed), and the time with no request in flight (the worker encrypting or waiting).',
    '',
    '| run | what | requests | wall s | server s |',
    '|---|---|---:|---:|---:|',
    ...profileRows('WebAssembly', wasm.upload),
    ...profileRows('jitless', jitless.upload),
    ...profileRows('slow link', slow),
    '',
    `Chunk sizes in MiB (first six and last two): WebAssembly ${batches(wasm.upload)}; jitless ${batches(jitless.upload)}; slow link ${batches(slow)}.`,
  ];
}
