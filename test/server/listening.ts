/**
 * Helpers for tests that need both listeners as they run in production: real
 * sockets on ephemeral ports, with the listener settings of
 * server/listener-settings.ts, a debug-level captured log, and raw-socket
 * clients that can send what no HTTP library would (broken framing, half a
 * body, a hang).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { createEditorApp, createSourceApp } from '../../server/app.js';
import { configureListener } from '../../server/listener-settings.js';
import { createLogger } from '../../server/logging.js';
import { makeTestServer, type TestServer, type TestServerOptions } from './support.js';

export interface ListeningServer {
  readonly stores: TestServer;
  readonly source: { readonly app: Express; readonly port: number };
  readonly editor: { readonly app: Express; readonly port: number };
  /** Every log line (debug level and up) of both listeners. */
  readonly log: string[];
  close(): Promise<void>;
}

export interface ListeningOptions extends TestServerOptions {
  readonly bodyIdleSeconds?: number;
  readonly maxConnections?: number;
}

async function listen(
  app: Express,
  listener: 'source' | 'editor',
  options: ListeningOptions,
  logger: ReturnType<typeof createLogger>,
): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  configureListener(server, { listener, maxConnections: options.maxConnections ?? 1024, logger });
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Both apps over the stores of {@link makeTestServer}, listening on loopback. */
export async function startListening(options: ListeningOptions = {}): Promise<ListeningServer> {
  const stores = await makeTestServer(options);
  const log: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => log.push(line) });
  const deps = {
    logger,
    uploads: stores.uploads,
    submissions: stores.submissions,
    mailboxes: stores.mailboxes,
    manifests: stores.manifests,
    staticDir: path.join(stores.dir, 'static'),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    tokenTtlSeconds: 600,
    ...(options.bodyIdleSeconds === undefined ? {} : { bodyIdleSeconds: options.bodyIdleSeconds }),
  };
  const sourceApp = createSourceApp(deps);
  const editorApp = createEditorApp(deps);
  const source = await listen(sourceApp, 'source', options, logger);
  const editor = await listen(editorApp, 'editor', options, logger);
  return {
    stores,
    source: { app: sourceApp, port: source.port },
    editor: { app: editorApp, port: editor.port },
    log,
    async close() {
      for (const { server } of [source, editor]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await stores.cleanup();
    },
  };
}

/** An answer read off a raw socket. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything received, unparsed. */
  readonly text: string;
  /** The server closed the connection (rather than the wait running out). */
  readonly closed: boolean;
  readonly ms: number;
}

/** Parses the first HTTP answer in `text` (status 0 if there is none). */
export function parseAnswer(received: string): Pick<RawAnswer, 'status' | 'headers' | 'body'> {
  // Interim answers (`100 Continue`) come first and have no body.
  const text = received.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
  const end = text.indexOf('\r\n\r\n');
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  if (end < 0 || match === null) return { status: 0, headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = text.slice(end + 4);
  return { status: Number(match[1]), headers, body: Number.isNaN(length) ? rest : rest.slice(0, length) };
}

/** A raw connection that records everything the server sends. */
export class RawClient {
  readonly socket: Socket;
  private received = '';
  private readonly started = Date.now();
  private readonly closedPromise: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.received += text;
    });
    // A reset after the answer is how a server closes on an unread body: not a test failure.
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        resolve();
      });
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send(bytes: string | Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits until the server closes the connection or `ms` pass; returns what arrived. */
  async answer(ms = 5000): Promise<RawAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closedPromise.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, ms);
      }),
    ]);
    clearTimeout(timer);
    return { ...parseAnswer(this.received), text: this.received, closed, ms: Date.now() - this.started };
  }

  /** Waits until a whole answer's head has arrived (or `ms` pass), without waiting for a close. */
  async head(ms = 5000): Promise<Pick<RawAnswer, 'status' | 'headers' | 'body'>> {
    const deadline = Date.now() + ms;
    while (!this.received.includes('\r\n\r\n') && Date.now() < deadline && !this.socket.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return parseAnswer(this.received);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Sends `request` on a fresh connection and returns what arrived once the server closes it (or `ms` pass). */
export async function rawRequest(port: number, request: string | Uint8Array, ms = 5000): Promise<RawAnswer> {
  const client = await RawClient.open(port);
  client.send(request);
  return client.answer(ms);
}

/** The parsed JSON lines of a captured log. */
export function logEntries(log: readonly string[]): Record<string, unknown>[] {
  return log.map((line) => JSON.parse(line) as Record<string, unknown>);
}
