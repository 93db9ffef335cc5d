/**
 * `npm run bench:decrypt`: offline decryption (issue 12, goal 4), every
 * figure against a baseline measured in the same run, in a tmpfs so that the
 * disk does not blur it.
 *
 *   throughput   a --mib (512) MiB submission: `age -d > /dev/null`,
 *                `age -d | tar x` (the goal's baseline) and `sealdrop decrypt`
 *                (the bundled command, as editors run it); and, in one harness
 *                (a child process calling decryptSubmission), the payload
 *                opened on this thread alone (before) and on 1 or 2 workers,
 *                each with the CPU seconds of every thread (/proc/self/task):
 *                the main thread, the workers, and the rest (libuv's pool,
 *                which runs the kernel's read and write copies, and V8's helpers)
 *   threshold    the same harness at 16 to 128 MiB, 0 against DECRYPT_WORKERS: where
 *                starting the workers starts to pay (PARALLEL_THRESHOLD_BYTES)
 *   start-up     a 10 KB submission: `sealdrop decrypt` against `node -e 0`,
 *                and the same entry point unbundled (tsc's module graph: before)
 *   memory       peak RSS of `sealdrop decrypt` (in a child process,
 *                process.resourceUsage().maxRSS) of 16 MiB and --rss-mib (1024) MiB
 *
 * Times are the best of --runs (3; start-up: the median of --small-runs, 30, see decrypt-startup.ts). Options also
 * --dir DIR (default /dev/shm; must be a tmpfs). Runs from the build
 * (dist/scripts/bench/decrypt.js, after `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { encrypt } from '../../client/core/age.js';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildSubmission } from '../../client/core/submission.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { PayloadWorkers } from '../../client/core-node/parallel-stream.js';
import {
  DECRYPT_WORKERS,
  decryptSubmission,
  identitySources,
  openIdentities,
  PARALLEL_THRESHOLD_BYTES,
} from '../cli/decrypt.js';
import type { CliIo } from '../cli/io.js';
import { runCli } from '../cli/main.js';
import { option } from './bench-args.js';
import { measureStartup, startupGoalLine, startupLines } from './decrypt-startup.js';

const MIB = 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
/** The bundle (scripts/build-cli.ts), as editors run it. */
const SEALDROP = path.join(here, '..', 'sealdrop.cjs');
const THRESHOLD_MIB = [16, 64, 128];
/** Goal 4's bounds. */
const SPEEDUP_GOAL = 1.5;
const RSS_GROWTH_GOAL_MIB = 64;

const quietIo: CliIo = {
  stdout: { write: () => undefined, isTTY: false },
  stderr: { write: () => undefined, isTTY: false },
  passphrase: () => Promise.reject(new Error('no passphrase in the benchmark')),
  stdin: { isTTY: false, read: () => [] },
  env: {},
  now: () => new Date(),
  cwd: process.cwd(),
};

function textOption(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

/** The same 1 MiB block over and over: generating input must not dominate. */
function* input(bytes: number): Generator<Uint8Array> {
  const block = new Uint8Array(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let left = bytes; left > 0; left -= MIB) yield block.subarray(0, Math.min(left, MIB));
}

async function writeSubmissionFile(file: string, identity: X25519Identity, bytes: number): Promise<void> {
  const built = buildSubmission({
    message: 'benchmark',
    files: [{ name: 'data.bin', type: 'application/octet-stream', size: bytes, data: input(bytes) }],
  });
  await pipeline(
    Readable.from(encrypt([identity.recipient()], built.stream, { aead: nodeAead })),
    createWriteStream(file),
  );
}

function timed(command: string, args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 * MIB });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString().slice(0, 500)}`);
  return seconds;
}

/** CPU seconds (user + system) each thread of this process has used, by thread id (Linux). */
async function threadCpu(): Promise<Map<number, number>> {
  const ticks = 100; // USER_HZ, 100 on every Linux ABI Node runs on
  const out = new Map<number, number>();
  for (const tid of await readdir('/proc/self/task')) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => null);
    if (stat === null) continue; // the thread ended meanwhile
    // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / ticks);
  }
  return out;
}

/** Where a decryption's CPU went, in seconds. */
interface CpuSplit {
  readonly main: number;
  readonly workers: number;
  /** libuv's thread pool (the kernel's copies for reads and writes) and V8's helper threads. */
  readonly rest: number;
}

/**
 * Child mode: decryptSubmission with `workers` worker threads (started as
 * the command starts them, before the payload), into a fresh `out`; prints
 * the {@link CpuSplit} of the decryption on stdout.
 */
async function childDecrypt(file: string, keyFile: string, out: string, workers: number): Promise<void> {
  await loadSodium();
  // Opening the key file starts libuv's pool: every thread but the workers exists from here on.
  const identities = await openIdentities(identitySources([keyFile], [], quietIo), quietIo);
  const before = await threadCpu();
  const running = workers > 0 ? new PayloadWorkers(workers) : 0;
  try {
    await decryptSubmission(file, identities, out, quietIo, { workers: running });
    const split = { main: 0, workers: 0, rest: 0 };
    for (const [tid, seconds] of await threadCpu()) {
      const used = seconds - (before.get(tid) ?? 0);
      if (tid === process.pid) split.main += used;
      else if (before.has(tid)) split.rest += used;
      else split.workers += used;
    }
    process.stdout.write(JSON.stringify(split) + '\n');
  } finally {
    if (running !== 0) await running.close();
  }
}

/** Child mode: the real command in-process, then report peak RSS (KiB) on stdout. */
async function childRss(file: string, keyFile: string, out: string): Promise<void> {
  const code = await runCli(['decrypt', '--identity', keyFile, '--out', out, file], quietIo);
  if (code !== 0) throw new Error(`decrypt exited ${code}`);
  process.stdout.write(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
}

function peakRss(file: string, keyFile: string, out: string): number {
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', 'rss', file, keyFile, out], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`rss child failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { maxRssKiB: number }).maxRssKiB / 1024;
}

/** Whether `dir` is on a tmpfs (Linux: the longest mount point containing it in /proc/mounts). */
async function onTmpfs(dir: string): Promise<boolean> {
  const mounts = (await readFile('/proc/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length > 2 && (dir === fields[1] || dir.startsWith(`${fields[1]!.replace(/\/$/, '')}/`)))
    .sort((a, b) => b[1]!.length - a[1]!.length);
  return mounts[0]?.[2] === 'tmpfs';
}

const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    const [mode, file, keyFile, out, workers] = process.argv.slice(childIndex + 1);
    if (mode === 'decrypt') await childDecrypt(file!, keyFile!, out!, Number(workers));
    else await childRss(file!, keyFile!, out!);
    return;
  }
  const mib = option('mib', 512);
  const rssMib = option('rss-mib', 1024);
  const runs = option('runs', 3);
  const smallRuns = option('small-runs', 30);
  const base = path.resolve(textOption('dir', '/dev/shm'));
  if (!(await onTmpfs(base))) throw new Error(`${base} is not a tmpfs: pass --dir with a tmpfs mount`);
  await loadSodium();
  const dir = await mkdtemp(path.join(base, 'sealdrop-bench-decrypt-'));
  try {
    const identity = X25519Identity.generate();
    const keyFile = path.join(dir, 'key.txt');
    await writeFile(keyFile, formatIdentityFile(identity, new Date()), { mode: 0o600 });
    const large = path.join(dir, `sub-${mib}.age`);
    await writeSubmissionFile(large, identity, mib * MIB);
    const sizeMiB = (await stat(large)).size / MIB;
    const out = path.join(dir, 'out');
    const fresh = async (): Promise<string> => {
      await rm(out, { recursive: true, force: true });
      await mkdir(out);
      return out;
    };
    /** The harness's time, keeping the CPU split of its fastest run for each worker count. */
    const splits = new Map<number, { seconds: number; split: CpuSplit }>();
    const harness = async (file: string, workers: number): Promise<number> => {
      const start = performance.now();
      const result = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', 'decrypt', file, keyFile, await fresh(), String(workers)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const seconds = (performance.now() - start) / 1000;
      if (result.status !== 0) throw new Error(`decrypt child failed: ${result.stderr.slice(0, 500)}`);
      if (file === large && seconds < (splits.get(workers)?.seconds ?? Infinity)) {
        splits.set(workers, { seconds, split: JSON.parse(result.stdout) as CpuSplit });
      }
      return seconds;
    };
    const cli = async (file: string): Promise<number> => {
      await rm(out, { recursive: true, force: true });
      return timed(process.execPath, [SEALDROP, 'decrypt', '--identity', keyFile, '--out', out, file]);
    };

    // Throughput, each contender in turn within every run, so that noise hits them alike.
    const times = { ageOnly: Infinity, ageTar: Infinity, cli: Infinity, w0: Infinity, w1: Infinity, w2: Infinity };
    for (let i = 0; i < runs; i++) {
      times.ageOnly = Math.min(times.ageOnly, timed('age', ['-d', '-i', keyFile, '-o', '/dev/null', large]));
      const target = await fresh();
      times.ageTar = Math.min(
        times.ageTar,
        timed('sh', ['-c', `age -d -i '${keyFile}' '${large}' | tar x -C '${target}'`]),
      );
      times.cli = Math.min(times.cli, await cli(large));
      times.w0 = Math.min(times.w0, await harness(large, 0));
      times.w1 = Math.min(times.w1, await harness(large, 1));
      times.w2 = Math.min(times.w2, await harness(large, 2));
    }

    // Threshold: where the command's workers start to beat one thread.
    const thresholdWorkers = Math.max(1, DECRYPT_WORKERS);
    const threshold: string[] = [];
    for (const size of THRESHOLD_MIB) {
      const file = path.join(dir, `sub-${size}.age`);
      await writeSubmissionFile(file, identity, size * MIB);
      let single = Infinity;
      let parallel = Infinity;
      for (let i = 0; i < runs + 2; i++) {
        single = Math.min(single, await harness(file, 0));
        parallel = Math.min(parallel, await harness(file, thresholdWorkers));
      }
      threshold.push(
        `  ${String(size).padStart(4)} MiB    one thread ${single.toFixed(3)} s   ${thresholdWorkers} worker(s) ${parallel.toFixed(3)} s   ${(single / parallel).toFixed(2)}x`,
      );
      await rm(file);
    }

    // Start-up (goal 4b): scripts/bench/decrypt-startup.ts, which also runs alone.
    const startup = await measureStartup(dir, smallRuns);

    // Memory: the real command in a child process, small against large.
    await rm(out, { recursive: true, force: true });
    const rssSmallFile = path.join(dir, 'sub-16.age');
    await writeSubmissionFile(rssSmallFile, identity, 16 * MIB);
    const rssSmall = peakRss(rssSmallFile, keyFile, path.join(dir, 'rss-small'));
    await rm(path.join(dir, 'rss-small'), { recursive: true, force: true });
    await rm(large);
    const rssLargeFile = path.join(dir, `sub-${rssMib}.age`);
    await writeSubmissionFile(rssLargeFile, identity, rssMib * MIB);
    const rssLarge = peakRss(rssLargeFile, keyFile, path.join(dir, 'rss-large'));

    const rate = (seconds: number): string =>
      `${(sizeMiB / seconds).toFixed(0).padStart(5)} MiB/s  (${seconds.toFixed(2)} s)`;
    const speedup = times.ageTar / times.cli;
    const rssGrowth = rssLarge - rssSmall;
    const lines = [
      `decrypt of a ${mib} MiB submission (${sizeMiB.toFixed(1)} MiB ciphertext) in a tmpfs (${base}), best of ${runs}`,
      `  age -d > /dev/null                ${rate(times.ageOnly)}`,
      `  age -d | tar x                    ${rate(times.ageTar)}`,
      `  ${`sealdrop decrypt, ${DECRYPT_WORKERS} worker(s)`.padEnd(32)}  ${rate(times.cli)}   ${speedup.toFixed(2)}x age -d | tar x`,
      `  harness, one thread               ${rate(times.w0)}`,
      `  harness, 1 worker                 ${rate(times.w1)}   ${(times.w0 / times.w1).toFixed(2)}x one thread`,
      `  harness, 2 workers                ${rate(times.w2)}   ${(times.w0 / times.w2).toFixed(2)}x one thread`,
      `CPU seconds per thread, fastest harness run (decryption only; rest: libuv's pool and V8's helpers)`,
      ...[0, 1, 2].map((workers) => {
        const split = splits.get(workers)?.split;
        if (split === undefined) return `  ${workers} workers: not measured`;
        const total = split.main + split.workers + split.rest;
        return (
          `  ${workers} worker(s)   main ${split.main.toFixed(2)}   workers ${split.workers.toFixed(2)}   ` +
          `rest ${split.rest.toFixed(2)}   total ${total.toFixed(2)}`
        );
      }),
      `worker threshold (harness; PARALLEL_THRESHOLD_BYTES = ${PARALLEL_THRESHOLD_BYTES / MIB} MiB), best of ${runs + 2}`,
      ...threshold,
      ...startupLines(startup),
      `peak RSS of sealdrop decrypt (child process)`,
      `  ${String(16).padStart(5)} MiB submission          ${rssSmall.toFixed(1)} MiB`,
      `  ${String(rssMib).padStart(5)} MiB submission          ${rssLarge.toFixed(1)} MiB`,
      `goal 4 (issue 12)`,
      `  ${mib} MiB: ${speedup.toFixed(2)}x age -d | tar x (at least ${SPEEDUP_GOAL}x): ${verdict(speedup >= SPEEDUP_GOAL)}`,
      `  memory: +${rssGrowth.toFixed(1)} MiB from 16 MiB to ${rssMib} MiB (under ${RSS_GROWTH_GOAL_MIB} MiB): ${verdict(rssGrowth < RSS_GROWTH_GOAL_MIB)}`,
      startupGoalLine(startup),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
