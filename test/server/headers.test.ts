/** Security headers on both listeners, for pages, API answers and errors. */
import request from 'supertest';
import type { Express } from 'express';
import { contentSecurityPolicy } from '../../server/security-headers.js';
import { makeTestServer, type TestServer } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await makeTestServer();
});
afterAll(async () => {
  await server.cleanup();
});

const EXPECTED: Record<string, string | undefined> = {
  'content-security-policy':
    "default-src 'none';script-src 'self' 'wasm-unsafe-eval';worker-src 'self';connect-src 'self';style-src 'self';" +
    "img-src 'self';font-src 'self';manifest-src 'self';form-action 'self';base-uri 'none';frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'strict-transport-security': undefined,
  'x-powered-by': undefined,
  'set-cookie': undefined,
  etag: undefined,
  'last-modified': undefined,
};

/** One line of intent per test: request `path` and compare the headers that matter. */
async function check(
  app: Express,
  path: string,
  expected: Record<string, string | undefined> = EXPECTED,
): Promise<void> {
  const response = await request(app).get(path);
  const actual = Object.fromEntries(Object.keys(expected).map((name) => [name, response.headers[name]]));
  expect(actual).toEqual(expected);
}

test('the CSP is exactly the documented one', () => {
  expect(contentSecurityPolicy()).toBe(EXPECTED['content-security-policy']);
  expect(contentSecurityPolicy()).not.toMatch(/unsafe-inline|upgrade-insecure-requests/);
});

test('source: the static page', () => check(server.source, '/'));
test('source: a static file by name', () => check(server.source, '/index.html'));
test('source: the manifest', () => check(server.source, '/manifest.json'));
test('source: the manifest signature', () => check(server.source, '/manifest.json.minisig'));
test('source: an API error', () => check(server.source, `/api/uploads/${'0'.repeat(32)}`));
test('source: an unknown path', () => check(server.source, '/nope'));
test('editor: an authentication error', () => check(server.editor, '/api/submissions'));
test('editor: an unknown path', () => check(server.editor, '/'));

test('no cookie can be set even by a careless handler', async () => {
  server.source.get('/__cookie_probe', (_req, res) => {
    res.cookie('tracker', 'x').send('ok');
  });
  const response = await request(server.source).get('/__cookie_probe');
  expect(response.headers['set-cookie']).toBeUndefined();
});

test('errors are JSON with a code and message, nothing else', async () => {
  const response = await request(server.source).get('/nope').expect(404);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: 'not found' } });
});

test('an internal error reveals no details', async () => {
  const probe = await makeTestServer();
  try {
    await probe.cleanup(); // the data folder vanishes under the running app
    const response = await request(probe.source).post('/api/uploads').send({ size: 100, manifestVersion: 1 });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(JSON.stringify(response.body)).not.toMatch(/ENOENT|sealdrop-server|at /);
  } finally {
    await probe.cleanup();
  }
});

test('the global rate limit answers 429 with Retry-After', async () => {
  const limited = await makeTestServer({ rateLimitPerMinute: 3 });
  try {
    for (let i = 0; i < 3; i++) await request(limited.source).get('/manifest.json').expect(200);
    const response = await request(limited.source).get('/manifest.json').expect(429);
    expect(response.body).toEqual({ error: { code: 'RATE_LIMITED', message: 'too many requests' } });
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  } finally {
    await limited.cleanup();
  }
});
