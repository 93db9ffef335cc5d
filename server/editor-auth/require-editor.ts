/**
 * The gate in front of every editor route except login itself: a valid bearer
 * token whose editor is, right now, an active editor of the current manifest.
 * Checking the manifest on every request means publishing a manifest that
 * retires or removes an editor revokes their access at once.
 */
import type { RequestHandler } from 'express';
import { isBearerToken } from '../../client/core/wire-shapes.js';
import { ApiError } from '../errors.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import type { TokenStore } from './tokens.js';

const BEARER_PREFIX = 'Bearer ';

/** The token of an `Authorization: Bearer <token>` header, if it has a token's shape. */
function bearerToken(header: string | undefined): string | null {
  if (header?.startsWith(BEARER_PREFIX) !== true) return null;
  const token = header.slice(BEARER_PREFIX.length);
  return isBearerToken(token) ? token : null;
}

export function requireEditor(tokens: TokenStore, manifests: ManifestStore): RequestHandler {
  return (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const grant = token === null ? null : tokens.resolve(token);
    if (grant === null) {
      next(new ApiError('UNAUTHENTICATED', { 'WWW-Authenticate': 'Bearer' }));
      return;
    }
    const editor = manifests.editorByAccessKey(grant.accessKeyHex);
    if (editor === null) {
      next(new ApiError('EDITOR_UNKNOWN'));
      return;
    }
    if (editor.status !== 'active') {
      next(new ApiError('EDITOR_RETIRED'));
      return;
    }
    res.locals.editorName = editor.name;
    next();
  };
}
