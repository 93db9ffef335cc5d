/**
 * The start-up part of `npm run bench:decrypt` (issue 12, goal 4b): wall time
 * of `sealdrop decrypt` of a 10 KB submission against a bare `node -e 0`,
 * measured in the same run, as hyperfine does (--warmup 3, the median of
 * --small-runs, 30; each contender in turn within every run, so that noise
 * hits them alike). Also, for where the time goes: the same command with a
 * hybrid identity (which loads libsodium, as every command did before the
 * classic path ran on node:crypto: client/core-node/native-sodium.ts), and
 * the unbundled module graph of the same entry point (tsc's dist/).
 *
 * Run alone: `node dist/scripts/bench/decrypt-startup.js [--small-runs N]`
 * (after `npm run build`); scripts/bench/decrypt.ts runs it too.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encrypt, type Recipient } from '../../client/core/age.js';
import { formatIdentityFile, type FileIdentity } from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildSubmission } from '../../client/core/submission.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { median, option } from './bench-args.js';

/** Goal 4b: at most this many times the wall time of `node -e 0`. */
export const STARTUP_GOAL = 1.5;
const WARMUP_RUNS = 3;
const SMALL_SUBMISSION_BYTES = 10_000;

const here = path.dirname(fileURLToPath(import.meta.url));
/** The bundle (scripts/build-cli.ts), as editors run it. */
const SEALDROP = path.join(here, '..', 'sealdrop.cjs');

/** Median wall seconds of each contender. */
export interface StartupResult {
  readonly runs: number;
  readonly node: number;
  /** The bundle, classic identity: the goal's figure. */
  readonly classic: number;
  /** The bundle, hybrid identity: loads libsodium. */
  readonly hybrid: number;
  /** tsc's module graph, classic identity. */
  readonly graph: number;
}

function timed(command: string, args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString().slice(0, 500)}`);
  return seconds;
}

async function writeKeyAndSubmission(
  dir: string,
  name: string,
  identity: FileIdentity,
): Promise<{ keyFile: string; input: string }> {
  const keyFile = path.join(dir, `${name}-key.txt`);
  await writeFile(keyFile, formatIdentityFile(identity, new Date()), { mode: 0o600 });
  const input = path.join(dir, `${name}-10kb.age`);
  const data = new Uint8Array(SMALL_SUBMISSION_BYTES).map((_, i) => (i * 2654435761) >>> 24);
  const built = buildSubmission({
    message: 'benchmark',
    files: [{ name: 'data.bin', type: 'application/octet-stream', size: data.length, data: [data] }],
  });
  const recipients: Recipient[] = [identity.recipient()];
  await pipeline(Readable.from(encrypt(recipients, built.stream, { aead: nodeAead })), createWriteStream(input));
  return { keyFile, input };
}

/** scripts/sealdrop.ts, importing tsc's compiled modules one by one, as before the bundle. */
async function writeUnbundledEntry(file: string): Promise<void> {
  const dist = (relative: string): string => pathToFileURL(path.join(here, '..', '..', relative)).href;
  await writeFile(
    file,
    `import { guardWasmAbortInProcess } from '${dist('client/core-node/wasm-abort-guard.js')}';\n` +
      `import { runCli } from '${dist('scripts/cli/main.js')}';\n` +
      `import { terminalPassphrase } from '${dist('scripts/cli/passphrase.js')}';\n` +
      'const io = { stdout: { write: (t) => process.stdout.write(t), isTTY: process.stdout.isTTY },\n' +
      '  stderr: { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY },\n' +
      '  passphrase: terminalPassphrase, stdin: { isTTY: process.stdin.isTTY, read: () => process.stdin },\n' +
      '  env: process.env, now: () => new Date(), cwd: process.cwd() };\n' +
      'guardWasmAbortInProcess();\nprocess.exitCode = await runCli(process.argv.slice(2), io);\n',
  );
}

/**
 * Measure start-up in `dir` (a fresh folder; what is written there is left
 * for the caller to remove). Requires libsodium loaded (the hybrid key).
 */
export async function measureStartup(dir: string, runs: number): Promise<StartupResult> {
  const classic = await writeKeyAndSubmission(dir, 'classic', X25519Identity.generate());
  const hybrid = await writeKeyAndSubmission(dir, 'hybrid', HybridIdentity.generate());
  const unbundled = path.join(dir, 'sealdrop-unbundled.mjs');
  await writeUnbundledEntry(unbundled);
  const out = path.join(dir, 'startup-out');
  const decrypt = async (entry: string, files: { keyFile: string; input: string }): Promise<number> => {
    await rm(out, { recursive: true, force: true });
    return timed(process.execPath, [entry, 'decrypt', '--identity', files.keyFile, '--out', out, files.input]);
  };
  const times = { node: [] as number[], classic: [] as number[], hybrid: [] as number[], graph: [] as number[] };
  for (let i = 0; i < WARMUP_RUNS + runs; i++) {
    const node = timed(process.execPath, ['-e', '0']);
    const bundleClassic = await decrypt(SEALDROP, classic);
    const bundleHybrid = await decrypt(SEALDROP, hybrid);
    const graph = await decrypt(unbundled, classic);
    if (i < WARMUP_RUNS) continue;
    times.node.push(node);
    times.classic.push(bundleClassic);
    times.hybrid.push(bundleHybrid);
    times.graph.push(graph);
  }
  await rm(out, { recursive: true, force: true });
  return {
    runs,
    node: median(times.node),
    classic: median(times.classic),
    hybrid: median(times.hybrid),
    graph: median(times.graph),
  };
}

const ms = (seconds: number): string => (seconds * 1000).toFixed(0).padStart(5);

/** The report's lines, without the goal line. */
export function startupLines(result: StartupResult): string[] {
  const ratio = (seconds: number): string => `${(seconds / result.node).toFixed(2)}x node -e 0`;
  return [
    `start-up: a 10 KB submission, wall time, median of ${result.runs} (after ${WARMUP_RUNS} warm-up runs)`,
    `  node -e 0                                  ${ms(result.node)} ms`,
    `  sealdrop decrypt, classic identity         ${ms(result.classic)} ms   ${ratio(result.classic)}`,
    `  sealdrop decrypt, hybrid (loads libsodium) ${ms(result.hybrid)} ms   ${ratio(result.hybrid)}`,
    `  module graph, unbundled, classic           ${ms(result.graph)} ms   ${ratio(result.graph)}`,
  ];
}

/** Goal 4b's line, with met/NOT met. */
export function startupGoalLine(result: StartupResult): string {
  const ratio = result.classic / result.node;
  return `  10 KB: ${ratio.toFixed(2)}x node -e 0 (at most ${STARTUP_GOAL}x): ${ratio <= STARTUP_GOAL ? 'met' : 'NOT met'}`;
}

async function main(): Promise<void> {
  await loadSodium();
  const dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-startup-'));
  try {
    const result = await measureStartup(dir, option('small-runs', 30));
    process.stdout.write([...startupLines(result), 'goal 4b (issue 12)', startupGoalLine(result)].join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
