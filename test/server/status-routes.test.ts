/**
 * Health and status: `GET /api/health` answers on the editor listener only,
 * with nothing about sources; `GET /api/status` needs an active editor's
 * login and counts what waits, who pulled what, the quota and the manifest's
 * expiry.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import {
  activeEditors,
  encryptFor,
  expectError,
  login,
  makeEditor,
  makeTestServer,
  uploadWhole,
  type TestServer,
} from './support.js';

let server: TestServer;
afterEach(async () => {
  await server.cleanup();
});

test('GET /api/health on the editor listener: ok and the manifest version, no login, nothing else', async () => {
  server = await makeTestServer();
  const response = await request(server.editor).get('/api/health').expect(200);
  expect(response.body).toEqual({ status: 'ok', manifestVersion: 1 });
  expect(response.headers['cache-control']).toBe('no-store');
});

test('the source listener has neither health nor status', async () => {
  server = await makeTestServer();
  expectError(await request(server.source).get('/api/health'), 404, 'NOT_FOUND');
  expectError(await request(server.source).get('/api/status'), 404, 'NOT_FOUND');
});

test('GET /api/status needs an editor login', async () => {
  server = await makeTestServer();
  expectError(await request(server.editor).get('/api/status'), 401, 'UNAUTHENTICATED');
  const forged = `Bearer ${'A'.repeat(43)}`;
  expectError(await request(server.editor).get('/api/status').set('Authorization', forged), 401, 'UNAUTHENTICATED');
});

test('counts waiting submissions and replies, pulls per active editor, quota and manifest expiry', async () => {
  const [alice, dana] = [makeEditor('Alice'), makeEditor('Dana')];
  server = await makeTestServer({ editors: [alice, dana, makeEditor('Bob', 'retired')] });
  const sizes: number[] = [];
  const ids: string[] = [];
  for (const text of ['first tip', 'second, longer tip']) {
    const bytes = await encryptFor(activeEditors(server.newsroom), new TextEncoder().encode(text));
    const finalized = await uploadWhole(server.source, bytes);
    expect(finalized.status).toBe(201);
    ids.push((finalized.body as { id: string }).id);
    sizes.push(bytes.length);
  }
  // One waiting reply, one the source deleted (a tombstone beside it), one mailbox empty.
  const mailbox = path.join(server.dataDir, 'mailboxes', 'ab'.repeat(16));
  await mkdir(mailbox, { recursive: true });
  await writeFile(path.join(mailbox, `${'1'.repeat(32)}.age`), 'x');
  await writeFile(path.join(mailbox, `${'2'.repeat(32)}.age`), 'x');
  await writeFile(path.join(mailbox, `${'2'.repeat(32)}.deleted`), '');
  await mkdir(path.join(server.dataDir, 'mailboxes', 'cd'.repeat(16)));

  const token = await login(server.editor, alice);
  await request(server.editor)
    .post(`/api/submissions/${ids[0]!}/downloaded`)
    .set('Authorization', `Bearer ${token}`)
    .expect(200);
  const response = await request(server.editor).get('/api/status').set('Authorization', `Bearer ${token}`).expect(200);
  const { manifest } = server.manifests.current();
  // Every submission's expiry day, counted per day (here the same day: neither is pulled by all).
  const listed = await request(server.editor).get('/api/submissions').set('Authorization', `Bearer ${token}`);
  const days = (listed.body as { submissions: { expires: string }[] }).submissions.map((item) => item.expires);
  expect(new Set(days).size).toBe(1);
  expect(response.body).toEqual({
    submissions: { waiting: 2, bytes: sizes[0]! + sizes[1]!, expiring: [{ day: days[0]!, count: 2 }] },
    replies: { waiting: 1 },
    // Active editors only: the retired one's downloads no longer decide anything.
    editors: [
      { name: 'Alice', pulled: 1 },
      { name: 'Dana', pulled: 0 },
    ],
    quota: { usedBytes: server.uploads.quota.usedBytes(), limitBytes: server.uploads.quota.limitBytes },
    // makeNewsroom's manifest expires in a year: far from the 14-day warning.
    manifest: { version: 1, expires: manifest.expires, expired: false, daysLeft: 364, warning: false },
  });
  expect(server.uploads.quota.usedBytes()).toBeGreaterThanOrEqual(sizes[0]! + sizes[1]!);
  // Nothing that names a submission, a mailbox or a source.
  const text = JSON.stringify(response.body);
  for (const id of [...ids, 'ab'.repeat(16), '1'.repeat(32)]) expect(text).not.toContain(id);
});

test('warns once at most 14 days (the default) are left before the expiry', async () => {
  const now = new Date();
  server = await makeTestServer({ now: () => now });
  const token = await login(server.editor, server.newsroom.editors[0]!);
  const near = server.newsroom.sign(2, { expires: new Date(now.getTime() + 10 * 86_400_000 + 60_000) });
  await request(server.editor)
    .put('/api/manifest')
    .set('Authorization', `Bearer ${token}`)
    .send({ manifest: new TextDecoder().decode(near.manifest), signature: near.signature })
    .expect(200);
  const response = await request(server.editor).get('/api/status').set('Authorization', `Bearer ${token}`).expect(200);
  expect((response.body as { manifest: unknown }).manifest).toMatchObject({
    version: 2,
    expired: false,
    daysLeft: 10,
    warning: true,
  });
});
