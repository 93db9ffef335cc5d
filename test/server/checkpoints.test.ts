/**
 * Upload checkpoints. Chunks are acknowledged before they are durable; what
 * must hold is that the journal (and so the offset reported after a restart)
 * only ever claims bytes whose data was fdatasynced before the journal line
 * was written, and that a failed sync claims nothing it cannot vouch for.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { sodium } from '../../client/core/sodium.js';
import { SubmissionStore } from '../../server/storage/submission-store.js';
import type { CheckpointPolicy } from '../../server/uploads/checkpointer.js';
import { AGE_PREFIX } from '../../server/uploads/age-prefix.js';
import { UploadStore } from '../../server/uploads/upload-store.js';
import { makeTestServer, servedManifestVersion, TEST_LIMITS, type TestServer } from './support.js';

/** Checkpoint every 64 KiB; the idle checkpoint never fires during a test. */
const POLICY: CheckpointPolicy = { bytes: 64 * 1024, idleMs: 3_600_000 };
const SIZE = 200_000;

let server: TestServer;
let bytes: Uint8Array;

beforeAll(async () => {
  server = await makeTestServer();
  // Random bytes behind the age version line, which every upload must start with.
  bytes = new Uint8Array(Buffer.concat([AGE_PREFIX, sodium().randombytes_buf(SIZE - AGE_PREFIX.length)]));
});
afterAll(async () => {
  await server.cleanup();
});

async function openStore(): Promise<UploadStore> {
  return UploadStore.open(server.dataDir, await SubmissionStore.open(server.dataDir), TEST_LIMITS, undefined, POLICY);
}

function journal(id: string): Promise<string> {
  return readFile(path.join(server.dataDir, 'uploads', `${id}.ranges`), 'utf8');
}

async function send(store: UploadStore, id: string, start: number, end: number): Promise<void> {
  await store.writeChunk(
    id,
    start,
    end - start,
    (async function* () {
      await Promise.resolve();
      yield bytes.subarray(start, end);
    })(),
  );
}

type DataSync = () => Promise<void>;

/** Runs `body` with every FileHandle's datasync replaced by `replacement`. */
async function withDataSync(replacement: (original: DataSync) => DataSync, body: () => Promise<void>): Promise<void> {
  const probe = await open(server.dataDir, 'r');
  const prototype = Object.getPrototypeOf(probe) as { datasync: DataSync };
  await probe.close();
  const original = prototype.datasync;
  prototype.datasync = replacement(original);
  try {
    await body();
  } finally {
    prototype.datasync = original;
  }
}

test('acknowledged bytes are journaled at a checkpoint, after their data is synced', async () => {
  const store = await openStore();
  const { id } = await store.create(SIZE, 1);
  await send(store, id, 0, 40_000);
  // Acknowledged, below the checkpoint size: live clients see it, the journal does not.
  expect(store.status(id)).toMatchObject({ offset: 40_000, durableOffset: 0 });
  expect(await journal(id)).toBe('');
  expect((await openStore()).status(id)).toMatchObject({ offset: 0, durableOffset: 0 });

  const journalAtSync: string[] = [];
  await withDataSync(
    (original) =>
      async function (this: unknown) {
        journalAtSync.push(await journal(id));
        await original.call(this);
      },
    async () => {
      await send(store, id, 40_000, 80_000); // crosses 64 KiB: checkpoint in the background
      await store.checkpointAll(); // waits for it
    },
  );
  // The data was synced while the journal still said nothing about it.
  expect(journalAtSync).toEqual(['']);
  expect(await journal(id)).toBe('0 80000\n');
  expect(store.status(id)).toMatchObject({ offset: 80_000, durableOffset: 80_000 });
  expect((await openStore()).status(id)).toMatchObject({ offset: 80_000, durableOffset: 80_000 });
});

test('durableOffset advances only once a checkpoint has journaled the bytes', async () => {
  const store = await openStore();
  const { id } = await store.create(SIZE, 1);
  await send(store, id, 0, 40_000);
  expect(store.status(id).durableOffset).toBe(0);
  let journaled = '';
  let durableDuringSync = -1;
  await withDataSync(
    (original) =>
      async function (this: unknown) {
        await original.call(this);
        // Data synced, journal line not yet written: still not durable.
        durableDuringSync = store.status(id).durableOffset;
      },
    async () => {
      await send(store, id, 40_000, 70_000); // crosses 64 KiB: checkpoint in the background
      expect(store.status(id)).toMatchObject({ offset: 70_000, durableOffset: 0 });
      await store.checkpointAll();
      journaled = await journal(id);
    },
  );
  expect(durableDuringSync).toBe(0);
  expect(journaled).toBe('0 70000\n');
  expect(store.status(id)).toMatchObject({ offset: 70_000, durableOffset: 70_000 });
  // Bytes after the checkpoint are acknowledged but not durable.
  await send(store, id, 70_000, 90_000);
  expect(store.status(id)).toMatchObject({ offset: 90_000, durableOffset: 70_000 });
  // What a restart reports is at least the durableOffset live clients were told.
  expect((await openStore()).status(id).offset).toBe(70_000);
});

test('PUT and GET answers carry durableOffset from the checkpoint state', async () => {
  const manifestVersion = await servedManifestVersion(server.source);
  const created = (await request(server.source).post('/api/uploads').send({ size: 5000, manifestVersion }).expect(201))
    .body as { id: string };
  const id = created.id;
  expect(created).toMatchObject({ offset: 0, durableOffset: 0 });
  const put = await request(server.source)
    .put(`/api/uploads/${id}?offset=0`)
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from(bytes.subarray(0, 1000)))
    .expect(200);
  expect(put.body).toMatchObject({ offset: 1000, durableOffset: 0 });
  expect((await request(server.source).get(`/api/uploads/${id}`).expect(200)).body).toMatchObject({
    offset: 1000,
    durableOffset: 0,
  });
  await server.uploads.checkpointAll();
  expect((await request(server.source).get(`/api/uploads/${id}`).expect(200)).body).toMatchObject({
    offset: 1000,
    durableOffset: 1000,
  });
});

test('a failed data sync journals nothing and sends live clients back to the durable offset', async () => {
  const store = await openStore();
  const { id } = await store.create(SIZE, 1);
  await send(store, id, 0, 40_000);
  await store.checkpointAll();
  expect(await journal(id)).toBe('0 40000\n');

  await send(store, id, 40_000, 60_000);
  expect(store.status(id)).toMatchObject({ offset: 60_000, durableOffset: 40_000 });
  await withDataSync(
    () => () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })),
    async () => {
      await expect(store.checkpointAll()).rejects.toThrow('EIO');
    },
  );
  expect(await journal(id)).toBe('0 40000\n');
  expect(store.status(id)).toMatchObject({ offset: 40_000, durableOffset: 40_000 });

  // The client sends the rest again; the next checkpoint covers it.
  await send(store, id, 40_000, SIZE);
  await store.checkpointAll();
  expect((await openStore()).status(id)).toMatchObject({ offset: SIZE, complete: true });
});

test('an idle upload is checkpointed without further chunks', async () => {
  const store = await UploadStore.open(
    server.dataDir,
    await SubmissionStore.open(server.dataDir),
    TEST_LIMITS,
    undefined,
    {
      bytes: POLICY.bytes,
      idleMs: 50,
    },
  );
  const { id } = await store.create(SIZE, 1);
  await send(store, id, 0, 1000);
  for (let waited = 0; (await journal(id)) === '' && waited < 5000; waited += 25) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(await journal(id)).toBe('0 1000\n');
});
