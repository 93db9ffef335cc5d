/**
 * HTTP for the commands that talk to the editor listener, directly or
 * through a SOCKS5 proxy (Tor, for the editor listener's client-authorized
 * onion service). Built on node:http with an agent whose connections the
 * SOCKS client opens, so no proxy library is needed; answers are standard
 * `Response`s, streamed.
 *
 * The proxy comes from `--proxy`, else from `all_proxy` / `ALL_PROXY` (as
 * curl reads them). An environment proxy that is not `socks5h://` is an
 * error rather than ignored: a person who set one meant their traffic to
 * go through it, and going direct instead would fail open.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';
import type { OptionSpec, ParsedCommand } from './args.js';
import { optionalString } from './args.js';
import { CliError, type CliIo } from './io.js';
import { parseProxyUrl, socks5Connect, type Socks5Proxy } from './socks5.js';

/** The `--proxy` option, part of every editor listener command's options. */
export const PROXY_OPTION: OptionSpec = {
  type: 'string',
  value: 'URL',
  description: 'reach the server through a SOCKS5 proxy, e.g. socks5h://127.0.0.1:9050 (Tor); default: $ALL_PROXY',
};

/** A request: what `fetch` would take, limited to what the editor client sends. */
export interface HttpRequestInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string (JSON), or bytes streamed as they are read (then give `content-length`). */
  readonly body?: string | AsyncIterable<Uint8Array>;
}

/** No answer (headers, or the next body bytes) for this long: give up, as fetch's defaults do. */
export const IDLE_TIMEOUT_MS = 300_000;

type ConnectionCallback = (error: Error | null, stream: Duplex) => void;

/**
 * Opens each connection through the proxy, then TLS on top of it for https.
 * Node's agents accept a connection handed to the callback later.
 */
function proxiedConnection(proxy: Socks5Proxy, secure: boolean) {
  return (options: http.ClientRequestArgs, callback: ConnectionCallback | undefined): undefined => {
    const host = (options.hostname ?? options.host ?? '').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port ?? (secure ? 443 : 80));
    // The agent ignores the stream argument when there is an error.
    const fail = callback as ((error: Error) => void) | undefined;
    socks5Connect(proxy, host, port).then(
      (socket) => {
        // No SNI for an address: Node refuses (and warns about) an IP as server name.
        // `host` too: without it tls checks the certificate against the proxy's address.
        callback?.(
          null,
          secure ? tls.connect({ socket, host, ...(isIP(host) === 0 ? { servername: host } : {}) }) : socket,
        );
      },
      (error: unknown) => {
        fail?.(error as Error);
      },
    );
    return undefined;
  };
}

class Socks5HttpAgent extends http.Agent {
  readonly #connect: ReturnType<typeof proxiedConnection>;

  constructor(proxy: Socks5Proxy) {
    super({ keepAlive: true });
    this.#connect = proxiedConnection(proxy, false);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectionCallback): undefined {
    this.#connect(options, callback);
    return undefined;
  }
}

class Socks5HttpsAgent extends https.Agent {
  readonly #connect: ReturnType<typeof proxiedConnection>;

  constructor(proxy: Socks5Proxy) {
    super({ keepAlive: true });
    this.#connect = proxiedConnection(proxy, true);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: ConnectionCallback): undefined {
    this.#connect(options, callback);
    return undefined;
  }
}

/** Sends HTTP requests, directly or through a SOCKS5 proxy. */
export class HttpTransport {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  private constructor(proxy: Socks5Proxy | null) {
    this.#http = proxy === null ? new http.Agent({ keepAlive: true }) : new Socks5HttpAgent(proxy);
    this.#https = proxy === null ? new https.Agent({ keepAlive: true }) : new Socks5HttpsAgent(proxy);
  }

  /** Straight to the server. */
  static direct(): HttpTransport {
    return new HttpTransport(null);
  }

  /** Every connection through `proxy`, which resolves the server's name. */
  static viaSocks5(proxy: Socks5Proxy): HttpTransport {
    return new HttpTransport(proxy);
  }

  /**
   * Send one request; redirects are not followed (the editor listener never
   * redirects, and following one could leave the onion).
   * @returns the answer, its body streamed.
   * @throws CliError naming the server (or proxy) if it cannot be reached,
   *   the connection fails, or nothing arrives for {@link IDLE_TIMEOUT_MS}.
   */
  async request(url: URL, init: HttpRequestInit = {}): Promise<Response> {
    const secure = url.protocol === 'https:';
    const message = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers: { ...init.headers },
        agent: secure ? this.#https : this.#http,
        timeout: IDLE_TIMEOUT_MS,
      });
      request.on('response', resolve);
      request.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          error instanceof CliError
            ? error
            : new CliError(`cannot reach ${url.origin}: ${error.code ?? error.message}`),
        );
      });
      request.on('timeout', () => {
        request.destroy(new CliError(`${url.origin} did not answer in ${IDLE_TIMEOUT_MS / 1000} s`));
      });
      const { body } = init;
      if (body === undefined || typeof body === 'string') {
        request.end(body);
      } else {
        // A failing source destroys the request, which rejects through 'error'.
        pipeline(Readable.from(body), request).catch(() => undefined);
      }
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(message.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.set(name, value);
    }
    const status = message.statusCode ?? 0;
    if (status < 200 || status > 599) {
      message.destroy();
      throw new CliError(`${url.origin} sent an invalid HTTP status (${status})`);
    }
    const noBody = status === 204 || status === 304 || init.method === 'HEAD';
    if (noBody) message.resume();
    return new Response(noBody ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>), {
      status,
      statusText: message.statusMessage ?? '',
      headers,
    });
  }
}

/**
 * The transport a command uses: `--proxy URL` if given, else a `socks5h://`
 * URL in `all_proxy` or `ALL_PROXY`, else direct.
 * @throws CliError if the proxy URL (from the option or the environment) is
 *   not a valid `socks5h://HOST:PORT` URL.
 */
export function transportFor(parsed: ParsedCommand, io: CliIo, command: string): HttpTransport {
  const option = optionalString(parsed, 'proxy', command);
  if (option !== undefined) return HttpTransport.viaSocks5(parseProxyUrl(option));
  for (const name of ['all_proxy', 'ALL_PROXY']) {
    const value = io.env[name];
    if (value === undefined || value === '') continue;
    try {
      return HttpTransport.viaSocks5(parseProxyUrl(value));
    } catch (error) {
      throw new CliError(`${name}: ${(error as Error).message}; fix or unset it, or pass --proxy`, 1, command);
    }
  }
  return HttpTransport.direct();
}
