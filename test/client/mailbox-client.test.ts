/**
 * The worker's mailbox client against a fake source listener: the
 * capability only ever in a POST's JSON body, answers checked, and every
 * status code turned into a retry or a coded error.
 */
import { MailboxClient, MailboxError, parseReplyList, type MailboxErrorCode } from '../../client/app/mailbox-client.js';
import { capabilityText, FakeMailboxServer, type MailboxFault } from './fake-mailbox-server.js';

const BASE = 'http://portal.test/';
const CAPABILITY = new Uint8Array(32).map((_, i) => i * 7 + 1);
const OTHER_CAPABILITY = new Uint8Array(32).fill(9);
const REPLY_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const REPLY_B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function setUp(faults: MailboxFault[] = []): { server: FakeMailboxServer; client: MailboxClient; retries: number[] } {
  const server = new FakeMailboxServer();
  server.faults = faults;
  server.add(CAPABILITY, { id: REPLY_A, day: '2026-03-01', bytes: new Uint8Array(100).fill(1) });
  server.add(CAPABILITY, { id: REPLY_B, day: '2026-03-04', bytes: new Uint8Array(50_000).fill(2) });
  const retries: number[] = [];
  const client = new MailboxClient({
    baseUrl: BASE,
    capability: CAPABILITY,
    fetch: server.fetch,
    retryDelaysMs: [1, 1, 1],
    onRetry: () => retries.push(1),
  });
  return { server, client, retries };
}

async function codeOf(promise: Promise<unknown>): Promise<MailboxErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (error instanceof MailboxError) return error.code;
    throw error;
  }
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

describe('what goes on the wire', () => {
  test('every request is a POST whose JSON body alone carries the capability', async () => {
    const { server, client } = setUp();
    await client.list();
    await readAll(await client.fetchReply(REPLY_A, 100));
    await client.delete(REPLY_A);
    const capability = capabilityText(CAPABILITY);
    expect(server.log.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `${BASE}api/mailbox`, { capability }],
      ['POST', `${BASE}api/mailbox/reply`, { capability, id: REPLY_A }],
      ['POST', `${BASE}api/mailbox/delete`, { capability, id: REPLY_A }],
    ]);
    for (const request of server.log) {
      expect(request.url).not.toContain(capability);
      expect(request.url).not.toContain(encodeURIComponent(capability));
      expect(JSON.stringify(request.headers)).not.toContain(capability);
      expect(request.headers).toEqual({ 'content-type': 'application/json' });
      expect(request.credentials).toBe('omit');
    }
    expect(capability).toHaveLength(43);
  });

  test('the client refuses a capability that is not 32 bytes', () => {
    expect(() => new MailboxClient({ baseUrl: BASE, capability: new Uint8Array(16) })).toThrow(TypeError);
  });
});

describe('list', () => {
  test('the replies waiting, newest day first as the server orders them', async () => {
    const { client } = setUp();
    expect(await client.list()).toEqual([
      { id: REPLY_B, day: '2026-03-04', size: 50_000 },
      { id: REPLY_A, day: '2026-03-01', size: 100 },
    ]);
  });

  test('an unknown mailbox is an empty list, like an empty one', async () => {
    const server = new FakeMailboxServer();
    const client = new MailboxClient({ baseUrl: BASE, capability: OTHER_CAPABILITY, fetch: server.fetch });
    expect(await client.list()).toEqual([]);
  });

  test.each([
    ['not an object', 'null'],
    ['no replies array', { replies: {} }],
    ['an id that is not 32 hex', { replies: [{ id: 'AAAA', day: '2026-01-01', size: 1 }] }],
    ['an upper-case id', { replies: [{ id: REPLY_A.toUpperCase(), day: '2026-01-01', size: 1 }] }],
    ['a day that is not YYYY-MM-DD', { replies: [{ id: REPLY_A, day: '2026-1-1', size: 1 }] }],
    ['a negative size', { replies: [{ id: REPLY_A, day: '2026-01-01', size: -1 }] }],
    ['a fractional size', { replies: [{ id: REPLY_A, day: '2026-01-01', size: 1.5 }] }],
    [
      'the same id twice',
      {
        replies: [
          { id: REPLY_A, day: '2026-01-01', size: 1 },
          { id: REPLY_A, day: '2026-01-02', size: 1 },
        ],
      },
    ],
  ])('refuses an answer with %s', (_what, body) => {
    expect(() => parseReplyList(body)).toThrow(MailboxError);
    try {
      parseReplyList(body);
    } catch (error) {
      expect((error as MailboxError).code).toBe('malformed');
    }
  });

  test('a 200 whose body is not JSON is malformed', async () => {
    const client = new MailboxClient({
      baseUrl: BASE,
      capability: CAPABILITY,
      fetch: () => Promise.resolve(new Response('<html>', { status: 200 })),
    });
    expect(await codeOf(client.list())).toBe('malformed');
  });
});

describe('status codes', () => {
  test.each<[string, MailboxFault, MailboxErrorCode]>([
    ['400 INVALID_BODY', { status: 400, code: 'INVALID_BODY' }, 'refused'],
    ['415 UNSUPPORTED_MEDIA_TYPE', { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }, 'refused'],
    ['400 INVALID_ID', { status: 400, code: 'INVALID_ID' }, 'refused'],
    ['a code outside the registry', { status: 400, code: 'SOMETHING_NEW' }, 'refused'],
    ['413 without a body', { status: 413, code: null }, 'refused'],
  ])('%s is refused at once, not retried', async (_what, fault, code) => {
    const { client, retries } = setUp([fault]);
    expect(await codeOf(client.list())).toBe(code);
    expect(retries).toEqual([]);
  });

  test.each<[string, MailboxFault]>([
    ['a dropped connection', 'network'],
    ['a proxy 502 without our body', { status: 502, code: null }],
    ['a proxy 504 without our body', { status: 504, code: null }],
    ['500 INTERNAL', { status: 500, code: 'INTERNAL' }],
    ['429 RATE_LIMITED', { status: 429, code: 'RATE_LIMITED', retryAfter: '0.001' }],
    ['a bare 503', { status: 503, code: null }],
  ])('%s is retried, and the retry answers', async (_what, fault) => {
    const { client, retries } = setUp([fault, fault]);
    expect(await client.list()).toHaveLength(2);
    expect(retries).toEqual([1, 1]);
  });

  test('when every retry fails: connection for no answer, busy for a server asking to wait', async () => {
    const down = setUp(['network', 'network', 'network', 'network']);
    expect(await codeOf(down.client.list())).toBe('connection');
    expect(down.retries).toHaveLength(3);
    const busy = { status: 429, code: 'RATE_LIMITED' } as const;
    const limited = setUp([busy, busy, busy, busy]);
    expect(await codeOf(limited.client.list())).toBe('busy');
  });

  test('an abort stops the retries with cancelled', async () => {
    const server = new FakeMailboxServer();
    server.faults = ['network', 'network', 'network'];
    const abort = new AbortController();
    const client = new MailboxClient({
      baseUrl: BASE,
      capability: CAPABILITY,
      fetch: server.fetch,
      signal: abort.signal,
      retryDelaysMs: [60_000],
      onRetry: () => {
        abort.abort();
      },
    });
    expect(await codeOf(client.list())).toBe('cancelled');
  });
});

describe('fetchReply', () => {
  test('streams the reply as it arrives', async () => {
    const { server, client } = setUp();
    server.piece = 4096;
    const bytes = await readAll(await client.fetchReply(REPLY_B, 50_000));
    expect(bytes).toEqual(new Uint8Array(50_000).fill(2));
  });

  test('a reply that is not there (wrong capability, deleted, expired) is not-found', async () => {
    const { client } = setUp();
    expect(await codeOf(client.fetchReply('cccccccccccccccccccccccccccccccc', 10))).toBe('not-found');
    const server = new FakeMailboxServer();
    server.add(OTHER_CAPABILITY, { id: REPLY_A, day: '2026-03-01', bytes: new Uint8Array(10) });
    const stranger = new MailboxClient({ baseUrl: BASE, capability: CAPABILITY, fetch: server.fetch });
    expect(await codeOf(stranger.fetchReply(REPLY_A, 10))).toBe('not-found');
  });

  test('a body cut off halfway is cut-off, to be fetched again from the start', async () => {
    const { client } = setUp(['cut']);
    expect(await codeOf(readAll(await client.fetchReply(REPLY_B, 50_000)))).toBe('cut-off');
    expect((await readAll(await client.fetchReply(REPLY_B, 50_000))).length).toBe(50_000);
  });

  test('a body longer than the list said is malformed', async () => {
    const { client } = setUp();
    expect(await codeOf(readAll(await client.fetchReply(REPLY_B, 49_999)))).toBe('malformed');
  });
});

describe('fetchKeptReply', () => {
  test('the reply twice: chunks as they arrive, and the same bytes kept as one Blob', async () => {
    const { server, client } = setUp();
    server.piece = 4096;
    const { chunks, kept } = await client.fetchKeptReply(REPLY_B, 50_000);
    expect(await readAll(chunks)).toEqual(new Uint8Array(50_000).fill(2));
    expect(new Uint8Array(await (await kept).arrayBuffer())).toEqual(new Uint8Array(50_000).fill(2));
  });

  test('cut off: both say cut-off; longer than listed: both say malformed', async () => {
    const cut = await setUp(['cut']).client.fetchKeptReply(REPLY_B, 50_000);
    expect(await codeOf(readAll(cut.chunks))).toBe('cut-off');
    expect(await codeOf(cut.kept)).toBe('cut-off');
    const long = await setUp().client.fetchKeptReply(REPLY_B, 49_999);
    expect(await codeOf(readAll(long.chunks))).toBe('malformed');
    expect(await codeOf(long.kept)).toBe('malformed');
  });
});

describe('delete', () => {
  test('204 deletes; the reply is gone from the list', async () => {
    const { server, client } = setUp();
    await client.delete(REPLY_A);
    expect(server.replies(CAPABILITY).map((reply) => reply.id)).toEqual([REPLY_B]);
  });

  test('404 (already gone, or its answer was lost and the retry found nothing) counts as deleted', async () => {
    const { client } = setUp();
    await client.delete(REPLY_A);
    await expect(client.delete(REPLY_A)).resolves.toBeUndefined();
  });

  test('a dropped connection is retried; a refusal or an odd success is not "deleted"', async () => {
    const retried = setUp(['network']);
    await retried.client.delete(REPLY_A);
    expect(retried.server.replies(CAPABILITY)).toHaveLength(1);
    const refused = setUp([{ status: 400, code: 'INVALID_BODY' }]);
    expect(await codeOf(refused.client.delete(REPLY_A))).toBe('refused');
    const odd = new MailboxClient({
      baseUrl: BASE,
      capability: CAPABILITY,
      fetch: () => Promise.resolve(new Response('{}', { status: 200 })),
    });
    expect(await codeOf(odd.delete(REPLY_A))).toBe('malformed');
  });
});
