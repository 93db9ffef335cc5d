/**
 * The upload store under hostile load (issue 10): work per chunk and the
 * journal stay bounded whatever a client sends, a restart after the worst
 * range spam is quick, holding a slot or quota costs bytes actually sent,
 * uploads start with the age version line, and a cancel wins over a chunk
 * in flight.
 */
import { once } from 'node:events';
import { mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { ApiError } from '../../server/errors.js';
import { thrownBy } from '../support/coded-errors.js';
import { SubmissionStore } from '../../server/storage/submission-store.js';
import { AGE_PREFIX, requireAgePrefix } from '../../server/uploads/age-prefix.js';
import { Checkpointer, JOURNAL_LINE_LIMIT, type CheckpointPolicy } from '../../server/uploads/checkpointer.js';
import { evictionOrder, type EvictionCandidate } from '../../server/uploads/eviction.js';
import { GoneUploads } from '../../server/uploads/gone-uploads.js';
import { formatJournal, MAX_RECEIVED_SPANS, parseJournal } from '../../server/uploads/received-spans.js';
import { MAX_UPLOADS_PER_CONNECTION, UploadStore } from '../../server/uploads/upload-store.js';
import { createUpload, expectError, makeTestServer, putChunk, TEST_LIMITS, type TestServer } from './support.js';

function pieces(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const part of parts) {
      await Promise.resolve();
      yield part;
    }
  })();
}

function uploadFiles(server: TestServer, id: string): Promise<string[]> {
  return readdir(path.join(server.dataDir, 'uploads')).then((names) => names.filter((name) => name.startsWith(id)));
}

describe('received spans are capped and cheap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await makeTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  test(`beyond ${MAX_RECEIVED_SPANS} separate spans a chunk is refused before its body is read`, async () => {
    const size = 4 * MAX_RECEIVED_SPANS + 100;
    const { id } = await server.uploads.create(size, 1);
    await server.uploads.writeChunk(id, 0, AGE_PREFIX.length, pieces(AGE_PREFIX));
    // 1023 more one-byte spans, each two bytes after the last: 1024 in all.
    const started = performance.now();
    for (let span = 1; span < MAX_RECEIVED_SPANS; span++) {
      await server.uploads.writeChunk(id, 100 + 2 * span, 1, pieces(new Uint8Array(1)));
    }
    const elapsedMs = performance.now() - started;
    const partFile = path.join(server.dataDir, 'uploads', `${id}.part`);
    const sizeBefore = (await stat(partFile)).size;

    expectError(await putChunk(server.source, id, size - 1, new Uint8Array(1)), 400, 'TOO_MANY_RANGES');
    expect((await stat(partFile)).size).toBe(sizeBefore);
    // A chunk that joins existing spans adds none, and is still accepted.
    await putChunk(server.source, id, 100 + 2 * 5 + 1, new Uint8Array(1)).expect(200);
    await putChunk(server.source, id, AGE_PREFIX.length, new Uint8Array(100 - AGE_PREFIX.length + 2)).expect(200);

    // The answer does not grow with the span count.
    const status = await request(server.source).get(`/api/uploads/${id}`).expect(200);
    expect(Object.keys(status.body as object).sort()).toEqual(
      ['complete', 'durableOffset', 'expiresInSeconds', 'id', 'offset', 'size'].sort(),
    );
    expect(status.text.length).toBeLessThan(200);
    expect((status.body as { offset: number }).offset).toBe(103);
    // A thousand chunks into a thousand spans cost about what a thousand file writes cost.
    expect(elapsedMs).toBeLessThan(5000);
  });
});

describe('the journal stays bounded', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await makeTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  test('a checkpoint appends only changed spans; past the line limit the journal is compacted', async () => {
    const dir = path.join(server.dir, 'journal');
    await mkdir(dir);
    const files = { part: path.join(dir, 'x.part'), journal: path.join(dir, 'x.ranges') };
    await writeFile(files.part, new Uint8Array(1000));
    await writeFile(files.journal, '');
    const policy: CheckpointPolicy = { bytes: Number.MAX_SAFE_INTEGER, idleMs: 3_600_000, journalLineLimit: 6 };
    const checkpointer = new Checkpointer(files, policy);
    const record = (start: number, end: number): void => {
      checkpointer.recordWrite(checkpointer.startWrite(), start, end);
    };
    record(0, 10);
    record(100, 110);
    record(200, 210);
    await checkpointer.checkpoint();
    expect(await readFile(files.journal, 'utf8')).toBe('0 10\n100 110\n200 210\n');
    record(10, 20); // grows the first span only
    await checkpointer.checkpoint();
    expect(await readFile(files.journal, 'utf8')).toBe('0 10\n100 110\n200 210\n0 20\n');
    record(110, 120);
    record(210, 220);
    await checkpointer.checkpoint();
    expect((await readFile(files.journal, 'utf8')).split('\n')).toHaveLength(7); // six lines
    expect(checkpointer.journalBytes()).toBe((await stat(files.journal)).size);

    record(20, 30); // a seventh line would pass the limit: rewrite as the current spans
    await checkpointer.checkpoint();
    const compacted = await readFile(files.journal, 'utf8');
    expect(compacted).toBe(formatJournal(checkpointer.receivedSpans()));
    expect(compacted).toBe('0 30\n100 120\n200 220\n');
    expect(checkpointer.journalBytes()).toBe(compacted.length);
    expect(await readdir(dir)).toEqual(['x.part', 'x.ranges']);
    expect(parseJournal(compacted, 1000).list()).toEqual(checkpointer.receivedSpans());
  });

  test('journal bytes count in the storage quota', async () => {
    const { id } = await server.uploads.create(10_000, 1);
    await server.uploads.writeChunk(id, 0, AGE_PREFIX.length, pieces(AGE_PREFIX));
    await server.uploads.writeChunk(id, 100, 10, pieces(new Uint8Array(10)));
    const before = server.uploads.quota.usedBytes();
    await server.uploads.checkpointAll();
    const journalSize = (await stat(path.join(server.dataDir, 'uploads', `${id}.ranges`))).size;
    expect(journalSize).toBe('0 22\n100 110\n'.length);
    expect(server.uploads.quota.usedBytes()).toBe(before + journalSize);
  });
});

describe('restart after the worst range spam', () => {
  test('100 uploads (the default slot count) with journals at the bound reopen in under 2 s of CPU', async () => {
    const server = await makeTestServer({ limits: { maxConcurrentUploads: 100 } });
    try {
      const uploadsDir = path.join(server.dataDir, 'uploads');
      // The most a journal can hold: the line limit plus one checkpoint's worth,
      // every line a span of an upload spammed up to the span cap, spans growing.
      const rounds = JOURNAL_LINE_LIMIT / MAX_RECEIVED_SPANS + 1;
      let text = '';
      for (let round = 0; round < rounds; round++) {
        for (let span = 0; span < MAX_RECEIVED_SPANS; span++) {
          text += `${span * 1000} ${span * 1000 + 10 + round}\n`;
        }
      }
      const size = MAX_RECEIVED_SPANS * 1000;
      const ids: string[] = [];
      for (let index = 0; index < 100; index++) {
        const id = index.toString(16).padStart(32, 'a');
        ids.push(id);
        await writeFile(
          path.join(uploadsDir, `${id}.json`),
          JSON.stringify({ size, day: '2030-01-01', manifestVersion: 1 }),
        );
        await writeFile(path.join(uploadsDir, `${id}.part`), '');
        await truncate(path.join(uploadsDir, `${id}.part`), size);
        await writeFile(path.join(uploadsDir, `${id}.ranges`), text);
      }
      // A compaction cut short by the crash leaves its temporary file: recovery removes it.
      await writeFile(path.join(uploadsDir, `${ids[0]!}.ranges.tmp`), '0 1\n');

      const submissions = await SubmissionStore.open(server.dataDir);
      const started = process.cpuUsage();
      const reopened = await UploadStore.open(server.dataDir, submissions, {
        ...TEST_LIMITS,
        maxConcurrentUploads: 100,
      });
      const { user, system } = process.cpuUsage(started);

      // The work of a restart, in CPU time: the wall time also counts whatever
      // else shares the machine (npm run bench:server measures that, alone).
      expect((user + system) / 1000).toBeLessThan(2000);
      expect(reopened.count()).toBe(100);
      expect(reopened.status(ids[0]!)).toMatchObject({ offset: 10 + rounds - 1, durableOffset: 10 + rounds - 1 });
      expect(await uploadFiles(server, ids[0]!)).toEqual([`${ids[0]!}.json`, `${ids[0]!}.part`, `${ids[0]!}.ranges`]);
      // Replayed journals count in the quota.
      expect(reopened.quota.usedBytes()).toBeGreaterThanOrEqual(100 * text.length);
    } finally {
      await server.cleanup();
    }
  }, 30_000);
});

describe('holding a slot or quota costs bytes sent', () => {
  let now = Date.parse('2030-01-01T12:00:00Z');
  const clock = (): Date => new Date(now);

  test('100 creates of one byte do not block a real source; the evicted upload answers UPLOAD_GONE', async () => {
    const server = await makeTestServer({ limits: { maxConcurrentUploads: 100 }, now: clock });
    try {
      const spam: string[] = [];
      for (let index = 0; index < 100; index++) spam.push(await createUpload(server.source, 1));
      // Every slot is taken by an upload that never sent a byte: the oldest gives way at once.
      const real = await createUpload(server.source, 5000);
      await putChunk(server.source, real, 0, AGE_PREFIX).expect(200);
      expect(server.uploads.count()).toBe(100);
      const gone: string[] = [];
      for (const id of spam) {
        const answer = await request(server.source).get(`/api/uploads/${id}`);
        if (answer.status === 410) gone.push(id);
        else expect(answer.status).toBe(200);
      }
      expect(gone).toEqual([spam[0]]);
      const victim = gone[0]!;
      expectError(await request(server.source).get(`/api/uploads/${victim}`), 410, 'UPLOAD_GONE');
      expectError(await putChunk(server.source, victim, 0, AGE_PREFIX.subarray(0, 1)), 410, 'UPLOAD_GONE');
      expectError(await request(server.source).post(`/api/uploads/${victim}/finalize`), 410, 'UPLOAD_GONE');
      expectError(await request(server.source).delete(`/api/uploads/${victim}`), 410, 'UPLOAD_GONE');
      expect(await uploadFiles(server, victim)).toEqual([]);
      // Unknown ids stay NOT_FOUND.
      expectError(await request(server.source).get(`/api/uploads/${'0'.repeat(32)}`), 404, 'NOT_FOUND');
    } finally {
      await server.cleanup();
    }
  });

  test('the slowest upload gives way first; an upload that sends keeps its place', async () => {
    const server = await makeTestServer({ limits: { maxConcurrentUploads: 3 }, now: clock });
    try {
      const fast = await createUpload(server.source, 5000);
      const idle = await createUpload(server.source, 5000);
      const slow = await createUpload(server.source, 5000);
      await putChunk(server.source, fast, 0, new Uint8Array(Buffer.concat([AGE_PREFIX, Buffer.alloc(2000)]))).expect(
        200,
      );
      await putChunk(server.source, slow, 0, AGE_PREFIX).expect(200);
      now += 10_000;
      await createUpload(server.source, 5000);
      expectError(await request(server.source).get(`/api/uploads/${idle}`), 410, 'UPLOAD_GONE');
      now += 1000; // the newest has had no time to send: the slower of the two others goes
      await createUpload(server.source, 5000);
      expectError(await request(server.source).get(`/api/uploads/${slow}`), 410, 'UPLOAD_GONE');
      await request(server.source).get(`/api/uploads/${fast}`).expect(200);
    } finally {
      await server.cleanup();
    }
  });

  test('a create that finds the quota taken evicts until its allowance fits', async () => {
    // 8 KiB allowance per upload (two 4 KiB chunks); the quota holds two.
    const server = await makeTestServer({
      limits: { storageQuotaBytes: 20_000, maxSubmissionBytes: 20_000, maxChunkBytes: 4096 },
      now: clock,
    });
    try {
      const first = await createUpload(server.source, 10_000);
      const second = await createUpload(server.source, 10_000);
      now += 1000;
      await putChunk(server.source, second, 0, AGE_PREFIX).expect(200);
      // No room for a third allowance: the upload that sent nothing gives way, not the one sending.
      await createUpload(server.source, 10_000);
      expectError(await request(server.source).get(`/api/uploads/${first}`), 410, 'UPLOAD_GONE');
      await request(server.source).get(`/api/uploads/${second}`).expect(200);
      expect(server.uploads.quota.usedBytes()).toBeLessThanOrEqual(20_000);
    } finally {
      await server.cleanup();
    }
  });

  test('eviction order: never finalizing; slowest first (new ones at a floor), a chunk in flight no shield; then idlest', () => {
    const now = 100_000;
    const base: EvictionCandidate = {
      createdAt: 0,
      lastActivity: 0,
      receivedBytes: 0,
      chunksInFlight: 0,
      finalizing: false,
    };
    const candidates = {
      finalizing: { ...base, finalizing: true },
      fresh: { ...base, createdAt: 99_500, lastActivity: 99_500 },
      inFlightSlow: { ...base, chunksInFlight: 1 },
      inFlightFast: { ...base, chunksInFlight: 1, receivedBytes: 1_000_000 },
      fast: { ...base, receivedBytes: 500_000, lastActivity: 90_000 },
      slowIdleLong: { ...base, receivedBytes: 1000, lastActivity: 10_000 },
      slowIdleShort: { ...base, receivedBytes: 1000, lastActivity: 50_000 },
      nothing: { ...base, lastActivity: 99_000 },
    };
    const names = new Map<EvictionCandidate, string>(Object.entries(candidates).map(([name, value]) => [value, name]));
    expect(evictionOrder(Object.values(candidates), now).map((candidate) => names.get(candidate))).toEqual([
      'nothing',
      'inFlightSlow',
      'slowIdleLong',
      'slowIdleShort',
      'fresh',
      'fast',
      'inFlightFast',
    ]);
  });

  test('gone ids are remembered within a bound', () => {
    const gone = new GoneUploads(3);
    for (const id of ['a', 'b', 'c', 'd']) gone.add(id);
    expect(['a', 'b', 'c', 'd'].map((id) => gone.has(id))).toEqual([false, true, true, true]);
  });
});

describe('fairness per connection', () => {
  test('one connection holds at most MAX_UPLOADS_PER_CONNECTION uploads: its oldest gives way, not others', async () => {
    const server = await makeTestServer({ limits: { maxConcurrentUploads: 100 } });
    try {
      const hoarder = {};
      const other = await server.uploads.create(1000, 1);
      const own: string[] = [];
      for (let index = 0; index < MAX_UPLOADS_PER_CONNECTION + 2; index++) {
        own.push((await server.uploads.create(1000, 1, hoarder)).id);
      }
      expect(server.uploads.count()).toBe(1 + MAX_UPLOADS_PER_CONNECTION);
      // The connection's oldest are gone; the newest stay, and so does everyone else's.
      for (const id of own.slice(0, 2))
        expect(thrownBy(() => server.uploads.status(id), ApiError)).toMatchObject({ code: 'UPLOAD_GONE' });
      for (const id of own.slice(2)) expect(server.uploads.status(id).id).toBe(id);
      expect(server.uploads.status(other.id).id).toBe(other.id);
    } finally {
      await server.cleanup();
    }
  });
});

describe('uploads start with the age version line', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await makeTestServer();
  });
  afterAll(async () => {
    await server.cleanup();
  });

  test('a first chunk of other bytes is refused and the upload deleted', async () => {
    const id = await createUpload(server.source, 1000);
    expectError(
      await putChunk(server.source, id, 0, Buffer.from('the minister said, on the record, ')),
      422,
      'INVALID_HEADER',
    );
    expect(await uploadFiles(server, id)).toEqual([]);
    expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');
  });

  test('a short prefix passes; the rest of the line is checked where it lands', async () => {
    const id = await createUpload(server.source, 1000);
    await putChunk(server.source, id, 0, Buffer.from('age')).expect(200);
    await putChunk(server.source, id, 500, Buffer.from('anything at all here')).expect(200);
    expectError(await putChunk(server.source, id, 3, Buffer.from('-encryption.org/v2\n')), 422, 'INVALID_HEADER');
    expect(await uploadFiles(server, id)).toEqual([]);
  });

  test('a retried first chunk is checked the same', async () => {
    const id = await createUpload(server.source, 1000);
    await putChunk(server.source, id, 0, AGE_PREFIX).expect(200);
    expectError(await putChunk(server.source, id, 0, Buffer.from('plain text, not age')), 422, 'INVALID_HEADER');
    expect(await uploadFiles(server, id)).toEqual([]);
  });

  test('the check holds back nothing it passes and refuses before yielding a byte', async () => {
    const bytes = Buffer.concat([AGE_PREFIX, Buffer.from('-> X25519 ...')]);
    const oneByOne = [...bytes].map((byte) => Buffer.from([byte]));
    const passed: Buffer[] = [];
    for await (const piece of requireAgePrefix(pieces(...oneByOne) as AsyncIterable<Buffer>, 0)) passed.push(piece);
    expect(Buffer.concat(passed)).toEqual(bytes);

    const wrong = Buffer.from(bytes);
    wrong[10] = 0x41;
    const yielded: Buffer[] = [];
    const refused = (async () => {
      for await (const piece of requireAgePrefix(
        pieces(...[...wrong].map((byte) => Buffer.from([byte]))) as AsyncIterable<Buffer>,
        0,
      )) {
        yielded.push(piece);
      }
    })();
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_HEADER' });
    expect(yielded).toEqual([]);
  });
});

describe('a cancel wins over a chunk in flight', () => {
  test('a cancel during a finalize waits for it: deleted if it failed, NOT_FOUND if it was stored', async () => {
    const server = await makeTestServer();
    try {
      const bytes = new Uint8Array(Buffer.concat([AGE_PREFIX, Buffer.alloc(100)]));
      const outcomes: string[] = [];
      for (const verdict of ['refuse', 'accept'] as const) {
        const { id } = await server.uploads.create(bytes.length, 1);
        await server.uploads.writeChunk(id, 0, bytes.length, pieces(bytes));
        let decide = (): void => undefined;
        const decided = new Promise<void>((resolve) => (decide = resolve));
        const finalizing = server.uploads.finalize(id, 1, async () => {
          await decided;
          if (verdict === 'refuse') throw new ApiError('INVALID_HEADER');
        });
        const cancelling = server.uploads.cancel(id).then(
          () => 'deleted',
          (error: unknown) => (error as ApiError).code,
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        decide();
        outcomes.push(
          `${await finalizing.then(
            () => 'stored',
            (error: unknown) => (error as ApiError).code,
          )}:${await cancelling}`,
        );
        expect(await uploadFiles(server, id)).toEqual([]);
      }
      expect(outcomes).toEqual(['INVALID_HEADER:deleted', 'stored:NOT_FOUND']);
    } finally {
      await server.cleanup();
    }
  });

  test('DELETE during a stalled PUT aborts it, deletes everything and answers 204', async () => {
    const server = await makeTestServer({ limits: { maxChunkBytes: 1024 * 1024 } });
    const listener = server.source.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const { port } = listener.address() as AddressInfo;
      const id = await createUpload(server.source, 2 * 1024 * 1024);
      const half = Buffer.concat([AGE_PREFIX, Buffer.alloc(512 * 1024 - AGE_PREFIX.length)]);
      const put = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/api/uploads/${id}?offset=0`,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(1024 * 1024) },
      });
      const closed = new Promise<string>((resolve) => {
        put.on('response', (res) => {
          res.resume();
          res.on('close', () => {
            resolve(`answered ${res.statusCode ?? 0}`);
          });
        });
        put.on('error', (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? error.message);
        });
      });
      put.write(half); // half the declared body, then the link stalls
      const partFile = path.join(server.dataDir, 'uploads', `${id}.part`);
      for (let waited = 0; (await stat(partFile)).size < half.length && waited < 5000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await stat(partFile)).size).toBe(half.length);

      await request(server.source).delete(`/api/uploads/${id}`).expect(204);
      expect(await uploadFiles(server, id)).toEqual([]);
      expect(await closed).toMatch(/ECONNRESET|socket hang up/);
      expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');
      // An aborted chunk is an ordinary event, not a server fault.
      expect(server.log.filter((line) => line.includes('"level":50'))).toEqual([]);
    } finally {
      listener.close();
      await server.cleanup();
    }
  });
});
