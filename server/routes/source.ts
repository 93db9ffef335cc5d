/**
 * The source listener's routes: the static client, the signed manifest, and
 * resumable uploads of ciphertext.
 *
 *   GET    /manifest.json, /manifest.json.minisig
 *   POST   /api/uploads                      { size } -> 201 upload status
 *   GET    /api/uploads/:id                  -> upload status (where to resume)
 *   PUT    /api/uploads/:id?offset=N         application/octet-stream chunk
 *   POST   /api/uploads/:id/finalize         -> 201 { id, size }
 *   DELETE /api/uploads/:id                  -> 204
 */
import { Router } from 'express';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX } from '../../client/core/manifest.js';
import { ApiError } from '../errors.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import { checkEnvelope } from '../envelope/check-envelope.js';
import type { UploadStore } from '../uploads/upload-store.js';
import { declaredBodyLength, idParameter, JSON_BODY_LIMIT, jsonBody, parseByteCount } from './http.js';

export interface SourceRouteDeps {
  readonly uploads: UploadStore;
  readonly manifests: ManifestStore;
}

export function sourceRoutes({ uploads, manifests }: SourceRouteDeps): Router {
  const router = Router();

  router.get(`/${MANIFEST_FILE_NAME}`, (_req, res) => {
    res.type('application/json').send(Buffer.from(manifests.current().bytes));
  });
  router.get(`/${MANIFEST_FILE_NAME}${SIGNATURE_SUFFIX}`, (_req, res) => {
    res.type('text/plain').send(manifests.current().signature);
  });

  router.post('/api/uploads', ...jsonBody(JSON_BODY_LIMIT), async (req, res) => {
    const body = req.body as unknown;
    const size = typeof body === 'object' && body !== null ? (body as { size?: unknown }).size : undefined;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw new ApiError('INVALID_BODY');
    const status = await uploads.create(size);
    res.status(201).json(status);
  });

  router.get('/api/uploads/:id', (req, res) => {
    res.json(uploads.status(idParameter(req)));
  });

  router.put('/api/uploads/:id', async (req, res) => {
    const id = idParameter(req);
    if (!req.is('application/octet-stream')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
    const offset = parseByteCount(req.query.offset);
    if (offset === null) throw new ApiError('INVALID_OFFSET');
    const length = declaredBodyLength(req);
    if (length === 0) throw new ApiError('INVALID_BODY');
    uploads.checkChunk(id, offset, length);
    res.json(await uploads.writeChunk(id, offset, length, req));
  });

  router.post('/api/uploads/:id/finalize', async (req, res) => {
    const id = idParameter(req);
    const done = await uploads.finalize(id, (handle, size) =>
      checkEnvelope(handle, size, manifests.activeEditorCount()),
    );
    res.status(201).json(done);
  });

  router.delete('/api/uploads/:id', async (req, res) => {
    await uploads.cancel(idParameter(req));
    res.status(204).end();
  });

  return router;
}
