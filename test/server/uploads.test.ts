/** Source-side upload routes: the happy paths and every bad input. */
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { utf8 } from '../../client/core/bytes.js';
import { MAX_STANZAS } from '../../client/core/header.js';
import { sodium } from '../../client/core/sodium.js';
import { AGE_PREFIX } from '../../server/uploads/age-prefix.js';
import {
  activeEditors,
  createUpload,
  encryptFor,
  expectError,
  makeEditor,
  makeTestServer,
  putChunk,
  servedManifestVersion,
  TEST_LIMITS,
  uploadWhole,
  type TestServer,
} from './support.js';

let server: TestServer;
let ciphertext: Uint8Array;
let manifestVersion: number;

/** Bytes that pass the first-chunk check (they start with the age version line) and nothing else. */
function agePrefixed(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([AGE_PREFIX, bytes]));
}
const plaintext = utf8('a tip about the ministry '.repeat(8000)); // ~200 KiB, several STREAM chunks

beforeAll(async () => {
  server = await makeTestServer();
  ciphertext = await encryptFor(activeEditors(server.newsroom), plaintext);
  manifestVersion = await servedManifestVersion(server.source);
});
afterAll(async () => {
  await server.cleanup();
});

describe('creating an upload', () => {
  test('returns a random id, the size, offset 0 and the idle expiry; no span list', async () => {
    const response = await request(server.source)
      .post('/api/uploads')
      .send({ size: 1000, manifestVersion })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
      size: 1000,
      offset: 0,
      durableOffset: 0,
      complete: false,
      expiresInSeconds: expect.any(Number) as unknown,
    });
    const { expiresInSeconds } = response.body as { expiresInSeconds: number };
    expect(TEST_LIMITS.uploadExpirySeconds - expiresInSeconds).toBeLessThanOrEqual(1);
  });

  test('refuses a wrong content type', async () => {
    const response = await request(server.source)
      .post('/api/uploads')
      .set('Content-Type', 'text/plain')
      .send('{"size":1}');
    expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('refuses malformed JSON without echoing it', async () => {
    const response = await request(server.source)
      .post('/api/uploads')
      .set('Content-Type', 'application/json')
      .send('{"size": secret');
    expectError(response, 400, 'INVALID_BODY');
    expect(JSON.stringify(response.body)).not.toContain('secret');
  });

  test.each([
    [{}],
    [{ size: -1, manifestVersion: 1 }],
    [{ size: 0, manifestVersion: 1 }],
    [{ size: 1.5, manifestVersion: 1 }],
    [{ size: '10', manifestVersion: 1 }],
    [{ size: 10 }],
    [{ size: 10, manifestVersion: 0 }],
    [{ size: 10, manifestVersion: 1.5 }],
    [{ size: 10, manifestVersion: '1' }],
    [{ size: 10, manifestVersion: null }],
    [[1]],
  ])('refuses body %j', async (body) => {
    expectError(await request(server.source).post('/api/uploads').send(body), 400, 'INVALID_BODY');
  });

  test('refuses an oversized JSON body before parsing it', async () => {
    const response = await request(server.source)
      .post('/api/uploads')
      .send({ size: 1, pad: 'x'.repeat(10_000) });
    expectError(response, 413, 'BODY_TOO_LARGE');
  });

  test('refuses a submission over the size limit before any byte is written', async () => {
    const before = await readdir(path.join(server.dataDir, 'uploads'));
    const response = await request(server.source)
      .post('/api/uploads')
      .send({ size: 4 * 1024 * 1024 + 1, manifestVersion });
    expectError(response, 413, 'SUBMISSION_TOO_LARGE');
    expect(await readdir(path.join(server.dataDir, 'uploads'))).toEqual(before);
  });
});

describe('sending chunks', () => {
  test('out of order, duplicated and overlapping chunks assemble correctly', async () => {
    const id = await createUpload(server.source, ciphertext.length);
    const size = ciphertext.length;
    const third = Math.floor(size / 3);
    await putChunk(server.source, id, third, ciphertext.subarray(third, 2 * third)).expect(200);
    let status = await request(server.source).get(`/api/uploads/${id}`).expect(200);
    expect(status.body).toMatchObject({ offset: 0, complete: false });
    await putChunk(server.source, id, 0, ciphertext.subarray(0, third + 10)).expect(200);
    await putChunk(server.source, id, 0, ciphertext.subarray(0, third + 10)).expect(200); // retry
    status = await request(server.source).get(`/api/uploads/${id}`).expect(200);
    expect(status.body).toMatchObject({ offset: 2 * third, complete: false });
    const last = await putChunk(server.source, id, 2 * third - 5, ciphertext.subarray(2 * third - 5)).expect(200);
    expect(last.body).toMatchObject({ offset: size, complete: true });
    const done = await request(server.source).post(`/api/uploads/${id}/finalize`).expect(201);
    expect(done.body).toEqual({ id, size });
    const stored = await readFile(path.join(server.dataDir, 'submissions', `${id}.age`));
    expect(Buffer.compare(stored, ciphertext)).toBe(0);
  });

  test('finalize is idempotent for a client whose response was lost', async () => {
    const first = await uploadWhole(server.source, ciphertext);
    expect(first.status).toBe(201);
    const { id } = first.body as { id: string };
    const again = await request(server.source).post(`/api/uploads/${id}/finalize`).expect(201);
    expect(again.body).toEqual(first.body);
  });

  test('refuses a wrong content type', async () => {
    const id = await createUpload(server.source, 100);
    const response = await request(server.source)
      .put(`/api/uploads/${id}?offset=0`)
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(10));
    expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test.each(['', '-1', '1.5', 'abc', '01', '99999999999999999999'])('refuses offset "%s"', async (offset) => {
    const id = await createUpload(server.source, 100);
    const response = await request(server.source)
      .put(`/api/uploads/${id}?offset=${offset}`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(10));
    expectError(response, 400, 'INVALID_OFFSET');
  });

  test('refuses a missing offset', async () => {
    const id = await createUpload(server.source, 100);
    const response = await request(server.source)
      .put(`/api/uploads/${id}`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(10));
    expectError(response, 400, 'INVALID_OFFSET');
  });

  test('refuses a chunk past the declared size, writing nothing', async () => {
    const id = await createUpload(server.source, 100);
    expectError(await putChunk(server.source, id, 95, new Uint8Array(10)), 400, 'CHUNK_OUT_OF_BOUNDS');
    expect((await request(server.source).get(`/api/uploads/${id}`)).body).toMatchObject({ offset: 0 });
    expect((await readFile(path.join(server.dataDir, 'uploads', `${id}.part`))).length).toBe(0);
  });

  test('refuses a chunk over the chunk limit before reading it', async () => {
    const id = await createUpload(server.source, 1024 * 1024);
    expectError(await putChunk(server.source, id, 0, new Uint8Array(256 * 1024 + 1)), 413, 'CHUNK_TOO_LARGE');
    expect((await readFile(path.join(server.dataDir, 'uploads', `${id}.part`))).length).toBe(0);
  });

  test('refuses an empty chunk', async () => {
    const id = await createUpload(server.source, 100);
    expectError(await putChunk(server.source, id, 0, new Uint8Array(0)), 400, 'INVALID_BODY');
  });

  test('refuses chunked transfer encoding (length unknown up front)', async () => {
    const id = await createUpload(server.source, 100);
    const listener = server.source.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const { port } = listener.address() as AddressInfo;
      const response = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'PUT',
            path: `/api/uploads/${id}?offset=0`,
            headers: { 'Content-Type': 'application/octet-stream' },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (piece: string) => (text += piece));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
            });
          },
        );
        req.on('error', reject);
        req.write(Buffer.alloc(10)); // no Content-Length: Node sends it chunked
        req.end();
      });
      expect(response).toEqual({
        status: 411,
        body: { error: { code: 'LENGTH_REQUIRED', message: expect.any(String) as unknown } },
      });
    } finally {
      listener.close();
    }
  });

  test.each(['..%2F..%2Fetc%2Fpasswd', '..', 'ABCDEF0123456789ABCDEF0123456789', 'a'.repeat(33), '%2e%2e'])(
    'refuses path-like or malformed id %s',
    async (id) => {
      expectError(await request(server.source).get(`/api/uploads/${id}`), 400, 'INVALID_ID');
      expectError(await putChunk(server.source, id, 0, new Uint8Array(1)), 400, 'INVALID_ID');
      expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 400, 'INVALID_ID');
      expectError(await request(server.source).delete(`/api/uploads/${id}`), 400, 'INVALID_ID');
    },
  );

  test('unknown ids are not found', async () => {
    const id = '0'.repeat(32);
    expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');
    expectError(await putChunk(server.source, id, 0, new Uint8Array(1)), 404, 'NOT_FOUND');
    expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 404, 'NOT_FOUND');
  });
});

describe('finalize refuses and deletes what is not a valid envelope', () => {
  async function finalizeBytes(bytes: Uint8Array): Promise<{ response: request.Response; id: string }> {
    const id = await createUpload(server.source, bytes.length);
    for (let offset = 0; offset < bytes.length; offset += 200 * 1024) {
      await putChunk(server.source, id, offset, bytes.subarray(offset, offset + 200 * 1024)).expect(200);
    }
    const response = await request(server.source).post(`/api/uploads/${id}/finalize`);
    return { response, id };
  }

  async function expectDeleted(id: string): Promise<void> {
    expect((await readdir(path.join(server.dataDir, 'uploads'))).filter((name) => name.startsWith(id))).toEqual([]);
    expect(await server.submissions.info(id)).toBeNull();
    expectError(await request(server.source).get(`/api/uploads/${id}`), 404, 'NOT_FOUND');
  }

  test('an incomplete upload is refused but kept for resuming', async () => {
    const id = await createUpload(server.source, ciphertext.length);
    await putChunk(server.source, id, 0, ciphertext.subarray(0, 1000)).expect(200);
    expectError(await request(server.source).post(`/api/uploads/${id}/finalize`), 409, 'UPLOAD_INCOMPLETE');
    expect((await request(server.source).get(`/api/uploads/${id}`).expect(200)).body).toMatchObject({ offset: 1000 });
  });

  test('garbage behind the version line', async () => {
    const { response, id } = await finalizeBytes(agePrefixed(sodium().randombytes_buf(5000)));
    expectError(response, 422, 'INVALID_HEADER');
    await expectDeleted(id);
  });

  test('plaintext that merely starts like age', async () => {
    const { response, id } = await finalizeBytes(utf8('age-encryption.org/v1\nhello, this is not encrypted\n'));
    expectError(response, 422, 'INVALID_HEADER');
    await expectDeleted(id);
  });

  test('a header for the wrong number of recipients', async () => {
    const extra = makeEditor('Mallory');
    const bytes = await encryptFor([...activeEditors(server.newsroom), extra], plaintext);
    const { response, id } = await finalizeBytes(bytes);
    expectError(response, 422, 'WRONG_RECIPIENTS');
    await expectDeleted(id);
  });

  test('a header with a non-X25519 stanza', async () => {
    const text = new TextDecoder().decode(ciphertext.subarray(0, 300));
    const swapped = utf8(text.replace('-> X25519 ', '-> ssh-ed25519 '));
    const bytes = Buffer.concat([swapped, ciphertext.subarray(300)]);
    const { response, id } = await finalizeBytes(bytes);
    expectError(response, 422, 'WRONG_RECIPIENTS');
    await expectDeleted(id);
  });

  test('a truncated payload', async () => {
    // Cut one full sealed chunk plus 10 bytes into the payload: no plaintext
    // length has that payload length. (A cut inside the last chunk leaves a
    // possible length; only the editor's key can detect that.)
    const payloadStart = Buffer.from(ciphertext).indexOf('\n---') + 1 + 48 + 16;
    expect(ciphertext[payloadStart - 16 - 1]).toBe(0x0a);
    const { response, id } = await finalizeBytes(ciphertext.subarray(0, payloadStart + 65536 + 16 + 10));
    expectError(response, 422, 'INVALID_PAYLOAD_LENGTH');
    await expectDeleted(id);
  });

  test('a header with no payload', async () => {
    const headerEnd = Buffer.from(ciphertext).indexOf('\n---') + 1;
    const lineEnd = Buffer.from(ciphertext).indexOf('\n', headerEnd) + 1;
    const { response, id } = await finalizeBytes(ciphertext.subarray(0, lineEnd));
    expectError(response, 422, 'INVALID_PAYLOAD_LENGTH');
    await expectDeleted(id);
  });

  test('a header over the size limit', async () => {
    const bytes = utf8('age-encryption.org/v1\n-> X25519 AAAA\n' + `${'A'.repeat(64)}\n`.repeat(1100));
    const { response, id } = await finalizeBytes(bytes);
    expectError(response, 422, 'HEADER_TOO_LARGE');
    await expectDeleted(id);
  });

  test('a header with more stanzas than the limit', async () => {
    // A real X25519 stanza repeated past MAX_STANZAS, with the real MAC line and payload:
    // only the stanza limit is broken (otherwise it would be WRONG_RECIPIENTS).
    const headerEnd = Buffer.from(ciphertext).indexOf('\n---') + 1;
    const [version, stanzaLine, body] = new TextDecoder().decode(ciphertext.subarray(0, headerEnd)).split('\n');
    expect(body).toHaveLength(43);
    const stanzas = `${stanzaLine}\n${body}\n`.repeat(MAX_STANZAS + 1);
    const bytes = Buffer.concat([utf8(`${version}\n${stanzas}`), ciphertext.subarray(headerEnd)]);
    const { response, id } = await finalizeBytes(bytes);
    expectError(response, 422, 'HEADER_TOO_LARGE');
    await expectDeleted(id);
  });
});

describe('cancelling', () => {
  test('deletes the upload and its bytes', async () => {
    const id = await createUpload(server.source, 100);
    await putChunk(server.source, id, 0, agePrefixed(new Uint8Array(28))).expect(200);
    await request(server.source).delete(`/api/uploads/${id}`).expect(204);
    expect((await readdir(path.join(server.dataDir, 'uploads'))).filter((name) => name.startsWith(id))).toEqual([]);
  });
});

test('the data folder holds no byte sequence of the plaintext after a full upload', async () => {
  const secret = utf8('the informant meets us at the old bridge at midnight; '.repeat(3000));
  const bytes = await encryptFor(activeEditors(server.newsroom), secret);
  expect((await uploadWhole(server.source, bytes, 100 * 1024)).status).toBe(201);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(full);
    }
  };
  await walk(server.dir);
  const stored = Buffer.concat(
    await Promise.all(
      files.filter((file) => !file.includes(`${path.sep}keys${path.sep}`)).map((file) => readFile(file)),
    ),
  );
  expect(stored.length).toBeGreaterThan(secret.length);
  // Every 16-byte window of the plaintext (at every offset of the first
  // period, which covers all distinct windows of this repeating text).
  for (let offset = 0; offset < 55 + 16; offset++) {
    expect(stored.indexOf(secret.subarray(offset, offset + 16))).toBe(-1);
  }
  expect(stored.indexOf('informant')).toBe(-1);
});

test('a barrage of bad requests leaves every stored submission intact', async () => {
  const finalized = await uploadWhole(server.source, ciphertext);
  expect(finalized.status).toBe(201);
  const storedId = (finalized.body as { id: string }).id;
  const before = await readFile(server.submissions.fileOf(storedId));
  const listedBefore = await server.submissions.list();

  const source = server.source;
  const garbageId = await createUpload(source, 5000);
  await putChunk(source, garbageId, 0, agePrefixed(sodium().randombytes_buf(5000 - AGE_PREFIX.length))).expect(200);
  const bad: request.Test[] = [
    request(source).post(`/api/uploads/${garbageId}/finalize`),
    request(source)
      .put(`/api/uploads/${storedId}?offset=0`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(10)),
    request(source).delete(`/api/uploads/${storedId}`),
    request(source).delete('/api/uploads/..%2F..%2Fsubmissions'),
    request(source)
      .put('/api/uploads/..%2Fsubmissions%2Fx?offset=0')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(10)),
    request(source).post('/api/uploads').set('Content-Type', 'application/json').send('{"size":'),
    request(source).post('/api/uploads').send({ size: 1e15 }),
  ];
  for (const attempt of bad) {
    const response = await attempt;
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  }

  // Finalizing again is not an error (a client whose answer was lost retries) and changes nothing.
  expect((await request(source).post(`/api/uploads/${storedId}/finalize`)).status).toBe(201);

  expect(await server.submissions.list()).toEqual(listedBefore);
  expect(Buffer.compare(await readFile(server.submissions.fileOf(storedId)), before)).toBe(0);
});
