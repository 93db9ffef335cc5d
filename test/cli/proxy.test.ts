/**
 * Reaching the editor listener through a SOCKS5 proxy, as editors do through
 * Tor: a real SOCKS5 server (Debian's microsocks) between the command and
 * the real server. A passive tap in front of microsocks records what the
 * command sends, to prove the server's name goes to the proxy as a name
 * (ATYP DOMAINNAME), never resolved locally, which is what a `.onion` needs.
 * Also: `ALL_PROXY`, user/password authentication (RFC 1929), a refused
 * proxy, a name only the proxy could resolve, and the source listener given
 * by mistake.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { requireTools } from '../support/required-tools.js';
import {
  makeEditorKeys,
  makeRoot,
  sealdrop,
  sealdropOk,
  startServer,
  tempDir,
  type EditorFiles,
  type RunningServer,
} from './support.js';

const withMicrosocks = requireTools(['microsocks'], 'the SOCKS5 proxy tests');

const MAILBOX = '0123456789abcdef0123456789abcdef';

async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Start microsocks on a free loopback port; resolves once it accepts connections. */
async function startMicrosocks(extra: readonly string[] = []): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('microsocks', ['-i', '127.0.0.1', '-p', String(port), ...extra], { stdio: 'ignore' });
  for (let tries = 0; ; tries++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => {
        resolve(false);
      });
    });
    if (connected) return { port, child };
    if (tries > 100) throw new Error('microsocks did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP relay in front of the proxy that keeps the first bytes each client sent after its greeting. */
interface Tap {
  readonly port: number;
  /** Per connection: the client's bytes (greeting and CONNECT request, then HTTP). */
  readonly seen: Buffer[];
  close(): Promise<void>;
}

async function startTap(target: number): Promise<Tap> {
  const seen: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const index = seen.push(Buffer.alloc(0)) - 1;
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (data: Buffer) => {
      if (seen[index]!.length < 4096) seen[index] = Buffer.concat([seen[index]!, data]);
    });
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The CONNECT request's address in what a client sent: greeting `05 n m...`, then `05 01 00 ATYP ...`. */
function connectTarget(bytes: Buffer): { atyp: number; host: string; port: number } {
  const request = bytes.subarray(2 + bytes[1]!);
  const atyp = request[3]!;
  if (atyp !== 0x03) return { atyp, host: '', port: 0 };
  const length = request[4]!;
  const host = request.subarray(5, 5 + length).toString('ascii');
  return { atyp, host, port: request.readUInt16BE(5 + length) };
}

let dir: string;
let server: RunningServer;
let alice: EditorFiles;
let proxy: { port: number; child: ChildProcess };
let authProxy: { port: number; child: ChildProcess };
let tap: Tap;
/** The editor listener by name (`localhost`), which only the proxy resolves. */
let editorByName: string;

withMicrosocks.describe('--proxy socks5h:// (a real SOCKS5 server)', () => {
  beforeAll(async () => {
    await loadSodium();
    dir = await tempDir();
    const keys = path.join(dir, 'keys');
    await mkdir(keys);
    const root = await makeRoot(dir);
    alice = await makeEditorKeys(dir, 'Alice');
    await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', alice.pub], { cwd: dir });
    await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: dir });
    await copyFile(root.pub, path.join(keys, 'root.pub'));
    await copyFile(path.join(dir, 'manifest.json'), path.join(keys, 'manifest.json'));
    await copyFile(path.join(dir, 'manifest.json.minisig'), path.join(keys, 'manifest.json.minisig'));
    server = await startServer(keys, path.join(dir, 'data'));
    editorByName = `http://localhost:${new URL(server.editorUrl).port}/`;
    proxy = await startMicrosocks();
    authProxy = await startMicrosocks(['-u', 'editor', '-P', 'circuit-7']);
    tap = await startTap(proxy.port);
  }, 60_000);
  afterAll(async () => {
    await tap.close();
    for (const { child } of [proxy, authProxy]) {
      child.kill();
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const replies = (serverUrl: string, ...extra: string[]): Promise<Awaited<ReturnType<typeof sealdrop>>> =>
    sealdrop(['replies', '--server', serverUrl, '--access-key', alice.access, ...extra, MAILBOX]);

  it('logs in and lists through the proxy, sending the server name for the proxy to resolve', async () => {
    const before = tap.seen.length;
    const result = await replies(editorByName, '--proxy', `socks5h://127.0.0.1:${tap.port}`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${MAILBOX}: conversation `);
    const connections = tap.seen.slice(before);
    expect(connections.length).toBeGreaterThan(0);
    for (const bytes of connections) {
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0x05, 0x01, 0x00])); // SOCKS5, one method: no auth
      expect(connectTarget(bytes)).toEqual({ atyp: 0x03, host: 'localhost', port: Number(new URL(editorByName).port) });
    }
  });

  it('pull, status, delete and publish go through the proxy too, with the name for it to resolve', async () => {
    const via = ['--proxy', `socks5h://127.0.0.1:${tap.port}`];
    const login = ['--server', editorByName, '--access-key', alice.access, ...via];
    const runs = [
      ['pull', ...login, '--out', path.join(dir, 'inbox-proxy')],
      ['status', ...login],
      ['delete', ...login, '0123456789abcdef0123456789abcdef'],
      // Not newer than what the server serves: refused by the server, so it did reach it.
      ['publish', '--server', editorByName, '--manifest', path.join(dir, 'manifest.json'), ...via],
    ];
    for (const argv of runs) {
      const before = tap.seen.length;
      const result = await sealdrop(argv, { cwd: dir });
      if (argv[0] === 'pull' || argv[0] === 'status') expect(result.code).toBe(0);
      else expect(result.stderr).toMatch(argv[0] === 'delete' ? /not on the server/ : /MANIFEST_NOT_NEWER/);
      const connections = tap.seen.slice(before);
      expect(connections.length).toBeGreaterThan(0);
      for (const bytes of connections) {
        expect(connectTarget(bytes)).toMatchObject({ atyp: 0x03, host: 'localhost' });
      }
    }
  });

  it('uses ALL_PROXY (or all_proxy) when it is a socks5h:// URL', async () => {
    for (const name of ['ALL_PROXY', 'all_proxy']) {
      const before = tap.seen.length;
      const result = await sealdrop(['replies', '--server', editorByName, '--access-key', alice.access, MAILBOX], {
        env: { [name]: `socks5h://127.0.0.1:${tap.port}` },
      });
      expect(result.code).toBe(0);
      expect(tap.seen.length).toBeGreaterThan(before);
    }
  });

  it('refuses a proxy in the environment it cannot honour, rather than going direct', async () => {
    const result = await sealdrop(['replies', '--server', editorByName, '--access-key', alice.access, MAILBOX], {
      env: { ALL_PROXY: 'http://127.0.0.1:3128' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'sealdrop replies: ALL_PROXY: proxy URL must be socks5h://HOST:PORT; fix or unset it, or pass --proxy\n',
    );
    const local = await replies(editorByName, '--proxy', `socks5://127.0.0.1:${proxy.port}`);
    expect(local.code).toBe(1);
    expect(local.stderr).toBe(
      'sealdrop: proxy URL must be socks5h:// (the proxy resolves names, as .onion names need)\n',
    );
  });

  it('authenticates with the user name and password in the URL (RFC 1929)', async () => {
    const ok = await replies(editorByName, '--proxy', `socks5h://editor:circuit-7@127.0.0.1:${authProxy.port}`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const wrong = await replies(editorByName, '--proxy', `socks5h://editor:wrong@127.0.0.1:${authProxy.port}`);
    expect(wrong).toMatchObject({ code: 1, stderr: 'sealdrop: the proxy refused the user name and password\n' });
    const none = await replies(editorByName, '--proxy', `socks5h://127.0.0.1:${authProxy.port}`);
    expect(none).toMatchObject({
      code: 1,
      stderr: 'sealdrop: the proxy wants a user name and password (socks5h://USER:PASS@HOST:PORT)\n',
    });
  });

  it('says in one line that a proxy refused the connection', async () => {
    const closed = await freePort();
    const result = await replies(editorByName, '--proxy', `socks5h://127.0.0.1:${closed}`);
    expect(result).toMatchObject({
      code: 1,
      stderr: `sealdrop: cannot reach the proxy 127.0.0.1:${closed}: ECONNREFUSED\n`,
    });
  });

  it('leaves a name no resolver knows to the proxy, and reports its failure', async () => {
    const result = await replies(
      'http://editor.sealdrop.invalid:8081/',
      '--proxy',
      `socks5h://127.0.0.1:${proxy.port}`,
    );
    expect(result.code).toBe(1);
    // Resolved here, it would fail with ENOTFOUND before any proxy was asked.
    expect(result.stderr).toMatch(/^sealdrop: the proxy could not connect: [a-z ]+\n$/);
  });

  it('says that the source listener looks like the source listener, with the editor port', async () => {
    const result = await replies(server.sourceUrl, '--proxy', `socks5h://127.0.0.1:${proxy.port}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `sealdrop: ${server.sourceUrl} has no editor login (NOT_FOUND): this looks like the source listener; ` +
        "use the editor listener's URL (port 8081 by default, SEALDROP_EDITOR_PORT)\n",
    );
  });
});
