/**
 * Request bodies cost the server what the route allows and no more: a JSON
 * body over its limit is refused before it is read (or as soon as the limit
 * is passed) and the connection closed; a body that stops or crawls gets
 * `408 BODY_TIMEOUT` and frees what it held; content codings and bodyless
 * PUTs get their own codes, in the documented order.
 */
import express from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { bodyWatchdog } from '../../server/body-guard.js';
import { errorHandler } from '../../server/errors.js';
import { readJsonBody } from '../../server/routes/http.js';
import { activeEditors, encryptFor, login, makeSource, newReplyId, servedManifestVersion } from './support.js';
import { RawClient, rawRequest, startListening, type ListeningServer } from './listening.js';

const IDLE_SECONDS = 1;
let server: ListeningServer;

beforeAll(async () => {
  server = await startListening({ bodyIdleSeconds: IDLE_SECONDS });
});
afterAll(async () => {
  await server.close();
});

function head(method: string, path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ Host: 'x', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

async function createUploadOf(size: number): Promise<string> {
  const manifestVersion = await servedManifestVersion(server.source.app);
  const response = await request(server.source.app).post('/api/uploads').send({ size, manifestVersion }).expect(201);
  return (response.body as { id: string }).id;
}

describe('JSON bodies over the limit', () => {
  test('a declared length over the limit is refused at once, before any body byte, and the connection closed', async () => {
    const client = await RawClient.open(server.source.port);
    client.send(
      head('POST', '/api/uploads', { 'Content-Type': 'application/json', 'Content-Length': String(200 * 1024 * 1024) }),
    );
    const answer = await client.answer(2000);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'BODY_TOO_LARGE', message: 'request body too large' } });
    expect(answer.headers.connection).toBe('close');
    expect(answer.closed).toBe(true);
  });

  test('a chunked body is read only up to the limit: the answer comes while the client is still sending', async () => {
    const client = await RawClient.open(server.source.port);
    client.send(head('POST', '/api/mailbox', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
    const piece = 'x'.repeat(1024);
    // 6 KiB against the 4 KiB limit, and the body never ends.
    for (let i = 0; i < 6; i++) client.send(`400\r\n${piece}\r\n`);
    const answer = await client.answer(2000);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closed).toBe(true);
  });

  test('the editor listener applies its larger manifest limit the same way', async () => {
    const token = await login(server.editor.app, activeEditors(server.stores.newsroom)[0]!);
    const answer = await rawRequest(
      server.editor.port,
      head('PUT', '/api/manifest', {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Length': String(256 * 1024 + 1),
      }),
      2000,
    );
    expect([answer.status, answer.headers.connection, answer.closed]).toEqual([413, 'close', true]);
  });

  test('within the limit, bodies parse as before; other charsets and scalars are refused', async () => {
    const app = express();
    app.post('/', async (req, res) => {
      res.json({ body: await readJsonBody(req, 64) });
    });
    app.use(errorHandler(() => undefined));
    await request(app)
      .post('/')
      .type('json')
      .send('{"a":1}')
      .expect(200, { body: { a: 1 } });
    await request(app).post('/').set('Content-Type', 'application/json; charset=latin1').send('{}').expect(415);
    await request(app).post('/').type('json').send('"scalar"').expect(400);
    await request(app).post('/').type('json').send('{"a":').expect(400);
    const large = await request(app)
      .post('/')
      .type('json')
      .send(`{"a":"${'x'.repeat(100)}"}`);
    expect([large.status, large.headers.connection]).toEqual([413, 'close']);
    const listener = app.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const port = (listener.address() as AddressInfo).port;
      // Valid JSON but for one byte that is not UTF-8 (a lenient decoder would turn it into U+FFFD).
      const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]);
      const notUtf8 = await rawRequest(
        port,
        Buffer.concat([
          Buffer.from(
            head('POST', '/', {
              'Content-Type': 'application/json',
              'Content-Length': String(body.length),
              Connection: 'close',
            }),
          ),
          body,
        ]),
      );
      expect(notUtf8.status).toBe(400);
    } finally {
      listener.close();
    }
  });
});

test('an answer that did not need the body (a GET declaring one) closes the connection instead of reading it', async () => {
  const client = await RawClient.open(server.source.port);
  client.send(head('GET', '/manifest.json', { 'Content-Length': String(1024 * 1024 * 1024) }));
  client.send('x'.repeat(1000));
  const answer = await client.answer(2000);
  expect([answer.status, answer.closed]).toEqual([200, true]);
  expect(answer.ms).toBeLessThan(1000);
});

describe('bodies that stop or crawl', () => {
  test('a JSON body that declares a length and sends nothing gets 408 BODY_TIMEOUT, then the close', async () => {
    const client = await RawClient.open(server.source.port);
    client.send(head('POST', '/api/mailbox', { 'Content-Type': 'application/json', 'Content-Length': '100' }));
    const answer = await client.answer(IDLE_SECONDS * 1000 + 4000);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: 'BODY_TIMEOUT', message: 'request body arrived too slowly' },
    });
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(answer.closed).toBe(true);
    expect(answer.ms).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 50);
  });

  test('a stalled chunk is answered 408 and frees its upload: the source can resume and finalize', async () => {
    const editors = activeEditors(server.stores.newsroom);
    const ciphertext = await encryptFor(editors, new TextEncoder().encode('stalled, then resumed'));
    const id = await createUploadOf(ciphertext.length);
    const client = await RawClient.open(server.source.port);
    client.send(
      head('PUT', `/api/uploads/${id}?offset=0`, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(ciphertext.length),
      }),
    );
    client.send(ciphertext.subarray(0, 10));
    const answer = await client.answer(IDLE_SECONDS * 1000 + 4000);
    expect([answer.status, answer.closed]).toEqual([408, true]);
    await request(server.source.app)
      .put(`/api/uploads/${id}?offset=0`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from(ciphertext))
      .expect(200);
    // UPLOAD_BUSY here would mean the stalled request still held the upload.
    const finalized = await request(server.source.app).post(`/api/uploads/${id}/finalize`);
    expect([finalized.status, finalized.body]).toEqual([201, { id, size: ciphertext.length }]);
  });

  test('a body that trickles just often enough to dodge the idle limit is cut once the grace is over', async () => {
    const app = express();
    app.use(bodyWatchdog({ idleSeconds: 1, minBytesPerSecond: 1000, graceSeconds: 1 }));
    app.put('/', async (req, res) => {
      req.resume();
      await once(req, 'end');
      res.json({ done: true });
    });
    app.use(errorHandler(() => undefined));
    const listener = app.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const client = await RawClient.open((listener.address() as AddressInfo).port);
      client.send(head('PUT', '/', { 'Content-Length': '100000' }));
      const trickle = setInterval(() => {
        client.send('x');
      }, 200);
      const answer = await client.answer(5000);
      clearInterval(trickle);
      expect([answer.status, answer.closed]).toEqual([408, true]);
      expect(answer.ms).toBeLessThan(3000);
    } finally {
      listener.closeAllConnections();
      listener.close();
    }
  });

  test('a body at a steady pace above the minimum is never cut, however long it takes', async () => {
    const app = express();
    app.use(bodyWatchdog({ idleSeconds: 1, minBytesPerSecond: 1000, graceSeconds: 1 }));
    app.put('/', async (req, res) => {
      let total = 0;
      for await (const part of req) total += (part as Buffer).length;
      res.json({ total });
    });
    const listener = app.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const client = await RawClient.open((listener.address() as AddressInfo).port);
      client.send(head('PUT', '/', { 'Content-Length': String(15 * 500), Connection: 'close' }));
      // 2500 bytes a second for 3 seconds: more than twice the grace, at 2.5x the minimum.
      for (let i = 0; i < 15; i++) {
        client.send('y'.repeat(500));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const answer = await client.answer(3000);
      expect([answer.status, answer.body]).toEqual([200, JSON.stringify({ total: 7500 })]);
    } finally {
      listener.closeAllConnections();
      listener.close();
    }
  });
});

describe('content codings and bodyless PUTs', () => {
  test('invalid gzip on a JSON route is 415 UNSUPPORTED_ENCODING, not 500', async () => {
    const response = await request(server.source.app)
      .post('/api/uploads')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('not gzip at all');
    expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([
      415,
      'UNSUPPORTED_ENCODING',
    ]);
  });

  test('any coding but identity is refused on chunk and reply routes too; identity is accepted', async () => {
    const id = await createUploadOf(1000);
    for (const coding of ['deflate', 'br', 'gzip, identity', 'x-whatever']) {
      const response = await request(server.source.app)
        .put(`/api/uploads/${id}?offset=0`)
        .set('Content-Type', 'application/octet-stream')
        .set('Content-Encoding', coding)
        .send(Buffer.alloc(10));
      expect([coding, response.status]).toEqual([coding, 415]);
    }
    const token = await login(server.editor.app, activeEditors(server.stores.newsroom)[0]!);
    const refused = await request(server.editor.app)
      .put(`/api/mailboxes/${makeSource().mailboxId}/replies/${newReplyId()}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/octet-stream')
      .set('Content-Encoding', 'gzip')
      .send(Buffer.alloc(10));
    expect(refused.status).toBe(415);
    const identity = await request(server.source.app)
      .post('/api/uploads')
      .set('Content-Encoding', 'identity')
      .send({ size: 10, manifestVersion: await servedManifestVersion(server.source.app) });
    expect(identity.status).toBe(201);
  });

  test('a PUT with no body at all is 411 LENGTH_REQUIRED on the chunk and reply routes, before its type is judged', async () => {
    const id = await createUploadOf(1000);
    const chunk = await rawRequest(
      server.source.port,
      head('PUT', `/api/uploads/${id}?offset=0`, { Connection: 'close' }),
    );
    expect([chunk.status, JSON.parse(chunk.body)]).toEqual([
      411,
      { error: { code: 'LENGTH_REQUIRED', message: 'content-length required' } },
    ]);
    const token = await login(server.editor.app, activeEditors(server.stores.newsroom)[0]!);
    const reply = await rawRequest(
      server.editor.port,
      head('PUT', `/api/mailboxes/${makeSource().mailboxId}/replies/${newReplyId()}`, {
        Authorization: `Bearer ${token}`,
        'Content-Encoding': 'gzip',
        Connection: 'close',
      }),
    );
    expect(reply.status).toBe(411);
  });
});
