/**
 * `npm run bench:abuse`: does a source's upload get through a flood?
 *
 * In one run, against the built server (dist/server/main.js, a child process
 * on loopback, the default limits but for a 4 GiB storage quota):
 *   1. unloaded: a source uploads a real 10 MiB age ciphertext with the
 *      page's own uploader (client/app/upload.ts, bundled for Node by
 *      esbuild), on its own connection, over a Tor-like link (a relay that
 *      carries 3 Mbit/s each way with a 300 ms round trip; `--link 0` for
 *      plain loopback); the median of three runs;
 *   2. loaded: the same, while 200 hostile connections (in a child process
 *      at the lowest CPU priority: an attacker's CPU is not the server's)
 *      flood the server directly, for at least 60 s:
 *      - 50 hoard upload slots and quota (creates declaring 2 GiB or 1 byte,
 *        never sent);
 *      - 50 spam ranges (one-byte chunks at disjoint offsets of a 64 MiB upload);
 *      - 50 send slow bodies (a chunk declaring 16 MiB, one byte every 5 s);
 *      - 50 spend the request budget (GET /manifest.json back to back);
 *      the source's uploads start 5 s into the flood, one after the other;
 *   3. while loaded, the time a fresh connection waits for /manifest.json.
 * Target: every loaded upload completes, the median in at most 2x the
 * unloaded median. Prints the hostile answers by status, so the run shows
 * what each layer refused. Options: --seconds N (60), --connections N (200),
 * --link MBIT (3; 0: no relay, loopback speed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Transform } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { encrypt } from '../../client/core/age.js';
import { concatBytes } from '../../client/core/bytes.js';
import { loadSodium } from '../../client/core/sodium.js';
import { parseIdentityFile } from '../../client/core/identity-file.js';
import { findRepoRoot } from '../build-client.js';
import { demoServerSettings, prepareDemoNewsroom } from '../demo.js';
import { median, option } from './bench-args.js';

const MIB = 1024 * 1024;
const SOURCE_BYTES = 10 * MIB;
const RUNS = 3;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The page's uploader, bundled for Node from its TypeScript source. */
type Uploader = (
  size: number,
  ciphertext: AsyncIterable<Uint8Array>,
  options: Record<string, unknown>,
) => Promise<{ id: string; size: number }>;

async function loadPageUploader(root: string, work: string): Promise<Uploader> {
  const outfile = path.join(work, 'upload.mjs');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['client/app/upload.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  const module = (await import(pathToFileURL(outfile).href)) as { uploadCiphertext: Uploader };
  return module.uploadCiphertext;
}

interface Server {
  readonly child: ChildProcess;
  readonly source: string;
  readonly manifestVersion: number;
}

async function startServer(settings: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [path.join(findRepoRoot(), 'dist', 'server', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      ...settings,
      SEALDROP_SOURCE_PORT: '0',
      SEALDROP_EDITOR_PORT: '0',
      SEALDROP_STORAGE_QUOTA_BYTES: '4GiB',
      SEALDROP_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const entry = JSON.parse(line) as { sourceUrl?: string };
    if (entry.sourceUrl !== undefined) {
      lines.removeAllListeners();
      child.stdout.resume();
      const manifest = (await (await fetch(`${entry.sourceUrl}manifest.json`)).json()) as { version: number };
      return { child, source: entry.sourceUrl, manifestVersion: manifest.version };
    }
  }
  throw new Error('server exited before listening');
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/**
 * Paces bytes as a link of `bytesPerSecond` with `latencyMs` one way: each
 * piece leaves once the link has carried the ones before it, and arrives
 * `latencyMs` later; pieces keep their order.
 */
class PacedLink extends Transform {
  #free = 0;
  constructor(
    private readonly bytesPerSecond: number,
    private readonly latencyMs: number,
  ) {
    super();
  }

  override _transform(piece: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const now = performance.now();
    this.#free = Math.max(now, this.#free) + (piece.length / this.bytesPerSecond) * 1000;
    setTimeout(() => this.push(piece), this.#free - now + this.latencyMs);
    setTimeout(done, this.#free - now);
  }
}

/**
 * A source's link: a TCP relay to the server that carries each direction at
 * `megabitsPerSecond` with half of `roundTripMs` each way (a Tor circuit is
 * about 3 Mbit/s and 300 ms). Returns the URL to use instead of `target`'s.
 */
async function startSourceLink(
  target: string,
  megabitsPerSecond: number,
  roundTripMs: number,
): Promise<{ url: string; close(): void }> {
  const { hostname, port } = new URL(target);
  const rate = (megabitsPerSecond * 1_000_000) / 8;
  const relay = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(new PacedLink(rate, roundTripMs / 2)).pipe(upstream);
    upstream.pipe(new PacedLink(rate, roundTripMs / 2)).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = relay.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(relayPort)}/`,
    close() {
      relay.close();
    },
  };
}

/** Seconds one source upload takes, from create to finalize, through the page's uploader. */
async function sourceUpload(
  upload: Uploader,
  server: Server,
  link: string,
  ciphertext: Uint8Array,
  seen: Tally,
): Promise<number> {
  async function* pieces(): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < ciphertext.length; offset += MIB) yield ciphertext.subarray(offset, offset + MIB);
    await Promise.resolve();
  }
  const started = performance.now();
  // The page's own fetch, with every answer the source gets tallied (method, status, code).
  const observed = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    const code = response.ok
      ? ''
      : ` ${((await response.clone().json()) as { error?: { code?: string } }).error?.code ?? ''}`;
    seen.add(`${init.method ?? 'GET'} ${response.status}${code}`);
    return response;
  };
  await upload(ciphertext.length, pieces(), {
    baseUrl: link,
    manifestVersion: server.manifestVersion,
    fetch: observed,
  });
  return (performance.now() - started) / 1000;
}

/** Tallies the hostile requests' answers by status (or by the network error). */
class Tally {
  readonly counts = new Map<string, number>();
  add(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([what, count]) => `${what}: ${count}`)
      .join(', ');
  }
}

/** One request on `agent`; resolves with the status (or the error's code) and the body. */
function hostileRequest(
  agent: Agent,
  base: string,
  method: string,
  route: string,
  body: Uint8Array | string | null,
  type: string,
): Promise<{ status: string; text: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (body !== null) {
      headers['Content-Type'] = type;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const req = httpRequest(new URL(route, base), { method, agent, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        resolve({ status: String(res.statusCode ?? 0), text: Buffer.concat(parts).toString('utf8') });
      });
      res.on('error', () => {
        resolve({ status: 'reset', text: '' });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ status: error.code ?? 'error', text: '' });
    });
    req.end(body ?? undefined);
  });
}

interface Flood {
  readonly tally: Tally;
  stop(): Promise<void>;
}

/** Starts `connections` hostile connections of four kinds against `server`. */
function startFlood(server: Pick<Server, 'source' | 'manifestVersion'>, connections: number): Flood {
  const tally = new Tally();
  let running = true;
  // A function, not the flag itself: the workers' loops must see it change.
  const active = (): boolean => running;
  const agents: Agent[] = [];
  const sockets = new Set<Socket>();
  const newAgent = (): Agent => {
    // One connection per hostile client, kept alive, as a flooding Tor stream would.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };
  const create = async (agent: Agent, size: number): Promise<string | null> => {
    const answer = await hostileRequest(
      agent,
      server.source,
      'POST',
      'api/uploads',
      JSON.stringify({ size, manifestVersion: server.manifestVersion }),
      'application/json',
    );
    tally.add(`create ${answer.status}`);
    return answer.status === '201' ? (JSON.parse(answer.text) as { id: string }).id : null;
  };
  const hoarder = async (index: number): Promise<void> => {
    const agent = newAgent();
    while (active()) {
      await create(agent, index % 2 === 0 ? 2 * 1024 * MIB : 1);
      await sleep(200);
    }
  };
  const rangeSpammer = async (): Promise<void> => {
    const agent = newAgent();
    while (active()) {
      const id = await create(agent, 64 * MIB);
      if (id === null) {
        await sleep(200);
        continue;
      }
      for (let offset = 2; active(); offset += 2) {
        const answer = await hostileRequest(
          agent,
          server.source,
          'PUT',
          `api/uploads/${id}?offset=${offset}`,
          new Uint8Array(1),
          'application/octet-stream',
        );
        tally.add(`range ${answer.status}`);
        if (answer.status !== '200' && answer.status !== '429') break;
      }
    }
  };
  const slowBody = async (): Promise<void> => {
    const agent = newAgent();
    while (active()) {
      const id = await create(agent, 16 * MIB);
      if (id === null) {
        await sleep(1000);
        continue;
      }
      const { hostname, port } = new URL(server.source);
      const socket = connect(Number(port), hostname);
      sockets.add(socket);
      const answered = new Promise<string>((resolve) => {
        socket.once('data', (data: Buffer) => {
          resolve(/^HTTP\/1\.1 (\d+)/.exec(data.toString('latin1'))?.[1] ?? 'garbled');
        });
        socket.once('close', () => {
          resolve('closed');
        });
        socket.once('error', () => {
          resolve('reset');
        });
      });
      socket.write(
        `PUT /api/uploads/${id}?offset=0 HTTP/1.1\r\nHost: ${hostname}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${16 * MIB}\r\n\r\na`,
      );
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write('g');
      }, 5000);
      tally.add(`slow body ${await answered}`);
      clearInterval(trickle);
      socket.destroy();
      sockets.delete(socket);
    }
  };
  const budgetSpender = async (): Promise<void> => {
    const agent = newAgent();
    while (active())
      tally.add(`manifest ${(await hostileRequest(agent, server.source, 'GET', 'manifest.json', null, '')).status}`);
  };
  const kinds = [hoarder, rangeSpammer, slowBody, budgetSpender];
  const workers = Array.from({ length: connections }, (_, index) => kinds[index % kinds.length]!(index));
  return {
    tally,
    async stop() {
      running = false;
      for (const socket of sockets) socket.destroy();
      for (const agent of agents) agent.destroy();
      await Promise.allSettled(workers);
    },
  };
}

/**
 * Runs the flood in a child process of its own (`--flood-child`), so that
 * its 200 busy connections do not take this process's CPU from the source's
 * uploader: the source's client must measure the server, not the attacker's
 * event loop. `stop()` ends it and returns its tally of answers.
 */
function spawnFlood(server: Server, connections: number): { stop(): Promise<string> } {
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot find this script to start the flood');
  // At the lowest priority: on this machine the attacker's CPU is the server's
  // and the source's too, and a real attacker's is elsewhere. It still sends
  // all the requests the CPU left over allows.
  const child = spawn(
    'nice',
    [
      '-n',
      '19',
      process.execPath,
      script,
      '--flood-child',
      server.source,
      String(server.manifestVersion),
      String(connections),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString('utf8');
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return output.trim();
    },
  };
}

/** The child side of {@link spawnFlood}: flood until SIGTERM, then print the tally. */
function floodChild(source: string, manifestVersion: number, connections: number): void {
  const flood = startFlood({ source, manifestVersion }, connections);
  process.once('SIGTERM', () => {
    void flood.stop().then(() => {
      process.stdout.write(`${flood.tally.toString()}\n`);
      process.exit(0);
    });
  });
}

/** Milliseconds a fresh connection waits for /manifest.json. */
async function manifestLatency(server: Server): Promise<number> {
  const agent = new Agent({ keepAlive: false });
  const started = performance.now();
  const answer = await hostileRequest(agent, server.source, 'GET', 'manifest.json', null, '');
  agent.destroy();
  if (answer.status !== '200') throw new Error(`manifest answered ${answer.status} to a fresh connection`);
  return performance.now() - started;
}

async function run(): Promise<void> {
  const seconds = option('seconds', 60);
  const connections = option('connections', 200);
  const megabits = process.argv.includes('--link') ? Number(process.argv[process.argv.indexOf('--link') + 1]) : 3;
  if (!Number.isFinite(megabits) || megabits < 0) throw new Error('--link needs a number of Mbit/s (0: none)');
  await loadSodium();
  const root = findRepoRoot();
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-abuse-'));
  try {
    const demo = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const staticDir = path.join(work, 'static');
    await mkdir(staticDir);
    const upload = await loadPageUploader(root, work);
    const [editor] = parseIdentityFile(await readFile(demo.identityFile, 'utf8'));
    if (editor === undefined) throw new Error('demo identity missing');
    const parts: Uint8Array[] = [];
    async function* plaintext(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(randomBytes(SOURCE_BYTES));
      await Promise.resolve();
    }
    for await (const part of encrypt([editor.recipient()], plaintext())) parts.push(part.slice());
    const ciphertext = concatBytes(...parts);

    const server = await startServer(demoServerSettings(demo, staticDir));
    const link = megabits > 0 ? await startSourceLink(server.source, megabits, 300) : null;
    const sourceUrl = link?.url ?? server.source;
    try {
      const unloaded: number[] = [];
      const quiet = new Tally();
      for (let i = 0; i < RUNS; i += 1) unloaded.push(await sourceUpload(upload, server, sourceUrl, ciphertext, quiet));
      process.stdout.write(`unloaded: ${unloaded.map((s) => s.toFixed(2)).join(', ')} s\n`);

      const floodStarted = performance.now();
      const flood = spawnFlood(server, connections);
      await sleep(5000);
      const loaded: number[] = [];
      const failures: string[] = [];
      const sourceSaw = new Tally();
      const latencies: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        latencies.push(await manifestLatency(server));
        try {
          loaded.push(await sourceUpload(upload, server, sourceUrl, ciphertext, sourceSaw));
        } catch (error) {
          failures.push(String(error));
        }
      }
      const left = seconds * 1000 - (performance.now() - floodStarted);
      if (left > 0) await sleep(left);
      const hostile = await flood.stop();
      const floodSeconds = (performance.now() - floodStarted) / 1000;

      const ratio = median(loaded) / median(unloaded);
      const met = failures.length === 0 && ratio <= 2;
      process.stdout.write(
        `\nflood: ${connections} hostile connections for ${floodSeconds.toFixed(0)} s\n` +
          `hostile answers: ${hostile}\n` +
          `the source's answers under flood: ${sourceSaw.toString()}\n` +
          `fresh connection's /manifest.json under flood: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms\n` +
          `source link: ${megabits > 0 ? `${String(megabits)} Mbit/s each way, 300 ms round trip` : 'loopback, no relay'}\n` +
          `source upload of 10 MiB: unloaded ${median(unloaded).toFixed(2)} s, under flood ${loaded
            .map((s) => s.toFixed(2))
            .join(
              ', ',
            )} s (median ${median(loaded).toFixed(2)} s) = ${ratio.toFixed(2)}x (target <= 2x, all complete) ` +
          `${met ? 'PASS' : 'FAIL'}\n`,
      );
      for (const failure of failures) process.stdout.write(`source upload failed under flood: ${failure}\n`);
      if (!met) process.exitCode = 1;
    } finally {
      link?.close();
      await stopServer(server);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const child = process.argv.indexOf('--flood-child');
if (child >= 0) {
  const [source, version, connections] = process.argv.slice(child + 1);
  floodChild(source ?? '', Number(version), Number(connections));
} else {
  run().catch((error: unknown) => {
    process.stderr.write(`bench:abuse failed: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
