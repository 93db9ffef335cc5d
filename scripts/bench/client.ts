/**
 * `npm run bench:client`: the source page's weight and in-browser encryption
 * speed, each against a reference measured in the same run.
 *
 *   first-load weight   every file the page loads before it can encrypt
 *                       (page, code, root key, signed manifest): raw, gzip -9
 *                       of each (the estimate), and the response body bytes
 *                       the real server sends for it to a browser that
 *                       accepts gzip (the build's precompressed .gz files);
 *                       measured by client-weight.ts
 *   in-browser sealing  the real pipeline (File.stream -> tar -> Padmé -> age)
 *                       on a 64 MiB file in a Web Worker of Debian's Chromium,
 *                       with WebAssembly (libsodium) and without it
 *                       (--js-flags=--jitless: noble), against the protocol
 *                       core's age encryption in Node, with and without JIT
 *   no-WebAssembly AEAD ChaCha20-Poly1305 of libsodium's pure-JS fallback and
 *                       of @noble/ciphers, and X25519 stanza wrapping, in the
 *                       jitless browser and in node --jitless: the evidence
 *                       for what worker-nowasm.js ships
 *
 * Options: --mib N (64), --jitless-mib N (64), --aead-mib N (4),
 * --node-jitless-mib N (8), --write-docs (replace this benchmark's section
 * of docs/BENCHMARKS.md); for the page's upload (page-upload.ts):
 * --upload-mib N (256), --upload-jitless-mib N (16), --slow-mib N (10),
 * --skip-upload (not run), --upload-only (only it, with its pipeline runs).
 * Page memory (page-memory.ts): --memory-small-mib N (10), --memory-large-mib N (1024),
 * --memory-jitless-large-mib N (256), --skip-memory; first load (page-first-load.ts):
 * --first-load-runs N (3), --skip-first-load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { encrypt } from '../../client/core/age.js';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { prepareDemoNewsroom } from '../demo.js';
import { buildClient, findRepoRoot } from '../build-client.js';
import { buildBenchPage, serveBenchDirectory, type BenchWorkerVariant } from './bench-page.js';
import { CHROMIUM, launchBenchChromium } from './chromium.js';
import { totalWeight, weighFirstLoad, type Weight } from './client-weight.js';
import { benchPageUpload, uploadGoalLines, uploadMarkdown } from './page-upload.js';
import { benchPageMemory, memoryReport } from './page-memory.js';
import { benchFirstLoad, firstLoadReport } from './page-first-load.js';

const MIB = 1024 * 1024;
const SECTION_START = '<!-- bench:client start -->';
const SECTION_END = '<!-- bench:client end -->';

interface BenchRequest {
  mode: 'pipeline' | 'aead' | 'x25519';
  mib: number;
  recipient: string;
  aead: 'libsodium' | 'noble';
}
interface BenchResult {
  seconds: number;
  bytes: number;
  webAssembly: boolean;
  error?: string;
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const fmt = (value: number): string => value.toFixed(value < 10 ? 2 : 1);
const kb = (bytes: number): string => (bytes / 1000).toFixed(1);

// ---------------------------------------------------------------------------
// Node reference figures

/**
 * The same cipher as client/app/noble-aead.ts. Not imported from there: the
 * browser app is built by esbuild only, and a tsc import would emit it into
 * dist/client/app, the server's static folder.
 */
const nobleAead: Aead = {
  seal: (key, nonce, plaintext) => chacha20poly1305(key, nonce).encrypt(plaintext),
  open: (key, nonce, ciphertext) => chacha20poly1305(key, nonce).decrypt(ciphertext),
};

async function* pattern(mib: number): AsyncGenerator<Uint8Array> {
  const block = new Uint8Array(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let i = 0; i < mib; i++) {
    yield block;
    await Promise.resolve();
  }
}

async function nodeEncrypt(mib: number, aead: Aead): Promise<number> {
  const recipient = X25519Identity.generate().recipient();
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of encrypt([recipient], pattern(mib), { aead })) bytes += chunk.length;
  if (bytes < mib * MIB) throw new Error('short ciphertext');
  return mbps(mib * MIB, (performance.now() - started) / 1000);
}

async function nodeFigures(
  mib: number,
): Promise<{ libsodium: number; noble: number; x25519Libsodium: number; x25519Noble: number; webAssembly: boolean }> {
  await loadSodium();
  const { x25519 } = await import('@noble/curves/ed25519.js');
  const recipient = X25519Identity.generate().recipient();
  let started = performance.now();
  for (let i = 0; i < 20; i++) recipient.wrapFileKey(new Uint8Array(16));
  const x25519Libsodium = (performance.now() - started) / 20;
  const secret = new Uint8Array(32).fill(9);
  started = performance.now();
  for (let i = 0; i < 20; i++) x25519.getSharedSecret(secret, recipient.publicKey);
  const x25519Noble = (performance.now() - started) / 20;
  return {
    libsodium: await nodeEncrypt(mib, libsodiumAead),
    noble: await nodeEncrypt(mib, nobleAead),
    x25519Libsodium,
    x25519Noble,
    webAssembly: typeof WebAssembly !== 'undefined',
  };
}

function nodeJitless(mib: number): Awaited<ReturnType<typeof nodeFigures>> {
  const here = fileURLToPath(import.meta.url);
  const hooks = pathToFileURL(path.join(path.dirname(here), 'use-sodium-cjs.js')).href;
  const result = spawnSync(
    process.execPath,
    ['--jitless', '--import', hooks, here, '--child-jitless', '--node-jitless-mib', String(mib)],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`node --jitless child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof nodeFigures>>;
}

// ---------------------------------------------------------------------------
// Browser figures

async function bundleBenchWorkers(root: string, outDir: string): Promise<void> {
  const variants: Record<string, { alias?: Record<string, string>; noWasm: boolean }> = {
    'bench-wasm.js': { noWasm: false },
    // What ships for browsers without WebAssembly: libsodium replaced by noble.
    'bench-nowasm.js': { alias: { 'libsodium-wrappers': './client/app/sodium-noble.ts' }, noWasm: true },
    // The alternative: libsodium's CommonJS build with its pure-JS fallback.
    'bench-sodiumjs.js': {
      alias: { 'libsodium-wrappers': './node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js' },
      noWasm: true,
    },
  };
  const built: Record<string, BenchWorkerVariant> = {};
  for (const [name, variant] of Object.entries(variants)) {
    built[name] = {
      alias: variant.alias ?? {},
      define: { SEALDROP_NO_WASM: String(variant.noWasm) },
      // The CommonJS libsodium requires node:fs etc. only when it runs in Node.
      external: ['node:*'],
      logOverride: { 'empty-import-meta': 'silent' },
    };
  }
  await buildBenchPage(root, outDir, 'scripts/bench/client-bench-worker.ts', built);
}

async function inBrowser(
  url: string,
  jitless: boolean,
  jobs: { worker: string; request: BenchRequest }[],
): Promise<BenchResult[]> {
  const browser = await launchBenchChromium(jitless);
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const results: BenchResult[] = [];
    for (const job of jobs) {
      const result = await page.evaluate(
        ({ worker, request }) =>
          new Promise<BenchResult>((resolve) => {
            const w = new Worker(worker);
            w.onmessage = (event: MessageEvent<BenchResult>) => {
              w.terminate();
              resolve(event.data);
            };
            w.onerror = (event) => {
              resolve({ seconds: 0, bytes: 0, webAssembly: false, error: event.message });
            };
            w.postMessage(request);
          }),
        job,
      );
      if (result.error !== undefined) throw new Error(`${job.worker} ${job.request.mode}: ${result.error}`);
      if (result.webAssembly === jitless)
        throw new Error(`${job.worker}: WebAssembly ${result.webAssembly ? 'present' : 'missing'} unexpectedly`);
      results.push(result);
    }
    return results;
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes('--child-jitless')) {
    // This child runs libsodium without WebAssembly.
    guardWasmAbortInProcess();
    process.stdout.write(`${JSON.stringify(await nodeFigures(option('node-jitless-mib', 8)))}\n`);
    return;
  }
  const mib = option('mib', 64);
  const jitlessMib = option('jitless-mib', 64);
  const aeadMib = option('aead-mib', 4);
  const nodeJitlessMib = option('node-jitless-mib', 8);
  const root = findRepoRoot();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-client-'));
  try {
    await loadSodium();
    const newsroom = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const site = path.join(work, 'site');
    await buildClient({ outDir: site, rootPublicKeyFile: newsroom.rootPublicKeyFile });
    const { common, keys, wasmWorker, noWasmWorker } = await weighFirstLoad(newsroom, site, work);
    const wasmTotal = totalWeight([...common, ...keys, wasmWorker]);
    const noWasmTotal = totalWeight([...common, ...keys, noWasmWorker]);
    const TARGET_BYTES = 250_000;

    const benchDir = path.join(work, 'bench');
    await bundleBenchWorkers(root, benchDir);
    const server = await serveBenchDirectory(benchDir);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const recipient = X25519Identity.generate().recipient().format();
    X25519Recipient.parse(recipient);
    const job = (
      worker: string,
      mode: BenchRequest['mode'],
      size: number,
      aead: BenchRequest['aead'],
    ): { worker: string; request: BenchRequest } => ({
      worker,
      request: { mode, mib: size, recipient, aead },
    });
    // The page's real upload against the pipeline, each measured here (page-upload.ts).
    const pageUpload = async (): Promise<void> => {
      const sizes = {
        mib: option('upload-mib', 256),
        jitlessMib: option('upload-jitless-mib', 16),
        slowMib: option('slow-mib', 10),
      };
      const upload = await benchPageUpload({
        newsroom,
        site,
        work,
        ...sizes,
        pipeline: async (jitless, size) => {
          const [result] = await inBrowser(url, jitless, [
            job(jitless ? 'bench-nowasm.js' : 'bench-wasm.js', 'pipeline', size, jitless ? 'noble' : 'libsodium'),
          ]);
          return mbps(result!.bytes, result!.seconds);
        },
      });
      process.stdout.write(`\n${uploadMarkdown(upload, sizes).join('\n')}\n\n${uploadGoalLines(upload).join('\n')}\n`);
    };
    if (process.argv.includes('--upload-only')) {
      try {
        await pageUpload();
      } finally {
        server.close();
      }
      return;
    }
    let browserWasm: BenchResult[];
    let browserJitless: BenchResult[];
    try {
      browserWasm = await inBrowser(url, false, [
        job('bench-wasm.js', 'pipeline', mib, 'libsodium'),
        job('bench-wasm.js', 'aead', aeadMib * 4, 'libsodium'),
        job('bench-wasm.js', 'aead', aeadMib * 4, 'noble'),
      ]);
      browserJitless = await inBrowser(url, true, [
        job('bench-nowasm.js', 'pipeline', jitlessMib, 'noble'),
        job('bench-nowasm.js', 'aead', aeadMib, 'noble'),
        job('bench-sodiumjs.js', 'aead', aeadMib, 'libsodium'),
        job('bench-nowasm.js', 'x25519', 1, 'noble'),
        job('bench-sodiumjs.js', 'x25519', 1, 'libsodium'),
      ]);
      if (!process.argv.includes('--skip-upload')) await pageUpload();
    } finally {
      server.close();
    }
    const node = await nodeFigures(mib);
    const nodeNoJit = nodeJitless(nodeJitlessMib);
    // Goals 2 and 3b on the real page and server (page-memory.ts, page-first-load.ts).
    if (!process.argv.includes('--skip-memory')) {
      const memory = await benchPageMemory(
        work,
        option('memory-small-mib', 10),
        option('memory-large-mib', 1024),
        option('memory-jitless-large-mib', 256),
      );
      process.stdout.write(`\n${memoryReport(memory).join('\n')}\n`);
    }
    if (!process.argv.includes('--skip-first-load'))
      process.stdout.write(
        `\n${firstLoadReport(await benchFirstLoad(work, option('first-load-runs', 3))).join('\n')}\n`,
      );
    const rate = (result: BenchResult): number => mbps(result.bytes, result.seconds);
    const perOp = (result: BenchResult): number => (result.seconds * 1000) / result.bytes;
    const [pipelineWasm, aeadSodiumWasm, aeadNobleWasm] = browserWasm as [BenchResult, BenchResult, BenchResult];
    const [pipelineJitless, aeadNobleJitless, aeadSodiumJitless, x25519Noble, x25519Sodium] = browserJitless as [
      BenchResult,
      BenchResult,
      BenchResult,
      BenchResult,
      BenchResult,
    ];
    const chromiumVersion = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const fileRow = (file: Weight): string =>
      `| ${file.name} | ${kb(file.raw)} | ${kb(file.gzip)} | ${kb(file.served)} |`;
    const totalRow = (name: string, file: Weight): string =>
      `| **${name}** | **${kb(file.raw)}** | **${kb(file.gzip)}** | **${kb(file.served)}** |`;

    const lines = [
      '## Source page (`npm run bench:client`)',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${chromiumVersion}, Node ${process.version}.`,
      'Command: `npm run bench:client` (options: `--mib 64 --jitless-mib 64 --aead-mib 4 --node-jitless-mib 8`; `--write-docs` rewrites this section).',
      '',
      '### First-load weight',
      '',
      'Every file fetched before the page can encrypt, in kB (1000 bytes): its size, gzip -9 of it (an estimate), and "served": the response body bytes the real server (`startServer`, source listener) sent for it to a request with `Accept-Encoding: gzip`. The server sends the build\'s precompressed `.gz` files and gzips the manifest once per published manifest (server/routes/source.ts); only `root.pub` and the signature go uncompressed (small: `root.pub` would grow).',
      '',
      '| file | raw | gzip -9 | served |',
      '|---|---:|---:|---:|',
      ...[...common, ...keys].map(fileRow),
      fileRow({ ...wasmWorker, name: 'worker.js (with WebAssembly: libsodium)' }),
      fileRow({ ...noWasmWorker, name: 'worker-nowasm.js (without WebAssembly: noble)' }),
      totalRow('total, with WebAssembly', wasmTotal),
      totalRow('total, without WebAssembly', noWasmTotal),
      '',
      `Target: under 250 kB compressed as served, including libsodium: ${wasmTotal.served < TARGET_BYTES ? 'met' : '**not met**'} (${kb(wasmTotal.served)} kB). Each browser loads only the worker it can run.`,
      `Response headers (status line and headers, mostly the security headers) add ${kb(wasmTotal.headers)} kB over the ${String(common.length + keys.length + 1)} responses; HTTP framing and Tor cells are not counted.`,
      '',
      '### Encryption throughput',
      '',
      'MB/s of plaintext (10^6 bytes per second). "Pipeline" is the real worker path: `File.stream()`, tar, Padmé padding and age encryption to one X25519 recipient, output discarded (no upload).',
      '',
      '| what | with WebAssembly + JIT | without (jitless) |',
      '|---|---:|---:|',
      `| Chromium worker, pipeline (${mib} / ${jitlessMib} MiB file) | ${fmt(rate(pipelineWasm))} | ${fmt(rate(pipelineJitless))} |`,
      `| Node, core \`encrypt\`, libsodium AEAD (${mib} / ${nodeJitlessMib} MiB) | ${fmt(node.libsodium)} | ${fmt(nodeNoJit.libsodium)} |`,
      `| Node, core \`encrypt\`, noble AEAD (${mib} / ${nodeJitlessMib} MiB) | ${fmt(node.noble)} | ${fmt(nodeNoJit.noble)} |`,
      '',
      'Choosing the no-WebAssembly implementation (raw, 64 KiB chunks; X25519 = one recipient stanza):',
      '',
      '| implementation | Chromium + JIT | Chromium jitless | node --jitless |',
      '|---|---:|---:|---:|',
      `| ChaCha20-Poly1305, libsodium (WebAssembly / pure-JS fallback) | ${fmt(rate(aeadSodiumWasm))} MB/s | ${fmt(rate(aeadSodiumJitless))} MB/s | ${fmt(nodeNoJit.libsodium)} MB/s (age stream) |`,
      `| ChaCha20-Poly1305, @noble/ciphers | ${fmt(rate(aeadNobleWasm))} MB/s | ${fmt(rate(aeadNobleJitless))} MB/s | ${fmt(nodeNoJit.noble)} MB/s (age stream) |`,
      `| X25519 stanza, libsodium pure-JS fallback | | ${fmt(perOp(x25519Sodium))} ms | ${fmt(nodeNoJit.x25519Libsodium)} ms |`,
      `| X25519 stanza, @noble/curves | | ${fmt(perOp(x25519Noble))} ms | ${fmt(nodeNoJit.x25519Noble)} ms (raw X25519) |`,
      '',
      'A Tor upload runs at about 3 Mbit/s (0.375 MB/s): every path above encrypts faster than that.',
    ];
    const section = `${SECTION_START}\n${lines.join('\n')}\n${SECTION_END}\n`;
    process.stdout.write(`\n${section}`);
    if (process.argv.includes('--write-docs')) {
      const file = path.join(root, 'docs', 'BENCHMARKS.md');
      let text = '';
      try {
        text = await readFile(file, 'utf8');
      } catch {
        text = '# Benchmarks\n';
      }
      const start = text.indexOf(SECTION_START);
      const end = text.indexOf(SECTION_END);
      text =
        start >= 0 && end > start
          ? text.slice(0, start) + section + text.slice(end + SECTION_END.length + 1)
          : `${text.trimEnd()}\n\n${section}`;
      await writeFile(file, text);
      process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
