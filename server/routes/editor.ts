/**
 * The editor listener's routes (meant for a client-authorized onion service).
 *
 *   POST   /api/auth/challenge          -> { challenge, expiresInSeconds }
 *   POST   /api/auth/token              { accessKey, challenge, signature } -> { token, expiresInSeconds, editor }
 *   GET    /api/submissions             -> { submissions: [{ id, day, size, downloadedBy, notDownloadedBy, expires }] }
 *   GET    /api/submissions/:id         ciphertext, with single-range support
 *   POST   /api/submissions/:id/downloaded  -> the submission as listed (this editor now has a verified copy)
 *   DELETE /api/submissions/:id[?even-if-not-pulled-by-all=1]  -> 204, or 409 NOT_PULLED_BY_ALL
 *   GET    /api/manifest                -> { manifest, signature }            (no login)
 *   PUT    /api/manifest                { manifest, signature } -> { version } (no login: root-signed)
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
import { activeEditorsByKey, pulledByAll, submissionStatus } from '../storage/submission-retention.js';
import type { SubmissionInfo, SubmissionStore } from '../storage/submission-store.js';
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

  /** A submission as editors see it: who of the active editors has it, and when it expires. */
  async function listed(info: SubmissionInfo): Promise<object> {
    const active = activeEditorsByKey(manifests.current().manifest);
    const downloads = await submissions.downloads.of(info.id);
    return { ...info, ...submissionStatus(info.day, downloads, active, submissions.retention) };
  }

  router.get('/api/submissions', gate, async (_req, res) => {
    const out: object[] = [];
    for (const info of await submissions.list()) out.push(await listed(info));
    res.json({ submissions: out });
  });

  // Recorded when the editor's tool says so, after it has the whole file on
  // its own disk, flushed and its envelope checked, not when a GET finishes:
  // a response fully written to the socket may still be lost before it is
  // stored (or fail the check), and a resumed download never has one
  // full-length GET. Only the day is kept, and only editor-side facts.
  router.post('/api/submissions/:id/downloaded', gate, async (req, res) => {
    const id = idParameter(req);
    const name = res.locals.editorName as string;
    const accessKeyHex = [...activeEditorsByKey(manifests.current().manifest)].find(([, n]) => n === name)?.[0];
    if (accessKeyHex === undefined) throw new ApiError('EDITOR_UNKNOWN');
    const recorded = await submissions.downloads.confirm(
      id,
      accessKeyHex,
      new Date(),
      (key) => manifests.editorByAccessKey(key) !== null,
    );
    const info = recorded === null ? null : await submissions.info(id);
    if (info === null) throw new ApiError('NOT_FOUND');
    res.json(await listed(info));
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
    const id = idParameter(req);
    // Exactly `1` forces; any other value is not taken as consent (fail closed).
    const force = req.query['even-if-not-pulled-by-all'] === '1';
    const outcome = await submissions.downloads.deleteIf(
      id,
      (downloads) => force || pulledByAll(downloads, activeEditorsByKey(manifests.current().manifest)),
    );
    if (outcome === 'missing') throw new ApiError('NOT_FOUND');
    if (outcome === 'refused') throw new ApiError('NOT_PULLED_BY_ALL');
    res.status(204).end();
  });

  // No login for the manifest: it is public on the source listener anyway, and
  // the root key's signature, checked by the store, is what authorizes a new one.
  router.get('/api/manifest', (_req, res) => {
    const current = manifests.current();
    res.json({ manifest: new TextDecoder().decode(current.bytes), signature: current.signature });
  });

  router.put('/api/manifest', ...jsonBody(MANIFEST_BODY_LIMIT), async (req, res) => {
    const body = req.body as unknown;
    const published = await manifests.publish(
      new TextEncoder().encode(field(body, 'manifest')),
      field(body, 'signature'),
    );
    res.json({ version: published.manifest.version });
  });

  return router;
}
