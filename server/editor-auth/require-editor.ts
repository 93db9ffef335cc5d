/**
 * The gate in front of every editor route except login itself: a valid bearer
 * token whose editor is, right now, an active editor of the current manifest.
 * Checking the manifest on every request means publishing a manifest that
 * retires or removes an editor revokes their access at once.
 */
import type { RequestHandler } from 'express';
import { ApiError } from '../errors.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import type { TokenStore } from './tokens.js';

const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;

export function requireEditor(tokens: TokenStore, manifests: ManifestStore): RequestHandler {
  return (req, res, next) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    const grant = match === null ? null : tokens.resolve(match[1]!);
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
