/**
 * GET /manifest.json is sent gzip-compressed to a browser that prefers gzip
 * (a hybrid editor's recipient is about 1.9 kB of Bech32 on the page's first
 * load), identity to everyone else, always with Vary: Accept-Encoding; the
 * decoded bytes are exactly the signed ones, and a publication is served
 * compressed at once.
 */
import { once } from 'node:events';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { MANIFEST_FILE_NAME } from '../../client/core/manifest.js';
import { loadSodium } from '../../client/core/sodium.js';
import { makeEditor, makeTestServer, type TestServer } from './support.js';

let server: TestServer;
let listener: Server;
let port: number;

beforeAll(async () => {
  await loadSodium();
  server = await makeTestServer({
    editors: [makeEditor('Alice', 'active', true), makeEditor('Bob', 'active', true)],
  });
  listener = server.source.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  listener.close();
  await server.cleanup();
});

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body as it crossed the wire, not decoded. */
  readonly body: Buffer;
}

/** GET `pathname` with the given Accept-Encoding (null: no header at all), the body left encoded. */
function raw(pathname: string, acceptEncoding: string | null, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding };
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const signedBytes = (): Buffer => Buffer.from(server.manifests.current().bytes);

test('a browser that accepts gzip gets the manifest compressed, decoding to exactly the signed bytes', async () => {
  const response = await raw(`/${MANIFEST_FILE_NAME}`, 'gzip, deflate, br');
  expect(response.status).toBe(200);
  expect(response.headers['content-encoding']).toBe('gzip');
  expect(response.headers.vary).toMatch(/Accept-Encoding/);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['content-length']).toBe(String(response.body.length));
  expect(gunzipSync(response.body).equals(signedBytes())).toBe(true);
  // Two hybrid recipients: gzip must actually pay for itself on the wire.
  expect(response.body.length).toBeLessThan(signedBytes().length * 0.8);
});

test.each([
  ['no Accept-Encoding', null],
  ['identity only', 'identity'],
  ['gzip refused', 'gzip;q=0, deflate'],
  ['identity preferred', 'gzip;q=0.5, identity'],
])('with %s: the signed bytes as they are, still Vary: Accept-Encoding', async (_name, acceptEncoding) => {
  const response = await raw(`/${MANIFEST_FILE_NAME}`, acceptEncoding);
  expect(response.status).toBe(200);
  expect(response.headers['content-encoding']).toBeUndefined();
  expect(response.headers.vary).toMatch(/Accept-Encoding/);
  expect(response.body.equals(signedBytes())).toBe(true);
});

test('HEAD announces the compressed length without a body', async () => {
  const get = await raw(`/${MANIFEST_FILE_NAME}`, 'gzip');
  const head = await raw(`/${MANIFEST_FILE_NAME}`, 'gzip', 'HEAD');
  expect([head.status, head.headers['content-encoding'], head.headers['content-length'], head.body.length]).toEqual([
    200,
    'gzip',
    String(get.body.length),
    0,
  ]);
});

test('an HTTP client that decodes gzip (as fetch does) reads the signed manifest unchanged', async () => {
  const response = await request(server.source)
    .get(`/${MANIFEST_FILE_NAME}`)
    .set('Accept-Encoding', 'gzip')
    .responseType('blob')
    .expect(200);
  expect(Buffer.from(response.body as Buffer).equals(signedBytes())).toBe(true);
});

test('a newly published manifest is what is sent compressed, from the next request on', async () => {
  const before = server.manifests.current().manifest;
  const signed = server.newsroom.sign(before.version + 1);
  await server.manifests.publish(signed.manifest, signed.signature);
  const response = await raw(`/${MANIFEST_FILE_NAME}`, 'gzip');
  expect(response.headers['content-encoding']).toBe('gzip');
  const decoded = gunzipSync(response.body);
  expect(decoded.equals(Buffer.from(signed.manifest))).toBe(true);
  expect((JSON.parse(decoded.toString('utf8')) as { version: number }).version).toBe(before.version + 1);
});
