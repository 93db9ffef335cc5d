/**
 * `npm run bench:pq`: what hybrid post-quantum keys (age's mlkem768x25519,
 * ML-KEM-768 + X25519) cost a submission against classic X25519 keys, each
 * pair measured in the same run, on the same machine:
 *
 *   per recipient   parsing an editor's recipient and wrapping the file key
 *                   into its stanza, and deriving the source's reply
 *                   recipient from the secret (scripts/bench/pq-costs.ts):
 *                   in a Web Worker of Debian's Chromium with WebAssembly
 *                   (libsodium) and without it (--js-flags=--jitless: noble,
 *                   X-Wing loaded from xwing-nowasm.js on first use), and in
 *                   Node with and without --jitless (libsodium's pure-JS build)
 *   page weight     the first load as the real server sends it (gzip) for a
 *                   one-editor classic manifest and a one-editor hybrid one,
 *                   with and without WebAssembly (scripts/bench/client-weight.ts;
 *                   without WebAssembly a hybrid manifest adds xwing-nowasm.js)
 *
 * Options: --runs N (25; samples per figure, after one cold operation),
 * --repeat N (10; operations per sample, with JIT), --jitless-runs N (7; of
 * one operation each, without JIT), --write-docs (replace this benchmark's section of
 * docs/BENCHMARKS.md).
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { accessPublicKeyText, generateAccessKey } from '../../client/core/access-key.js';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX, signManifest, type KeyManifest } from '../../client/core/manifest.js';
import { parseSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { buildClient, findRepoRoot } from '../build-client.js';
import { prepareDemoNewsroom, type DemoNewsroom } from '../demo.js';
import { option } from './bench-args.js';
import { buildBenchPage, serveBenchDirectory } from './bench-page.js';
import { CHROMIUM, launchBenchChromium } from './chromium.js';
import { totalWeight, weighFirstLoad } from './client-weight.js';
import { measurePqCosts, type PqCosts, type Timing } from './pq-costs.js';
import type { PqBenchRequest, PqBenchResult } from './pq-bench-worker.js';

const SECTION_START = '<!-- bench:pq start -->';
const SECTION_END = '<!-- bench:pq end -->';
const XWING_FILE = 'xwing-nowasm.js';

interface Recipients {
  readonly classic: string;
  readonly hybrid: string;
}

// ---------------------------------------------------------------------------
// Timing

async function bundleWorkers(root: string, outDir: string): Promise<void> {
  await buildBenchPage(root, outDir, 'scripts/bench/pq-bench-worker.ts', {
    'pq-wasm.js': { alias: {} },
    // As worker-nowasm.js is built: libsodium replaced by noble, X-Wing in its own file.
    'pq-nowasm.js': { alias: { 'libsodium-wrappers': './client/app/sodium-noble.ts' } },
  });
}

async function inBrowser(url: string, jitless: boolean, request: PqBenchRequest): Promise<PqCosts> {
  const browser = await launchBenchChromium(jitless);
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const result = await page.evaluate(
      ({ worker, message }) =>
        new Promise<PqBenchResult>((resolve) => {
          const w = new Worker(worker);
          w.onmessage = (event: MessageEvent<PqBenchResult>) => {
            w.terminate();
            resolve(event.data);
          };
          w.onerror = (event) => {
            resolve({ error: event.message });
          };
          w.postMessage(message);
        }),
      { worker: jitless ? 'pq-nowasm.js' : 'pq-wasm.js', message: request },
    );
    if ('error' in result) throw new Error(`Chromium${jitless ? ' --jitless' : ''}: ${result.error}`);
    if (result.webAssembly === jitless) throw new Error('WebAssembly present or missing unexpectedly');
    return result;
  } finally {
    await browser.close();
  }
}

function nodeJitless(recipients: Recipients, runs: number): PqCosts {
  const request: PqBenchRequest = { ...recipients, runs, repeat: 1 };
  const here = fileURLToPath(import.meta.url);
  const hooks = pathToFileURL(path.join(path.dirname(here), 'use-sodium-cjs.js')).href;
  const result = spawnSync(
    process.execPath,
    ['--jitless', '--import', hooks, here, '--child-jitless', JSON.stringify(request)],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`node --jitless child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as PqCosts;
}

// ---------------------------------------------------------------------------
// Page weight

/** A copy of the demo newsroom's public keys with a signed one-editor hybrid manifest. */
async function hybridNewsroom(demo: DemoNewsroom, work: string, recipient: string): Promise<DemoNewsroom> {
  const keysDir = path.join(work, 'hybrid-keys');
  await mkdir(keysDir);
  const rootPublicKeyFile = path.join(keysDir, 'root.pub');
  await copyFile(demo.rootPublicKeyFile, rootPublicKeyFile);
  const classic = JSON.parse(await readFile(path.join(demo.keysDir, MANIFEST_FILE_NAME), 'utf8')) as KeyManifest;
  const manifest: KeyManifest = {
    ...classic,
    editors: [
      { name: 'Demo Editor', recipient, accessKey: accessPublicKeyText(generateAccessKey('x')), status: 'active' },
    ],
  };
  const rootKey = await parseSecretKeyFile(
    await readFile(path.join(path.dirname(demo.keysDir), 'secrets', 'root.key'), 'utf8'),
  );
  const signed = signManifest(manifest, rootKey);
  await writeFile(path.join(keysDir, MANIFEST_FILE_NAME), signed.manifest);
  await writeFile(path.join(keysDir, MANIFEST_FILE_NAME + SIGNATURE_SUFFIX), signed.signature);
  return { ...demo, keysDir, rootPublicKeyFile, dataDir: path.join(work, 'hybrid-data') };
}

interface PageWeight {
  readonly wasm: number;
  readonly noWasm: number;
  readonly keys: number;
}

async function weights(newsroom: DemoNewsroom, site: string, work: string, hybrid: boolean): Promise<PageWeight> {
  const load = await weighFirstLoad(newsroom, site, work);
  // The built .gz is what the server sends a browser that accepts gzip.
  const xwing = hybrid ? (await stat(path.join(site, `${XWING_FILE}.gz`))).size : 0;
  return {
    wasm: totalWeight([...load.common, ...load.keys, load.wasmWorker]).served,
    noWasm: totalWeight([...load.common, ...load.keys, load.noWasmWorker]).served + xwing,
    keys: totalWeight(load.keys).served,
  };
}

/** The modules of the hybrid type, bundled into both workers whatever the manifest. */
const HYBRID_MODULES = /^client\/core\/(mlkem768x25519|hpke|recipients)\.ts$/;

/**
 * Minified bytes those modules contribute to worker.js and worker-nowasm.js
 * (esbuild's metafile, bundled as scripts/build-client.ts bundles them).
 */
async function hybridCodeBytes(root: string): Promise<{ wasm: number; noWasm: number }> {
  const share = async (alias: Record<string, string>, noWasm: boolean): Promise<number> => {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['client/app/worker.ts'],
      bundle: true,
      write: false,
      metafile: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2022', 'firefox115', 'chrome110', 'safari16'],
      minify: true,
      charset: 'utf8',
      alias,
      define: { SEALDROP_NO_WASM: String(noWasm) },
      logOverride: { 'empty-import-meta': 'silent' },
      logLevel: 'error',
    });
    const [output] = Object.values(result.metafile.outputs);
    return Object.entries(output?.inputs ?? {})
      .filter(([input]) => HYBRID_MODULES.test(input))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  };
  return {
    wasm: await share({}, false),
    noWasm: await share({ 'libsodium-wrappers': './client/app/sodium-noble.ts' }, true),
  };
}

// ---------------------------------------------------------------------------
// Report

const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1));
const ratio = (hybrid: Timing, classic: Timing): string => `${(hybrid.median / classic.median).toFixed(1)}x`;
const kb = (bytes: number): string => (bytes / 1000).toFixed(1);

function markdown(
  rows: readonly [string, PqCosts][],
  classic: PageWeight,
  hybrid: PageWeight,
  code: { wasm: number; noWasm: number },
  runs: { runs: number; repeat: number; jitlessRuns: number },
): string[] {
  const lines = [
    `Measured on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version},`,
    `Debian Chromium (\`${CHROMIUM}\`), with \`npm run bench:pq\`: medians of ${runs.runs} samples of ${runs.repeat} operations`,
    `(${runs.jitlessRuns} of one without JIT), after one cold operation. "Stanza" is parsing one editor's recipient and wrapping the file key: a`,
    'submission pays it once per active editor. "Reply key" is deriving the source\'s reply recipient from the',
    'secret: once per submission that asks for replies. The cold column is the first operation of a fresh worker',
    '(without WebAssembly it includes loading `xwing-nowasm.js`).',
    '',
    '| where | stanza X25519 (ms) | stanza hybrid (ms) | hybrid / X25519 | hybrid cold (ms) | reply key X25519 (ms) | reply key hybrid (ms) | hybrid / X25519 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [where, costs] of rows) {
    lines.push(
      `| ${where} | ${ms(costs.stanza.x25519.median)} | ${ms(costs.stanza.hybrid.median)} | ` +
        `${ratio(costs.stanza.hybrid, costs.stanza.x25519)} | ${ms(costs.stanza.hybrid.first)} | ` +
        `${ms(costs.replyKey.x25519.median)} | ${ms(costs.replyKey.hybrid.median)} | ` +
        `${ratio(costs.replyKey.hybrid, costs.replyKey.x25519)} |`,
    );
  }
  lines.push(
    '',
    'First load as the real server sends it (gzip), one-editor manifest (kB; limits 250 with WebAssembly, 100 without):',
    '',
    '| manifest | with WebAssembly | without WebAssembly | of which manifest + signature |',
    '|---|---|---|---|',
    `| classic (X25519) | ${kb(classic.wasm)} | ${kb(classic.noWasm)} | ${kb(classic.keys)} |`,
    `| hybrid (ML-KEM-768 + X25519) | ${kb(hybrid.wasm)} | ${kb(hybrid.noWasm)} | ${kb(hybrid.keys)} |`,
    `| change | +${kb(hybrid.wasm - classic.wasm)} | +${kb(hybrid.noWasm - classic.noWasm)} | +${kb(hybrid.keys - classic.keys)} |`,
    '',
    'The code for the hybrid type (client/core/mlkem768x25519.ts, hpke.ts, recipients.ts) is in both workers',
    `whatever the manifest: ${kb(code.wasm)} kB of worker.js and ${kb(code.noWasm)} kB of worker-nowasm.js, minified,`,
    "before gzip (esbuild metafile); libsodium's X-Wing is inside its WebAssembly. Without WebAssembly ML-KEM",
    `(\`${XWING_FILE}\`) is fetched only for a hybrid manifest, so the change there is that file plus the larger`,
    'manifest (each hybrid recipient is about 1.9 kB of Bech32 against 62 characters).',
  );
  return lines;
}

async function writeDocs(root: string, lines: readonly string[]): Promise<void> {
  const file = path.join(root, 'docs', 'BENCHMARKS.md');
  const text = await readFile(file, 'utf8');
  const section = `${SECTION_START}\n## Post-quantum keys: hybrid against X25519\n\n${lines.join('\n')}\n${SECTION_END}`;
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + SECTION_END.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(file, next);
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child-jitless');
  if (child >= 0) {
    guardWasmAbortInProcess();
    const request = JSON.parse(process.argv[child + 1]!) as PqBenchRequest;
    process.stdout.write(`${JSON.stringify(await measurePqCosts(request))}\n`);
    return;
  }
  const runs = option('runs', 25);
  const repeat = option('repeat', 10);
  const jitlessRuns = option('jitless-runs', 7);
  const root = findRepoRoot();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-pq-'));
  try {
    await loadSodium();
    const recipients: Recipients = {
      classic: X25519Identity.generate().recipient().format(),
      hybrid: HybridIdentity.generate().recipient().format(),
    };
    const newsroom = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const site = path.join(work, 'site');
    await buildClient({ outDir: site, rootPublicKeyFile: newsroom.rootPublicKeyFile });
    const classicWeight = await weights(newsroom, site, work, false);
    const hybridWeight = await weights(await hybridNewsroom(newsroom, work, recipients.hybrid), site, work, true);

    const benchDir = path.join(work, 'bench');
    await bundleWorkers(root, benchDir);
    await copyFile(path.join(site, XWING_FILE), path.join(benchDir, XWING_FILE));
    const server = await serveBenchDirectory(benchDir);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let browserWasm: PqCosts;
    let browserJitless: PqCosts;
    try {
      browserWasm = await inBrowser(url, false, { ...recipients, runs, repeat });
      browserJitless = await inBrowser(url, true, { ...recipients, runs: jitlessRuns, repeat: 1 });
    } finally {
      server.close();
    }
    const node = await measurePqCosts({ ...recipients, runs, repeat });
    const nodeNoJit = nodeJitless(recipients, jitlessRuns);
    const lines = markdown(
      [
        ['Chromium, WebAssembly (libsodium)', browserWasm],
        ['Chromium --jitless, no WebAssembly (noble)', browserJitless],
        ['Node (libsodium WebAssembly)', node],
        ['Node --jitless (libsodium pure JS)', nodeNoJit],
      ],
      classicWeight,
      hybridWeight,
      await hybridCodeBytes(root),
      { runs, repeat, jitlessRuns },
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.argv.includes('--write-docs')) await writeDocs(root, lines);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
