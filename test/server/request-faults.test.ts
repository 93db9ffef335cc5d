/**
 * Every fault a client can cause gets a true, coded answer with the security
 * headers, and the log gets an ordinary line, never the raw input: paths
 * that do not decode, requests Node's parser rejects, clients that vanish
 * mid-body, and the spelling of the bearer scheme.
 */
import { createServer } from 'node:http';
import request from 'supertest';
import { API_ERRORS } from '../../client/core/api-errors.js';
import { SECURITY_HEADERS } from '../../server/security-headers.js';
import { bearerToken } from '../../server/editor-auth/require-editor.js';
import { codeOfClientError, configureListener } from '../../server/listener-settings.js';
import { createLogger } from '../../server/logging.js';
import {
  activeEditors,
  encryptFor,
  encryptReply,
  login,
  makeSource,
  newReplyId,
  servedManifestVersion,
} from './support.js';
import {
  logEntries,
  RawClient,
  rawRequest,
  startListening,
  type ListeningServer,
  type RawAnswer,
} from './listening.js';

let server: ListeningServer;

beforeAll(async () => {
  server = await startListening();
});
afterAll(async () => {
  await server.close();
});

function expectSecurityHeaders(answer: Pick<RawAnswer, 'headers'>): void {
  const expected = Object.fromEntries(
    Object.entries(SECURITY_HEADERS).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const actual = Object.fromEntries(Object.keys(expected).map((name) => [name, answer.headers[name]]));
  expect(actual).toEqual(expected);
}

function expectRegistryAnswer(answer: RawAnswer, code: keyof typeof API_ERRORS): void {
  expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({
    status: API_ERRORS[code].status,
    body: { error: { code, message: API_ERRORS[code].message } },
  });
}

/** Waits until the log has a line matching `predicate`, or a second passes. */
async function logLine(
  predicate: (entry: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 100; i++) {
    const found = logEntries(server.log).find(predicate);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

describe('paths whose percent-escapes do not decode', () => {
  const LONG = `/api/uploads/${'%zz'.repeat(5000)}`;
  const PATHS = [
    '/api/uploads/%zz',
    '/api/uploads/%E0%A4%A',
    `/api/submissions/%E0%A4%A`,
    '/%zz',
    '/index.html%',
    LONG,
  ];

  test.each(['source', 'editor'] as const)(
    'are 400 INVALID_ID on the %s listener, unauthenticated, and never logged',
    async (listener) => {
      const port = server[listener].port;
      const before = server.log.length;
      for (const path of PATHS) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const answer = await rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          expect([method, path.slice(0, 40), answer.status]).toEqual([method, path.slice(0, 40), 400]);
          expectRegistryAnswer(answer, 'INVALID_ID');
          expectSecurityHeaders(answer);
        }
      }
      const lines = server.log.slice(before);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).not.toMatch(/%zz|%E0|%A4|zz|index\.html|internal error/);
        expect(line.length).toBeLessThan(300);
      }
    },
  );
});

describe('requests Node itself rejects', () => {
  const CASES: [string, string, keyof typeof API_ERRORS][] = [
    ['a malformed request line', 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n', 'MALFORMED_REQUEST'],
    ['a garbage line', '\x01\x02\x03 nonsense\r\n\r\n', 'MALFORMED_REQUEST'],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /api/uploads HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'MALFORMED_REQUEST',
    ],
    ['an invalid header name', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 'MALFORMED_REQUEST'],
    [
      'headers past the limit',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'REQUEST_HEADERS_TOO_LARGE',
    ],
  ];

  test.each(CASES)('%s: the registry code, the JSON shape and every security header', async (_name, raw, code) => {
    for (const listener of ['source', 'editor'] as const) {
      const answer = await rawRequest(server[listener].port, raw);
      expectRegistryAnswer(answer, code);
      expectSecurityHeaders(answer);
      expect(answer.headers.connection).toBe('close');
      expect(answer.closed).toBe(true);
    }
  });

  test("they are logged at debug level with Node's code only, never the bytes", async () => {
    const before = server.log.length;
    await rawRequest(server.source.port, 'GET /secret-path-4f1e HTTP/1.1 extra\r\nHost: x\r\n\r\n');
    const line = await logLine((entry) => entry.msg === 'request refused by the HTTP parser');
    expect(line).toMatchObject({ level: 20, listener: 'source' });
    expect(server.log.slice(before).join('\n')).not.toMatch(/secret-path|extra/);
  });
});

describe('a client that goes away mid-body', () => {
  async function hangUpAfter(port: number, head: string, part: Uint8Array | string): Promise<void> {
    const client = await RawClient.open(port);
    client.send(head);
    client.send(part);
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.destroy();
  }

  test('is an ordinary event: one debug line, no internal error, no stack, and the upload is free again', async () => {
    const before = server.log.length;
    const editors = activeEditors(server.stores.newsroom);
    const ciphertext = await encryptFor(editors, new TextEncoder().encode('half of this arrives'));
    const manifestVersion = await servedManifestVersion(server.source.app);
    const created = await request(server.source.app)
      .post('/api/uploads')
      .send({ size: ciphertext.length, manifestVersion });
    const id = (created.body as { id: string }).id;
    await hangUpAfter(
      server.source.port,
      `PUT /api/uploads/${id}?offset=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${ciphertext.length}\r\n\r\n`,
      ciphertext.subarray(0, 40),
    );
    const token = await login(server.editor.app, editors[0]!);
    const source = makeSource();
    const reply = await encryptReply(server.stores.newsroom, source, new TextEncoder().encode('a reply'));
    await hangUpAfter(
      server.editor.port,
      `PUT /api/mailboxes/${source.mailboxId}/replies/${newReplyId()} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${reply.length}\r\n\r\n`,
      reply.subarray(0, 40),
    );
    await hangUpAfter(
      server.source.port,
      'POST /api/mailbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"capability":',
    );
    const gone = async (listener: string, count: number): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const lines = logEntries(server.log.slice(before)).filter(
          (entry) => entry.msg === 'client went away mid-request' && entry.listener === listener,
        );
        if (lines.length >= count) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await gone('source', 2);
    await gone('editor', 1);
    const entries = logEntries(server.log.slice(before));
    const goneLines = entries.filter((entry) => entry.msg === 'client went away mid-request');
    expect(goneLines).toEqual([
      expect.objectContaining({ level: 20 }),
      expect.objectContaining({ level: 20 }),
      expect.objectContaining({ level: 20 }),
    ]);
    for (const line of goneLines) expect(Object.keys(line).sort()).toEqual(['level', 'listener', 'msg']);
    expect(entries.filter((entry) => (entry.level as number) >= 40)).toEqual([]);
    // The chunk's slot is released: the whole chunk goes through and the upload finalizes.
    await request(server.source.app)
      .put(`/api/uploads/${id}?offset=0`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from(ciphertext))
      .expect(200);
    await request(server.source.app).post(`/api/uploads/${id}/finalize`).expect(201);
  });
});

describe('the bearer scheme', () => {
  test('is matched case-insensitively, with one or more spaces before the token', async () => {
    const token = await login(server.editor.app, activeEditors(server.stores.newsroom)[0]!);
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}`, `bEaReR  ${token}`]) {
      const response = await request(server.editor.app).get('/api/submissions').set('Authorization', header);
      expect([header.slice(0, 10), response.status]).toEqual([header.slice(0, 10), 200]);
    }
  });

  test('anything else is no token', () => {
    const token = 'A'.repeat(43);
    expect(bearerToken(`Bearer ${token}`)).toBe(bearerToken(`bearer  ${token}`));
    for (const header of [
      undefined,
      '',
      token,
      `Bearer${token}`,
      `Basic ${token}`,
      `Bearer\t${token}`,
      `Bearer ${token} `,
      `Bearer `,
    ]) {
      expect([header, bearerToken(header)]).toEqual([header, null]);
    }
  });
});

describe('listener settings', () => {
  test("Node's timeouts are finite, with the body watchdog deciding first", () => {
    const listener = createServer();
    configureListener(listener, { listener: 'source', maxConnections: 32, logger: createLogger('silent') });
    expect({
      headersTimeout: listener.headersTimeout,
      requestTimeout: listener.requestTimeout,
      keepAliveTimeout: listener.keepAliveTimeout,
      maxConnections: listener.maxConnections,
    }).toEqual({ headersTimeout: 60_000, requestTimeout: 3_600_000, keepAliveTimeout: 30_000, maxConnections: 32 });
  });

  test("Node's own errors map to registry codes; a reset peer gets no answer", () => {
    const codes = [
      'HPE_HEADER_OVERFLOW',
      'ERR_HTTP_REQUEST_TIMEOUT',
      'HPE_INVALID_METHOD',
      'ECONNRESET',
      'HPE_INVALID_EOF_STATE',
    ];
    expect(codes.map((code) => codeOfClientError(Object.assign(new Error('x'), { code })))).toEqual([
      'REQUEST_HEADERS_TOO_LARGE',
      'REQUEST_TIMEOUT',
      'MALFORMED_REQUEST',
      null,
      null,
    ]);
  });

  test('connections past SEALDROP_MAX_CONNECTIONS are closed on arrival; the others are served', async () => {
    const bounded = await startListening({ maxConnections: 16 });
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 16; i++) clients.push(await RawClient.open(bounded.source.port));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await rawRequest(
        bounded.source.port,
        'GET /manifest.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        2000,
      );
      expect([refused.status, refused.closed]).toEqual([0, true]);
      clients[0]!.send('GET /manifest.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect((await clients[0]!.answer()).status).toBe(200);
    } finally {
      for (const client of clients) client.destroy();
      await bounded.close();
    }
  });

  test('CONNECT and unknown expectations get coded answers, not a silent close or a bare 417', async () => {
    const connect = await rawRequest(
      server.source.port,
      'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n',
    );
    expectRegistryAnswer(connect, 'MALFORMED_REQUEST');
    expectSecurityHeaders(connect);
    const expectation = await rawRequest(
      server.source.port,
      'GET /manifest.json HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n',
    );
    expect(expectation.status).toBe(200);
    expectSecurityHeaders(expectation);
  });
});
