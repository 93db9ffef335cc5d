/**
 * Fuzzes both listeners of a real server over raw sockets: methods, paths
 * (ids, escapes, dot segments, long), framing (exact, missing, short, long,
 * chunked, both), headers (content type and encoding, transfer encoding,
 * authorization, range) and bodies. Every request must get an answer, below
 * 500, with the security headers; every JSON error must carry a registry
 * code with its registry status; nothing may be logged as an internal error
 * and nothing may go unhandled.
 *
 * Modest by default (about 200 requests); `SLOW=1` runs ten times as many.
 */
import fc from 'fast-check';
import request from 'supertest';
import { API_ERRORS, isApiErrorCode } from '../../client/core/api-errors.js';
import { activeEditors, login, servedManifestVersion } from './support.js';
import { logEntries, rawRequest, startListening, type ListeningServer, type RawAnswer } from './listening.js';

const SLOW = process.env.SLOW === '1';
const BATCHES = SLOW ? 200 : 20;
const BATCH_SIZE = 10;
// Short, so bodies that never complete are answered in well under a second.
const IDLE_SECONDS = 0.3;

let server: ListeningServer;
let token = '';
let uploadId = '';
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => {
  unhandled.push(error);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  server = await startListening({ bodyIdleSeconds: IDLE_SECONDS });
  token = await login(server.editor.app, activeEditors(server.stores.newsroom)[0]!);
  const manifestVersion = await servedManifestVersion(server.source.app);
  const created = await request(server.source.app)
    .post('/api/uploads')
    .send({ size: 5000, manifestVersion })
    .expect(201);
  uploadId = (created.body as { id: string }).id;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await server.close();
});

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const idLike = fc.oneof(
  { weight: 3, arbitrary: fc.constant('UPLOAD') },
  { weight: 2, arbitrary: hex32 },
  fc.constantFrom('%zz', '%E0%A4%A', '%', '%2e%2e', '..', '.', '%00', '%2F', 'ABCDEF0123456789abcdef0123456789', ''),
  fc.stringMatching(/^[0-9a-f]{1,40}$/),
  fc.string({ maxLength: 20 }).map((text) => encodeURIComponent(text)),
  fc.constantFrom('a'.repeat(15_000), '%zz'.repeat(3000)),
);

/** Routes of both listeners with their method and the content type they take; `:id` is a hole. */
type Route = ['source' | 'editor', string, string, string | undefined];
const ROUTES: Route[] = [
  ['source', 'GET', '/', undefined],
  ['source', 'GET', '/index.html', undefined],
  ['source', 'GET', '/manifest.json', undefined],
  ['source', 'GET', '/manifest.json.minisig', undefined],
  ['source', 'POST', '/api/uploads', 'application/json'],
  ['source', 'GET', '/api/uploads/:id', undefined],
  ['source', 'PUT', '/api/uploads/:id?offset=0', 'application/octet-stream'],
  ['source', 'PUT', '/api/uploads/:id?offset=:id', 'application/octet-stream'],
  ['source', 'POST', '/api/uploads/:id/finalize', undefined],
  ['source', 'DELETE', '/api/uploads/:id', undefined],
  ['source', 'POST', '/api/mailbox', 'application/json'],
  ['source', 'POST', '/api/mailbox/reply', 'application/json'],
  ['source', 'POST', '/api/mailbox/delete', 'application/json'],
  ['source', 'GET', '/../../etc/passwd', undefined],
  ['source', 'GET', '//api//uploads', undefined],
  ['source', 'GET', '/api/uploads/:id/../:id', undefined],
  ['source', 'GET', '/:id', undefined],
  ['editor', 'POST', '/api/auth/challenge', undefined],
  ['editor', 'POST', '/api/auth/token', 'application/json'],
  ['editor', 'GET', '/api/submissions', undefined],
  ['editor', 'GET', '/api/submissions/:id', undefined],
  ['editor', 'DELETE', '/api/submissions/:id', undefined],
  ['editor', 'DELETE', '/api/submissions/:id?even-if-not-pulled-by-all=1', undefined],
  ['editor', 'POST', '/api/submissions/:id/downloaded', undefined],
  ['editor', 'GET', '/api/mailboxes/:id/replies', undefined],
  ['editor', 'PUT', '/api/mailboxes/:id/replies/:id', 'application/octet-stream'],
  ['editor', 'GET', '/api/manifest', undefined],
  ['editor', 'PUT', '/api/manifest', 'application/json'],
  ['editor', 'GET', '/api/status', undefined],
  ['editor', 'GET', '/api/health', undefined],
  ['editor', 'GET', '/:id', undefined],
];

const ANY_METHOD = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE') },
  { weight: 1, arbitrary: fc.constantFrom('OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'CONNECT', 'BREW', 'get') },
);

const CONTENT_TYPES = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/octet-stream',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
);

/** Mostly absent: each header below is present about one time in `rarity`. */
const sometimes = (rarity: number, name: string, values: fc.Arbitrary<string>): fc.Arbitrary<[string, string][]> =>
  fc.oneof(
    { weight: rarity - 1, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 1, arbitrary: values.map((value): [string, string][] => [[name, value]]) },
  );

/** `values` about one time in `rarity`, else undefined. */
const rarely = <T>(rarity: number, values: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: rarity - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: values });

/** A route's listener, method, path and content type, kept (mostly) or replaced by anything. */
const target = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.array(idLike, { minLength: 2, maxLength: 2 }),
    rarely(4, ANY_METHOD),
    rarely(4, CONTENT_TYPES),
    rarely(8, fc.constant(true)),
  )
  .map(([[listener, routeMethod, template, routeType], ids, otherMethod, otherType, otherListener]) => {
    let index = 0;
    const type = otherType ?? routeType;
    return {
      listener: otherListener === true ? (listener === 'source' ? ('editor' as const) : ('source' as const)) : listener,
      method: otherMethod ?? routeMethod,
      path: template.replace(/:id/g, () => ids[index++ % ids.length]!),
      typeHeader: type === undefined ? [] : [['Content-Type', type] as [string, string]],
    };
  });

const headers = fc
  .tuple(
    sometimes(
      6,
      'Content-Encoding',
      fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'IDENTITY', 'gzip, gzip', 'x'),
    ),
    sometimes(
      2,
      'Authorization',
      fc.oneof(
        { weight: 3, arbitrary: fc.constant('VALID') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'Bearer',
            'Bearer ',
            'bearer x',
            'Basic dXNlcjpwYXNz',
            'Bearer ' + 'A'.repeat(43),
            'Bearer\tabc',
          ),
        },
      ),
    ),
    sometimes(
      4,
      'Range',
      fc.constantFrom(
        'bytes=0-10',
        'bytes=-5',
        'bytes=10-5',
        'bytes=0-1,2-3',
        'bytes=',
        'lines=1-2',
        'bytes=99999999999999999999-',
      ),
    ),
    sometimes(4, 'Accept-Encoding', fc.constantFrom('gzip', 'br', 'identity;q=0', '*')),
    sometimes(6, 'If-Match', fc.constantFrom('*', '"x"', 'W/"x"', '')),
    sometimes(8, 'If-Modified-Since', fc.constantFrom('Thu, 01 Jan 2099 00:00:00 GMT', 'garbage')),
    sometimes(10, 'Expect', fc.constantFrom('100-continue', 'nonsense')),
  )
  .map((groups) => groups.flat());

type Framing = 'exact' | 'none' | 'longer' | 'shorter' | 'chunked' | 'unterminated' | 'both' | 'bogus';
const framing = fc.constantFrom<Framing>(
  'exact',
  'exact',
  'exact',
  'none',
  'longer',
  'shorter',
  'chunked',
  'unterminated',
  'both',
  'bogus',
);

const body = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc
    .constantFrom(
      '{"size":100,"manifestVersion":1}',
      '{"size":300,"manifestVersion":2}',
      '{"size":-1}',
      '{"capability":"' + 'A'.repeat(43) + '"}',
      '{"capability":"x","id":"' + '0'.repeat(32) + '"}',
      '{"manifest":"{}","signature":"x"}',
      'age-encryption.org/v1\n-> X25519 ',
      '[]',
      'null',
      '{"__proto__":{"a":1}}',
    )
    .map((text) => new TextEncoder().encode(text)),
  fc.constant(new Uint8Array(6000)),
);

interface FuzzRequest {
  readonly listener: 'source' | 'editor';
  readonly method: string;
  readonly path: string;
  readonly headers: [string, string][];
  readonly framing: Framing;
  readonly body: Uint8Array;
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({ target, headers, framing, body })
  .map(({ target: { listener, method, path, typeHeader }, headers: more, framing: how, body: bytes }) => ({
    listener,
    method,
    path,
    headers: [...typeHeader, ...more],
    framing: how,
    body: bytes,
  }));

/** The raw bytes of a request; always `Connection: close`, so the answer ends with the connection. */
function encode(fuzz: FuzzRequest): Buffer {
  const lines = [`${fuzz.method} ${fuzz.path.replace(/UPLOAD/g, uploadId)} HTTP/1.1`, 'Host: sealdrop.onion'];
  for (const [name, value] of fuzz.headers) lines.push(`${name}: ${value === 'VALID' ? `Bearer ${token}` : value}`);
  const length = fuzz.body.length;
  let payload: Buffer = Buffer.from(fuzz.body);
  switch (fuzz.framing) {
    case 'exact':
      lines.push(`Content-Length: ${length}`);
      break;
    case 'none':
      payload = Buffer.alloc(0);
      break;
    case 'longer':
      lines.push(`Content-Length: ${length + 1 + (length % 1000)}`);
      break;
    case 'shorter':
      lines.push(`Content-Length: ${Math.floor(length / 2)}`);
      break;
    case 'chunked':
    case 'unterminated': {
      lines.push('Transfer-Encoding: chunked');
      const chunk =
        length === 0
          ? Buffer.alloc(0)
          : Buffer.concat([Buffer.from(`${length.toString(16)}\r\n`), payload, Buffer.from('\r\n')]);
      payload = Buffer.concat([chunk, Buffer.from(fuzz.framing === 'chunked' ? '0\r\n\r\n' : '')]);
      break;
    }
    case 'both':
      lines.push(`Content-Length: ${length}`, 'Transfer-Encoding: chunked');
      break;
    case 'bogus':
      lines.push(
        `Content-Length: ${['-1', '1e3', '0x10', `${length}, ${length}`, ' ', '99999999999999999999'][length % 6]!}`,
      );
      break;
  }
  lines.push('Connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]);
}

/** Why an answer breaks the rules, or null if it keeps them. */
function violation(fuzz: FuzzRequest, answer: RawAnswer): string | null {
  if (answer.status === 0) return 'no answer';
  if (answer.status >= 500) return `status ${answer.status}`;
  if (answer.headers['content-security-policy']?.startsWith("default-src 'none'") !== true) return 'no CSP';
  if (answer.headers['cache-control'] !== 'no-store') return 'cacheable';
  if (answer.headers['set-cookie'] !== undefined) return 'cookie';
  if (answer.status >= 400 && fuzz.method !== 'HEAD') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return 'error without a JSON body';
    }
    const code = (parsed as { error?: { code?: unknown } } | null)?.error?.code;
    if (!isApiErrorCode(code)) return `unknown code ${String(code)}`;
    if (API_ERRORS[code].status !== answer.status) return `${code} with status ${answer.status}`;
  }
  return null;
}

test(
  'both listeners answer anything with a coded answer below 500, and log no internal error',
  async () => {
    // Every violation is collected with the run's seed (no shrinking: the list
    // of requests that broke a rule says more than one minimal case).
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzRequest, { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }), async (batch) => {
        const answers = await Promise.all(
          batch.map((fuzz) => rawRequest(server[fuzz.listener].port, encode(fuzz), IDLE_SECONDS * 1000 + 3000)),
        );
        batch.forEach((fuzz, index) => {
          const problem = violation(fuzz, answers[index]!);
          if (problem !== null) {
            const headerNames = fuzz.headers.map(([name, value]) => `${name}=${value.slice(0, 30)}`).join(' ');
            failures.push(
              `${problem}: ${fuzz.listener} ${fuzz.method} ${fuzz.path.slice(0, 80)} ${fuzz.framing} ` +
                `[${headerNames}] body ${fuzz.body.length} (FUZZ_SEED=${seed})`,
            );
          }
        });
      }),
      { numRuns: BATCHES, seed },
    );
    expect(failures).toEqual([]);
    const bad = logEntries(server.log).filter(
      (entry) => (entry.level as number) >= 50 || entry.msg === 'internal error',
    );
    expect(bad).toEqual([]);
    expect(unhandled).toEqual([]);
  },
  60_000 * (SLOW ? 10 : 1),
);
