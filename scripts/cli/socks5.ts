/**
 * A SOCKS5 client (RFC 1928), enough to reach an onion service through Tor:
 * no authentication or username/password (RFC 1929), and CONNECT with the
 * host name sent as a name (ATYP DOMAINNAME) so that the proxy resolves it.
 * A `.onion` name cannot be resolved anywhere else, and resolving any other
 * name locally would tell the local resolver where the editor is going.
 */
import net from 'node:net';
import { CliError } from './io.js';

/** A SOCKS5 proxy that resolves names itself (`socks5h://`). */
export interface Socks5Proxy {
  readonly host: string;
  readonly port: number;
  /** RFC 1929 credentials (Tor uses them to separate circuits), if the URL had any. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** The proxy must answer the handshake within this time: Tor builds a circuit to an onion service first. */
export const SOCKS_HANDSHAKE_TIMEOUT_MS = 120_000;

/** The longest handshake reply: method choice, auth status, and a CONNECT reply with a 255-byte name. */
const MAX_HANDSHAKE_BYTES = 2 + 2 + 4 + 1 + 255 + 2;
const VERSION = 0x05;
const METHOD_NONE = 0x00;
const METHOD_PASSWORD = 0x02;
const METHOD_REFUSED = 0xff;
const PASSWORD_VERSION = 0x01;
const COMMAND_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** RFC 1928 reply codes, and the onion-service ones Tor sends with `ExtendedErrors` on its SocksPort. */
const REPLIES: Readonly<Record<number, string>> = {
  0x01: 'general failure',
  0x02: 'connection not allowed by the proxy',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'timed out',
  0x07: 'command not supported by the proxy',
  0x08: 'address type not supported by the proxy',
  0xf0: 'onion service descriptor not found',
  0xf1: 'onion service descriptor invalid',
  0xf2: 'onion service introduction failed',
  0xf3: 'onion service rendezvous failed',
  0xf4: 'onion service needs client authorization (add the key to ClientOnionAuthDir)',
  0xf5: 'onion service refused the client authorization key',
  0xf6: 'invalid onion address',
  0xf7: 'onion service introduction timed out',
};

/**
 * Parse a proxy URL. Only `socks5h://` is accepted: with `socks5://` a
 * client resolves names itself, which fails for `.onion` names and leaks
 * every other name to the local resolver.
 * @throws CliError naming what is wrong with it.
 */
export function parseProxyUrl(text: string): Socks5Proxy {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`invalid proxy URL (expected socks5h://HOST:PORT)`);
  }
  if (url.protocol === 'socks5:') {
    throw new CliError('proxy URL must be socks5h:// (the proxy resolves names, as .onion names need)');
  }
  if (url.protocol !== 'socks5h:') throw new CliError('proxy URL must be socks5h://HOST:PORT');
  if (url.hostname === '' || url.port === '') throw new CliError('proxy URL needs a host and a port');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new CliError('proxy URL must not have a path, query or fragment');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port);
  if (url.username === '' && url.password === '') return { host, port };
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (Buffer.byteLength(username) > 255 || Buffer.byteLength(password) > 255 || username === '') {
    throw new CliError('proxy user name must be 1 to 255 bytes and the password at most 255');
  }
  return { host, port, credentials: { username, password } };
}

/** Reads exact byte counts from a socket during the handshake, then hands the socket back untouched. */
class HandshakeReader {
  readonly #socket: net.Socket;
  #buffered = Buffer.alloc(0);
  #waiting: (() => void) | null = null;
  #failure: Error | null = null;
  readonly #onData = (data: Buffer): void => {
    // A handshake reply is at most 262 bytes: a proxy sending more is not one to trust.
    if (this.#buffered.length + data.length > MAX_HANDSHAKE_BYTES) {
      this.fail(new CliError('the proxy sent an invalid SOCKS5 reply'));
      return;
    }
    this.#buffered = Buffer.concat([this.#buffered, data]);
    this.#wake();
  };
  readonly #onEnd = (): void => {
    this.#failure ??= new CliError('the proxy closed the connection during the handshake');
    this.#wake();
  };

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.();
  }

  fail(error: Error): void {
    this.#failure ??= error;
    this.#wake();
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffered.length < length) {
      if (this.#failure !== null) throw this.#failure;
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
    const out = this.#buffered.subarray(0, length);
    this.#buffered = this.#buffered.subarray(length);
    return out;
  }

  /** Bytes received past what was read: none from a proxy that follows the protocol. */
  get leftover(): number {
    return this.#buffered.length;
  }

  /**
   * Stop listening. The socket stays flowing: the HTTP client attaches its
   * own listener before it sends the request, and nothing arrives before that.
   */
  release(): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
  }
}

/**
 * The CONNECT address: an IPv4 literal as four bytes, anything else (names,
 * and IPv6 literals, which SOCKS5 servers parse from a name as well) as a
 * name for the proxy to resolve.
 */
function addressField(host: string): Buffer {
  if (net.isIPv4(host)) return Buffer.from([ATYP_IPV4, ...host.split('.').map(Number)]);
  const name = Buffer.from(host, 'ascii');
  if (name.length === 0 || name.length > 255) throw new CliError('server host name too long for SOCKS5');
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}

async function handshake(
  reader: HandshakeReader,
  socket: net.Socket,
  proxy: Socks5Proxy,
  target: Buffer,
): Promise<void> {
  const methods = proxy.credentials === undefined ? [METHOD_NONE] : [METHOD_NONE, METHOD_PASSWORD];
  socket.write(Buffer.from([VERSION, methods.length, ...methods]));
  const [version, method] = await reader.read(2);
  if (version !== VERSION) throw new CliError('the proxy does not speak SOCKS5');
  if (method === METHOD_PASSWORD && proxy.credentials !== undefined) {
    const username = Buffer.from(proxy.credentials.username, 'utf8');
    const password = Buffer.from(proxy.credentials.password, 'utf8');
    socket.write(
      Buffer.concat([
        Buffer.from([PASSWORD_VERSION, username.length]),
        username,
        Buffer.from([password.length]),
        password,
      ]),
    );
    const [, status] = await reader.read(2);
    if (status !== 0x00) throw new CliError('the proxy refused the user name and password');
  } else if (method === METHOD_REFUSED || method !== METHOD_NONE) {
    throw new CliError(
      proxy.credentials === undefined
        ? 'the proxy wants a user name and password (socks5h://USER:PASS@HOST:PORT)'
        : 'the proxy accepts none of our authentication methods',
    );
  }
  socket.write(Buffer.concat([Buffer.from([VERSION, COMMAND_CONNECT, 0x00]), target]));
  const [replyVersion, reply, , atyp] = await reader.read(4);
  if (replyVersion !== VERSION) throw new CliError('the proxy sent an invalid SOCKS5 reply');
  if (reply !== 0x00) {
    throw new CliError(`the proxy could not connect: ${REPLIES[reply!] ?? `SOCKS5 error ${reply!}`}`);
  }
  // The address the proxy bound: read and ignored (Tor sends zeros).
  const length =
    atyp === ATYP_IPV4 ? 4 : atyp === ATYP_IPV6 ? 16 : atyp === ATYP_DOMAIN ? (await reader.read(1))[0]! : -1;
  if (length < 0) throw new CliError('the proxy sent an invalid SOCKS5 reply');
  await reader.read(length + 2);
  if (reader.leftover > 0) throw new CliError('the proxy sent data before the request');
}

/**
 * Open a TCP connection to `host:port` through the proxy. The name is sent
 * to the proxy as it is (never resolved here).
 * @returns the connected socket, ready for the application's bytes.
 * @throws CliError if the proxy cannot be reached, refuses, fails to
 *   connect (with the reason it gave), or does not answer in
 *   {@link SOCKS_HANDSHAKE_TIMEOUT_MS}.
 */
export async function socks5Connect(proxy: Socks5Proxy, host: string, port: number): Promise<net.Socket> {
  const target = Buffer.concat([addressField(host), Buffer.from([port >> 8, port & 0xff])]);
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  const reader = new HandshakeReader(socket);
  const where = `${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;
  const onError = (error: NodeJS.ErrnoException): void => {
    reader.fail(new CliError(`cannot reach the proxy ${where}: ${error.code ?? error.message}`));
  };
  socket.on('error', onError);
  socket.setTimeout(SOCKS_HANDSHAKE_TIMEOUT_MS, () => {
    reader.fail(new CliError(`the proxy ${where} did not answer in ${SOCKS_HANDSHAKE_TIMEOUT_MS / 1000} s`));
  });
  try {
    await handshake(reader, socket, proxy, target);
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    reader.release();
    socket.off('error', onError);
    socket.setTimeout(0);
  }
}
