/**
 * A full disk, for real: the data folder on a small tmpfs, filled by a real
 * upload (blocks) or by files (inodes). Every write that needs room answers
 * `507 STORAGE_FULL`, nothing temporary is left behind, stored submissions
 * stay byte-equal, the episode is logged once (warn) and its end once (info),
 * and everything works again as soon as space returns.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createLogger } from '../../server/logging.js';
import { startDayBoundary, type DayBoundary } from '../../server/storage/day-sweep.js';
import { isStorageFull, StorageFaults, storageFaults } from '../../server/storage/disk-faults.js';
import { placeNewFile } from '../../server/storage/file-pool.js';
import { Checkpointer } from '../../server/uploads/checkpointer.js';
import {
  activeEditors,
  createUpload,
  encryptFor,
  encryptReply,
  expectError,
  login,
  makeSource,
  makeTestServer,
  newReplyId,
  pushReply,
  putChunk,
  servedManifestVersion,
  type TestServer,
} from './support.js';
import { mountTmpfsOver, requireTmpfs, type Tmpfs } from '../support/tmpfs.js';

const MiB = 1024 * 1024;
const gate = requireTmpfs('the disk-full scenarios');

interface LogLine {
  level: number;
  msg: string;
  operation?: string;
}

const LIMITS = { maxSubmissionBytes: 64 * MiB, storageQuotaBytes: 512 * MiB, maxChunkBytes: MiB };

/** Every file name under `directory`, recursively, relative to it. */
async function allNames(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true });
  return entries.map(String);
}

async function submit(server: TestServer, bytes: Uint8Array): Promise<string> {
  const id = await createUpload(server.source, bytes.length);
  await putChunk(server.source, id, 0, bytes).expect(200);
  await request(server.source).post(`/api/uploads/${id}/finalize`).expect(201);
  return id;
}

function captureFaults(): LogLine[] {
  const lines: LogLine[] = [];
  storageFaults.reportTo(
    createLogger('info', {
      write: (line: string) => {
        lines.push(JSON.parse(line) as LogLine);
      },
    }),
  );
  return lines;
}

const WARN = 40;
const INFO = 30;

gate.describe('a full disk: 20 MiB tmpfs filled by an upload', () => {
  let disk: Tmpfs;
  let server: TestServer;
  let boundary: DayBoundary;
  let faults: LogLine[];

  beforeAll(async () => {
    server = await makeTestServer({ limits: LIMITS });
    disk = mountTmpfsOver(server.dataDir, 'size=20m');
    boundary = await startDayBoundary(server.dataDir, { pool: { batch: 8, low: 2 } });
    faults = captureFaults();
  });

  afterAll(async () => {
    boundary.stop();
    storageFaults.reportTo(undefined);
    disk.unmount();
    await server.cleanup();
  });

  test('answers 507 STORAGE_FULL, leaves nothing temporary, keeps submissions, and recovers', async () => {
    const { source, editor, newsroom, dataDir } = server;
    const editors = activeEditors(newsroom);
    // Before the disk fills: a submission, a waiting reply, an upload ready to finalize.
    const earlier = await encryptFor(editors, randomBytes(200_000));
    const earlierId = await submit(server, earlier);
    const token = await login(editor, editors[0]!);
    const reader = makeSource();
    await pushReply(
      editor,
      token,
      reader.mailboxId,
      newReplyId(),
      await encryptReply(newsroom, reader, randomBytes(500)),
    ).expect(201);
    const ready = await encryptFor(editors, randomBytes(1000));
    const readyId = await createUpload(source, ready.length);
    await putChunk(source, readyId, 0, ready).expect(200);
    // A checkpointer with 10 unsynced bytes and an empty journal: its first append needs a new page.
    const part = path.join(dataDir, 'checkpoint-probe.part');
    await writeFile(part, randomBytes(10));
    await placeNewFile(`${part}.ranges`);
    const probe = new Checkpointer({ part, journal: `${part}.ranges` }, { bytes: 1, idleMs: 60_000 });

    // Fill the disk with a real upload larger than it.
    const fillSize = 24 * MiB;
    const filler = await createUpload(source, fillSize);
    let refused: request.Response | undefined;
    for (let offset = 0; offset < fillSize && refused === undefined; offset += MiB) {
      const chunk = offset === 0 ? encryptedLooking(MiB) : randomBytes(MiB);
      const response = await putChunk(source, filler, offset, chunk);
      if (response.status !== 200) refused = response;
    }
    expectError(refused!, 507, 'STORAGE_FULL');

    // Every write that needs room is refused with the code, not a 500.
    const version = await servedManifestVersion(source);
    expectError(
      await request(source).post('/api/uploads').send({ size: 5000, manifestVersion: version }),
      507,
      'STORAGE_FULL',
    );
    expectError(
      await request(source).post('/api/uploads').send({ size: 5000, manifestVersion: version }),
      507,
      'STORAGE_FULL',
    );
    const reply = await encryptReply(newsroom, reader, randomBytes(20_000));
    expectError(await pushReply(editor, token, reader.mailboxId, newReplyId(), reply), 507, 'STORAGE_FULL');
    const next = newsroom.sign(version + 1);
    const publish = (): request.Test =>
      request(editor)
        .put('/api/manifest')
        .set('Authorization', `Bearer ${token}`)
        .send({ manifest: Buffer.from(next.manifest).toString('utf8'), signature: next.signature });
    expectError(await publish(), 507, 'STORAGE_FULL');
    expect(await servedManifestVersion(source)).toBe(version);
    probe.recordWrite(probe.startWrite(), 0, 10);
    await expect(probe.checkpoint()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(probe.durableOffset()).toBe(0);
    // An fsync that fails for lack of room (ext4 allocates late): finalize answers 507 and keeps the upload.
    const adopt = server.submissions.adopt.bind(server.submissions);
    server.submissions.adopt = () =>
      Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    expectError(await request(source).post(`/api/uploads/${readyId}/finalize`), 507, 'STORAGE_FULL');
    server.submissions.adopt = adopt;

    // Nothing temporary, nothing of the refused writes, the submission intact.
    const names = await allNames(dataDir);
    expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(names.filter((name) => name.startsWith('manifests/') && name.includes(`${version + 1}.json`))).toEqual([]);
    expect(names.filter((name) => name.startsWith('uploads/') && name.endsWith('.json')).sort()).toEqual(
      [`uploads/${filler}.json`, `uploads/${readyId}.json`].sort(),
    );
    expect(
      Buffer.from(await readFile(path.join(dataDir, 'submissions', `${earlierId}.age`))).equals(Buffer.from(earlier)),
    ).toBe(true);
    // One warn for the whole episode, never an error line, never a file name.
    expect(faults.filter((line) => line.level === WARN)).toHaveLength(1);
    expect(faults.filter((line) => line.level > WARN)).toEqual([]);
    expect(JSON.stringify(faults)).not.toContain(dataDir);
    expect(server.log.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level >= 50)).toEqual([]);

    // Space returns: the next writes simply work, and the end of the episode is logged once.
    await request(source).delete(`/api/uploads/${filler}`).expect(204);
    // The failed fsync made the server stop claiming what it had not journaled: resume as a client does.
    const status = await request(source).get(`/api/uploads/${readyId}`).expect(200);
    const resumeAt = (status.body as { offset: number }).offset;
    if (resumeAt < ready.length) await putChunk(source, readyId, resumeAt, ready.subarray(resumeAt)).expect(200);
    await request(source).post(`/api/uploads/${readyId}/finalize`).expect(201);
    const later = await encryptFor(editors, randomBytes(300_000));
    const laterId = await submit(server, later);
    await pushReply(editor, token, reader.mailboxId, newReplyId(), reply).expect(201);
    await publish().expect(200);
    // Distrusted after the failed sync: the bytes are written again, as a client re-sends them.
    expect(probe.offset()).toBe(0);
    probe.recordWrite(probe.startWrite(), 0, 10);
    await probe.checkpoint();
    expect(probe.durableOffset()).toBe(10);
    expect(faults.filter((line) => line.level === INFO && line.msg === 'storage writable again')).toHaveLength(1);
    expect(faults.filter((line) => line.level === WARN)).toHaveLength(1);
    for (const [id, bytes] of [
      [earlierId, earlier],
      [readyId, ready],
      [laterId, later],
    ] as const) {
      expect(
        Buffer.from(await readFile(path.join(dataDir, 'submissions', `${id}.age`))).equals(Buffer.from(bytes)),
      ).toBe(true);
    }
    expect((await allNames(dataDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

gate.describe('a full disk: tmpfs out of inodes', () => {
  let disk: Tmpfs;
  let server: TestServer;
  let boundary: DayBoundary;
  let faults: LogLine[];

  beforeAll(async () => {
    server = await makeTestServer({ limits: LIMITS });
    disk = mountTmpfsOver(server.dataDir, 'size=20m,nr_inodes=200');
    boundary = await startDayBoundary(server.dataDir, { pool: { batch: 4, low: 1 } });
    faults = captureFaults();
  });

  afterAll(async () => {
    boundary.stop();
    storageFaults.reportTo(undefined);
    disk.unmount();
    await server.cleanup();
  });

  test('a tombstone or a create that needs a new file answers 507 and deletes nothing', async () => {
    const { source, editor, newsroom, dataDir } = server;
    const token = await login(editor, activeEditors(newsroom)[0]!);
    const reader = makeSource();
    const replyId = newReplyId();
    await pushReply(
      editor,
      token,
      reader.mailboxId,
      replyId,
      await encryptReply(newsroom, reader, randomBytes(500)),
    ).expect(201);
    // Use up every inode.
    const fill = path.join(disk.directory, 'fill');
    let count = 0;
    for (;;) {
      try {
        await writeFile(`${fill}-${count}`, '');
        count += 1;
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
        break;
      }
    }
    // (tmpfs counts a hard link against its inodes, so even taking from the pool fails now.)

    const remove = (): request.Test =>
      request(source).post('/api/mailbox/delete').send({ capability: reader.capability, id: replyId });
    expectError(await remove(), 507, 'STORAGE_FULL');
    const version = await servedManifestVersion(source);
    expectError(
      await request(source).post('/api/uploads').send({ size: 5000, manifestVersion: version }),
      507,
      'STORAGE_FULL',
    );
    const waiting = await request(source).post('/api/mailbox').send({ capability: reader.capability }).expect(200);
    expect((waiting.body as { replies: { id: string }[] }).replies.map((r) => r.id)).toEqual([replyId]);
    expect((await allNames(dataDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(faults.filter((line) => line.level === WARN)).toHaveLength(1);

    for (let index = 0; index < count; index += 1) await rm(`${fill}-${index}`);
    await remove().expect(204);
    await createUpload(source, 5000);
    expect(faults.filter((line) => line.msg === 'storage writable again')).toHaveLength(1);
  }, 60_000);
});

/** Random bytes behind the age version line, as the first chunk of an upload must start. */
function encryptedLooking(length: number): Uint8Array {
  const bytes = randomBytes(length);
  bytes.set(new TextEncoder().encode('age-encryption.org/v1\n'));
  return bytes;
}

describe('StorageFaults: the one classification of a full disk', () => {
  function tracker(): { faults: StorageFaults; lines: { level: string; fields: object; message: string }[] } {
    const lines: { level: string; fields: object; message: string }[] = [];
    const faults = new StorageFaults();
    faults.reportTo({
      warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
      info: (fields, message) => lines.push({ level: 'info', fields, message }),
      error: (fields, message) => lines.push({ level: 'error', fields, message }),
    });
    return { faults, lines };
  }
  const errno = (code: string): Error => Object.assign(new Error(`${code}: /data/uploads/secret-name`), { code });

  test('ENOSPC and EDQUOT become 507 STORAGE_FULL; other errors pass unchanged', async () => {
    const { faults } = tracker();
    for (const code of ['ENOSPC', 'EDQUOT']) {
      await expect(faults.write('chunk', () => Promise.reject(errno(code)))).rejects.toMatchObject({
        code: 'STORAGE_FULL',
        status: 507,
      });
    }
    const other = errno('EIO');
    await expect(faults.write('chunk', () => Promise.reject(other))).rejects.toBe(other);
    expect(isStorageFull(errno('EDQUOT'))).toBe(true);
    expect(isStorageFull(errno('ENOENT'))).toBe(false);
    expect(isStorageFull('ENOSPC')).toBe(false);
  });

  test('one warn per episode, one info at its end, never a file name', async () => {
    const { faults, lines } = tracker();
    for (let i = 0; i < 5; i += 1) {
      await faults.write('chunk', () => Promise.reject(errno('ENOSPC'))).catch(() => undefined);
      faults.background('checkpoint', errno('ENOSPC'));
    }
    expect(faults.isFull()).toBe(true);
    await faults.write('chunk', () => Promise.resolve());
    await faults.write('chunk', () => Promise.resolve());
    faults.background('checkpoint', errno('EIO'));
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info', 'error']);
    expect(lines[0]!.fields).toEqual({ operation: 'chunk', code: 'ENOSPC' });
    expect(JSON.stringify(lines)).not.toContain('secret-name');
  });
});
