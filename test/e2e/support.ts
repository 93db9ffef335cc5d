/**
 * End-to-end harness: a demo newsroom in a temporary folder, the client
 * built for its root key, the real server started in-process, a fault
 * injecting proxy in front of it (and, for tests that need one, a slow and
 * flaky link proxy in front of that), and Debian's Chromium driven by
 * playwright-core. Ciphertext is checked with Debian's `age` and GNU `tar`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { API_ERRORS } from '../../client/core/api-errors.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildClient } from '../../scripts/build-client.js';
import { parseConfig } from '../../server/config.js';
import { demoServerSettings, prepareDemoNewsroom, type DemoNewsroom } from '../../scripts/demo.js';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/main.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');

/** The programs the end-to-end tests drive: the browser, and `age` and `tar` to check what arrived. */
export const E2E_TOOLS: readonly string[] = [CHROMIUM, 'age', 'tar'];

/** A fault-injecting HTTP proxy in front of the source listener. */
export class FaultProxy {
  readonly #server: http.Server;
  readonly #upstream: URL;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[] = [];
  /** `STATUS METHOD path` of every answer the upstream server gave, in the order they came. */
  readonly answers: string[] = [];
  /** Serve a manifest with one byte changed. */
  tamperManifest = false;
  /** Answer every new upload as a full server would (`507 QUOTA_EXCEEDED`), without asking it. */
  refuseNewUploads = false;
  #dropArmed: (() => void) | null = null;
  #dropping = false;
  #held: Promise<void> | null = null;

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res);
    });
  }

  static async start(upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(upstream);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  /**
   * Starting with the next chunk upload that does not start at 0, cut every
   * chunk upload halfway through its body until the page asks the server
   * for the upload's status. (Chromium silently resends an idempotent PUT
   * once when a reused connection dies; cutting until the page itself
   * reacts makes sure the page's own resume logic is what gets tested.)
   * Resolves when the first cut has happened.
   */
  dropNextUpload(): Promise<void> {
    return new Promise((resolve) => {
      this.#dropArmed = resolve;
    });
  }

  /** Hold every chunk upload after the first until the returned function is called. */
  holdUploads(): () => void {
    let release = (): void => undefined;
    this.#held = new Promise((resolve) => {
      release = () => {
        this.#held = null;
        resolve();
      };
    });
    return release;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = new URL(req.url ?? '/', this.#upstream);
    this.requests.push(`${req.method ?? ''} ${target.pathname}${target.search}`);
    const isChunk = req.method === 'PUT' && target.pathname.startsWith('/api/uploads/');
    const offset = Number(target.searchParams.get('offset') ?? '0');
    if (req.method === 'GET' && /^\/api\/uploads\/[0-9a-f]{32}$/.test(target.pathname)) this.#dropping = false;
    if (this.refuseNewUploads && req.method === 'POST' && target.pathname === '/api/uploads') {
      const { status, message } = API_ERRORS.QUOTA_EXCEEDED;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'QUOTA_EXCEEDED', message } }));
      return;
    }
    const tampering = this.tamperManifest && target.pathname === '/manifest.json';
    // The manifest is tampered with as plain JSON: ask the server for it uncompressed.
    const headers = tampering ? { ...req.headers, 'accept-encoding': 'identity' } : req.headers;
    const forward = (): void => {
      const upstream = http.request(
        {
          host: this.#upstream.hostname,
          port: this.#upstream.port,
          method: req.method,
          path: target.pathname + target.search,
          headers,
        },
        (answer) => {
          this.answers.push(`${answer.statusCode ?? 0} ${req.method ?? ''} ${target.pathname}${target.search}`);
          if (tampering && answer.statusCode === 200) {
            const parts: Buffer[] = [];
            answer.on('data', (part: Buffer) => parts.push(part));
            answer.on('end', () => {
              const body = Buffer.concat(parts);
              // "Demo Editor" -> "Demo Editos": still canonical JSON, no longer what was signed.
              const index = body.indexOf('Demo Editor');
              body[index + 10] = 's'.charCodeAt(0);
              res.writeHead(200, { ...answer.headers, 'content-length': String(body.length) });
              res.end(body);
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.destroy();
      });
      const armed = this.#dropArmed;
      if (isChunk && offset > 0 && armed !== null) {
        this.#dropArmed = null;
        this.#dropping = true;
        armed();
      }
      if (isChunk && this.#dropping) {
        const limit = Math.floor(Number(req.headers['content-length']) / 2);
        let forwarded = 0;
        let cut = false;
        req.on('data', (part: Buffer) => {
          if (cut) return;
          if (forwarded + part.length < limit) {
            forwarded += part.length;
            upstream.write(part);
            return;
          }
          upstream.write(part.subarray(0, limit - forwarded));
          cut = true;
          // Both sides see the connection vanish mid-body, as on a flaky link.
          upstream.destroy();
          req.socket.destroy();
        });
        req.on('end', () => {
          if (!cut) upstream.end();
        });
        return;
      }
      req.pipe(upstream);
    };
    const held = this.#held;
    if (isChunk && offset > 0 && held !== null) void held.then(forward);
    else forward();
  }
}

/**
 * A slow, flaky link between the browser and the portal, as a Tor circuit
 * can be: chunk bodies trickle at {@link LinkProxy.bytesPerSecond}, a chunk
 * the browser gives up on stays open upstream for {@link LinkProxy.lingerMs}
 * (the server learns late that the circuit is gone), and the link can go
 * dark ({@link LinkProxy.down}). Put it in front of a {@link Portal}'s URL.
 */
export class LinkProxy {
  readonly #server: http.Server;
  readonly #upstream: URL;
  readonly #sockets = new Set<Socket>();
  /** Chunk bodies are forwarded at this many bytes per second (Infinity: at once). */
  bytesPerSecond = Number.POSITIVE_INFINITY;
  /** How long a chunk the browser aborted stays open upstream, as over Tor. */
  lingerMs = 3000;
  /** While true, every connection is cut at once. */
  #down = false;
  /** Connections cut while down. */
  refused = 0;
  /** Chunk uploads forwarded and not yet answered. */
  chunksInFlight = 0;
  /** Status of each DELETE answered, in order. */
  readonly deleteAnswers: number[] = [];

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res);
    });
    this.#server.on('connection', (socket) => {
      if (this.#down) {
        this.refused += 1;
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(upstream: string): Promise<LinkProxy> {
    const proxy = new LinkProxy(upstream);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  /** The link goes dark (every open connection cut too) or comes back. */
  set down(down: boolean) {
    this.#down = down;
    if (down) for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = new URL(req.url ?? '/', this.#upstream);
    const isChunk = req.method === 'PUT' && target.pathname.startsWith('/api/uploads/');
    const upstream = http.request(
      {
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (answer) => {
        if (isChunk) this.chunksInFlight -= 1;
        if (req.method === 'DELETE') this.deleteAnswers.push(answer.statusCode ?? 0);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.destroy();
    });
    if (!isChunk) {
      req.pipe(upstream);
      return;
    }
    this.chunksInFlight += 1;
    let finished = false;
    req.on('data', (part: Buffer) => {
      upstream.write(part);
      if (Number.isFinite(this.bytesPerSecond)) {
        req.pause();
        setTimeout(() => req.resume(), (part.length / this.bytesPerSecond) * 1000);
      }
    });
    req.on('end', () => {
      finished = true;
      upstream.end();
    });
    // The browser gave up on this chunk: the server hears of it only later.
    req.on('close', () => {
      if (finished) return;
      setTimeout(() => {
        if (!upstream.destroyed) {
          this.chunksInFlight -= 1;
          upstream.destroy();
        }
      }, this.lingerMs);
    });
  }
}

/**
 * Reads `read` every 50 ms until `ok` holds.
 * @returns the first value that satisfies `ok`.
 * @throws Error with the last value read after `timeoutMs`.
 */
export async function eventually<T>(read: () => T, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Portal {
  readonly root: string;
  readonly newsroom: DemoNewsroom;
  readonly server: RunningServer;
  readonly proxy: FaultProxy;
  /** Page URL through the proxy. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A demo newsroom, the client built for its root key, the server, and the proxy.
 * @param settings server settings (`SEALDROP_*`) over the demo's, e.g. a small
 *   `SEALDROP_MAX_CONCURRENT_UPLOADS`.
 * @throws Error when the client cannot be built or the server cannot start.
 */
export async function startPortal(settings: Readonly<Record<string, string>> = {}): Promise<Portal> {
  await loadSodium();
  const root = await mkdtemp(path.join(tmpdir(), 'sealdrop-e2e-'));
  const newsroom = await prepareDemoNewsroom(root);
  const staticDir = path.join(root, 'client');
  await buildClient({ outDir: staticDir, rootPublicKeyFile: newsroom.rootPublicKeyFile });
  const config = parseConfig(
    {
      ...demoServerSettings(newsroom, staticDir),
      SEALDROP_SOURCE_PORT: '0',
      SEALDROP_EDITOR_PORT: '0',
      SEALDROP_LOG_LEVEL: 'silent',
      ...settings,
    },
    root,
  );
  const server = await startServer(config, createLogger('silent'));
  const proxy = await FaultProxy.start(server.sourceUrl);
  return {
    root,
    newsroom,
    server,
    proxy,
    url: proxy.url,
    async close() {
      await proxy.close();
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Debian Chromium, headless, with a fresh profile; `jitless` also removes WebAssembly. */
export async function launchBrowser(options: { jitless?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-background-networking',
      ...(options.jitless === true ? ['--js-flags=--jitless'] : []),
    ],
  });
}

/** Console errors, page errors and CSP violations seen by a page and its workers. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  const onConsole = (message: ConsoleMessage): void => {
    if (
      message.type() === 'error' ||
      message.type() === 'warning' ||
      /Content[- ]Security[- ]Policy/i.test(message.text())
    ) {
      problems.push(`console ${message.type()}: ${message.text()} (${message.location().url})`);
    }
  };
  page.on('console', onConsole);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('worker', (worker) => {
    worker.on('console', onConsole);
  });
  return problems;
}

/**
 * Starts recording every text the element at `selector` shows (a status
 * line may pass too quickly on loopback to be caught by polling).
 * @returns a function that answers the texts shown so far, in order.
 * @throws Error if the element is not on the page.
 */
export async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  await page.evaluate((target) => {
    const element = document.querySelector(target);
    if (element === null) throw new Error(`no ${target}`);
    const shown: string[] = [];
    (window as unknown as { shownTexts: string[] }).shownTexts = shown;
    new MutationObserver(() => shown.push(element.textContent)).observe(element, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  }, selector);
  return () => page.evaluate(() => (window as unknown as { shownTexts: string[] }).shownTexts);
}

/** Whether `error` says a file is gone: the server renames and deletes files while tests watch its folder. */
function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Every file under `directory`, recursively (files removed while it looks are left out). */
export function listFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  let names: string[] | null = null;
  // A folder removed during the walk (an emptied mailbox) fails it: walk again.
  for (let attempt = 0; names === null; attempt++) {
    try {
      names = readdirSync(directory, { recursive: true, encoding: 'utf8' });
    } catch (error) {
      if (!isGone(error) || attempt >= 5) throw error;
    }
  }
  return names
    .map((name) => path.join(directory, name))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch (error) {
        if (isGone(error)) return false;
        throw error;
      }
    });
}

/** Files under `directory` that contain any of `needles` (a file removed before it is read holds nothing). */
export function filesContaining(directory: string, needles: readonly Uint8Array[]): string[] {
  return listFiles(directory).filter((file) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if (isGone(error)) return false;
      throw error;
    }
    return needles.some((needle) => bytes.indexOf(needle) >= 0);
  });
}

/** The stored submissions (ciphertext files). */
export function storedSubmissions(portal: Portal): string[] {
  return listFiles(path.join(portal.newsroom.dataDir, 'submissions')).filter((file) => file.endsWith('.age'));
}

/**
 * Decrypt a stored submission with Debian's `age` and the demo identity,
 * extract it with GNU `tar`, and return the folder.
 */
export function decryptAndExtract(portal: Portal, ciphertextFile: string): string {
  const out = path.join(portal.root, `extract-${path.basename(ciphertextFile, '.age')}`);
  mkdirSync(out, { recursive: true });
  const tarFile = path.join(out, '..', `${path.basename(ciphertextFile)}.tar`);
  const age = spawnSync('age', ['-d', '-i', portal.newsroom.identityFile, '-o', tarFile, ciphertextFile]);
  if (age.status !== 0) throw new Error(`age -d failed: ${age.stderr.toString()}`);
  const tar = spawnSync('tar', ['-xf', tarFile, '-C', out]);
  if (tar.status !== 0) throw new Error(`tar -x failed: ${tar.stderr.toString()}`);
  return out;
}

/** Deterministic pseudo-random bytes (not compressible, unlike zeros). */
export function testBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Storage the page could have written: all must be empty. */
export async function deviceTraces(page: Page): Promise<Record<string, number>> {
  const cookies = (await page.context().cookies()).length;
  const storage = await page.evaluate(async () => ({
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
  }));
  return { cookies, ...storage };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}
