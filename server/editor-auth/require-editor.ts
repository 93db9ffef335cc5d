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

/**
 * `Bearer`, in any case (auth schemes are case-insensitive, RFC 9110 section
 * 11.1), then one or more spaces and the credentials.
 */
const BEARER = /^bearer +([^ ].*)$/i;

/** The token of an `Authorization: Bearer <token>` header, if it has a token's shape. */
export function bearerToken(header: string | undefined): string | null {
  const token = BEARER.exec(header ?? '')?.[1];
  return token !== undefined && isBearerToken(token) ? token : null;
}

/**
 * Admits a request carrying a valid token of an active editor of the current
 * manifest; refuses the rest with `401 UNAUTHENTICATED` (and
 * `WWW-Authenticate: Bearer`), `401 EDITOR_UNKNOWN` or `403 EDITOR_RETIRED`.
 */
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
