/**
 * The log never holds anything that identifies a client: requests come from a
 * distinctive loopback address and carry distinctive headers, cookies, query
 * strings and paths, and none of it may appear in the captured log output.
 */
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeTestServer, type TestServer } from './support.js';

let server: TestServer;
let sourceListener: Server;
let editorListener: Server;

beforeAll(async () => {
  server = await makeTestServer();
  sourceListener = server.source.listen(0, '127.0.0.1');
  editorListener = server.editor.listen(0, '127.0.0.1');
  await Promise.all([once(sourceListener, 'listening'), once(editorListener, 'listening')]);
});
afterAll(async () => {
  sourceListener.close();
  editorListener.close();
  await server.cleanup();
});

const CLIENT_ADDRESS = '127.86.75.30'; // Linux routes all of 127/8 to loopback
const MARKERS = {
  'User-Agent': 'Mozilla/5.0 (DistinctiveAgent-7f3a91)',
  Referer: 'http://referrer-4c2e8b.example/page',
  'X-Forwarded-For': '203.0.113.197',
  'X-Real-IP': '198.51.100.231',
  Forwarded: 'for=192.0.2.143',
  Cookie: 'session=cookie-9d81e6',
  Authorization: 'Bearer token-b7e20c-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'Accept-Language': 'ko-KR-lang-51ac',
  'X-Custom': 'custom-header-0e6d44',
};

function send(
  listener: Server,
  method: string,
  path: string,
  body?: string,
  type = 'application/json',
): Promise<{ status: number; localPort: number }> {
  const { port } = listener.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    let localPort = 0;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        localAddress: CLIENT_ADDRESS,
        headers: { ...MARKERS, ...(body === undefined ? {} : { 'Content-Type': type }) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, localPort });
        });
      },
    );
    req.on('socket', (socket) => {
      socket.on('connect', () => {
        localPort = socket.localPort ?? 0;
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('no address, port, header value, query or path reaches the log', async () => {
  const seen: { status: number; localPort: number }[] = [];
  seen.push(await send(sourceListener, 'GET', '/'));
  seen.push(await send(sourceListener, 'GET', '/manifest.json?q=query-value-61f0aa'));
  seen.push(await send(sourceListener, 'GET', '/path-secret-2b7d19/../x'));
  seen.push(await send(sourceListener, 'POST', '/api/uploads', '{"size": 100}'));
  seen.push(await send(sourceListener, 'POST', '/api/uploads', '{"size": body-secret-88a1}'));
  seen.push(
    await send(sourceListener, 'PUT', `/api/uploads/${'a'.repeat(32)}?offset=0`, 'chunk', 'application/octet-stream'),
  );
  seen.push(await send(sourceListener, 'BREW', '/coffee-pot-5e5e'));
  seen.push(await send(editorListener, 'GET', '/api/submissions'));
  seen.push(await send(editorListener, 'POST', '/api/auth/challenge', '{}'));

  const log = server.log.join('');
  // BREW is refused by Node's HTTP parser before the app sees it: one line fewer.
  expect(server.log.length).toBe(seen.length - 1);
  const forbidden = [
    CLIENT_ADDRESS,
    ...Object.values(MARKERS),
    'DistinctiveAgent',
    'referrer-4c2e8b',
    '203.0.113',
    '198.51.100',
    '192.0.2',
    'cookie-9d81e6',
    'token-b7e20c',
    'ko-KR',
    'custom-header-0e6d44',
    'query-value-61f0aa',
    'path-secret-2b7d19',
    'body-secret-88a1',
    'coffee-pot-5e5e',
    'a'.repeat(32),
  ];
  for (const marker of forbidden) expect({ marker, found: log.includes(marker) }).toEqual({ marker, found: false });
  for (const { localPort } of seen) {
    expect(localPort).toBeGreaterThan(0);
    expect(new RegExp(`[^0-9.]${localPort}[^0-9.]`).test(log)).toBe(false);
  }

  // Each line has exactly the allowed fields.
  for (const line of server.log) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(entry).sort()).toEqual(['level', 'listener', 'method', 'ms', 'route', 'status']);
  }
  expect(log).toContain('"route":"/api/uploads/:id"');
});
