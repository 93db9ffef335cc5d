/**
 * What the reply mailboxes must not reveal: no capability, mailbox id or
 * reply id in any log line (in any encoding), no capability on disk, and no
 * difference, in status, body, size or time, between an empty mailbox and one
 * that never existed.
 */
import { once } from 'node:events';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { utf8 } from '../../client/core/bytes.js';
import {
  encryptReply,
  login,
  makeSource,
  makeTestServer,
  newReplyId,
  pushReply,
  type TestServer,
  type TestSource,
} from './support.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await makeTestServer();
  token = await login(server.editor, server.newsroom.editors[0]!);
});
afterAll(async () => {
  await server.cleanup();
});

/** Every way a value could be written into a log: as given, and as hex, base64 and base64url of its bytes. */
function encodings(text: string, bytes: Buffer): string[] {
  return [
    text,
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
}

function secretsOf(source: TestSource, replyIds: readonly string[]): string[] {
  return [
    ...encodings(source.capability, Buffer.from(source.capability, 'base64')),
    ...encodings(source.mailboxId, Buffer.from(source.mailboxId, 'hex')),
    ...replyIds.flatMap((id) => encodings(id, Buffer.from(id, 'hex'))),
  ];
}

function expectAbsent(haystack: string, needles: readonly string[]): void {
  for (const needle of needles) expect({ needle, found: haystack.includes(needle) }).toEqual({ needle, found: false });
}

describe('log canaries', () => {
  test('no route logs a capability, mailbox id or reply id', async () => {
    const source = makeSource();
    const [stored, deleted, refused, unknown] = [newReplyId(), newReplyId(), newReplyId(), newReplyId()];
    const bytes = await encryptReply(server.newsroom, source, utf8('a reply'));
    const before = server.log.length;

    await pushReply(server.editor, token, source.mailboxId, stored, bytes).expect(201);
    await pushReply(server.editor, token, source.mailboxId, stored, bytes).expect(200);
    await pushReply(server.editor, token, source.mailboxId, deleted, bytes).expect(201);
    await pushReply(server.editor, token, source.mailboxId, refused, utf8('junk')).expect(422);
    await pushReply(server.editor, token, source.mailboxId, `${refused}x`, bytes).expect(400);
    await request(server.editor)
      .get(`/api/mailboxes/${source.mailboxId}/replies`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    await request(server.editor).get(`/api/mailboxes/${source.mailboxId}/replies`).expect(401);
    const post = (route: string, body: object): request.Test => request(server.source).post(route).send(body);
    await post('/api/mailbox', { capability: source.capability }).expect(200);
    await post('/api/mailbox', { capability: source.mailboxId }).expect(400);
    await post(`/api/mailbox?capability=${encodeURIComponent(source.capability)}`, {}).expect(400);
    await post('/api/mailbox/reply', { capability: source.capability, id: stored }).expect(200);
    await post('/api/mailbox/reply', { capability: source.capability, id: unknown }).expect(404);
    await post('/api/mailbox/delete', { capability: source.capability, id: deleted }).expect(204);
    await post('/api/mailbox/delete', { capability: source.capability, id: deleted }).expect(404);
    await request(server.source)
      .post('/api/mailbox')
      .set('Content-Type', 'application/json')
      .send(`{"capability": "${source.capability}", oops}`)
      .expect(400);

    // Lines may trail in from before (a login's line is written when its response finishes).
    const lines = server.log.slice(before);
    expect(lines.filter((line) => line.includes('"route":"/api/mailbox')).length).toBe(15);
    expectAbsent(lines.join(''), secretsOf(source, [stored, deleted, refused, unknown]));
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect({ line, keys: Object.keys(entry).sort() }).toEqual({
        line,
        keys: ['level', 'listener', 'method', 'ms', 'route', 'status'],
      });
    }
    expect(lines.join('')).toContain('"route":"/api/mailboxes/:mailbox/replies/:id"');
    expect(lines.join('')).toContain('"route":"/api/mailbox/reply"');
  });

  test('an internal error names its file without the ids in its path', async () => {
    const source = makeSource();
    // A file where the mailbox's directory should be: every read of it fails.
    await writeFile(path.join(server.mailboxes.directory, source.mailboxId), 'not a directory');
    try {
      const before = server.log.length;
      await request(server.source).post('/api/mailbox').send({ capability: source.capability }).expect(500);
      const id = newReplyId();
      const bytes = await encryptReply(server.newsroom, source, utf8('x'));
      await pushReply(server.editor, token, source.mailboxId, id, bytes).expect(500);
      const lines = server.log.slice(before).join('');
      expect(lines).toContain('"msg":"internal error"');
      expect(lines).toContain('<id>');
      expectAbsent(lines, secretsOf(source, [id]));
    } finally {
      await rm(path.join(server.mailboxes.directory, source.mailboxId));
    }
  });
});

describe('on disk', () => {
  test('no file holds a capability, in any encoding, and no name does either', async () => {
    const source = makeSource();
    const id = newReplyId();
    await pushReply(
      server.editor,
      token,
      source.mailboxId,
      id,
      await encryptReply(server.newsroom, source, utf8('x')),
    ).expect(201);
    await request(server.source).post('/api/mailbox').send({ capability: source.capability }).expect(200);
    await request(server.source).post('/api/mailbox/delete').send({ capability: source.capability, id }).expect(204);

    const capability = Buffer.from(source.capability, 'base64');
    const needles = encodings(source.capability, capability).map((text) => Buffer.from(text));
    needles.push(capability);
    const files = (await readdir(server.dataDir, { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isFile(),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const entry of files) {
      const file = path.join(entry.parentPath, entry.name);
      const content = await readFile(file);
      for (const needle of needles) expect({ file, found: content.includes(needle) }).toEqual({ file, found: false });
      for (const needle of needles) expect(file.includes(needle.toString('latin1'))).toBe(false);
    }
  });
});

describe('an empty mailbox and an unknown one cannot be told apart', () => {
  let listener: Server;
  let base: string;
  beforeAll(async () => {
    listener = server.source.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    listener.close();
    listener.closeAllConnections();
  });

  async function timedList(capability: string): Promise<{ ms: number; status: number; body: string; size: string }> {
    const started = performance.now();
    const response = await fetch(`${base}/api/mailbox`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ capability }),
    });
    const body = await response.text();
    return {
      ms: performance.now() - started,
      status: response.status,
      body,
      size: response.headers.get('content-length') ?? '',
    };
  }

  function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  test('same status, body and size, and about the same time', async () => {
    // Emptied: it held replies, all deleted, so its directory holds tombstones only.
    const emptied = makeSource();
    for (let i = 0; i < 5; i += 1) {
      const id = newReplyId();
      await pushReply(
        server.editor,
        token,
        emptied.mailboxId,
        id,
        await encryptReply(server.newsroom, emptied, utf8('x')),
      ).expect(201);
      await request(server.source).post('/api/mailbox/delete').send({ capability: emptied.capability, id }).expect(204);
    }
    const unknown = makeSource();

    const rounds = 60;
    const times = { emptied: [] as number[], unknown: [] as number[] };
    // Warm up both paths, then alternate so drift in machine load hits both alike.
    await timedList(emptied.capability);
    await timedList(unknown.capability);
    for (let i = 0; i < rounds; i += 1) {
      const a = await timedList(emptied.capability);
      const b = await timedList(unknown.capability);
      expect({ status: a.status, body: a.body, size: a.size }).toEqual({
        status: b.status,
        body: b.body,
        size: b.size,
      });
      expect(a.body).toBe('{"replies":[]}');
      times.emptied.push(a.ms);
      times.unknown.push(b.ms);
    }
    const [emptiedMs, unknownMs] = [median(times.emptied), median(times.unknown)];
    // Generous: a shared test machine is noisy; what must not exist is a systematic gap.
    const close =
      Math.abs(emptiedMs - unknownMs) < 3 || Math.max(emptiedMs, unknownMs) < 3 * Math.min(emptiedMs, unknownMs);
    expect({ emptiedMs, unknownMs, close }).toEqual({ emptiedMs, unknownMs, close: true });
  });
});
