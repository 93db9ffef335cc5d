/**
 * Uploads are bound to the key manifest they were encrypted to (issue 11):
 * a create or finalize for any other version than the current one is refused
 * with MANIFEST_CHANGED, the version survives a restart, and nothing is
 * accepted while the only manifest has expired. Also the status's idle
 * expiry countdown.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { utf8 } from '../../client/core/bytes.js';
import { ApiError } from '../../server/errors.js';
import { SubmissionStore } from '../../server/storage/submission-store.js';
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
  type TestServer,
} from './support.js';

let server: TestServer;
let ciphertext: Uint8Array;

beforeEach(async () => {
  server = await makeTestServer();
  ciphertext = await encryptFor(activeEditors(server.newsroom), utf8('a tip about the port authority'));
});
afterEach(async () => {
  await server.cleanup();
});

async function uploadNames(): Promise<string[]> {
  return readdir(path.join(server.dataDir, 'uploads'));
}

async function publish(version: number, expires?: Date): Promise<void> {
  const { manifest, signature } = server.newsroom.sign(version, expires === undefined ? {} : { expires });
  await server.manifests.publish(manifest, signature);
}

test('a create for another manifest version is refused and creates nothing', async () => {
  for (const manifestVersion of [2, 7]) {
    const response = await request(server.source).post('/api/uploads').send({ size: 100, manifestVersion });
    expectError(response, 409, 'MANIFEST_CHANGED');
  }
  expect(await uploadNames()).toEqual([]);
});

test('a finalize after a rotation is refused and the upload discarded; the new version is accepted', async () => {
  const id = await createUpload(server.source, ciphertext.length);
  await putChunk(server.source, id, 0, ciphertext).expect(200);
  await publish(2);
  expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 409, 'MANIFEST_CHANGED');
  expect(await uploadNames()).toEqual([]);
  expect(await server.submissions.info(id)).toBeNull();
  expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');

  const stale = await request(server.source).post('/api/uploads').send({ size: 100, manifestVersion: 1 });
  expectError(stale, 409, 'MANIFEST_CHANGED');
  // createUpload declares the version now served: 2.
  expect((await uploadWhole(server.source, ciphertext)).status).toBe(201);
});

test('the manifest version is kept with the upload and survives a restart', async () => {
  const kept = await createUpload(server.source, ciphertext.length);
  const stale = await createUpload(server.source, ciphertext.length);
  for (const id of [kept, stale]) await putChunk(server.source, id, 0, ciphertext).expect(200);
  await server.uploads.checkpointAll();
  const meta = JSON.parse(await readFile(path.join(server.dataDir, 'uploads', `${kept}.json`), 'utf8')) as unknown;
  expect(meta).toMatchObject({ size: ciphertext.length, manifestVersion: 1 });

  const reopened = await UploadStore.open(server.dataDir, await SubmissionStore.open(server.dataDir), TEST_LIMITS);
  const accept = (): Promise<void> => Promise.resolve();
  expect(await reopened.finalize(kept, 1, accept)).toEqual({ id: kept, size: ciphertext.length });
  await expect(reopened.finalize(stale, 2, accept)).rejects.toEqual(new ApiError('MANIFEST_CHANGED'));
  expect(reopened.count()).toBe(0);
});

test('while the only manifest has expired, creates and finalizes answer KEYS_EXPIRED', async () => {
  const id = await createUpload(server.source, ciphertext.length);
  await putChunk(server.source, id, 0, ciphertext).expect(200);
  await publish(2, new Date(Date.now() + 1500));
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const create = await request(server.source).post('/api/uploads').send({ size: 100, manifestVersion: 2 });
  expectError(create, 503, 'KEYS_EXPIRED');
  expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 503, 'KEYS_EXPIRED');
  // Nothing is lost meanwhile: the upload waits (for a finalize that will tell it the keys changed).
  await request(server.source).get(`/api/uploads/${id}`).expect(200);
});

test('the status counts down to the idle expiry, and a chunk restarts it', async () => {
  let now = Date.parse('2030-01-01T12:00:00Z');
  const clocked = await makeTestServer({ now: () => new Date(now) });
  try {
    const id = await createUpload(clocked.source, 1000);
    now += 100_500;
    const status = await request(clocked.source).get(`/api/uploads/${id}`).expect(200);
    expect(status.body).toMatchObject({ expiresInSeconds: TEST_LIMITS.uploadExpirySeconds - 101 });
    const put = await putChunk(clocked.source, id, 0, utf8('age-')).expect(200);
    expect(put.body).toMatchObject({ expiresInSeconds: TEST_LIMITS.uploadExpirySeconds });
    now += TEST_LIMITS.uploadExpirySeconds * 1000 + 1;
    expect(clocked.uploads.status(id).expiresInSeconds).toBe(0);
  } finally {
    await clocked.cleanup();
  }
});
