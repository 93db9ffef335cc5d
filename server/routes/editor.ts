/**
 * The editor listener's routes (meant for a client-authorized onion service).
 *
 *   POST   /api/auth/challenge          -> { challenge, expiresInSeconds }
 *   POST   /api/auth/token              { accessKey, challenge, signature } -> { token, expiresInSeconds, editor }
 *   GET    /api/submissions             -> { submissions: [{ id, day, size }] }
 *   GET    /api/submissions/:id         ciphertext, with single-range support
 *   DELETE /api/submissions/:id         -> 204
 *   GET    /api/manifest                -> { manifest, signature }
 *   PUT    /api/manifest                { manifest, signature } -> { version }
 */
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { decodeBase64 } from '../../client/core/base64.js';
import { toHex } from '../../client/core/bytes.js';
import { sodium } from '../../client/core/sodium.js';
import { challengeMessage } from '../../client/core/editor-login.js';
import { isLoginChallenge } from '../../client/core/wire-shapes.js';
import type { ChallengeStore } from '../editor-auth/challenges.js';
import { requireEditor } from '../editor-auth/require-editor.js';
import type { TokenStore } from '../editor-auth/tokens.js';
import { ApiError } from '../errors.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import type { SubmissionStore } from '../storage/submission-store.js';
import { idParameter, JSON_BODY_LIMIT, jsonBody } from './http.js';
import { parseRangeHeader } from './http-byte-range.js';

/** A manifest and its signature are a few KiB; 256 KiB leaves room for many editors. */
export const MANIFEST_BODY_LIMIT = 256 * 1024;

export interface EditorRouteDeps {
  readonly submissions: SubmissionStore;
  readonly manifests: ManifestStore;
  readonly challenges: ChallengeStore;
  readonly tokens: TokenStore;
  readonly challengeLifetimeSeconds: number;
}

function field(body: unknown, name: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') throw new ApiError('INVALID_BODY');
  return value;
}

function decodeFixed(text: string, bytes: number): Uint8Array {
  let decoded: Uint8Array;
  try {
    // Padded (as minisign and the manifest write it) or unpadded (as age does).
    decoded = decodeBase64(text, text.endsWith('='));
  } catch {
    throw new ApiError('INVALID_BODY');
  }
  if (decoded.length !== bytes) throw new ApiError('INVALID_BODY');
  return decoded;
}

export function editorRoutes(deps: EditorRouteDeps): Router {
  const { submissions, manifests, challenges, tokens } = deps;
  const router = Router();

  router.post('/api/auth/challenge', (_req, res) => {
    const challenge = challenges.issue();
    if (challenge === null) throw new ApiError('TOO_MANY_CHALLENGES');
    res.json({ challenge, expiresInSeconds: deps.challengeLifetimeSeconds });
  });

  router.post('/api/auth/token', ...jsonBody(JSON_BODY_LIMIT), (req, res) => {
    const body = req.body as unknown;
    const accessKey = decodeFixed(field(body, 'accessKey'), 32);
    const signature = decodeFixed(field(body, 'signature'), 64);
    const challengeText = field(body, 'challenge');
    if (!isLoginChallenge(challengeText)) throw new ApiError('CHALLENGE_INVALID');
    // Consumed before anything else is checked: one attempt per challenge.
    if (!challenges.consume(challengeText)) throw new ApiError('CHALLENGE_INVALID');
    const challenge = new Uint8Array(Buffer.from(challengeText, 'base64url'));
    if (!sodium().crypto_sign_verify_detached(signature, challengeMessage(challenge), accessKey)) {
      throw new ApiError('SIGNATURE_INVALID');
    }
    const accessKeyHex = toHex(accessKey);
    const editor = manifests.editorByAccessKey(accessKeyHex);
    if (editor === null) throw new ApiError('EDITOR_UNKNOWN');
    if (editor.status !== 'active') throw new ApiError('EDITOR_RETIRED');
    res.json({ ...tokens.issue(accessKeyHex), editor: editor.name });
  });

  const gate = requireEditor(tokens, manifests);

  router.get('/api/submissions', gate, async (_req, res) => {
    res.json({ submissions: await submissions.list() });
  });

  router.get('/api/submissions/:id', gate, async (req, res) => {
    const id = idParameter(req);
    const info = await submissions.info(id);
    if (info === null) throw new ApiError('NOT_FOUND');
    const range = parseRangeHeader(req.get('range'), info.size);
    if (range === 'unsatisfiable') {
      throw new ApiError('RANGE_NOT_SATISFIABLE', { 'Content-Range': `bytes */${info.size}` });
    }
    res.set('Accept-Ranges', 'bytes');
    res.type('application/octet-stream');
    res.set('Content-Disposition', `attachment; filename="${id}.age"`);
    const { first, last } = range ?? { first: 0, last: info.size - 1 };
    if (range !== null) {
      res.status(206).set('Content-Range', `bytes ${first}-${last}/${info.size}`);
    }
    res.set('Content-Length', String(last - first + 1));
    if (req.method === 'HEAD' || info.size === 0) {
      res.end();
      return;
    }
    await pipeline(submissions.read(id, first, last), res);
  });

  router.delete('/api/submissions/:id', gate, async (req, res) => {
    if (!(await submissions.remove(idParameter(req)))) throw new ApiError('NOT_FOUND');
    res.status(204).end();
  });

  router.get('/api/manifest', gate, (_req, res) => {
    const current = manifests.current();
    res.json({ manifest: new TextDecoder().decode(current.bytes), signature: current.signature });
  });

  router.put('/api/manifest', gate, ...jsonBody(MANIFEST_BODY_LIMIT), async (req, res) => {
    const body = req.body as unknown;
    const published = await manifests.publish(
      new TextEncoder().encode(field(body, 'manifest')),
      field(body, 'signature'),
    );
    res.json({ version: published.manifest.version });
  });

  return router;
}
