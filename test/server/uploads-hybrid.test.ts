/**
 * Finalizing uploads for a newsroom with a hybrid post-quantum manifest: a
 * submission with one mlkem768x25519 stanza per active editor is kept; one
 * stanza short, stanzas that mix in X25519, or X25519 stanzas only (sealed
 * by a page cached from before the move to hybrid keys), are refused and
 * deleted, as the keyless check (client/core/envelope-check.ts) rules.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { loadSodium } from '../../client/core/sodium.js';
import { decrypt } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import { readHeader } from '../../client/core/header.js';
import {
  activeEditors,
  createUpload,
  encryptFor,
  expectError,
  makeEditor,
  makeTestServer,
  putChunk,
  uploadWhole,
  type TestServer,
} from './support.js';
import { collect, streamOf } from '../support/age-helpers.js';

let server: TestServer;
const plaintext = utf8('a tip about the ministry, safe from a future quantum computer '.repeat(3000));

beforeAll(async () => {
  await loadSodium();
  server = await makeTestServer({
    editors: [makeEditor('Alice', 'active', true), makeEditor('Bob', 'active', true), makeEditor('Old', 'retired')],
  });
});
afterAll(async () => {
  await server.cleanup();
});

test('the served manifest is hybrid: every active recipient is age1pq1', async () => {
  const served = await request(server.source).get('/manifest.json').expect(200);
  const editors = (served.body as { editors: { recipient: string; status: string }[] }).editors;
  expect(editors.filter((editor) => editor.status === 'active').map((editor) => editor.recipient.slice(0, 7))).toEqual([
    'age1pq1',
    'age1pq1',
  ]);
});

test('one hybrid stanza per active editor: finalized, and each editor opens it', async () => {
  const bytes = await encryptFor(activeEditors(server.newsroom), plaintext);
  const { header } = await readHeader(streamOf(bytes));
  expect(header.stanzas.map((stanza) => stanza.type)).toEqual(['mlkem768x25519', 'mlkem768x25519']);
  const response = await uploadWhole(server.source, bytes);
  expect(response.status).toBe(201);
  for (const editor of activeEditors(server.newsroom)) {
    const { plaintext: opened } = await decrypt([editor.identity], streamOf(bytes));
    expect(await collect(opened)).toEqual(plaintext);
  }
});

test('a stanza short of the active editors is refused', async () => {
  const bytes = await encryptFor(activeEditors(server.newsroom).slice(0, 1), plaintext);
  expectError(await uploadWhole(server.source, bytes), 422, 'WRONG_RECIPIENTS');
});

test('the right count with an X25519 stanza mixed in is refused', async () => {
  const [alice] = activeEditors(server.newsroom);
  const bytes = await encryptFor([alice!, makeEditor('Classic')], plaintext);
  expectError(await uploadWhole(server.source, bytes), 422, 'WRONG_RECIPIENTS');
});

test('a classic-only submission of the right count (a page cached from before the move) is refused, nothing kept', async () => {
  const before = (await server.submissions.list()).length;
  const bytes = await encryptFor([makeEditor('Alice'), makeEditor('Bob')], plaintext);
  const { header } = await readHeader(streamOf(bytes));
  expect(header.stanzas.map((stanza) => stanza.type)).toEqual(['X25519', 'X25519']);
  const id = await createUpload(server.source, bytes.length);
  await putChunk(server.source, id, 0, bytes).expect(200);
  expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 422, 'WRONG_RECIPIENTS');
  expect((await readdir(path.join(server.dataDir, 'uploads'))).filter((name) => name.startsWith(id))).toEqual([]);
  expect(await server.submissions.info(id)).toBeNull();
  expect(await server.submissions.list()).toHaveLength(before);
  expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');
});
