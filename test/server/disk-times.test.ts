/**
 * The disk reveals at most the day, once the day is over. A server stores a
 * submission, an open upload, a reply, a tombstone and a published manifest,
 * editors and sources read them, and then the day boundary comes (an
 * injected clock puts midnight a moment away). Afterwards every stored file
 * and folder is checked with coreutils `stat` (birth, change, modify and
 * access time) and with `fs.stat` in nanoseconds: modify and access times
 * are midnight of the file's day, change times are the sweep's moment, and
 * no birth time falls in the span when anything was stored.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { startDayBoundary, sweepDayTimes, type DayBoundary } from '../../server/storage/day-sweep.js';
import { requireTools } from '../support/required-tools.js';
import {
  activeEditors,
  binaryBody,
  createUpload,
  encryptFor,
  encryptReply,
  login,
  makeSource,
  makeTestServer,
  newReplyId,
  pushReply,
  putChunk,
  servedManifestVersion,
  type TestServer,
} from './support.js';

const { describe } = requireTools(['stat'], 'birth times of stored files (coreutils stat)');
const DAY_NS = 86_400_000_000_000n;

interface Times {
  readonly name: string;
  /** Seconds, from coreutils `stat -c '%W %Z %Y %X'` (birth, change, modify, access). */
  readonly birth: number;
  readonly change: number;
  readonly modify: number;
  readonly access: number;
}

/** Every file and folder at or below `root` (relative names, `.` for root itself). */
async function entries(root: string): Promise<string[]> {
  return ['.', ...(await readdir(root, { recursive: true })).map(String)];
}

function coreutilsTimes(root: string, names: readonly string[]): Times[] {
  const out = execFileSync('stat', ['-c', '%W %Z %Y %X', ...names.map((name) => path.join(root, name))], {
    encoding: 'utf8',
  });
  return out
    .trim()
    .split('\n')
    .map((line, index) => {
      const [birth, change, modify, access] = line.split(' ').map(Number) as [number, number, number, number];
      return { name: names[index]!, birth, change, modify, access };
    });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('times on disk after the day boundary', () => {
  let server: TestServer;
  let boundary: DayBoundary | undefined;

  beforeEach(async () => {
    server = await makeTestServer();
  });

  afterEach(async () => {
    boundary?.stop();
    await server.cleanup();
  });

  test('modify and access times are midnight, change times the sweep, birth times the pool', async () => {
    const { source, editor, newsroom, dataDir } = server;
    // The clock runs 300 ms before midnight: the boundary comes soon after the stores are used.
    let offsetMs = 0;
    const now = (): Date => new Date(Date.now() + offsetMs);
    let swept: (() => void) | undefined;
    const sweptOnce = new Promise<void>((resolve) => (swept = resolve));
    let sweeps = 0;
    boundary = await startDayBoundary(dataDir, {
      now,
      graceMs: 0,
      // Generous batches: this test's files all come from the start-up batch.
      pool: { batch: 32, low: 1 },
      onSweep: () => {
        sweeps += 1;
        if (sweeps === 2) swept?.();
      },
    });
    const poolFilled = BigInt(Date.now()) * 1_000_000n;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const storingFrom = BigInt(Date.now()) * 1_000_000n;

    // A submission (downloaded by an editor), an open upload, a reply (fetched), a tombstone, a manifest.
    const editors = activeEditors(newsroom);
    const envelope = await encryptFor(editors, randomBytes(50_000));
    const submissionId = await createUpload(source, envelope.length);
    await putChunk(source, submissionId, 0, envelope).expect(200);
    await request(source).post(`/api/uploads/${submissionId}/finalize`).expect(201);
    const openId = await createUpload(source, 100_000);
    await putChunk(source, openId, 0, envelope.subarray(0, 30_000)).expect(200);
    const token = await login(editor, editors[0]!);
    await request(editor)
      .get(`/api/submissions/${submissionId}`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    const reader = makeSource();
    const kept = newReplyId();
    const removed = newReplyId();
    for (const id of [kept, removed]) {
      await pushReply(
        editor,
        token,
        reader.mailboxId,
        id,
        await encryptReply(newsroom, reader, randomBytes(300)),
      ).expect(201);
    }
    await request(source)
      .post('/api/mailbox/reply')
      .send({ capability: reader.capability, id: kept })
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    await request(source).post('/api/mailbox/delete').send({ capability: reader.capability, id: removed }).expect(204);
    const version = await servedManifestVersion(source);
    const next = newsroom.sign(version + 1);
    await request(editor)
      .put('/api/manifest')
      .set('Authorization', `Bearer ${token}`)
      .send({ manifest: Buffer.from(next.manifest).toString('utf8'), signature: next.signature })
      .expect(200);
    // Checkpoint the open upload, so its journal is written too.
    await server.uploads.checkpointAll();

    // Downloads and fetches left the access times of what was read alone (O_NOATIME).
    const submissionFile = path.join(dataDir, 'submissions', `${submissionId}.age`);
    const replyFile = path.join(dataDir, 'mailboxes', reader.mailboxId, `${kept}.age`);
    for (const file of [submissionFile, replyFile]) {
      const times = await stat(file, { bigint: true });
      expect(times.atimeNs % DAY_NS).toBe(0n);
      expect(times.atimeNs).toBe(times.mtimeNs);
    }
    const storedUntil = BigInt(Date.now()) * 1_000_000n;
    // Listed now: listing a folder may set its access time (the test is no exception), so not after the sweep.
    const names = (await entries(dataDir)).filter((name) => !name.startsWith('pool/'));

    // The boundary: midnight in 300 ms by the injected clock; the timer is re-armed for it.
    const current = new Date();
    const midnight = Date.UTC(current.getUTCFullYear(), current.getUTCMonth(), current.getUTCDate() + 1);
    offsetMs = midnight - 300 - current.getTime();
    boundary.stop();
    boundary = await startDayBoundary(dataDir, {
      now,
      graceMs: 0,
      pool: { batch: 32, low: 1 },
      onSweep: () => {
        sweeps += 1;
        if (sweeps === 3) swept?.();
      },
    });
    // (That start-up sweep is sweep 2; the boundary's is sweep 3.)
    const boundaryFrom = BigInt(Date.now()) * 1_000_000n;
    await Promise.race([sweptOnce, sleep(5000)]);
    const boundaryUntil = BigInt(Date.now()) * 1_000_000n;
    expect(sweeps).toBe(3);

    const expected = [
      `submissions/${submissionId}.age`,
      `uploads/${openId}.part`,
      `uploads/${openId}.ranges`,
      `uploads/${openId}.json`,
      `mailboxes/${reader.mailboxId}/${kept}.age`,
      `mailboxes/${reader.mailboxId}/${removed}.deleted`,
      `manifests/${version + 1}.json`,
      `manifests/${version + 1}.json.minisig`,
      'submissions',
      'uploads',
      'mailboxes',
      `mailboxes/${reader.mailboxId}`,
      'manifests',
      'pool',
      '.',
    ];
    expect(names).toEqual(expect.arrayContaining(expected));
    const coreutils = new Map(coreutilsTimes(dataDir, names).map((times) => [times.name, times]));
    const changes = new Set<bigint>();
    for (const name of names) {
      const times = await stat(path.join(dataDir, name), { bigint: true });
      const seen = coreutils.get(name)!;
      // Modify and access: exactly midnight (to the nanosecond) of the day.
      expect({ name, modify: times.mtimeNs % DAY_NS, access: times.atimeNs % DAY_NS }).toEqual({
        name,
        modify: 0n,
        access: 0n,
      });
      expect(seen.modify % 86_400).toBe(0);
      expect(seen.access % 86_400).toBe(0);
      // Change: the sweep's moment, after everything was stored.
      expect(times.ctimeNs).toBeGreaterThanOrEqual(boundaryFrom);
      expect(times.ctimeNs).toBeLessThanOrEqual(boundaryUntil);
      changes.add(times.ctimeNs / 1_000_000_000n);
      // Birth: never inside the span when anything was stored (it would date that event).
      const birthNs = times.birthtimeNs;
      expect(BigInt(seen.birth)).toBe(birthNs / 1_000_000_000n);
      if (expected.slice(0, 8).includes(name) || name === `mailboxes/${reader.mailboxId}`) {
        expect({ name, during: birthNs >= storingFrom && birthNs <= storedUntil }).toEqual({ name, during: false });
        expect(birthNs).toBeLessThanOrEqual(poolFilled);
      }
    }
    // One sweep took well under a second here, so the change times of all files share one second (or two).
    expect(changes.size).toBeLessThanOrEqual(2);
    // The pool was renewed at the boundary: what it holds now was born then.
    const pooled = await readdir(path.join(dataDir, 'pool'));
    expect(pooled.length).toBeGreaterThan(0);
    for (const name of pooled) {
      const birthNs = (await stat(path.join(dataDir, 'pool', name), { bigint: true })).birthtimeNs;
      expect(birthNs).toBeGreaterThanOrEqual(boundaryFrom);
    }
  }, 30_000);

  test('a sweep keeps the day of every file: today stays today, yesterday stays yesterday', async () => {
    const { dataDir, source } = server;
    const id = await createUpload(source, 1000);
    const part = path.join(dataDir, 'uploads', `${id}.part`);
    const yesterday = new Date(Date.now() - 86_400_000 - 5000);
    await utimes(part, yesterday, yesterday);
    const count = await sweepDayTimes(dataDir);
    expect(count.files).toBeGreaterThanOrEqual(3);
    const times = await stat(part);
    expect(times.mtime.toISOString()).toBe(`${yesterday.toISOString().slice(0, 10)}T00:00:00.000Z`);
    expect(times.atime.getTime()).toBe(times.mtime.getTime());
    const json = await stat(path.join(dataDir, 'uploads', `${id}.json`));
    expect(json.mtime.toISOString()).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
  });
});
