/**
 * How the uploader reads a failed answer: registry codes worth retrying, a
 * proxy's bare error, final refusals, and codes outside the registry.
 */
import { failureOf, TransientFailure, UploadError } from '../../client/app/upload-errors.js';

function answer(status: number, code: string | null, headers: Record<string, string> = {}): Response {
  const body = code === null ? 'bad gateway' : JSON.stringify({ error: { code, message: 'x' } });
  return new Response(body, { status, headers });
}

test.each([
  [409, 'UPLOAD_INCOMPLETE'],
  [409, 'UPLOAD_BUSY'],
  [400, 'CHUNK_INCOMPLETE'],
  [429, 'RATE_LIMITED'],
  [500, 'INTERNAL'],
] as const)('%i %s is retried, carrying its code', async (status, code) => {
  const failure = await failureOf(answer(status, code), 'expired');
  expect(failure).toBeInstanceOf(TransientFailure);
  expect(failure.code).toBe(code);
});

test('a proxy error without our body is retried after its Retry-After, capped at a minute', async () => {
  const failure = await failureOf(answer(502, null, { 'retry-after': '7' }), 'expired');
  expect(failure).toBeInstanceOf(TransientFailure);
  expect(failure).toMatchObject({ code: 'proxy', retryAfterMs: 7000 });
  expect(await failureOf(answer(503, null, { 'retry-after': '3600' }), 'expired')).toMatchObject({
    retryAfterMs: 60_000,
  });
});

test.each([
  [413, 'SUBMISSION_TOO_LARGE', 'too-large'],
  [413, 'BODY_TOO_LARGE', 'too-large'],
  [507, 'QUOTA_EXCEEDED', 'server-busy'],
  [413, 'CHUNK_TOO_LARGE', 'rejected'],
  [507, 'STORAGE_FULL', 'server-busy'],
  [404, 'NOT_FOUND', 'expired'],
  [410, 'UPLOAD_GONE', 'expired'],
  [409, 'MANIFEST_CHANGED', 'manifest-changed'],
  [503, 'KEYS_EXPIRED', 'keys-expired'],
  [422, 'WRONG_RECIPIENTS', 'rejected'],
  [422, 'INVALID_HEADER', 'rejected'],
] as const)('%i %s is final: %s', async (status, code, expected) => {
  const failure = await failureOf(answer(status, code), 'expired');
  expect(failure).toBeInstanceOf(UploadError);
  expect(failure.code).toBe(expected);
});

test('every slot taken by uploads too new to give way: retried when the server says one will', async () => {
  const failure = await failureOf(answer(503, 'TOO_MANY_UPLOADS', { 'retry-after': '3' }), 'rejected');
  expect(failure).toBeInstanceOf(TransientFailure);
  expect(failure).toMatchObject({ code: 'TOO_MANY_UPLOADS', retryAfterMs: 3000 });
});

test('a 404 means what the request says it means; a dropped upload is gone whatever the request', async () => {
  expect(await failureOf(answer(404, 'NOT_FOUND'), 'rejected')).toMatchObject({ code: 'rejected' });
  expect(await failureOf(answer(410, 'UPLOAD_GONE'), 'rejected')).toMatchObject({ code: 'expired' });
});

test('a full disk without our body and a code outside the registry are refused, not retried', async () => {
  expect(await failureOf(answer(507, null), 'expired')).toMatchObject({ name: 'UploadError', code: 'rejected' });
  const unknown = await failureOf(answer(503, 'SOMETHING_NEWER'), 'expired');
  expect(unknown).toBeInstanceOf(UploadError);
  expect(unknown).toMatchObject({ code: 'rejected', message: 'server refused the upload (SOMETHING_NEWER)' });
  // Prototype names are not registry codes either.
  expect(await failureOf(answer(500, 'toString'), 'expired')).toMatchObject({ name: 'UploadError', code: 'rejected' });
});
