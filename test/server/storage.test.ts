/** Storage limits, expiry, crash recovery of the upload area, and the pure helpers. */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { utf8 } from '../../client/core/bytes.js';
import { SubmissionStore } from '../../server/storage/submission-store.js';
import { parseRangeHeader } from '../../server/routes/http-byte-range.js';
import { parseJournal, ReceivedSpans } from '../../server/uploads/received-spans.js';
import { AGE_PREFIX } from '../../server/uploads/age-prefix.js';
import { UploadStore } from '../../server/uploads/upload-store.js';
import {
  activeEditors,
  createUpload,
  encryptFor,
  expectError,
  makeTestServer,
  putChunk,
  TEST_LIMITS,
  uploadWhole,
} from './support.js';

describe('limits are enforced before bytes are written', () => {
  test('concurrent uploads', async () => {
    const server = await makeTestServer({ limits: { maxConcurrentUploads: 2 } });
    try {
      const first = await createUpload(server.source, 100);
      const second = await createUpload(server.source, 100);
      // No slot: the oldest upload that sent nothing gives way (eviction.ts), the count stays at the limit.
      await createUpload(server.source, 100);
      expect(server.uploads.count()).toBe(2);
      expectError(await request(server.source).get(`/api/uploads/${first}`), 410, 'UPLOAD_GONE');
      await request(server.source).get(`/api/uploads/${second}`).expect(200);
    } finally {
      await server.cleanup();
    }
  });

  test('storage quota counts stored submissions and what open uploads received, plus an allowance', async () => {
    // Allowance: two chunks (8 KiB) per upload, not its declared size.
    const now = Date.parse('2030-01-01T12:00:00Z');
    const server = await makeTestServer({
      limits: { storageQuotaBytes: 80_000, maxSubmissionBytes: 40_000, maxChunkBytes: 4096 },
      now: () => new Date(now),
    });
    try {
      const bytes = await encryptFor(activeEditors(server.newsroom), utf8('x'.repeat(20_000)));
      expect((await uploadWhole(server.source, bytes, 4096)).status).toBe(201);
      const stored = bytes.length;
      // Five creates declaring 40 KB each fit in the 80 KB quota beside the stored 20 KB.
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) ids.push(await createUpload(server.source, 40_000));
      expect(server.uploads.quota.usedBytes()).toBe(stored + 5 * 8192);
      // A chunk past the reservation grows it by what the chunk brings ...
      const first = ids[0]!;
      const chunk = new Uint8Array(Buffer.concat([AGE_PREFIX, Buffer.alloc(4096 - AGE_PREFIX.length)]));
      await putChunk(server.source, first, 0, chunk).expect(200);
      await putChunk(server.source, first, 4096, new Uint8Array(4096)).expect(200);
      expect(server.uploads.quota.usedBytes()).toBe(stored + 5 * 8192);
      const free = 80_000 - stored - 5 * 8192;
      let offset = 8192;
      for (; offset - 8192 + 4096 <= free; offset += 4096) {
        await putChunk(server.source, first, offset, new Uint8Array(4096)).expect(200);
      }
      expect(server.uploads.quota.usedBytes()).toBe(stored + 4 * 8192 + offset);
      // ... and is refused, before its body is written, when the quota has no room for it.
      expectError(await putChunk(server.source, first, offset, new Uint8Array(4096)), 507, 'QUOTA_EXCEEDED');
      expect((await request(server.source).get(`/api/uploads/${first}`)).body).toMatchObject({ offset });
      // No room for a new one's allowance: the oldest upload that sent nothing gives way to it.
      await createUpload(server.source, 40_000);
      expectError(await request(server.source).get(`/api/uploads/${ids[1]!}`), 410, 'UPLOAD_GONE');
      expect((await request(server.source).get(`/api/uploads/${first}`)).body).toMatchObject({ offset });
      // Cancelling gives back the whole reservation.
      await request(server.source).delete(`/api/uploads/${first}`).expect(204);
      expect(server.uploads.quota.usedBytes()).toBe(stored + 4 * 8192);
    } finally {
      await server.cleanup();
    }
  });
});

describe('stored submissions', () => {
  test('timestamps are the day, not the instant', async () => {
    const server = await makeTestServer();
    try {
      const bytes = await encryptFor(activeEditors(server.newsroom), utf8('hello'));
      const { id } = (await uploadWhole(server.source, bytes)).body as { id: string };
      const stats = await stat(path.join(server.dataDir, 'submissions', `${id}.age`));
      expect(stats.mtimeMs % 86_400_000).toBe(0);
      expect(stats.atimeMs % 86_400_000).toBe(0);
      const meta = await readdir(path.join(server.dataDir, 'uploads'));
      expect(meta).toEqual([]);
    } finally {
      await server.cleanup();
    }
  });
});

describe('expiry of abandoned uploads', () => {
  test('idle uploads are deleted, active ones kept', async () => {
    let now = Date.parse('2030-01-01T12:00:00Z');
    const server = await makeTestServer({ limits: { uploadExpirySeconds: 60 }, now: () => new Date(now) });
    try {
      const idle = await createUpload(server.source, 100);
      now += 50_000;
      const busy = await createUpload(server.source, 100);
      now += 30_000;
      await putChunk(server.source, busy, 0, AGE_PREFIX.subarray(0, 10)).expect(200);
      expect(await server.uploads.expire()).toBe(1);
      expectError(await request(server.source).get(`/api/uploads/${idle}`), 404, 'NOT_FOUND');
      await request(server.source).get(`/api/uploads/${busy}`).expect(200);
      expect((await readdir(path.join(server.dataDir, 'uploads'))).filter((name) => name.startsWith(idle))).toEqual([]);
    } finally {
      await server.cleanup();
    }
  });
});

describe('reopening the upload area after a crash', () => {
  test('resumes unfinished uploads, cleans up finalized and orphaned files', async () => {
    const server = await makeTestServer();
    try {
      const bytes = await encryptFor(activeEditors(server.newsroom), utf8('resume me '.repeat(10_000)));
      const id = await createUpload(server.source, bytes.length);
      await putChunk(server.source, id, 0, bytes.subarray(0, 40_000)).expect(200);
      await server.uploads.checkpointAll(); // as the idle checkpoint would
      const uploadsDir = path.join(server.dataDir, 'uploads');
      // A torn journal line, an orphan .part and a stray temporary file.
      await writeFile(
        path.join(uploadsDir, `${id}.ranges`),
        (await readFile(path.join(uploadsDir, `${id}.ranges`), 'utf8')) + '40000 5',
      );
      await writeFile(path.join(uploadsDir, `${'b'.repeat(32)}.part`), 'orphan');
      await writeFile(path.join(uploadsDir, `${'c'.repeat(32)}.json.tmp`), '{');

      const submissions = await SubmissionStore.open(server.dataDir);
      const reopened = await UploadStore.open(server.dataDir, submissions, TEST_LIMITS);
      expect(reopened.status(id)).toMatchObject({ offset: 40_000, size: bytes.length });
      expect((await readdir(uploadsDir)).sort()).toEqual([`${id}.json`, `${id}.part`, `${id}.ranges`]);
    } finally {
      await server.cleanup();
    }
  });
});

describe('ReceivedSpans', () => {
  test('merges overlapping and adjacent ranges and reports the resumable prefix', () => {
    const ranges = new ReceivedSpans();
    ranges.add(10, 20);
    expect(ranges.contiguousPrefix()).toBe(0);
    ranges.add(30, 40);
    ranges.add(0, 10);
    expect(ranges.list()).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 40 },
    ]);
    ranges.add(15, 35);
    expect(ranges.list()).toEqual([{ start: 0, end: 40 }]);
    expect(ranges.covers(40)).toBe(true);
    expect(ranges.covers(41)).toBe(false);
  });

  test('journal replay ignores torn and out-of-bounds lines', () => {
    expect(parseJournal('0 10\n10 20\n50 200\nxx\n20 3', 100).list()).toEqual([{ start: 0, end: 20 }]);
  });
});

describe('parseRangeHeader', () => {
  test.each([
    [undefined, null],
    ['bytes=0-9', { first: 0, last: 9 }],
    ['bytes=5-', { first: 5, last: 99 }],
    ['bytes=-10', { first: 90, last: 99 }],
    ['bytes=-1000', { first: 0, last: 99 }],
    ['bytes=90-1000', { first: 90, last: 99 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', null],
    ['items=0-1', null],
    ['bytes=9-5', null],
  ])('%s', (header, expected) => {
    expect(parseRangeHeader(header, 100)).toEqual(expected);
  });
});
