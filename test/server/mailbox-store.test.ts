/**
 * The mailbox store below the routes: expiry by day, recovery after a crash,
 * bodies that end early, concurrent pushes, and the small pure helpers.
 */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { utf8 } from '../../client/core/bytes.js';
import { KeyedLock } from '../../server/mailboxes/keyed-lock.js';
import { MailboxStore } from '../../server/mailboxes/mailbox-store.js';
import { readListing } from '../../server/mailboxes/reply-files.js';
import { isPastRetention } from '../../server/mailboxes/retention.js';
import { startPeriodicTask } from '../../server/periodic-task.js';
import { StorageQuota } from '../../server/storage/quota.js';
import {
  encryptReply,
  login,
  makeSource,
  makeTestServer,
  newReplyId,
  pushReply,
  TEST_MAILBOX_LIMITS,
  type TestServer,
} from './support.js';

const DAY = 86_400_000;

function bodyOf(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (const part of parts) {
      await Promise.resolve();
      yield part;
    }
  })();
}

const accept = (): Promise<void> => Promise.resolve();

describe('expiry', () => {
  test('replies and tombstones past retention go, then their empty mailboxes', async () => {
    let now = Date.parse('2030-03-01T15:42:17Z');
    const server = await makeTestServer({ mailboxLimits: { replyRetentionDays: 90 }, now: () => new Date(now) });
    try {
      const token = await login(server.editor, server.newsroom.editors[0]!);
      const old = makeSource();
      const [waiting, deleted] = [newReplyId(), newReplyId()];
      await pushReply(
        server.editor,
        token,
        old.mailboxId,
        waiting,
        await encryptReply(server.newsroom, old, utf8('a')),
      );
      await pushReply(
        server.editor,
        token,
        old.mailboxId,
        deleted,
        await encryptReply(server.newsroom, old, utf8('b')),
      );
      await request(server.source).post('/api/mailbox/delete').send({ capability: old.capability, id: deleted });
      const oldBytes = server.mailboxes.totalBytes();

      now += 30 * DAY;
      const recent = makeSource();
      const kept = newReplyId();
      const keptBytes = await encryptReply(server.newsroom, recent, utf8('c'));
      await pushReply(server.editor, token, recent.mailboxId, kept, keptBytes).expect(201);

      // Day 90 after the first day: still kept.
      now = Date.parse('2030-03-01T00:00:00Z') + 90 * DAY + DAY - 1;
      expect(await server.mailboxes.expire()).toBe(0);
      expect((await readdir(path.join(server.dataDir, 'mailboxes'))).sort()).toEqual(
        [old.mailboxId, recent.mailboxId].sort(),
      );

      // Day 91: the first mailbox's reply and tombstone go, and so does its directory.
      now += 1;
      expect(await server.mailboxes.expire()).toBe(2);
      expect(await readdir(path.join(server.dataDir, 'mailboxes'))).toEqual([recent.mailboxId]);
      expect(oldBytes).toBeGreaterThan(0);
      expect(server.mailboxes.totalBytes()).toBe(keptBytes.length);
      const records = await server.mailboxes.records(old.mailboxId);
      expect(records).toEqual([]);
      expect((await server.mailboxes.waiting(recent.mailboxId)).map((reply) => reply.id)).toEqual([kept]);
    } finally {
      await server.cleanup();
    }
  });

  test('an empty mailbox directory goes, one with a reply being received stays', async () => {
    const server = await makeTestServer();
    try {
      const empty = makeSource().mailboxId;
      const busy = makeSource().mailboxId;
      await mkdir(path.join(server.mailboxes.directory, empty), { mode: 0o700 });
      await mkdir(path.join(server.mailboxes.directory, busy), { mode: 0o700 });
      await writeFile(path.join(server.mailboxes.directory, busy, `${newReplyId()}.age.tmp`), 'in flight');
      expect(await server.mailboxes.expire()).toBe(0);
      expect(await readdir(server.mailboxes.directory)).toEqual([busy]);
    } finally {
      await server.cleanup();
    }
  });

  test('isPastRetention counts whole UTC days', () => {
    const day = new Date('2030-01-01T00:00:00Z');
    expect(isPastRetention(day, new Date('2030-01-31T23:59:59Z'), 30)).toBe(false);
    expect(isPastRetention(day, new Date('2030-02-01T00:00:00Z'), 30)).toBe(true);
    expect(isPastRetention(day, new Date('2029-12-31T00:00:00Z'), 30)).toBe(false);
  });
});

describe('reopening after a crash', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await makeTestServer();
  });
  afterEach(async () => {
    await server.cleanup();
  });

  test('temporary files go, an interrupted delete is finished, the rest is kept and counted', async () => {
    const token = await login(server.editor, server.newsroom.editors[0]!);
    const source = makeSource();
    const [kept, halfDeleted] = [newReplyId(), newReplyId()];
    const keptBytes = await encryptReply(server.newsroom, source, utf8('kept'));
    await pushReply(server.editor, token, source.mailboxId, kept, keptBytes).expect(201);
    await pushReply(server.editor, token, source.mailboxId, halfDeleted, keptBytes).expect(201);
    const directory = path.join(server.mailboxes.directory, source.mailboxId);
    // The tombstone was written but the reply not yet unlinked; two receptions were cut off.
    await writeFile(path.join(directory, `${halfDeleted}.deleted`), '');
    await writeFile(path.join(directory, `${newReplyId()}.age.tmp`), 'partial');
    await writeFile(path.join(directory, `${newReplyId()}.deleted.tmp`), '');
    await writeFile(path.join(directory, 'not-ours.txt'), 'left alone');

    const reopened = await MailboxStore.open(server.dataDir, TEST_MAILBOX_LIMITS, new StorageQuota(1e9));
    expect((await readdir(directory)).sort()).toEqual([`${kept}.age`, `${halfDeleted}.deleted`, 'not-ours.txt'].sort());
    expect(reopened.totalBytes()).toBe(keptBytes.length);
    const states = (await reopened.records(source.mailboxId)).map((record): [string, string] => [
      record.id,
      record.state,
    ]);
    expect(new Map(states)).toEqual(
      new Map([
        [kept, 'waiting'],
        [halfDeleted, 'deleted'],
      ]),
    );
  });

  test('waiting replies count toward the quota they join', async () => {
    const token = await login(server.editor, server.newsroom.editors[0]!);
    const source = makeSource();
    const bytes = await encryptReply(server.newsroom, source, utf8('counted'));
    await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes).expect(201);
    const quota = new StorageQuota(bytes.length + 10);
    await MailboxStore.open(server.dataDir, TEST_MAILBOX_LIMITS, quota);
    expect(quota.usedBytes()).toBe(bytes.length);
    expect(() => {
      quota.ensureRoom(11);
    }).toThrow(expect.objectContaining({ code: 'QUOTA_EXCEEDED' }) as Error);
    quota.ensureRoom(10);
  });
});

describe('receiving', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await makeTestServer();
  });
  afterEach(async () => {
    await server.cleanup();
  });

  test('a body shorter than its length is refused and nothing stays', async () => {
    const mailbox = makeSource().mailboxId;
    await expect(
      server.mailboxes.receive(mailbox, newReplyId(), 100, bodyOf(new Uint8Array(60)), accept),
    ).rejects.toMatchObject({ code: 'BODY_INCOMPLETE' });
    expect(await readdir(server.mailboxes.directory)).toEqual([]);
    expect(server.mailboxes.totalBytes()).toBe(0);
  });

  test('a second push of a reply still being received is busy, and the first completes', async () => {
    const source = makeSource();
    const id = newReplyId();
    const bytes = await encryptReply(server.newsroom, source, utf8('slow'));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowBody = (async function* () {
      yield bytes.subarray(0, 10);
      await gate;
      yield bytes.subarray(10);
    })();
    const first = server.mailboxes.receive(source.mailboxId, id, bytes.length, slowBody, accept);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(
      server.mailboxes.receive(source.mailboxId, id, bytes.length, bodyOf(bytes), accept),
    ).rejects.toMatchObject({ code: 'UPLOAD_BUSY' });
    release();
    expect(await first).toMatchObject({ created: true, record: { id, size: bytes.length, state: 'waiting' } });
    expect(await server.mailboxes.receive(source.mailboxId, id, bytes.length, bodyOf(), accept)).toMatchObject({
      created: false,
    });
  });

  test('concurrent pushes cannot overfill a mailbox', async () => {
    const small = await makeTestServer({ mailboxLimits: { maxRepliesPerMailbox: 2 } });
    try {
      const source = makeSource();
      const bytes = await encryptReply(small.newsroom, source, utf8('x'));
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map(() =>
          small.mailboxes.receive(source.mailboxId, newReplyId(), bytes.length, bodyOf(bytes), accept),
        ),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
      for (const result of results.filter((result) => result.status === 'rejected')) {
        expect(result.reason).toMatchObject({ code: 'MAILBOX_FULL' });
      }
      const names = await readdir(path.join(small.mailboxes.directory, source.mailboxId));
      expect(names.filter((name) => name.endsWith('.age'))).toHaveLength(2);
      expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      await small.cleanup();
    }
  });

  test('the stored day is the day of arrival, at midnight UTC', async () => {
    const at = Date.parse('2031-07-04T23:59:58Z');
    const dated = await makeTestServer({ now: () => new Date(at) });
    try {
      const source = makeSource();
      const id = newReplyId();
      const bytes = await encryptReply(dated.newsroom, source, utf8('x'));
      const { record } = await dated.mailboxes.receive(source.mailboxId, id, bytes.length, bodyOf(bytes), accept);
      expect(record.day).toBe('2031-07-04');
      const stats = await stat(path.join(dated.mailboxes.directory, source.mailboxId, `${id}.age`));
      expect(stats.mtime.toISOString()).toBe('2031-07-04T00:00:00.000Z');
      expect(stats.atime.toISOString()).toBe('2031-07-04T00:00:00.000Z');
      // The day read back is the file's own timestamp, nothing kept beside it.
      await utimes(path.join(dated.mailboxes.directory, source.mailboxId, `${id}.age`), new Date(0), new Date(0));
      expect((await dated.mailboxes.waiting(source.mailboxId))[0]?.day).toBe('1970-01-01');
    } finally {
      await dated.cleanup();
    }
  });
});

describe('reply-files: reading a mailbox directory', () => {
  test('sorts replies, tombstones and temporary files, and ignores everything else', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const listing = readListing([
      `${a}.age`,
      `${b}.deleted`,
      `${a}.deleted`,
      `${b}.age.tmp`,
      `${a}.deleted.tmp`,
      'x.tmp',
      `${'A'.repeat(32)}.age`,
      `${a}.age.bak`,
      '..',
      `${a.slice(1)}.age`,
    ]);
    expect([...listing.replies]).toEqual([a]);
    expect([...listing.tombstones].sort()).toEqual([a, b]);
    expect([...listing.temporary].sort()).toEqual([`${a}.deleted.tmp`, `${b}.age.tmp`]);
  });
});

describe('KeyedLock', () => {
  test('runs sections for one key one at a time, other keys alongside', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const section = (name: string, ms: number) => async (): Promise<string> => {
      events.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lock.run('k', section('a', 30)),
      lock.run('k', section('b', 1)),
      lock.run('other', section('c', 1)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events.indexOf('b start')).toBeGreaterThan(events.indexOf('a end'));
    expect(events.indexOf('c end')).toBeLessThan(events.indexOf('a end'));
  });

  test('a failing section releases the key', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('k', () => Promise.resolve(1))).toBe(1);
  });
});

describe('startPeriodicTask', () => {
  test('runs on its interval, never twice at once, reports failures, and stops', async () => {
    let runs = 0;
    let running = 0;
    let overlapped = false;
    const errors: unknown[] = [];
    const task = startPeriodicTask(
      5,
      async () => {
        runs += 1;
        running += 1;
        overlapped ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, 25));
        running -= 1;
        if (runs === 1) throw new Error('first run fails');
      },
      (error) => errors.push(error),
    );
    await new Promise((resolve) => setTimeout(resolve, 120));
    task.stop();
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(stoppedAt);
    expect(overlapped).toBe(false);
    expect(errors).toEqual([expect.objectContaining({ message: 'first run fails' })]);
  });
});
