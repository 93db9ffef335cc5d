/**
 * Static files on the source listener: the build's `X.gz` goes to browsers
 * that prefer gzip, the plain file to everyone else, with the original's
 * Content-Type and every security header either way.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { precompress } from '../../scripts/build-client.js';
import { makeTestServer, type TestServer } from './support.js';

let server: TestServer;
let staticDir: string;
const plain = new Map<string, Uint8Array>();

beforeAll(async () => {
  server = await makeTestServer();
  staticDir = path.join(server.dir, 'static');
  const code = `/* the page */\n${'console.log("compressible");\n'.repeat(500)}`;
  plain.set('index.html', new TextEncoder().encode(`<!doctype html><title>t</title>${'<p>hello</p>'.repeat(100)}`));
  plain.set('main.js', new TextEncoder().encode(code));
  plain.set('root.pub', new TextEncoder().encode('untrusted comment: minisign public key\nRWQ=\n'));
  for (const [name, bytes] of [...plain, ...precompress(plain)]) await writeFile(path.join(staticDir, name), bytes);
});
afterAll(async () => {
  await server.cleanup();
});

/** Headers every static answer keeps, compressed or not. */
const SECURITY: Record<string, string | undefined> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'set-cookie': undefined,
  etag: undefined,
  'last-modified': undefined,
};

function expectSecurityHeaders(response: request.Response): void {
  expect(response.headers['content-security-policy']).toMatch(/^default-src 'none';/);
  expect(Object.fromEntries(Object.keys(SECURITY).map((name) => [name, response.headers[name]]))).toEqual(SECURITY);
}

/** GET `pathname` with the given Accept-Encoding (null: no header at all); the body arrives decompressed. */
function get(pathname: string, acceptEncoding: string | null): request.Test {
  const test = request(server.source).get(pathname).responseType('blob');
  return acceptEncoding === null ? test.unset('Accept-Encoding') : test.set('Accept-Encoding', acceptEncoding);
}

const sizeOf = async (name: string): Promise<string> => String((await readFile(path.join(staticDir, name))).length);

test('the build wrote .gz twins for the compressible files only', () => {
  expect([...precompress(plain).keys()].sort()).toEqual(['index.html.gz', 'main.js.gz']);
});

test('a browser that accepts gzip gets X.gz, with the type of X and every security header', async () => {
  const response = await get('/main.js', 'gzip, deflate, br').expect(200);
  expect(response.headers['content-encoding']).toBe('gzip');
  expect(response.headers.vary).toMatch(/Accept-Encoding/);
  expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(response.headers['content-length']).toBe(await sizeOf('main.js.gz'));
  expect(Buffer.from(response.body as Buffer).equals(Buffer.from(plain.get('main.js')!))).toBe(true);
  expectSecurityHeaders(response);
});

test.each([
  ['no Accept-Encoding', null],
  ['identity only', 'identity'],
  ['gzip refused', 'gzip;q=0, deflate'],
  ['identity preferred', 'gzip;q=0.5, identity'],
])('with %s: the plain file, still Vary: Accept-Encoding', async (_name, acceptEncoding) => {
  const response = await get('/main.js', acceptEncoding).expect(200);
  expect(response.headers['content-encoding']).toBeUndefined();
  expect(response.headers.vary).toMatch(/Accept-Encoding/);
  expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(response.headers['content-length']).toBe(await sizeOf('main.js'));
  expect(Buffer.from(response.body as Buffer).equals(Buffer.from(plain.get('main.js')!))).toBe(true);
  expectSecurityHeaders(response);
});

test('/ is index.html.gz as text/html', async () => {
  const response = await get('/', 'gzip').expect(200);
  expect(response.headers['content-encoding']).toBe('gzip');
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.headers['content-length']).toBe(await sizeOf('index.html.gz'));
  expect(Buffer.from(response.body as Buffer).equals(Buffer.from(plain.get('index.html')!))).toBe(true);
  expectSecurityHeaders(response);
});

test('HEAD answers as GET would, without a body', async () => {
  const response = await request(server.source).head('/main.js').set('Accept-Encoding', 'gzip').expect(200);
  expect(response.headers['content-encoding']).toBe('gzip');
  expect(response.headers['content-length']).toBe(await sizeOf('main.js.gz'));
});

test('a file without a .gz twin is sent plain, without Vary', async () => {
  const response = await get('/root.pub', 'gzip').expect(200);
  expect(response.headers['content-encoding']).toBeUndefined();
  expect(response.headers.vary).toBeUndefined();
  expect(response.headers['content-length']).toBe(await sizeOf('root.pub'));
  expectSecurityHeaders(response);
});

test('asking for X.gz by name gets the file as it is, not an encoding', async () => {
  const response = await get('/main.js.gz', 'gzip').expect(200);
  expect(response.headers['content-encoding']).toBeUndefined();
  expect(response.headers['content-type']).toBe('application/gzip');
});

test('a missing file is a plain JSON 404, and query strings do not matter', async () => {
  const missing = await get('/nope.js', 'gzip').expect(404);
  expect(missing.headers['content-encoding']).toBeUndefined();
  expect(missing.headers['content-type']).toMatch(/^application\/json/);
  const withQuery = await get('/main.js?v=1', 'gzip').expect(200);
  expect(withQuery.headers['content-encoding']).toBe('gzip');
});

test('the log names neither the file nor the encoding', async () => {
  const before = server.log.length;
  await get('/main.js', 'gzip').expect(200);
  const lines = server.log.slice(before).join('\n');
  expect(lines).toContain('"route":"(static)"');
  expect(lines).not.toMatch(/main\.js|gzip/);
});

describe('what the file server refuses is a registry answer', () => {
  test('an unsatisfiable range is 416 RANGE_NOT_SATISFIABLE with Content-Range, not 500', async () => {
    const size = plain.get('main.js')!.length;
    const response = await request(server.source)
      .get('/main.js')
      .set('Accept-Encoding', 'identity')
      .set('Range', 'bytes=99999999999999999999-');
    expect([
      response.status,
      response.headers['content-range'],
      (response.body as { error: { code: string } }).error.code,
    ]).toEqual([416, `bytes */${size}`, 'RANGE_NOT_SATISFIABLE']);
    expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    // Where the gzip twin would have been sent, its encoding does not stick to the error.
    const gzipped = await request(server.source)
      .get('/main.js')
      .set('Accept-Encoding', 'gzip')
      .set('Range', 'bytes=99999999-');
    expect([gzipped.status, gzipped.headers['content-encoding']]).toEqual([416, undefined]);
  });

  test('conditional headers are ignored (the files have no validators): never 412 or 500', async () => {
    for (const [name, value] of [
      ['If-Match', '*'],
      ['If-Match', '"nope"'],
      ['If-Unmodified-Since', 'Thu, 01 Jan 1970 00:00:00 GMT'],
      ['If-None-Match', '*'],
      ['If-Modified-Since', 'Thu, 01 Jan 2099 00:00:00 GMT'],
    ] as const) {
      const response = await request(server.source).get('/main.js').set(name, value);
      expect([name, value, response.status]).toEqual([name, value, 200]);
    }
  });
});
