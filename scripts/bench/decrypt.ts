/**
 * `npm run bench:decrypt`: offline decryption of a submission, against
 * Debian's `age -d` on the same file in the same run.
 *
 *   age -d > /dev/null        the reference: decryption only
 *   ours, decrypt only        age decrypt (native ChaCha20-Poly1305) + submission/tar checks, data discarded
 *   age -d | tar x            standard tools doing the whole job, extraction included
 *   sealdrop decrypt          the command as editors run it (child process, extraction to disk)
 *   peak RSS                  `sealdrop decrypt` of 16 MiB and 256 MiB submissions
 *                             (child processes, process.resourceUsage().maxRSS)
 *
 * Options: --mib N (default 256), --small-mib N (default 16), --runs N (default 3).
 * Runs from the compiled build (dist/scripts/bench/decrypt.js).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { decrypt, encrypt } from '../../client/core/age.js';
import { formatIdentityFile, parseIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildSubmission, readSubmission } from '../../client/core/submission.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { readFileChunks } from '../cli/file-chunks.js';
import { FILE_READ_RING } from '../cli/decrypt.js';
import { runCli } from '../cli/main.js';

const MIB = 1024 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const SEALDROP = path.join(here, '..', 'sealdrop.js');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

/** The same 1 MiB block `mib` times: generating input must not dominate. */
function* input(mib: number): Generator<Uint8Array> {
  const block = new Uint8Array(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let i = 0; i < mib; i++) yield block;
}

async function writeSubmissionFile(file: string, identity: X25519Identity, mib: number): Promise<void> {
  const built = buildSubmission({
    message: 'benchmark',
    files: [{ name: 'data.bin', type: 'application/octet-stream', size: mib * MIB, data: input(mib) }],
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

function best(runs: number, measure: () => number): number {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) fastest = Math.min(fastest, measure());
  return fastest;
}

/** Child mode: decrypt and validate, discarding the data (no disk writes). */
async function childDecryptOnly(file: string, keyFile: string): Promise<void> {
  await loadSodium();
  const identities = parseIdentityFile(await readFile(keyFile, 'utf8'));
  // The same reading as `sealdrop decrypt`: reused buffers, native AEAD.
  const { plaintext } = await decrypt(identities, readFileChunks(file, { ring: FILE_READ_RING }), { aead: nodeAead });
  let bytes = 0;
  for await (const part of readSubmission(plaintext)) {
    if (part.kind !== 'manifest') for await (const chunk of part.data) bytes += chunk.length;
  }
  if (bytes === 0) throw new Error('nothing decrypted');
}

/** Child mode: the real command in-process, then report peak RSS (KiB) on stdout. */
async function childRss(file: string, keyFile: string, out: string): Promise<void> {
  const sink = { write: () => undefined, isTTY: false };
  const code = await runCli(['decrypt', '--identity', keyFile, '--out', out, file], {
    stdout: sink,
    stderr: sink,
    passphrase: () => Promise.reject(new Error('no passphrase in the benchmark')),
    stdin: { isTTY: false, read: () => [] },
    env: {},
    now: () => new Date(),
    cwd: process.cwd(),
  });
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

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    const [mode, file, keyFile, out] = process.argv.slice(childIndex + 1);
    if (mode === 'decrypt-only') await childDecryptOnly(file!, keyFile!);
    else await childRss(file!, keyFile!, out!);
    return;
  }
  const mib = option('mib', 256);
  const smallMib = option('small-mib', 16);
  const runs = option('runs', 3);
  await loadSodium();
  const dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-decrypt-'));
  try {
    const identity = X25519Identity.generate();
    const keyFile = path.join(dir, 'key.txt');
    await writeFile(keyFile, formatIdentityFile(identity, new Date()));
    const large = path.join(dir, `sub-${mib}.age`);
    const small = path.join(dir, `sub-${smallMib}.age`);
    await writeSubmissionFile(large, identity, mib);
    await writeSubmissionFile(small, identity, smallMib);
    const sizeMiB = (await stat(large)).size / MIB;
    const out = path.join(dir, 'out');
    const fresh = async (): Promise<void> => {
      await rm(out, { recursive: true, force: true });
    };

    const ageDecrypt = (file: string): number => timed('age', ['-d', '-i', keyFile, '-o', '/dev/null', file]);
    const oursDecrypt = (file: string): number =>
      timed(process.execPath, [fileURLToPath(import.meta.url), '--child', 'decrypt-only', file, keyFile]);
    const ageOnly = best(runs, () => ageDecrypt(large));
    const oursOnly = best(runs, () => oursDecrypt(large));
    // The same on the small file separates each tool's fixed start-up cost
    // (Node plus libsodium is ~0.15 s; a Go binary ~0.005 s) from its
    // streaming rate: what matters for large files and for a batch of many
    // inputs, which `sealdrop decrypt` takes in one run.
    const ageOnlySmall = best(runs, () => ageDecrypt(small));
    const oursOnlySmall = best(runs, () => oursDecrypt(small));
    const smallSizeMiB = (await stat(small)).size / MIB;
    let ageTar = Infinity;
    let ours = Infinity;
    for (let i = 0; i < runs; i++) {
      await fresh();
      await mkdir(out);
      ageTar = Math.min(ageTar, timed('sh', ['-c', `age -d -i '${keyFile}' '${large}' | tar x -C '${out}'`]));
      await fresh();
      ours = Math.min(ours, timed(process.execPath, [SEALDROP, 'decrypt', '--identity', keyFile, '--out', out, large]));
    }
    await fresh();
    const rssSmall = peakRss(small, keyFile, path.join(dir, 'rss-small'));
    const rssLarge = peakRss(large, keyFile, path.join(dir, 'rss-large'));

    const streamingRate = (largeSeconds: number, smallSeconds: number): number =>
      (sizeMiB - smallSizeMiB) / Math.max(largeSeconds - smallSeconds, 1e-6);
    const streaming = (largeSeconds: number, smallSeconds: number): string => {
      const mibPerSecond = streamingRate(largeSeconds, smallSeconds);
      const startup = Math.max(smallSeconds - smallSizeMiB / mibPerSecond, 0);
      return `${mibPerSecond.toFixed(0).padStart(5)} MiB/s  (start-up ${startup.toFixed(3)} s)`;
    };
    const rate = (seconds: number): string =>
      `${(sizeMiB / seconds).toFixed(0).padStart(5)} MiB/s  (${seconds.toFixed(2)} s)`;
    const lines = [
      `decrypt of a ${mib} MiB submission (${sizeMiB.toFixed(1)} MiB ciphertext), best of ${runs}, same file, same run`,
      `  age -d > /dev/null          ${rate(ageOnly)}`,
      `  ours, decrypt only          ${rate(oursOnly)}   ${(ageOnly / oursOnly).toFixed(2)}x age -d`,
      `  age -d | tar x              ${rate(ageTar)}`,
      `  sealdrop decrypt            ${rate(ours)}   ${(ageTar / ours).toFixed(2)}x age -d | tar x`,
      `streaming rate, start-up excluded: (${mib} MiB - ${smallMib} MiB) / (time ${mib} - time ${smallMib}), decrypt only`,
      `  age -d                      ${streaming(ageOnly, ageOnlySmall)}`,
      `  ours                        ${streaming(oursOnly, oursOnlySmall)}   ${(streamingRate(oursOnly, oursOnlySmall) / streamingRate(ageOnly, ageOnlySmall)).toFixed(2)}x age -d`,
      `peak RSS of sealdrop decrypt (child process)`,
      `  ${String(smallMib).padStart(4)} MiB submission         ${rssSmall.toFixed(1)} MiB`,
      `  ${String(mib).padStart(4)} MiB submission         ${rssLarge.toFixed(1)} MiB`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
