/**
 * Deleting is safe and nothing lives forever: per-editor download records
 * (durable, editor-side, day only), deletes that wait for every active
 * editor, and retention by arrival day or by the last editor's download.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { toHex, utf8 } from '../../client/core/bytes.js';
import { loadSodium } from '../../client/core/sodium.js';
import { DEFAULTS } from '../../server/config.js';
import {
  activeEditorsByKey,
  DEFAULT_RETENTION,
  expireSubmissions,
  startSubmissionRetention,
  submissionStatus,
} from '../../server/storage/submission-retention.js';
import { SubmissionStore } from '../../server/storage/submission-store.js';
import {
  activeEditors,
  binaryBody,
  encryptFor,
  expectError,
  login,
  makeEditor,
  makeTestServer,
  uploadWhole,
  type TestEditor,
  type TestServer,
} from './support.js';

const DAY_MS = 86_400_000;
const today = (): string => new Date().toISOString().slice(0, 10);
const dayPlus = (days: number): string => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
const at = (day: string): Date => new Date(`${day}T12:34:56Z`);
const keyOf = (editor: TestEditor): string => toHex(editor.access.publicKey);

let server: TestServer;
let alice: TestEditor;
let carol: TestEditor;

beforeEach(async () => {
  await loadSodium();
  alice = makeEditor('Alice');
  carol = makeEditor('Carol');
  server = await makeTestServer({ editors: [alice, carol, makeEditor('Bob', 'retired')] });
});
afterEach(async () => {
  await server.cleanup();
});

async function submit(): Promise<string> {
  const bytes = await encryptFor(activeEditors(server.newsroom), utf8('tip '.repeat(500)));
  const done = await uploadWhole(server.source, bytes);
  expect(done.status).toBe(201);
  return (done.body as { id: string }).id;
}

const auth = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

async function confirm(editor: TestEditor, id: string): Promise<request.Response> {
  const token = await login(server.editor, editor);
  return request(server.editor)
    .post(`/api/submissions/${id}/downloaded`)
    .set(...auth(token));
}

async function confirmOk(editor: TestEditor, id: string): Promise<void> {
  const response = await confirm(editor, id);
  expect(response.status).toBe(200);
}

async function remove(editor: TestEditor, id: string, query = ''): Promise<request.Response> {
  const token = await login(server.editor, editor);
  return request(server.editor)
    .delete(`/api/submissions/${id}${query}`)
    .set(...auth(token));
}

async function publish(version: number): Promise<void> {
  const signed = server.newsroom.sign(version);
  await server.manifests.publish(signed.manifest, signed.signature);
}

const recordFile = (id: string): string => path.join(server.dataDir, 'submissions', `${id}.downloads`);
const cipherFile = (id: string): string => path.join(server.dataDir, 'submissions', `${id}.age`);

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('download records', () => {
  test('a confirmed download is listed with who has it and the expiry day', async () => {
    const id = await submit();
    const token = await login(server.editor, alice);
    const before = await request(server.editor)
      .get('/api/submissions')
      .set(...auth(token))
      .expect(200);
    expect(before.body).toEqual({
      submissions: [
        {
          id,
          day: today(),
          size: expect.any(Number) as unknown,
          downloadedBy: [],
          notDownloadedBy: ['Alice', 'Carol'],
          expires: dayPlus(91),
        },
      ],
    });
    const confirmed = await confirm(alice, id);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({
      id,
      downloadedBy: ['Alice'],
      notDownloadedBy: ['Carol'],
      expires: dayPlus(91),
    });
    const after = await request(server.editor)
      .get('/api/submissions')
      .set(...auth(token))
      .expect(200);
    expect((after.body as { submissions: unknown[] }).submissions[0]).toMatchObject({
      downloadedBy: ['Alice'],
      notDownloadedBy: ['Carol'],
    });
    // Everyone has it: gone 7 whole days after the last download instead of 90 after arrival.
    expect((await confirm(carol, id)).body).toMatchObject({
      downloadedBy: ['Alice', 'Carol'],
      notDownloadedBy: [],
      expires: dayPlus(8),
    });
  });

  test('the record holds the access key and the day only, dated to the day, and survives a restart', async () => {
    const id = await submit();
    await confirmOk(alice, id);
    // Before reading it: a read may move the atime (see docs/OPERATIONS.md on noatime).
    const { mtime, atime } = await stat(recordFile(id));
    expect(mtime.toISOString()).toBe(`${today()}T00:00:00.000Z`);
    expect(atime.toISOString()).toBe(`${today()}T00:00:00.000Z`);
    const text = await readFile(recordFile(id), 'utf8');
    expect(JSON.parse(text)).toEqual({ downloads: [{ accessKey: keyOf(alice), day: today() }] });
    // A later confirmation (pulling again) changes nothing: the first day stands.
    await server.submissions.downloads.confirm(id, keyOf(alice), at(dayPlus(5)), () => true);
    expect(await readFile(recordFile(id), 'utf8')).toBe(text);
    const reopened = await SubmissionStore.open(server.dataDir);
    expect(await reopened.downloads.of(id)).toEqual([{ accessKeyHex: keyOf(alice), day: today() }]);
  });

  test('a whole-file GET is not a confirmation (the tool confirms after it has verified its copy)', async () => {
    const id = await submit();
    const token = await login(server.editor, alice);
    await request(server.editor)
      .get(`/api/submissions/${id}`)
      .set(...auth(token))
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect(await server.submissions.downloads.of(id)).toEqual([]);
  });

  test('confirming an unknown or malformed id is refused and writes nothing', async () => {
    expectError(await confirm(alice, 'f'.repeat(32)), 404, 'NOT_FOUND');
    expect(await exists(recordFile('f'.repeat(32)))).toBe(false);
    expectError(await confirm(alice, 'x'), 400, 'INVALID_ID');
  });

  test('a damaged record counts as nobody having downloaded (kept, not deleted)', async () => {
    const id = await submit();
    await writeFile(recordFile(id), '{"downloads": [{"accessKey": "zz"}]}');
    expect(await server.submissions.downloads.of(id)).toEqual([]);
    expectError(await remove(alice, id), 409, 'NOT_PULLED_BY_ALL');
  });
});

describe('deleting', () => {
  test('an editor added later cannot delete what another editor has not pulled', async () => {
    // The newsroom starts with Alice alone; a submission arrives.
    carol.status = 'retired';
    await publish(2);
    const id = await submit();
    // Carol joins, pulls everything and asks to delete it.
    carol.status = 'active';
    await publish(3);
    await confirmOk(carol, id);
    expectError(await remove(carol, id), 409, 'NOT_PULLED_BY_ALL');
    // Only exactly `1` forces.
    expectError(await remove(carol, id, '?even-if-not-pulled-by-all=true'), 409, 'NOT_PULLED_BY_ALL');
    expectError(await remove(carol, id, '?even-if-not-pulled-by-all=0'), 409, 'NOT_PULLED_BY_ALL');
    expect(await exists(cipherFile(id))).toBe(true);
    // Once Alice has it too, the delete goes through and takes the record with it.
    await confirmOk(alice, id);
    expect((await remove(carol, id)).status).toBe(204);
    expect(await exists(cipherFile(id))).toBe(false);
    expect(await exists(recordFile(id))).toBe(false);
    expect(server.submissions.totalBytes()).toBe(0);
  });

  test('a retired editor does not hold deletion up; a download by a retired key does not count', async () => {
    const id = await submit();
    await confirmOk(alice, id);
    await confirmOk(carol, id);
    // Carol rotates her keys: the new key has not confirmed, so the delete waits for it.
    const carol2 = makeEditor('Carol 2');
    carol.status = 'retired';
    server.newsroom.editors.push(carol2);
    await publish(2);
    expectError(await remove(alice, id), 409, 'NOT_PULLED_BY_ALL');
    await confirmOk(carol2, id);
    expect((await remove(alice, id)).status).toBe(204);
  });

  test('--even-if-not-pulled-by-all deletes at once', async () => {
    const id = await submit();
    expect((await remove(alice, id, '?even-if-not-pulled-by-all=1')).status).toBe(204);
    expect(await exists(cipherFile(id))).toBe(false);
    expectError(await remove(alice, id, '?even-if-not-pulled-by-all=1'), 404, 'NOT_FOUND');
  });

  test('a confirmation racing a delete leaves no record behind', async () => {
    const id = await submit();
    await confirmOk(alice, id);
    await confirmOk(carol, id);
    const token = await login(server.editor, alice);
    const [deleted, confirmed] = await Promise.all([
      request(server.editor)
        .delete(`/api/submissions/${id}`)
        .set(...auth(token)),
      request(server.editor)
        .post(`/api/submissions/${id}/downloaded`)
        .set(...auth(token)),
    ]);
    expect(deleted.status).toBe(204);
    expect([200, 404]).toContain(confirmed.status);
    expect(await exists(recordFile(id))).toBe(false);
    expect(await exists(cipherFile(id))).toBe(false);
  });
});

describe('retention', () => {
  const active = (): ReturnType<typeof activeEditorsByKey> => activeEditorsByKey(server.manifests.current().manifest);

  test('the defaults are the documented settings', () => {
    expect(DEFAULT_RETENTION).toEqual({
      submissionRetentionDays: Number(DEFAULTS.SEALDROP_SUBMISSION_RETENTION_DAYS),
      pulledGraceDays: Number(DEFAULTS.SEALDROP_PULLED_GRACE_DAYS),
    });
    expect(DEFAULT_RETENTION).toEqual({ submissionRetentionDays: 90, pulledGraceDays: 7 });
  });

  test('expiry: arrival + retention + 1, or the last download + grace + 1 once all active editors have it', () => {
    const policy = { submissionRetentionDays: 90, pulledGraceDays: 7 };
    const a = { accessKeyHex: keyOf(alice), day: '2026-01-10' };
    const c = { accessKeyHex: keyOf(carol), day: '2026-01-20' };
    // 2026-01-01 + 90 whole days is 2026-04-01, the last day kept.
    expect(submissionStatus('2026-01-01', [], active(), policy).expires).toBe('2026-04-02');
    expect(submissionStatus('2026-01-01', [a], active(), policy).expires).toBe('2026-04-02');
    expect(submissionStatus('2026-01-01', [a, c], active(), policy)).toEqual({
      downloadedBy: ['Alice', 'Carol'],
      notDownloadedBy: [],
      expires: '2026-01-28',
    });
    // Never later than plain retention, even if the last download was late.
    const late = { accessKeyHex: keyOf(carol), day: '2026-03-30' };
    expect(submissionStatus('2026-01-01', [a, late], active(), policy).expires).toBe('2026-04-02');
    // A grace of zero: gone the day after the last download.
    expect(submissionStatus('2026-01-01', [a, c], active(), { ...policy, pulledGraceDays: 0 }).expires).toBe(
      '2026-01-21',
    );
  });

  test('the sweep deletes a submission more than the retention days after its day, not before', async () => {
    const id = await submit();
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(90)))).toBe(0);
    expect(await exists(cipherFile(id))).toBe(true);
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(91)))).toBe(1);
    expect(await exists(cipherFile(id))).toBe(false);
    expect(await server.submissions.list()).toEqual([]);
  });

  test('once every active editor has it, the sweep deletes it after the grace days, record included', async () => {
    const id = await submit();
    const records = server.submissions.downloads;
    await records.confirm(id, keyOf(alice), at(dayPlus(2)), () => true);
    // Not everyone: the grace does not apply.
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(20)))).toBe(0);
    await records.confirm(id, keyOf(carol), at(dayPlus(5)), () => true);
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(12)))).toBe(0);
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(13)))).toBe(1);
    expect(await exists(cipherFile(id))).toBe(false);
    expect(await exists(recordFile(id))).toBe(false);
  });

  test('an editor added after everyone pulled puts it back on full retention', async () => {
    const id = await submit();
    const records = server.submissions.downloads;
    await records.confirm(id, keyOf(alice), new Date(), () => true);
    await records.confirm(id, keyOf(carol), new Date(), () => true);
    server.newsroom.editors.push(makeEditor('Dana'));
    await publish(2);
    expect(await expireSubmissions(server.submissions, server.manifests, at(dayPlus(30)))).toBe(0);
    expect(await exists(cipherFile(id))).toBe(true);
  });

  test('the retention days come from the store (SEALDROP_SUBMISSION_RETENTION_DAYS)', async () => {
    const id = await submit();
    const short = await SubmissionStore.open(server.dataDir, { submissionRetentionDays: 3, pulledGraceDays: 1 });
    expect(await expireSubmissions(short, server.manifests, at(dayPlus(3)))).toBe(0);
    expect(await expireSubmissions(short, server.manifests, at(dayPlus(4)))).toBe(1);
    expect(await exists(cipherFile(id))).toBe(false);
  });

  test('start-up sweeps at once (injectable clock), removing orphan records too', async () => {
    const id = await submit();
    const orphan = 'a'.repeat(32);
    await writeFile(recordFile(orphan), JSON.stringify({ downloads: [] }));
    await writeFile(`${recordFile(id)}.tmp`, 'half');
    const errors: unknown[] = [];
    const task = await startSubmissionRetention(
      server.submissions,
      server.manifests,
      (error) => errors.push(error),
      () => at(dayPlus(91)),
    );
    task.stop();
    expect(errors).toEqual([]);
    expect(await exists(cipherFile(id))).toBe(false);
    expect(await exists(recordFile(orphan))).toBe(false);
    expect(await exists(`${recordFile(id)}.tmp`)).toBe(false);
  });

  // Per-editor counts for `sealdrop status`: test/server/status-routes.test.ts.
});
