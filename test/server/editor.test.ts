/** Editor listener: challenge login, submissions, manifest publication. */
import request from 'supertest';
import { encodeBase64 } from '../../client/core/base64.js';
import { utf8 } from '../../client/core/bytes.js';
import { sodium } from '../../client/core/sodium.js';
import { challengeMessage } from '../../client/core/editor-login.js';
import {
  activeEditors,
  binaryBody,
  encryptFor,
  expectError,
  login,
  makeEditor,
  makeTestServer,
  requestToken,
  uploadWhole,
  type TestServer,
} from './support.js';

let server: TestServer;
let ciphertext: Uint8Array;
let submissionId: string;

beforeAll(async () => {
  server = await makeTestServer();
  ciphertext = await encryptFor(activeEditors(server.newsroom), utf8('evidence '.repeat(20000)));
  const done = await uploadWhole(server.source, ciphertext);
  expect(done.status).toBe(201);
  submissionId = (done.body as { id: string }).id;
});
afterAll(async () => {
  await server.cleanup();
});

const alice = (): (typeof server.newsroom.editors)[number] => server.newsroom.editors[0]!;
const bob = (): (typeof server.newsroom.editors)[number] => server.newsroom.editors[1]!;

describe('login', () => {
  test('an active editor gets a token', async () => {
    const response = await requestToken(server.editor, alice());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      expiresInSeconds: 600,
      editor: 'Alice',
    });
  });

  test('a retired editor is refused', async () => {
    expectError(await requestToken(server.editor, bob()), 403, 'EDITOR_RETIRED');
  });

  test('a key not in the manifest is refused', async () => {
    expectError(await requestToken(server.editor, makeEditor('Eve')), 401, 'EDITOR_UNKNOWN');
  });

  test('a replayed challenge is refused', async () => {
    const challenge = (
      (await request(server.editor).post('/api/auth/challenge').expect(200)).body as { challenge: string }
    ).challenge;
    const signature = sodium().crypto_sign_detached(
      challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
      alice().access.privateKey,
    );
    const login = {
      accessKey: encodeBase64(alice().access.publicKey, true),
      challenge,
      signature: encodeBase64(signature, true),
    };
    await request(server.editor).post('/api/auth/token').send(login).expect(200);
    expectError(await request(server.editor).post('/api/auth/token').send(login), 401, 'CHALLENGE_INVALID');
  });

  test('a challenge never issued is refused', async () => {
    const challenge = Buffer.alloc(32, 7).toString('base64url');
    const signature = sodium().crypto_sign_detached(
      challengeMessage(new Uint8Array(32).fill(7)),
      alice().access.privateKey,
    );
    const response = await request(server.editor)
      .post('/api/auth/token')
      .send({
        accessKey: encodeBase64(alice().access.publicKey, true),
        challenge,
        signature: encodeBase64(signature, true),
      });
    expectError(response, 401, 'CHALLENGE_INVALID');
  });

  test('a signature by another key is refused, and burns the challenge', async () => {
    const challenge = (
      (await request(server.editor).post('/api/auth/challenge').expect(200)).body as { challenge: string }
    ).challenge;
    const wrong = sodium().crypto_sign_detached(
      challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
      makeEditor('Eve').access.privateKey,
    );
    const attempt = {
      accessKey: encodeBase64(alice().access.publicKey, true),
      challenge,
      signature: encodeBase64(wrong, true),
    };
    expectError(await request(server.editor).post('/api/auth/token').send(attempt), 401, 'SIGNATURE_INVALID');
    expectError(await request(server.editor).post('/api/auth/token').send(attempt), 401, 'CHALLENGE_INVALID');
  });

  test('a signature without the domain prefix is refused', async () => {
    const challenge = (
      (await request(server.editor).post('/api/auth/challenge').expect(200)).body as { challenge: string }
    ).challenge;
    const bare = sodium().crypto_sign_detached(
      new Uint8Array(Buffer.from(challenge, 'base64url')),
      alice().access.privateKey,
    );
    const attempt = {
      accessKey: encodeBase64(alice().access.publicKey, true),
      challenge,
      signature: encodeBase64(bare, true),
    };
    expectError(await request(server.editor).post('/api/auth/token').send(attempt), 401, 'SIGNATURE_INVALID');
  });

  test.each([
    [{}],
    [{ accessKey: 'x', challenge: 'y', signature: 'z' }],
    [
      {
        accessKey: encodeBase64(new Uint8Array(31), true),
        challenge: 'a'.repeat(43),
        signature: encodeBase64(new Uint8Array(64), true),
      },
    ],
  ])('malformed login body %j is refused', async (body) => {
    expectError(await request(server.editor).post('/api/auth/token').send(body), 400, 'INVALID_BODY');
  });

  test('login requires JSON', async () => {
    expectError(
      await request(server.editor).post('/api/auth/token').set('Content-Type', 'text/plain').send('x'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('every editor route requires a valid token', () => {
  const routes: [string, string][] = [
    ['get', '/api/submissions'],
    ['get', `/api/submissions/${'0'.repeat(32)}`],
    ['delete', `/api/submissions/${'0'.repeat(32)}`],
    ['post', `/api/submissions/${'0'.repeat(32)}/downloaded`],
  ];
  test.each(routes)('%s %s without a token', async (method, path) => {
    const response = await (request(server.editor) as unknown as Record<string, (p: string) => request.Test>)[method]!(
      path,
    );
    expectError(response, 401, 'UNAUTHENTICATED');
  });
  test.each(routes)('%s %s with a made-up token', async (method, path) => {
    const response = await (request(server.editor) as unknown as Record<string, (p: string) => request.Test>)[method]!(
      path,
    ).set('Authorization', `Bearer ${'A'.repeat(43)}`);
    expectError(response, 401, 'UNAUTHENTICATED');
  });
  test('the source listener has no editor routes', async () => {
    expectError(await request(server.source).get('/api/submissions'), 404, 'NOT_FOUND');
  });
});

describe('submissions', () => {
  let token: string;
  beforeAll(async () => {
    token = await login(server.editor, alice());
  });

  test('lists id, day, size, which active editors have downloaded it, and its expiry day only', async () => {
    const response = await request(server.editor)
      .get('/api/submissions')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const today = new Date().toISOString().slice(0, 10);
    const expires = new Date(Date.now() + 91 * 86_400_000).toISOString().slice(0, 10);
    expect(response.body).toEqual({
      submissions: [
        {
          id: submissionId,
          day: today,
          size: ciphertext.length,
          downloadedBy: [],
          notDownloadedBy: ['Alice'],
          expires,
        },
      ],
    });
  });

  test('downloads the exact ciphertext', async () => {
    const response = await request(server.editor)
      .get(`/api/submissions/${submissionId}`)
      .set('Authorization', `Bearer ${token}`)
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(response.body as Buffer, ciphertext)).toBe(0);
  });

  test.each([
    ['bytes=100-199', 100, 199],
    ['bytes=1000-', 1000, -1],
    ['bytes=-50', -50, -1],
    ['bytes=0-99999999', 0, -1],
  ])('serves Range %s', async (range, start, end) => {
    const size = ciphertext.length;
    const from = start < 0 ? size + start : start;
    const to = end < 0 ? size - 1 : end;
    const response = await request(server.editor)
      .get(`/api/submissions/${submissionId}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Range', range)
      .buffer(true)
      .parse(binaryBody)
      .expect(206);
    expect(response.headers['content-range']).toBe(`bytes ${from}-${to}/${size}`);
    expect(Buffer.compare(response.body as Buffer, ciphertext.subarray(from, to + 1))).toBe(0);
  });

  test('an unsatisfiable range is 416 with the size', async () => {
    const response = await request(server.editor)
      .get(`/api/submissions/${submissionId}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Range', `bytes=${ciphertext.length}-`);
    expectError(response, 416, 'RANGE_NOT_SATISFIABLE');
    expect(response.headers['content-range']).toBe(`bytes */${ciphertext.length}`);
  });

  test.each(['..%2F..%2Fkeys%2Froot.pub', 'x', `${'0'.repeat(31)}.`])('path-like id %s is refused', async (id) => {
    expectError(
      await request(server.editor).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`),
      400,
      'INVALID_ID',
    );
    expectError(
      await request(server.editor).delete(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`),
      400,
      'INVALID_ID',
    );
  });

  test('unknown submission is not found', async () => {
    const id = 'f'.repeat(32);
    expectError(
      await request(server.editor).get(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`),
      404,
      'NOT_FOUND',
    );
    expectError(
      await request(server.editor).delete(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`),
      404,
      'NOT_FOUND',
    );
  });

  test('delete removes it from the list and the disk once every active editor has downloaded it', async () => {
    const done = await uploadWhole(server.source, ciphertext);
    const { id } = done.body as { id: string };
    expectError(
      await request(server.editor).delete(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`),
      409,
      'NOT_PULLED_BY_ALL',
    );
    await request(server.editor)
      .post(`/api/submissions/${id}/downloaded`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    await request(server.editor).delete(`/api/submissions/${id}`).set('Authorization', `Bearer ${token}`).expect(204);
    const list = await request(server.editor)
      .get('/api/submissions')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect((list.body as { submissions: { id: string }[] }).submissions.map((s) => s.id)).not.toContain(id);
    expect(await server.submissions.info(id)).toBeNull();
  });
});

describe('publishing a manifest (no login: the root signature authorizes it)', () => {
  test('an older or equal version is refused', async () => {
    const signed = server.newsroom.sign(1);
    const response = await request(server.editor)
      .put('/api/manifest')
      .send({ manifest: new TextDecoder().decode(signed.manifest), signature: signed.signature });
    expectError(response, 409, 'MANIFEST_NOT_NEWER');
  });

  test('a manifest not signed by the root key is refused', async () => {
    const signed = server.newsroom.sign(5);
    const tampered = new TextDecoder().decode(signed.manifest).replace('"Alice"', '"Alicf"');
    const response = await request(server.editor)
      .put('/api/manifest')
      .send({ manifest: tampered, signature: signed.signature });
    expectError(response, 422, 'MANIFEST_INVALID');
    expect(server.manifests.current().manifest.version).toBe(1);
  });

  test('an expired manifest is refused', async () => {
    const signed = server.newsroom.sign(6, {
      issued: new Date(Date.now() - 10 * 86_400_000),
      expires: new Date(Date.now() - 86_400_000),
    });
    const response = await request(server.editor)
      .put('/api/manifest')
      .send({ manifest: new TextDecoder().decode(signed.manifest), signature: signed.signature });
    expectError(response, 422, 'MANIFEST_EXPIRED');
  });

  test('a body over the manifest limit is refused before it is read', async () => {
    const response = await request(server.editor)
      .put('/api/manifest')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ manifest: 'x'.repeat(300 * 1024), signature: 'y' }));
    expectError(response, 413, 'BODY_TOO_LARGE');
  });

  test('the current manifest can be read without a login', async () => {
    const current = await request(server.editor).get('/api/manifest').expect(200);
    expect((current.body as { manifest: string }).manifest).toBe(
      new TextDecoder().decode(server.manifests.current().bytes),
    );
  });

  test('a newer one takes effect at once: served to sources, new editor keys required, retired editor locked out', async () => {
    const aliceToken = await login(server.editor, alice());
    const carol = makeEditor('Carol');
    server.newsroom.editors.push(carol);
    const signed = server.newsroom.sign(2);
    // No Authorization header: nobody logged in publishes it.
    const response = await request(server.editor)
      .put('/api/manifest')
      .send({ manifest: new TextDecoder().decode(signed.manifest), signature: signed.signature })
      .expect(200);
    expect(response.body).toEqual({ version: 2 });

    const served = await request(server.source).get('/manifest.json').expect(200);
    expect(Buffer.compare(Buffer.from(served.text), Buffer.from(signed.manifest))).toBe(0);
    expect((await request(server.source).get('/manifest.json.minisig').expect(200)).text).toBe(signed.signature);

    // Uploads encrypted to the old set of editors are now refused.
    const old = await uploadWhole(server.source, ciphertext);
    expectError(old, 422, 'WRONG_RECIPIENTS');
    const fresh = await uploadWhole(server.source, await encryptFor(activeEditors(server.newsroom), utf8('new')));
    expect(fresh.status).toBe(201);

    await login(server.editor, carol);

    // Retire Alice: her existing token stops working immediately.
    alice().status = 'retired';
    const carolToken = await login(server.editor, carol);
    const third = server.newsroom.sign(3);
    await request(server.editor)
      .put('/api/manifest')
      .set('Authorization', `Bearer ${carolToken}`)
      .send({ manifest: new TextDecoder().decode(third.manifest), signature: third.signature })
      .expect(200);
    expectError(
      await request(server.editor).get('/api/submissions').set('Authorization', `Bearer ${aliceToken}`),
      403,
      'EDITOR_RETIRED',
    );
    expectError(await requestToken(server.editor, alice()), 403, 'EDITOR_RETIRED');

    const current = await request(server.editor)
      .get('/api/manifest')
      .set('Authorization', `Bearer ${carolToken}`)
      .expect(200);
    expect((current.body as { manifest: string }).manifest).toBe(new TextDecoder().decode(third.manifest));
  });
});
