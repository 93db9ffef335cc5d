/**
 * Crash safety: the real server process is killed with SIGKILL while uploads
 * and finalizes are in flight, then restarted on the same data folder. Every
 * finalize that was acknowledged must be listed and byte-identical; nothing
 * partial may be listed; unfinished uploads resume from the offset the server
 * reports, which is its last checkpoint (it may be behind the last
 * acknowledged chunk: chunk acknowledgements are not durable), and every byte
 * the server claims to hold really is in its file.
 *
 * The server runs as a child process from the shared compiled build
 * (test/support/compiled-build.ts: tsc into dist/.test-build, built once
 * and reused by every suite that needs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { encodeBase64 } from '../../client/core/base64.js';
import { utf8 } from '../../client/core/bytes.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { challengeMessage } from '../../client/core/editor-login.js';
import { BUILD_DIR, compiledBuild } from '../support/compiled-build.js';
import { activeEditors, encryptFor, makeEditor, makeNewsroom, type Newsroom } from './support.js';
import { writeBundleTrust } from './startup-support.js';

const MAIN = path.join(BUILD_DIR, 'server', 'main.js');
const CHUNK = 32 * 1024;

let dir: string;
let newsroom: Newsroom;

beforeAll(async () => {
  await compiledBuild();
  await access(MAIN);
  await loadSodium();
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-crash-'));
  await mkdir(path.join(dir, 'static'));
  newsroom = await makeNewsroom(dir, [makeEditor('Alice'), makeEditor('Dana')]);
  // Production refuses a client bundle that does not carry the root key and pin.
  await writeBundleTrust(path.join(dir, 'static'), newsroom.rootPublicKeyFile);
}, 120_000);
/** Every spawned server, so a failing test never leaves one running (and jest waiting). */
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  source: string;
  editor: string;
}

async function startChild(): Promise<Running> {
  const child = spawn(process.execPath, [MAIN, '--production'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      SEALDROP_SOURCE_PORT: '0',
      SEALDROP_EDITOR_PORT: '0',
      SEALDROP_DATA_DIR: 'data',
      SEALDROP_KEYS_DIR: 'keys',
      SEALDROP_STATIC_DIR: 'static',
      SEALDROP_MAX_CHUNK_BYTES: '1MiB',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const entry = JSON.parse(line) as { sourceUrl?: string; editorUrl?: string };
    if (entry.sourceUrl !== undefined && entry.editorUrl !== undefined) {
      lines.removeAllListeners();
      child.stdout.resume();
      return { child, source: entry.sourceUrl, editor: entry.editorUrl };
    }
  }
  throw new Error('server exited before listening');
}

async function kill(running: Running): Promise<void> {
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGKILL');
  await exited;
}

interface Reply {
  status: number;
  body: Buffer;
}

/**
 * A request over node:http. (Not fetch: undici parses HTTP with WebAssembly,
 * which is absent under `node --jitless`, where this suite also runs.)
 */
function call(
  method: string,
  url: string,
  body?: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => {
          parts.push(part);
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function json(reply: Reply): Record<string, unknown> {
  return JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>;
}

async function createUpload(base: string, size: number): Promise<string> {
  const { version } = json(await call('GET', `${base}manifest.json`)) as { version: number };
  const body = JSON.stringify({ size, manifestVersion: version });
  return json(await call('POST', `${base}api/uploads`, body, { 'Content-Type': 'application/json' })).id as string;
}

/** The highest `durableOffset` each upload's answers reported: a restart must not report less. */
const durableSeen = new Map<string, number>();

async function sendFrom(base: string, id: string, bytes: Uint8Array, from: number): Promise<void> {
  for (let offset = from; offset < bytes.length; offset += CHUNK) {
    const reply = await call(
      'PUT',
      `${base}api/uploads/${id}?offset=${offset}`,
      bytes.subarray(offset, offset + CHUNK),
      {
        'Content-Type': 'application/octet-stream',
      },
    );
    if (reply.status !== 200) throw new Error(`chunk refused: ${reply.status}`);
    const { durableOffset } = json(reply) as { durableOffset: number };
    durableSeen.set(id, Math.max(durableSeen.get(id) ?? 0, durableOffset));
  }
}

async function finalize(base: string, id: string): Promise<number> {
  return (await call('POST', `${base}api/uploads/${id}/finalize`)).status;
}

async function editorToken(base: string): Promise<string> {
  const editor = newsroom.editors[0]!;
  const { challenge } = json(await call('POST', `${base}api/auth/challenge`)) as { challenge: string };
  const signature = sodium().crypto_sign_detached(
    challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
    editor.access.privateKey,
  );
  const body = JSON.stringify({
    accessKey: encodeBase64(editor.access.publicKey, true),
    challenge,
    signature: encodeBase64(signature, true),
  });
  return json(await call('POST', `${base}api/auth/token`, body, { 'Content-Type': 'application/json' }))
    .token as string;
}

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('SIGKILL during uploads and finalizes loses nothing acknowledged and lists nothing partial', async () => {
  const files = await Promise.all(
    Array.from({ length: 10 }, (_, index) =>
      encryptFor(activeEditors(newsroom), utf8(`submission ${index} `.repeat(15_000 + index * 997))),
    ),
  );
  const byId = new Map<string, Uint8Array>();
  const acknowledged = new Set<string>();
  const started: { id: string; bytes: Uint8Array }[] = [];
  let resumed = 0;

  for (let round = 0; round < 3; round++) {
    let running = await startChild();
    // Two submissions completed cleanly before the storm.
    for (const bytes of files.slice(0, 2)) {
      const id = await createUpload(running.source, bytes.length);
      byId.set(id, bytes);
      await sendFrom(running.source, id, bytes, 0);
      if ((await finalize(running.source, id)) === 201) acknowledged.add(id);
    }
    // Eight concurrent uploads and finalizes, killed part-way: once the
    // (2 * round + 1)-th finalize request has been sent, so each round cuts
    // finalizes and chunk writes at a different point.
    let finalizing = 0;
    let trigger: () => void = () => undefined;
    const killTime = new Promise<void>((resolve) => {
      trigger = resolve;
    });
    const storm = files.slice(2).map(async (bytes) => {
      const id = await createUpload(running.source, bytes.length);
      byId.set(id, bytes);
      started.push({ id, bytes });
      await sendFrom(running.source, id, bytes, 0);
      const result = finalize(running.source, id);
      if (++finalizing === 2 * round + 1) trigger();
      if ((await result) === 201) acknowledged.add(id);
    });
    await killTime;
    await new Promise((resolve) => setTimeout(resolve, round));
    await kill(running);
    await Promise.allSettled(storm);

    running = await startChild();
    try {
      const token = await editorToken(running.editor);
      const auth = { Authorization: `Bearer ${token}` };
      const listed = json(await call('GET', `${running.editor}api/submissions`, undefined, auth)).submissions as {
        id: string;
        size: number;
      }[];
      const listedIds = new Set(listed.map((entry) => entry.id));
      for (const id of acknowledged) expect(listedIds.has(id)).toBe(true);
      // Finalized just before the kill, response lost: stored all the same.
      for (const id of listedIds) acknowledged.add(id);
      for (const entry of listed) {
        const expected = byId.get(entry.id);
        expect(expected).toBeDefined();
        const stored = (await call('GET', `${running.editor}api/submissions/${entry.id}`, undefined, auth)).body;
        expect({ id: entry.id, digest: digest(stored) }).toEqual({ id: entry.id, digest: digest(expected!) });
      }
      // Whatever was cut off resumes from the server's offset and finalizes.
      for (const { id, bytes } of started.splice(0)) {
        if (listedIds.has(id)) continue;
        const status = await call('GET', `${running.source}api/uploads/${id}`);
        if (status.status === 404) continue; // killed before the upload was durably created
        const { offset } = json(status) as { offset: number };
        // durableOffset is a promise about restarts: SIGKILL included.
        expect(offset).toBeGreaterThanOrEqual(durableSeen.get(id) ?? 0);
        const part = await readFile(path.join(dir, 'data', 'uploads', `${id}.part`));
        expect(digest(part.subarray(0, offset))).toBe(digest(bytes.subarray(0, offset)));
        await sendFrom(running.source, id, bytes, offset);
        resumed += 1;
        expect(await finalize(running.source, id)).toBe(201);
        acknowledged.add(id);
      }
    } finally {
      await kill(running);
    }
  }
  // The kills really landed mid-upload, and everything ended up stored.
  expect(resumed).toBeGreaterThan(0);
  expect(acknowledged.size).toBe(byId.size);
}, 120_000);
