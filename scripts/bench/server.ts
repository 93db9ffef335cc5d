/**
 * `npm run bench:server`: the server's ingest against the disk's own limit.
 *
 * In one run, against the built server (dist/server/main.js) as a child
 * process in production mode on loopback:
 *   1. ingest throughput of a 1 GiB upload (16 MiB chunks, four in flight,
 *      made durable by the server's background checkpoints, then finalize
 *      with its fsync, rename and directory fsync; the time includes
 *      finalize) versus `dd conv=fsync` writing 1 GiB to the same folder;
 *      target: at least 70%. The ciphertexts are fsynced when prepared, so
 *      their writeback does not run during either measurement;
 *   2. peak server RSS (VmHWM from /proc) for a 10 MiB upload and for a
 *      1 GiB upload, each in a fresh server process; target: they differ by
 *      less than 64 MiB;
 *   3. 50 concurrent 10 MiB uploads: all finalized, listed and byte-identical;
 *   4. restart after the worst range spam: every upload slot (100) filled
 *      with disjoint one-byte chunks up to the cap on separate ranges, the
 *      checkpoints let run, then `kill -9`; the time from spawning the server
 *      again to its listening line, against the same start on an empty data
 *      folder; target: under 2 s.
 * The ciphertexts are real age files (encrypted with the core beforehand) so
 * the server's envelope checks run as in production. Needs about 2.5 GiB of
 * free disk in the temporary folder. Linux only (/proc, dd).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encrypt } from '../../client/core/age.js';
import { BUNDLE_PIN_FILE_NAME, serializeBundlePin } from '../../client/core/bundle-pin.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX, signManifest } from '../../client/core/manifest.js';
import { formatKeyId, formatPublicKeyFile, generateKeyPair } from '../../client/core/minisign.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { formatRfc3339Seconds } from '../../client/core/time.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { challengeMessage } from '../../client/core/editor-login.js';
import { MAX_RECEIVED_SPANS } from '../../server/uploads/received-spans.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const CHUNK = 16 * MIB;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const main = path.join(repoRoot, 'dist', 'server', 'main.js');

interface Newsroom {
  dir: string;
  identity: X25519Identity;
  access: { publicKey: Uint8Array; privateKey: Uint8Array };
}

async function makeNewsroom(dir: string): Promise<Newsroom> {
  const root = generateKeyPair();
  const identity = X25519Identity.generate();
  const access = sodium().crypto_sign_keypair();
  const signed = signManifest(
    {
      format: 'sealdrop-key-manifest',
      formatVersion: 1,
      version: 1,
      issued: formatRfc3339Seconds(new Date(Date.now() - 60_000)),
      expires: formatRfc3339Seconds(new Date(Date.now() + 86_400_000)),
      rootKeyId: formatKeyId(root.publicKey.keyId),
      editors: [
        {
          name: 'Bench',
          recipient: identity.recipient().format(),
          accessKey: encodeBase64(access.publicKey, true),
          status: 'active',
        },
      ],
    },
    root.secretKey,
  );
  await mkdir(path.join(dir, 'keys'), { recursive: true });
  await mkdir(path.join(dir, 'static'), { recursive: true });
  await writeFile(path.join(dir, 'keys', 'root.pub'), formatPublicKeyFile(root.publicKey));
  // Production refuses a client bundle without the root key and the manifest version pin.
  await writeFile(path.join(dir, 'static', 'root.pub'), formatPublicKeyFile(root.publicKey));
  await writeFile(path.join(dir, 'static', BUNDLE_PIN_FILE_NAME), serializeBundlePin(1));
  await writeFile(path.join(dir, 'keys', MANIFEST_FILE_NAME), signed.manifest);
  await writeFile(path.join(dir, 'keys', MANIFEST_FILE_NAME + SIGNATURE_SUFFIX), signed.signature);
  return { dir, identity, access };
}

/** Encrypts `size` bytes of zero plaintext to a file; returns its SHA-256. */
async function encryptToFile(newsroom: Newsroom, size: number, file: string): Promise<string> {
  async function* zeros(): AsyncGenerator<Uint8Array> {
    const block = new Uint8Array(MIB);
    for (let left = size; left > 0; left -= MIB) yield left >= MIB ? block : block.subarray(0, left);
    await Promise.resolve();
  }
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for await (const piece of encrypt([newsroom.identity.recipient()], zeros())) {
    hash.update(piece);
    if (!out.write(piece)) {
      await new Promise<void>((resolve) => {
        out.once('drain', () => {
          resolve();
        });
      });
    }
  }
  await new Promise<void>((resolve) => {
    out.end(() => {
      resolve();
    });
  });
  // Flushed now, so its writeback does not compete with dd or the upload.
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

interface Server {
  child: ChildProcess;
  source: string;
  editor: string;
}

async function startServer(newsroom: Newsroom, dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [main, '--production'], {
    cwd: newsroom.dir,
    env: {
      PATH: process.env.PATH ?? '',
      SEALDROP_SOURCE_PORT: '0',
      SEALDROP_EDITOR_PORT: '0',
      SEALDROP_DATA_DIR: dataDir,
      SEALDROP_KEYS_DIR: 'keys',
      SEALDROP_STATIC_DIR: 'static',
      SEALDROP_MAX_SUBMISSION_BYTES: '2GiB',
      SEALDROP_STORAGE_QUOTA_BYTES: '64GiB',
      SEALDROP_MAX_CHUNK_BYTES: '16MiB',
      SEALDROP_RATE_LIMIT_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const entry = JSON.parse(line) as { sourceUrl?: string; editorUrl?: string };
    if (entry.sourceUrl !== undefined && entry.editorUrl !== undefined) {
      lines.removeAllListeners();
      child.stdout.resume(); // keep draining the request log
      return { child, source: entry.sourceUrl, editor: entry.editorUrl };
    }
  }
  throw new Error('server exited before listening');
}

async function stopServer(server: Server): Promise<number> {
  const peak = await peakRss(server.child.pid!);
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  return peak;
}

/** Peak resident set size of a process in bytes (VmHWM). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  if (match === null) throw new Error('no VmHWM in /proc');
  return Number(match[1]) * 1024;
}

async function json(response: Response): Promise<Record<string, unknown>> {
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** What each server serves, read once: the timed uploads must not fetch it each. */
const servedVersions = new Map<string, Promise<number>>();

/** The manifest version `base` serves, which a page declares at create (it encrypted to it). */
function servedManifestVersion(base: string): Promise<number> {
  let version = servedVersions.get(base);
  if (version === undefined) {
    version = (async () => ((await json(await fetch(`${base}manifest.json`))) as { version: number }).version)();
    servedVersions.set(base, version);
  }
  return version;
}

/**
 * One chunk over node:http with a keep-alive agent: on this path undici's
 * fetch costs several times more CPU per byte than the server itself, and
 * the benchmark measures the server, not the client.
 */
const agent = new Agent({ keepAlive: true });
async function putChunk(url: URL, body: Uint8Array): Promise<void> {
  const status = await putStatus(url, body);
  if (status !== 200) throw new Error(`chunk refused: HTTP ${String(status)}`);
}

/**
 * Uploads a file in 16 MiB chunks, `parallel` chunk requests in flight (each
 * with its own buffer, read from disk when its turn comes), then finalizes.
 */
async function uploadFile(
  base: string,
  file: string,
  size: number,
  parallel = 1,
): Promise<{ id: string; finalizeSeconds: number }> {
  const manifestVersion = await servedManifestVersion(base);
  const { id } = (await json(
    await fetch(`${base}api/uploads`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ size, manifestVersion }),
    }),
  )) as { id: string };
  const handle = await open(file, 'r');
  let next = 0;
  const lane = async (): Promise<void> => {
    const buffer = new Uint8Array(CHUNK);
    for (let offset = next; offset < size; offset = next) {
      next += CHUNK;
      const length = Math.min(CHUNK, size - offset);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new Error('short read');
      await putChunk(new URL(`${base}api/uploads/${id}?offset=${offset}`), buffer.subarray(0, length));
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, lane));
  } finally {
    await handle.close();
  }
  const finalizing = process.hrtime.bigint();
  await json(await fetch(`${base}api/uploads/${id}/finalize`, { method: 'POST' }));
  return { id, finalizeSeconds: Number(process.hrtime.bigint() - finalizing) / 1e9 };
}

async function login(base: string, newsroom: Newsroom): Promise<Record<string, string>> {
  const { challenge } = (await json(await fetch(`${base}api/auth/challenge`, { method: 'POST' }))) as {
    challenge: string;
  };
  const signature = sodium().crypto_sign_detached(
    challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
    newsroom.access.privateKey,
  );
  const { token } = (await json(
    await fetch(`${base}api/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        accessKey: encodeBase64(newsroom.access.publicKey, true),
        challenge,
        signature: encodeBase64(signature, true),
      }),
    }),
  )) as { token: string };
  return { Authorization: `Bearer ${token}` };
}

async function downloadDigest(base: string, auth: Record<string, string>, id: string): Promise<string> {
  const response = await fetch(`${base}api/submissions/${id}`, { headers: auth });
  if (!response.ok || response.body === null) throw new Error(`download failed: ${response.status}`);
  const hash = createHash('sha256');
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) hash.update(next.value);
  return hash.digest('hex');
}

/** Seconds `dd` takes to write `bytes` of zeros with a final fsync. */
function ddSeconds(file: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${bytes / MIB}`, 'conv=fsync'], (error) => {
      if (error !== null) reject(new Error(`dd failed: ${error.message}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

/** One chunk at `offset`; resolves with the HTTP status (the spam expects 200 until the cap). */
function putStatus(url: URL, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'PUT',
        agent,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Creates an upload over a connection of its own: the server lets one
 * connection hold two open uploads (its third create drops its oldest), so
 * the spam, like an attacker filling every slot, connects once per upload.
 * @returns the upload's id.
 */
function createOnOwnConnection(base: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(`${base}api/uploads`),
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          if (res.statusCode !== 201) reject(new Error(`create refused: HTTP ${res.statusCode}: ${text}`));
          else resolve((JSON.parse(text) as { id: string }).id);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Fills every upload slot with disjoint one-byte chunks until the server
 * refuses more ranges; returns how many chunks it accepted.
 */
async function spamRanges(base: string, uploads: number): Promise<number> {
  const manifestVersion = await servedManifestVersion(base);
  const ids: string[] = [];
  for (let i = 0; i < uploads; i += 1) {
    ids.push(await createOnOwnConnection(base, JSON.stringify({ size: 4 * MIB, manifestVersion })));
  }
  let accepted = 0;
  const byte = new Uint8Array(1);
  await Promise.all(
    ids.map(async (id) => {
      // Past the age header's first bytes (checked at offset 0), every other byte: one range each.
      for (let span = 0; ; span += 1) {
        const status = await putStatus(new URL(`${base}api/uploads/${id}?offset=${64 + 2 * span}`), byte);
        if (status !== 200) {
          if (span < MAX_RECEIVED_SPANS) throw new Error(`range spam refused early: HTTP ${status} at ${span}`);
          return;
        }
        accepted += 1;
      }
    }),
  );
  return accepted;
}

/** Lines in every upload journal under `dataDir`. */
async function journalLines(dataDir: string): Promise<number> {
  let lines = 0;
  const uploads = path.join(dataDir, 'uploads');
  for (const name of await readdir(uploads)) {
    if (name.endsWith('.ranges')) lines += (await readFile(path.join(uploads, name), 'utf8')).split('\n').length - 1;
  }
  return lines;
}

/** The id of one upload left in `dataDir`. */
async function anyUploadId(dataDir: string): Promise<string> {
  const name = (await readdir(path.join(dataDir, 'uploads'))).find((entry) => entry.endsWith('.json'));
  if (name === undefined) throw new Error('no upload left after the restart');
  return name.slice(0, -'.json'.length);
}

/** Seconds from spawning the server to its listening line. */
async function timedStart(newsroom: Newsroom, dataDir: string): Promise<{ server: Server; seconds: number }> {
  const started = process.hrtime.bigint();
  const server = await startServer(newsroom, dataDir);
  return { server, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

async function run(): Promise<void> {
  await loadSodium();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-'));
  const results: string[] = [];
  const state = { failed: false };
  const verdict = (ok: boolean): string => {
    if (!ok) state.failed = true;
    return ok ? 'PASS' : 'FAIL';
  };
  try {
    const newsroom = await makeNewsroom(work);
    process.stdout.write('preparing ciphertexts (1 GiB and 10 MiB, real age encryption)...\n');
    const bigFile = path.join(work, 'big.age');
    const smallFile = path.join(work, 'small.age');
    const bigDigest = await encryptToFile(newsroom, GIB, bigFile);
    const smallDigest = await encryptToFile(newsroom, 10 * MIB, smallFile);
    const bigSize = (await stat(bigFile)).size;
    const smallSize = (await stat(smallFile)).size;

    // 1. dd baseline, then the 1 GiB upload (fresh server: its peak RSS is case 2b).
    const ddFile = path.join(work, 'dd.bin');
    const dd = await ddSeconds(ddFile, GIB);
    await rm(ddFile);
    let server = await startServer(newsroom, path.join(work, 'data-big'));
    const started = process.hrtime.bigint();
    const { id: bigId, finalizeSeconds } = await uploadFile(server.source, bigFile, bigSize, 4);
    const upload = Number(process.hrtime.bigint() - started) / 1e9;
    const bigAuth = await login(server.editor, newsroom);
    const bigOk = (await downloadDigest(server.editor, bigAuth, bigId)) === bigDigest;
    const bigPeak = await stopServer(server);
    await rm(path.join(work, 'data-big'), { recursive: true });
    const ratio = GIB / upload / (GIB / dd);
    results.push(
      `ingest 1 GiB: ${mib(bigSize / upload)} MiB/s (${upload.toFixed(2)} s, of which finalize ${finalizeSeconds.toFixed(2)} s) ` +
        `vs dd conv=fsync ${mib(GIB / dd)} MiB/s (${dd.toFixed(2)} s) = ${(ratio * 100).toFixed(0)}% (target >= 70%) ` +
        `${verdict(ratio >= 0.7 && bigOk)}${bigOk ? '' : ' (stored bytes differ!)'}`,
    );

    // 2. Peak RSS for one 10 MiB upload in a fresh server.
    server = await startServer(newsroom, path.join(work, 'data-small'));
    await uploadFile(server.source, smallFile, smallSize);
    const smallPeak = await stopServer(server);
    results.push(
      `peak server RSS: 10 MiB upload ${mib(smallPeak)} MiB, 1 GiB upload ${mib(bigPeak)} MiB, difference ${mib(bigPeak - smallPeak)} MiB (target < 64 MiB) ${verdict(bigPeak - smallPeak < 64 * MIB)}`,
      // Issue 12's goal 2, server side, in the form every goal line takes.
      `goal 2 (server RSS growth < 64 MiB): ${mib(bigPeak - smallPeak)} MiB, ${bigPeak - smallPeak < 64 * MIB ? 'met' : 'NOT met'}`,
    );

    // 3. 50 concurrent 10 MiB uploads on the same server (same data folder).
    server = await startServer(newsroom, path.join(work, 'data-small'));
    const concurrentStart = process.hrtime.bigint();
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, async () => (await uploadFile(server.source, smallFile, smallSize)).id),
    );
    const concurrentSeconds = Number(process.hrtime.bigint() - concurrentStart) / 1e9;
    const ids = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (const result of settled) {
      if (result.status === 'rejected') process.stderr.write(`upload failed: ${String(result.reason)}\n`);
    }
    const auth = await login(server.editor, newsroom);
    const listed = (
      (await json(await fetch(`${server.editor}api/submissions`, { headers: auth }))).submissions as { id: string }[]
    ).map((s) => s.id);
    let intact = 0;
    for (const id of ids)
      if (listed.includes(id) && (await downloadDigest(server.editor, auth, id)) === smallDigest) intact += 1;
    const concurrentPeak = await stopServer(server);
    results.push(
      `50 concurrent 10 MiB uploads: ${ids.length} finalized, ${intact} listed and intact in ${concurrentSeconds.toFixed(1)} s ` +
        `(${mib((50 * smallSize) / concurrentSeconds)} MiB/s, peak RSS ${mib(concurrentPeak)} MiB) ${verdict(intact === 50)}`,
    );

    // 4. Restart after the worst range spam, against a start on an empty data folder.
    const emptyStart = await timedStart(newsroom, path.join(work, 'data-empty'));
    await stopServer(emptyStart.server);
    const spamDir = path.join(work, 'data-spam');
    server = await startServer(newsroom, spamDir);
    const spamStarted = process.hrtime.bigint();
    const chunks = await spamRanges(server.source, 100);
    const spamSeconds = Number(process.hrtime.bigint() - spamStarted) / 1e9;
    // Two idle checkpoint intervals: every upload's journal holds its spans.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    const lines = await journalLines(spamDir);
    const restart = await timedStart(newsroom, spamDir);
    const resumed = (await json(await fetch(`${restart.server.source}api/uploads/${await anyUploadId(spamDir)}`))) as {
      offset?: unknown;
    };
    await stopServer(restart.server);
    results.push(
      `restart after range spam (100 uploads x ${MAX_RECEIVED_SPANS} ranges: ${chunks} one-byte chunks in ${spamSeconds.toFixed(1)} s, ` +
        `${lines} journal lines, kill -9): ${restart.seconds.toFixed(2)} s to listening vs ${emptyStart.seconds.toFixed(2)} s ` +
        `on an empty data folder = ${(restart.seconds / emptyStart.seconds).toFixed(2)}x (target < 2 s, uploads resumable) ` +
        verdict(restart.seconds < 2 && typeof resumed.offset === 'number'),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
    agent.destroy();
  }
  process.stdout.write(`\n${results.join('\n')}\n`);
  if (state.failed) process.exitCode = 1;
}

run().catch((error: unknown) => {
  process.stderr.write(`bench:server failed: ${String(error)}\n`);
  process.exitCode = 1;
});
