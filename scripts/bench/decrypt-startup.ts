/**
 * The start-up part of `npm run bench:decrypt` (issue 12, goal 4b): wall time
 * of `sealdrop decrypt` of a 10 KB submission against a bare `node -e 0`,
 * measured in the same run, as hyperfine does (--warmup 3, the median of
 * --small-runs, 30; each contender in turn within every run, so that noise
 * hits them alike). Also, for where the time goes: the bundle run without
 * its code cache (scripts/code-cache.ts; as before it), the same command
 * with a hybrid identity (which loads libsodium, as every command did before
 * the classic path ran on node:crypto: client/core-node/native-sodium.ts),
 * and the unbundled module graph of the same entry point (tsc's dist/).
 * And a floor: the least any Node program decrypting this file does (a
 * CommonJS script of a few lines on node:crypto: one X25519, the header MAC,
 * the one STREAM chunk, the three files written with synchronous calls; no
 * checks beyond the MAC and the tag, no key file to parse), whose output is
 * checked against `sealdrop decrypt`'s first.
 *
 * If NODE_EXTRA_CA_CERTS is set (it is on this project's machines), Node
 * reads and parses that CA file at every start-up, `node -e 0` included,
 * which shrinks every ratio; `node -e 0` and the classic command are then
 * also measured without it, and the goal is met only if it is met both ways.
 *
 * Run alone: `node dist/scripts/bench/decrypt-startup.js [--small-runs N]`
 * (after `npm run build`); scripts/bench/decrypt.ts runs it too.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { encrypt, type Recipient } from '../../client/core/age.js';
import { formatIdentityFile, type FileIdentity } from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildSubmission } from '../../client/core/submission.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { BUNDLE_FILE } from '../code-cache.js';
import { median, option } from './bench-args.js';

/** Goal 4b: at most this many times the wall time of `node -e 0`. */
export const STARTUP_GOAL = 1.5;
const WARMUP_RUNS = 3;
const SMALL_SUBMISSION_BYTES = 10_000;

const here = path.dirname(fileURLToPath(import.meta.url));
/** The bundle (scripts/build-cli.ts), as editors run it: the loader, with the code cache. */
const SEALDROP = path.join(here, '..', 'sealdrop.cjs');
/** The bundle itself, run without the cache. */
const SEALDROP_BUNDLE = path.join(here, '..', BUNDLE_FILE);
/** tsc's own scripts/sealdrop.js, which imports the compiled modules one by one, as before the bundle. */
const SEALDROP_GRAPH = path.join(here, '..', 'sealdrop.js');

/** Median wall seconds of each contender. */
export interface StartupResult {
  readonly runs: number;
  readonly node: number;
  /** The bundle, classic identity: the goal's figure. */
  readonly classic: number;
  /** The same without the code cache (the bundle run directly). */
  readonly uncached: number;
  /** The bundle, hybrid identity: loads libsodium. */
  readonly hybrid: number;
  /** tsc's module graph, classic identity. */
  readonly graph: number;
  /** The floor script: the least a Node decrypt of this file does. */
  readonly floor: number;
  /** With NODE_EXTRA_CA_CERTS removed from the environment, if it was set. */
  readonly withoutCaFile: { readonly node: number; readonly classic: number; readonly floor: number } | null;
}

/** This environment without NODE_EXTRA_CA_CERTS, or null if it is not set. */
function environmentWithoutCaFile(): NodeJS.ProcessEnv | null {
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return null;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const start = performance.now();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
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

/**
 * The floor contender: node:crypto and node:fs alone decrypt the classic
 * submission (one X25519 stanza, one STREAM chunk) given the raw secret key
 * in hex, and write the archive's entries under the output folder. Plain
 * CommonJS, so that Node's ESM loader is not part of it either.
 */
const FLOOR_SCRIPT = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } = require('node:crypto');
const [secretFile, input, out] = process.argv.slice(2);
const der = (prefix, key) => Buffer.concat([Buffer.from(prefix, 'hex'), key]);
const hkdf = (ikm, salt, info) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
const open = (key, nonce, sealed) => {
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
};
const file = fs.readFileSync(input);
const macLine = file.indexOf('\\n--- ') + 1;
const headerEnd = file.indexOf('\\n', macLine);
const [, stanza, body] = file.subarray(0, macLine).toString().split('\\n');
const share = Buffer.from(stanza.split(' ')[2], 'base64');
const secret = Buffer.from(fs.readFileSync(secretFile, 'utf8').trim(), 'hex');
const ours = createPrivateKey({ key: der('302e020100300506032b656e04220420', secret), format: 'der', type: 'pkcs8' });
const recipient = createPublicKey(ours).export({ format: 'der', type: 'spki' }).subarray(12);
const theirs = createPublicKey({ key: der('302a300506032b656e032100', share), format: 'der', type: 'spki' });
const shared = diffieHellman({ privateKey: ours, publicKey: theirs });
const wrap = hkdf(shared, Buffer.concat([share, recipient]), 'age-encryption.org/v1/X25519');
const fileKey = open(wrap, Buffer.alloc(12), Buffer.from(body, 'base64'));
const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(file.subarray(0, macLine + 3)).digest();
if (!mac.equals(Buffer.from(file.subarray(macLine + 4, headerEnd).toString(), 'base64'))) throw new Error('header MAC');
const lastChunk = Buffer.alloc(12);
lastChunk[11] = 1;
const payloadKey = hkdf(fileKey, file.subarray(headerEnd + 1, headerEnd + 17), 'payload');
const tar = open(payloadKey, lastChunk, file.subarray(headerEnd + 17));
for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
  const name = tar.subarray(at, at + 100).toString('latin1').replace(/\\0[^]*$/, '');
  const size = parseInt(tar.subarray(at + 124, at + 136).toString('latin1'), 8);
  const target = path.join(out, name);
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  fs.writeFileSync(target, tar.subarray(at + 512, at + 512 + size), { flag: 'wx', mode: 0o600 });
  at += 512 + Math.ceil(size / 512) * 512;
}
`;

/** Every file under `dir`, by path relative to it, with its bytes. */
async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = new Map<string, Buffer>();
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), await readFile(file));
  }
  return files;
}

/**
 * Run the floor and `sealdrop decrypt` once each and check that they wrote
 * the same files: the floor must do a decrypt's real work to count as one.
 * @throws Error if they differ.
 */
async function checkFloor(
  runFloor: () => unknown,
  runDecrypt: () => unknown,
  floorOut: string,
  decryptOut: string,
): Promise<void> {
  await runFloor();
  await runDecrypt();
  const expected = await readTree(decryptOut);
  const actual = await readTree(floorOut);
  const names = new Set([...expected.keys(), ...actual.keys()]);
  const differing = [...names].find((name) => {
    const [mine, theirs] = [actual.get(name), expected.get(name)];
    return mine === undefined || theirs === undefined || !mine.equals(theirs);
  });
  if (differing !== undefined) throw new Error(`the floor script and sealdrop decrypt differ on ${differing}`);
}

/**
 * Measure start-up in `dir` (a fresh folder; what is written there is left
 * for the caller to remove). Requires libsodium loaded (the hybrid key).
 */
export async function measureStartup(dir: string, runs: number): Promise<StartupResult> {
  const classicSecret = randomBytes(32);
  const classic = await writeKeyAndSubmission(dir, 'classic', X25519Identity.fromSecretKey(classicSecret));
  const secretFile = path.join(dir, 'classic-secret.hex');
  await writeFile(secretFile, classicSecret.toString('hex'), { mode: 0o600 });
  classicSecret.fill(0);
  const floorScript = path.join(dir, 'floor.cjs');
  await writeFile(floorScript, FLOOR_SCRIPT);
  const hybrid = await writeKeyAndSubmission(dir, 'hybrid', HybridIdentity.generate());
  const out = path.join(dir, 'startup-out');
  const decrypt = async (
    entry: string,
    files: { keyFile: string; input: string },
    env?: NodeJS.ProcessEnv,
  ): Promise<number> => {
    await rm(out, { recursive: true, force: true });
    return timed(process.execPath, [entry, 'decrypt', '--identity', files.keyFile, '--out', out, files.input], env);
  };
  const floor = async (env?: NodeJS.ProcessEnv): Promise<number> => {
    await rm(out, { recursive: true, force: true });
    return timed(process.execPath, [floorScript, secretFile, classic.input, out], env);
  };
  const floorOut = path.join(dir, 'floor-out');
  await checkFloor(
    () => timed(process.execPath, [floorScript, secretFile, classic.input, floorOut]),
    () => decrypt(SEALDROP, classic),
    floorOut,
    path.join(out, path.basename(classic.input, '.age')),
  );
  const clean = environmentWithoutCaFile();
  const contenders: Record<string, () => Promise<number> | number> = {
    node: () => timed(process.execPath, ['-e', '0']),
    classic: () => decrypt(SEALDROP, classic),
    uncached: () => decrypt(SEALDROP_BUNDLE, classic),
    hybrid: () => decrypt(SEALDROP, hybrid),
    graph: () => decrypt(SEALDROP_GRAPH, classic),
    floor: () => floor(),
    ...(clean === null
      ? {}
      : {
          cleanNode: () => timed(process.execPath, ['-e', '0'], clean),
          cleanClassic: () => decrypt(SEALDROP, classic, clean),
          cleanFloor: () => floor(clean),
        }),
  };
  const times = new Map(Object.keys(contenders).map((name) => [name, [] as number[]]));
  for (let i = 0; i < WARMUP_RUNS + runs; i++) {
    for (const [name, run] of Object.entries(contenders)) {
      const seconds = await run();
      if (i >= WARMUP_RUNS) times.get(name)!.push(seconds);
    }
  }
  await rm(out, { recursive: true, force: true });
  const of = (name: string): number => median(times.get(name)!);
  return {
    runs,
    node: of('node'),
    classic: of('classic'),
    uncached: of('uncached'),
    hybrid: of('hybrid'),
    graph: of('graph'),
    floor: of('floor'),
    withoutCaFile:
      clean === null ? null : { node: of('cleanNode'), classic: of('cleanClassic'), floor: of('cleanFloor') },
  };
}

const ms = (seconds: number): string => (seconds * 1000).toFixed(0).padStart(5);

/** The report's lines, without the goal line. */
export function startupLines(result: StartupResult): string[] {
  const ratio = (seconds: number): string => `${(seconds / result.node).toFixed(2)}x node -e 0`;
  const lines = [
    `start-up: a 10 KB submission, wall time, median of ${result.runs} (after ${WARMUP_RUNS} warm-up runs)`,
    `  node -e 0                                  ${ms(result.node)} ms`,
    `  sealdrop decrypt, classic identity         ${ms(result.classic)} ms   ${ratio(result.classic)}`,
    `  the same without the code cache            ${ms(result.uncached)} ms   ${ratio(result.uncached)}`,
    `  sealdrop decrypt, hybrid (loads libsodium) ${ms(result.hybrid)} ms   ${ratio(result.hybrid)}`,
    `  module graph, unbundled, classic           ${ms(result.graph)} ms   ${ratio(result.graph)}`,
    `  floor: a bare decrypt script, node:crypto  ${ms(result.floor)} ms   ${ratio(result.floor)}`,
  ];
  const clean = result.withoutCaFile;
  if (clean !== null) {
    lines.push(
      `  without NODE_EXTRA_CA_CERTS (set here; Node parses that file at every start-up):`,
      `  node -e 0                                  ${ms(clean.node)} ms`,
      `  sealdrop decrypt, classic identity         ${ms(clean.classic)} ms   ${(clean.classic / clean.node).toFixed(2)}x node -e 0`,
      `  floor: a bare decrypt script, node:crypto  ${ms(clean.floor)} ms   ${(clean.floor / clean.node).toFixed(2)}x node -e 0`,
    );
  }
  return lines;
}

/** Goal 4b's line, with met/NOT met: met only if met both ways when NODE_EXTRA_CA_CERTS was set. */
export function startupGoalLine(result: StartupResult): string {
  const ratio = result.classic / result.node;
  const clean = result.withoutCaFile === null ? null : result.withoutCaFile.classic / result.withoutCaFile.node;
  const met = ratio <= STARTUP_GOAL && (clean === null || clean <= STARTUP_GOAL);
  const also = clean === null ? '' : `, ${clean.toFixed(2)}x without NODE_EXTRA_CA_CERTS`;
  return `  10 KB: ${ratio.toFixed(2)}x node -e 0${also} (at most ${STARTUP_GOAL}x): ${met ? 'met' : 'NOT met'}`;
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
