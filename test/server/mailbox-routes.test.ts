/**
 * Reply mailboxes over HTTP: editors push and list replies on the editor
 * listener; a source lists, fetches and deletes them on the source listener
 * with the capability alone, in the request body.
 */
import { once } from 'node:events';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { decrypt } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import { encodeMailboxCapability } from '../../client/core/mailbox.js';
import {
  activeEditors,
  binaryBody,
  encryptFor,
  encryptReply,
  expectError,
  login,
  makeEditor,
  makeSource,
  makeTestServer,
  newReplyId,
  pushReply,
  uploadWhole,
  type TestServer,
  type TestSource,
} from './support.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await makeTestServer({ mailboxLimits: { maxReplyBytes: 256 * 1024, maxRepliesPerMailbox: 3 } });
  token = await login(server.editor, server.newsroom.editors[0]!);
});
afterAll(async () => {
  await server.cleanup();
});

const TODAY = new Date().toISOString().slice(0, 10);

function mailboxDir(mailbox: string): string {
  return path.join(server.dataDir, 'mailboxes', mailbox);
}

async function filesOf(mailbox: string): Promise<string[]> {
  try {
    return (await readdir(mailboxDir(mailbox))).sort();
  } catch {
    return [];
  }
}

/** Every file name under mailboxes/, as `<mailbox>/<name>`. */
async function allMailboxFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const mailbox of await readdir(path.join(server.dataDir, 'mailboxes'))) {
    for (const name of await filesOf(mailbox)) out.push(`${mailbox}/${name}`);
  }
  return out.sort();
}

async function reply(source: TestSource, text: string): Promise<Uint8Array> {
  return encryptReply(server.newsroom, source, utf8(text));
}

function list(source: TestSource | string): request.Test {
  const capability = typeof source === 'string' ? source : source.capability;
  return request(server.source).post('/api/mailbox').send({ capability });
}

function fetchReply(capability: string, id: string): request.Test {
  return request(server.source).post('/api/mailbox/reply').send({ capability, id });
}

/** The reply's bytes (a 200 is expected). */
async function fetchBytes(capability: string, id: string): Promise<request.Response> {
  return fetchReply(capability, id).buffer(true).parse(binaryBody).expect(200);
}

function deleteReply(capability: string, id: string): request.Test {
  return request(server.source).post('/api/mailbox/delete').send({ capability, id });
}

function editorList(mailbox: string): request.Test {
  return request(server.editor).get(`/api/mailboxes/${mailbox}/replies`).set('Authorization', `Bearer ${token}`);
}

async function plaintextOf(bytes: Uint8Array, source: TestSource): Promise<string> {
  const { plaintext } = await decrypt(
    [source.identity],
    (async function* () {
      await Promise.resolve();
      yield bytes;
    })(),
  );
  const parts: Uint8Array[] = [];
  for await (const part of plaintext) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

describe('the conversation, end to end', () => {
  test('an editor pushes, the source lists, fetches and decrypts, and the editor sees it waiting', async () => {
    const source = makeSource();
    const id = newReplyId();
    const bytes = await reply(source, 'Thank you. Can you tell us more about the second document?');

    const pushed = await pushReply(server.editor, token, source.mailboxId, id, bytes);
    expect(pushed.status).toBe(201);
    expect(pushed.body).toEqual({ id, day: TODAY, size: bytes.length, state: 'waiting' });

    const listed = await list(source).expect(200);
    expect(listed.body).toEqual({ replies: [{ id, day: TODAY, size: bytes.length }] });

    const fetched = await fetchBytes(source.capability, id);
    expect(fetched.headers['content-type']).toBe('application/octet-stream');
    expect(fetched.headers['content-length']).toBe(String(bytes.length));
    expect(Buffer.compare(fetched.body as Buffer, Buffer.from(bytes))).toBe(0);
    expect(await plaintextOf(fetched.body as Buffer, source)).toContain('second document');

    const records = await editorList(source.mailboxId).expect(200);
    expect(records.body).toEqual({ replies: [{ id, day: TODAY, size: bytes.length, state: 'waiting' }] });
  });

  test('stored with day timestamps, owner-only permissions, and nothing else in the mailbox', async () => {
    const source = makeSource();
    const id = newReplyId();
    await pushReply(server.editor, token, source.mailboxId, id, await reply(source, 'hello')).expect(201);
    expect(await filesOf(source.mailboxId)).toEqual([`${id}.age`]);
    const file = await stat(path.join(mailboxDir(source.mailboxId), `${id}.age`));
    expect(file.mtimeMs % 86_400_000).toBe(0);
    expect(file.atimeMs % 86_400_000).toBe(0);
    expect(file.mode & 0o777).toBe(0o600);
    expect((await stat(mailboxDir(source.mailboxId))).mode & 0o777).toBe(0o700);
  });

  test('replies are listed newest day first, then by id', async () => {
    const source = makeSource();
    const ids = [newReplyId(), newReplyId(), newReplyId()];
    for (const id of ids)
      await pushReply(server.editor, token, source.mailboxId, id, await reply(source, id)).expect(201);
    const listed = (await list(source).expect(200)).body as { replies: { id: string }[] };
    expect(listed.replies.map((entry) => entry.id)).toEqual([...ids].sort());
  });

  test('the source deletes a reply for real', async () => {
    const source = makeSource();
    const [kept, gone] = [newReplyId(), newReplyId()];
    const bytes = await reply(source, 'delete me');
    await pushReply(server.editor, token, source.mailboxId, kept, await reply(source, 'keep me')).expect(201);
    await pushReply(server.editor, token, source.mailboxId, gone, bytes).expect(201);
    const before = server.mailboxes.totalBytes();

    await deleteReply(source.capability, gone).expect(204);

    expect(await filesOf(source.mailboxId)).toEqual([`${kept}.age`, `${gone}.deleted`].sort());
    const tombstone = await stat(path.join(mailboxDir(source.mailboxId), `${gone}.deleted`));
    expect(tombstone.size).toBe(0);
    expect(tombstone.mtimeMs % 86_400_000).toBe(0);
    expect(server.mailboxes.totalBytes()).toBe(before - bytes.length);

    const listed = (await list(source).expect(200)).body as { replies: { id: string }[] };
    expect(listed.replies.map((entry) => entry.id)).toEqual([kept]);
    expectError(await fetchReply(source.capability, gone), 404, 'NOT_FOUND');
    expectError(await deleteReply(source.capability, gone), 404, 'NOT_FOUND');

    const records = (await editorList(source.mailboxId).expect(200)).body as { replies: unknown[] };
    expect(records.replies).toContainEqual({ id: gone, day: TODAY, size: 0, state: 'deleted' });
    expect(records.replies).toContainEqual(expect.objectContaining({ id: kept, state: 'waiting' }));

    // Pushing the deleted reply again (an outbox pushed twice) does not bring it back.
    const again = await pushReply(server.editor, token, source.mailboxId, gone, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: gone, day: TODAY, size: 0, state: 'deleted' });
    expect(await filesOf(source.mailboxId)).toEqual([`${kept}.age`, `${gone}.deleted`].sort());
  });

  test('the editor list of a mailbox never written to is empty', async () => {
    expect((await editorList(makeSource().mailboxId).expect(200)).body).toEqual({ replies: [] });
  });
});

describe('pushing is idempotent', () => {
  test('the same reply twice: 201, then 200 with the same record, stored once', async () => {
    const source = makeSource();
    const id = newReplyId();
    const bytes = await reply(source, 'only once');
    const before = server.mailboxes.totalBytes();
    const first = await pushReply(server.editor, token, source.mailboxId, id, bytes);
    const second = await pushReply(server.editor, token, source.mailboxId, id, bytes);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    expect(await filesOf(source.mailboxId)).toEqual([`${id}.age`]);
    expect(server.mailboxes.totalBytes()).toBe(before + bytes.length);
  });

  test('the same id with another size is a conflict, and the stored reply stays', async () => {
    const source = makeSource();
    const id = newReplyId();
    const bytes = await reply(source, 'first');
    await pushReply(server.editor, token, source.mailboxId, id, bytes).expect(201);
    const other = await reply(source, 'a different and longer reply '.repeat(3000));
    expectError(await pushReply(server.editor, token, source.mailboxId, id, other), 409, 'REPLY_CONFLICT');
    const fetched = await fetchBytes(source.capability, id);
    expect(Buffer.compare(fetched.body as Buffer, Buffer.from(bytes))).toBe(0);
  });
});

describe('limits', () => {
  test('a full mailbox refuses more replies until the source deletes one', async () => {
    const source = makeSource();
    const ids = [newReplyId(), newReplyId(), newReplyId()];
    for (const id of ids)
      await pushReply(server.editor, token, source.mailboxId, id, await reply(source, 'x')).expect(201);
    const extra = newReplyId();
    expectError(
      await pushReply(server.editor, token, source.mailboxId, extra, await reply(source, 'y')),
      409,
      'MAILBOX_FULL',
    );
    expect(await filesOf(source.mailboxId)).toHaveLength(3);
    await deleteReply(source.capability, ids[0]!).expect(204);
    // Tombstones do not count: only waiting replies fill a mailbox.
    await pushReply(server.editor, token, source.mailboxId, extra, await reply(source, 'y')).expect(201);
  });

  test('an oversized reply is refused on its Content-Length, before its body is read', async () => {
    const source = makeSource();
    const req = rawPush(source.mailboxId, 256 * 1024 + 1);
    // Only a few bytes are ever sent: the answer must not wait for the rest.
    req.write(Buffer.alloc(100));
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    const body = Buffer.concat(await response.toArray()).toString('utf8');
    req.destroy();
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'REPLY_TOO_LARGE' } });
    expect(await filesOf(source.mailboxId)).toEqual([]);
  });

  test('a reply of exactly the limit is accepted, one byte more is not', async () => {
    const source = makeSource();
    // Ciphertext = header + 16-byte nonce + plaintext + 16 bytes per STREAM chunk (4 here).
    const overhead = (await reply(source, '')).length - 16;
    const exact = await reply(source, 'z'.repeat(256 * 1024 - overhead - 16 * 4));
    expect(exact.length).toBe(256 * 1024);
    await pushReply(server.editor, token, source.mailboxId, newReplyId(), exact).expect(201);
    const over = await reply(source, 'z'.repeat(256 * 1024 - overhead - 16 * 4 + 1));
    expectError(await pushReply(server.editor, token, source.mailboxId, newReplyId(), over), 413, 'REPLY_TOO_LARGE');
  });

  test('replies count toward the storage quota shared with submissions', async () => {
    const small = await makeTestServer({
      limits: { storageQuotaBytes: 60_000, maxSubmissionBytes: 60_000 },
      mailboxLimits: { maxReplyBytes: 60_000 },
    });
    try {
      const editorToken = await login(small.editor, small.newsroom.editors[0]!);
      const source = makeSource();
      const bytes = await encryptReply(small.newsroom, source, utf8('r'.repeat(30_000)));
      await pushReply(small.editor, editorToken, source.mailboxId, newReplyId(), bytes).expect(201);
      expectError(
        await request(small.source)
          .post('/api/uploads')
          .send({ size: 60_000 - bytes.length + 1, manifestVersion: 1 }),
        507,
        'QUOTA_EXCEEDED',
      );
      const submission = await encryptFor(activeEditors(small.newsroom), utf8('s'.repeat(20_000)));
      expect((await uploadWhole(small.source, submission)).status).toBe(201);
      const second = await encryptReply(small.newsroom, source, utf8('t'.repeat(10_000)));
      expectError(
        await pushReply(small.editor, editorToken, source.mailboxId, newReplyId(), second),
        507,
        'QUOTA_EXCEEDED',
      );
      expect(await readdir(path.join(small.dataDir, 'mailboxes', source.mailboxId))).toHaveLength(1);
    } finally {
      await small.cleanup();
    }
  });
});

describe('malformed replies are refused and leave nothing on disk', () => {
  /** Bytes of the age header, MAC line included. */
  function headerLength(bytes: Uint8Array): number {
    const text = Buffer.from(bytes).toString('latin1');
    return text.indexOf('\n', text.indexOf('\n--- ') + 1) + 1;
  }

  const cases: [string, (source: TestSource) => Promise<Uint8Array>, string][] = [
    ['not an age file', () => Promise.resolve(utf8('hello, this is not age\n'.repeat(10))), 'INVALID_HEADER'],
    [
      'encrypted to the editors only (the source cannot read it)',
      () => encryptFor(activeEditors(server.newsroom), utf8('for us only')),
      'WRONG_RECIPIENTS',
    ],
    [
      'encrypted to the source only (the newsroom cannot read it later)',
      (source) => encryptReply({ ...server.newsroom, editors: [] }, source, utf8('only for the source')),
      'WRONG_RECIPIENTS',
    ],
    [
      'one recipient too many',
      (source) =>
        encryptReply(
          { ...server.newsroom, editors: [...server.newsroom.editors, makeEditor('Eve')] },
          source,
          utf8('x'),
        ),
      'WRONG_RECIPIENTS',
    ],
    [
      'a stanza of another type',
      async (source) => {
        const bytes = Buffer.from(await reply(source, 'x'));
        const at = bytes.indexOf('-> X25519 ');
        bytes.write('-> Y25519 ', at, 'latin1');
        return new Uint8Array(bytes);
      },
      'WRONG_RECIPIENTS',
    ],
    [
      'a payload no STREAM framing produces',
      async (source) => {
        const bytes = await reply(source, 'some text to seal');
        return bytes.subarray(0, headerLength(bytes) + 16 + 5);
      },
      'INVALID_PAYLOAD_LENGTH',
    ],
  ];

  test.each(cases)('%s', async (_name, make, code) => {
    const source = makeSource();
    const existing = newReplyId();
    const existingBytes = await reply(source, 'already here');
    await pushReply(server.editor, token, source.mailboxId, existing, existingBytes).expect(201);
    const bytes = await make(source);
    expectError(await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes), 422, code);
    expect(await filesOf(source.mailboxId)).toEqual([`${existing}.age`]);

    // Into a mailbox never written to: not even its directory stays.
    const fresh = makeSource();
    expectError(await pushReply(server.editor, token, fresh.mailboxId, newReplyId(), await make(fresh)), 422, code);
    expect(await readdir(path.join(server.dataDir, 'mailboxes'))).not.toContain(fresh.mailboxId);
    expect((await allMailboxFiles()).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  test('a push cut off mid-body leaves no temporary file', async () => {
    const source = makeSource();
    const bytes = await reply(source, 'cut off '.repeat(5000));
    const req = rawPush(source.mailboxId, bytes.length);
    req.on('error', () => undefined);
    req.write(bytes.subarray(0, 1000));
    await waitFor(async () => (await filesOf(source.mailboxId)).length === 1);
    req.destroy();
    await waitFor(async () => !(await readdir(path.join(server.dataDir, 'mailboxes'))).includes(source.mailboxId));
    expect(await filesOf(source.mailboxId)).toEqual([]);
  });
});

describe('bad requests on the editor routes', () => {
  test('ids, media type, length, authentication', async () => {
    const source = makeSource();
    const bytes = await reply(source, 'x');
    const put = (mailbox: string, id: string): request.Test =>
      request(server.editor).put(`/api/mailboxes/${mailbox}/replies/${id}`).set('Authorization', `Bearer ${token}`);
    expectError(await pushReply(server.editor, token, 'ABC', newReplyId(), bytes), 400, 'INVALID_ID');
    expectError(await pushReply(server.editor, token, source.mailboxId, '..', bytes), 400, 'INVALID_ID');
    expectError(
      await pushReply(server.editor, token, source.mailboxId.toUpperCase(), newReplyId(), bytes),
      400,
      'INVALID_ID',
    );
    expectError(
      await put(source.mailboxId, newReplyId()).set('Content-Type', 'text/plain').send('x'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await put(source.mailboxId, newReplyId()).set('Content-Type', 'application/octet-stream').send(Buffer.alloc(0)),
      400,
      'INVALID_BODY',
    );
    expectError(
      await request(server.editor)
        .put(`/api/mailboxes/${source.mailboxId}/replies/${newReplyId()}`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from(bytes)),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await request(server.editor).get(`/api/mailboxes/${source.mailboxId}/replies`), 401, 'UNAUTHENTICATED');
    expectError(await editorList('not-a-mailbox'), 400, 'INVALID_ID');
    expect(await filesOf(source.mailboxId)).toEqual([]);
  });

  test('chunked transfer encoding is refused', async () => {
    const source = makeSource();
    const req = rawPush(source.mailboxId, null);
    req.write(Buffer.alloc(10)); // no Content-Length: Node sends it chunked
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    const body = Buffer.concat(await response.toArray()).toString('utf8');
    req.destroy();
    expect(response.statusCode).toBe(411);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'LENGTH_REQUIRED' } });
  });

  test('a retired editor cannot push', async () => {
    const editors = [makeEditor('Alice'), makeEditor('Carol')];
    const newsroomServer = await makeTestServer({ editors });
    try {
      const carol = await login(newsroomServer.editor, editors[1]!);
      editors[1]!.status = 'retired';
      const next = newsroomServer.newsroom.sign(2);
      const alice = await login(newsroomServer.editor, editors[0]!);
      await request(newsroomServer.editor)
        .put('/api/manifest')
        .set('Authorization', `Bearer ${alice}`)
        .send({ manifest: Buffer.from(next.manifest).toString('utf8'), signature: next.signature })
        .expect(200);
      const source = makeSource();
      const bytes = await encryptReply(newsroomServer.newsroom, source, utf8('x'));
      expectError(
        await pushReply(newsroomServer.editor, carol, source.mailboxId, newReplyId(), bytes),
        403,
        'EDITOR_RETIRED',
      );
      // The stanza count follows the current manifest: Alice plus the source.
      await pushReply(newsroomServer.editor, alice, source.mailboxId, newReplyId(), bytes).expect(201);
    } finally {
      await newsroomServer.cleanup();
    }
  });
});

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The same 32 bytes, spelt with non-zero unused bits in the last character: not canonical. */
function nonCanonical(capability: string): string {
  const last = BASE64.indexOf(capability.slice(-1));
  return capability.slice(0, -1) + BASE64[last | 1]!;
}

describe('bad requests on the source routes', () => {
  test('shapes', async () => {
    const source = makeSource();
    const id = newReplyId();
    const post = (route: string, body: unknown): request.Test =>
      request(server.source)
        .post(route)
        .send(body as object);
    for (const route of ['/api/mailbox', '/api/mailbox/reply', '/api/mailbox/delete']) {
      expectError(
        await request(server.source).post(route).set('Content-Type', 'text/plain').send(source.capability),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(await request(server.source).post(route), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectError(await post(route, {}), 400, 'INVALID_BODY');
      expectError(await post(route, [source.capability]), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: source.capability, id, extra: 1 }), 400, 'INVALID_BODY');
      // A mailbox id is not a capability (a source who pasted the wrong thing, or a guess).
      expectError(await post(route, { capability: source.mailboxId, id }), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: `${source.capability}=`, id }), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: source.capability.slice(1), id }), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: 42, id }), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: nonCanonical(source.capability), id }), 400, 'INVALID_BODY');
      expectError(
        await request(server.source).post(route).set('Content-Type', 'application/json').send('{"capability": '),
        400,
        'INVALID_BODY',
      );
    }
    expectError(await post('/api/mailbox', { capability: source.capability, id }), 400, 'INVALID_BODY');
    for (const route of ['/api/mailbox/reply', '/api/mailbox/delete']) {
      expectError(await post(route, { capability: source.capability }), 400, 'INVALID_BODY');
      expectError(await post(route, { capability: source.capability, id: 'ABC' }), 400, 'INVALID_ID');
      expectError(await post(route, { capability: source.capability, id: id.toUpperCase() }), 400, 'INVALID_ID');
      expectError(await post(route, { capability: source.capability, id: 7 }), 400, 'INVALID_ID');
    }
  });

  test('a capability anywhere but the body is not honoured', async () => {
    const source = makeSource();
    const id = newReplyId();
    await pushReply(server.editor, token, source.mailboxId, id, await reply(source, 'x')).expect(201);
    const other = makeSource();
    const query = `?capability=${encodeURIComponent(source.capability)}`;
    expectError(await request(server.source).post(`/api/mailbox${query}`).send({}), 400, 'INVALID_BODY');
    expectError(await request(server.source).post(`/api/mailbox${query}`), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Only the body's capability counts: this one opens an empty mailbox.
    expect(
      (await request(server.source).post(`/api/mailbox${query}`).send({ capability: other.capability })).body,
    ).toEqual({
      replies: [],
    });
    expect(
      (
        await request(server.source)
          .post('/api/mailbox')
          .set('Authorization', `Bearer ${source.capability}`)
          .set('X-Mailbox-Capability', source.capability)
          .send({ capability: other.capability })
      ).body,
    ).toEqual({ replies: [] });
    expectError(await fetchReply(other.capability, id), 404, 'NOT_FOUND');
  });

  test('no mailbox route on the other listener', async () => {
    const source = makeSource();
    expectError(
      await request(server.editor).post('/api/mailbox').send({ capability: source.capability }),
      404,
      'NOT_FOUND',
    );
    expectError(await request(server.source).get(`/api/mailboxes/${source.mailboxId}/replies`), 404, 'NOT_FOUND');
    expectError(
      await request(server.source)
        .put(`/api/mailboxes/${source.mailboxId}/replies/${newReplyId()}`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.alloc(10)),
      404,
      'NOT_FOUND',
    );
  });
});

describe('a wrong capability, an empty mailbox and an unknown one answer alike', () => {
  /** Everything a response says, but the Date header. */
  function answer(response: request.Response): { status: number; headers: Record<string, unknown>; body: string } {
    const headers = { ...(response.headers as Record<string, unknown>) };
    delete headers.date;
    return { status: response.status, headers, body: response.text };
  }

  test('listing', async () => {
    const emptied = makeSource();
    const id = newReplyId();
    await pushReply(server.editor, token, emptied.mailboxId, id, await reply(emptied, 'x')).expect(201);
    await deleteReply(emptied.capability, id).expect(204);
    expect(await filesOf(emptied.mailboxId)).toEqual([`${id}.deleted`]);

    const withReplies = makeSource();
    await pushReply(server.editor, token, withReplies.mailboxId, newReplyId(), await reply(withReplies, 'x')).expect(
      201,
    );
    const wrong = Buffer.from(withReplies.capability, 'base64');
    wrong[0] = wrong[0]! ^ 1;

    const answers = [
      answer(await list(emptied)),
      answer(await list(makeSource())),
      answer(await list(encodeMailboxCapability(new Uint8Array(wrong)))),
    ];
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual(answers[2]);
    expect(answers[0]).toMatchObject({ status: 200, body: '{"replies":[]}' });
  });

  test('fetching and deleting', async () => {
    const source = makeSource();
    const id = newReplyId();
    await pushReply(server.editor, token, source.mailboxId, id, await reply(source, 'x')).expect(201);
    const wrong = makeSource().capability;
    const unknownId = newReplyId();
    const fetches = [
      answer(await request(server.source).post('/api/mailbox/reply').send({ capability: wrong, id })),
      answer(
        await request(server.source).post('/api/mailbox/reply').send({ capability: source.capability, id: unknownId }),
      ),
    ];
    expect(fetches[0]).toEqual(fetches[1]);
    expect(fetches[0]?.status).toBe(404);
    const deletes = [answer(await deleteReply(wrong, id)), answer(await deleteReply(source.capability, unknownId))];
    expect(deletes[0]).toEqual(deletes[1]);
    expect(deletes[0]).toEqual(fetches[0]);
    expect(await filesOf(source.mailboxId)).toEqual([`${id}.age`]);
  });
});

let editorListener: Server;

/**
 * A push as a raw HTTP request, for what supertest cannot do: send part of a
 * body, or none with a large Content-Length, and watch when the answer comes.
 * `contentLength` null leaves it out (Node then sends the body chunked).
 */
function rawPush(mailboxId: string, contentLength: number | null): ClientRequest {
  const { port } = editorListener.address() as AddressInfo;
  return httpRequest({
    host: '127.0.0.1',
    port,
    method: 'PUT',
    path: `/api/mailboxes/${mailboxId}/replies/${newReplyId()}`,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/octet-stream',
      ...(contentLength === null ? {} : { 'Content-Length': String(contentLength) }),
    },
  });
}
beforeAll(async () => {
  editorListener = server.editor.listen(0, '127.0.0.1');
  await once(editorListener, 'listening');
});
afterAll(() => {
  editorListener.close();
  editorListener.closeAllConnections();
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
