/**
 * The source listener's routes: the static client, the signed manifest, and
 * resumable uploads of ciphertext.
 *
 *   GET    /manifest.json, /manifest.json.minisig
 *   POST   /api/uploads                      { size, manifestVersion } -> 201 upload status
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
import { prefersGzip } from '../precompressed.js';
import { isManifestVersion, type UploadStore } from '../uploads/upload-store.js';
import { idParameter, JSON_BODY_LIMIT, jsonBody, octetStreamLength, parseByteCount } from './http.js';

export interface SourceRouteDeps {
  readonly uploads: UploadStore;
  readonly manifests: ManifestStore;
}

/**
 * Uploads are accepted only for the current manifest's keys, and none while
 * it has expired (editors may no longer hold those keys; the admin must
 * publish a new manifest first).
 * @throws ApiError KEYS_EXPIRED or MANIFEST_CHANGED.
 */
function requireCurrentKeys(manifests: ManifestStore, manifestVersion?: number): void {
  if (manifests.isExpired(new Date())) throw new ApiError('KEYS_EXPIRED');
  const current = manifests.current().manifest.version;
  if (manifestVersion !== undefined && manifestVersion !== current) throw new ApiError('MANIFEST_CHANGED');
}

export function sourceRoutes({ uploads, manifests }: SourceRouteDeps): Router {
  const router = Router();

  router.get(`/${MANIFEST_FILE_NAME}`, (req, res) => {
    // Gzip where the browser prefers it (as for the static files, server/precompressed.ts):
    // the browser decodes it back to exactly the signed bytes before checking the signature.
    res.vary('Accept-Encoding').type('application/json');
    if (prefersGzip(req)) {
      res.setHeader('Content-Encoding', 'gzip').send(Buffer.from(manifests.currentGzip()));
      return;
    }
    res.send(Buffer.from(manifests.current().bytes));
  });
  router.get(`/${MANIFEST_FILE_NAME}${SIGNATURE_SUFFIX}`, (_req, res) => {
    res.type('text/plain').send(manifests.current().signature);
  });

  router.post('/api/uploads', ...jsonBody(JSON_BODY_LIMIT), async (req, res) => {
    const body = req.body as unknown;
    const { size, manifestVersion } =
      typeof body === 'object' && body !== null ? (body as { size?: unknown; manifestVersion?: unknown }) : {};
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw new ApiError('INVALID_BODY');
    if (!isManifestVersion(manifestVersion)) throw new ApiError('INVALID_BODY');
    requireCurrentKeys(manifests, manifestVersion);
    // The connection is the owner: fairness per connection, never per address.
    const status = await uploads.create(size, manifestVersion, req.socket);
    res.status(201).json(status);
  });

  router.get('/api/uploads/:id', (req, res) => {
    res.json(uploads.status(idParameter(req)));
  });

  router.put('/api/uploads/:id', async (req, res) => {
    const id = idParameter(req);
    const length = octetStreamLength(req);
    const offset = parseByteCount(req.query.offset);
    if (offset === null) throw new ApiError('INVALID_OFFSET');
    uploads.checkChunk(id, offset, length);
    // A cancel (or an eviction) aborts this chunk: cut the connection, as the upload is gone.
    const socket = req.socket;
    const status = await uploads.writeChunk(id, offset, length, req, () => socket.destroy());
    res.json(status);
  });

  router.post('/api/uploads/:id/finalize', async (req, res) => {
    const id = idParameter(req);
    requireCurrentKeys(manifests);
    const done = await uploads.finalize(id, manifests.current().manifest.version, (handle, size) =>
      checkEnvelope(handle, size, { count: manifests.activeEditorCount(), kind: manifests.recipientKind() }),
    );
    res.status(201).json(done);
  });

  router.delete('/api/uploads/:id', async (req, res) => {
    await uploads.cancel(idParameter(req));
    res.status(204).end();
  });

  return router;
}
