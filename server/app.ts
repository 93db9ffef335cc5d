/**
 * Composes the two Express apps from their parts. Nothing here computes:
 * order of middleware is the whole content. Both apps share the security
 * headers, the privacy-preserving request log, a global rate limit and the
 * JSON error handler.
 */
import express, { type Express } from 'express';
import { ChallengeStore } from './editor-auth/challenges.js';
import { TokenStore } from './editor-auth/tokens.js';
import { errorHandler, notFound } from './errors.js';
import { requestLogger, type Logger } from './logging.js';
import type { MailboxStore } from './mailboxes/mailbox-store.js';
import type { ManifestStore } from './manifest/manifest-store.js';
import { gzipHeaders, preferGzip } from './precompressed.js';
import { RequestBudget, rateLimit } from './rate-limit.js';
import { editorRoutes } from './routes/editor.js';
import { editorReplyRoutes } from './routes/editor-replies.js';
import { mailboxRoutes } from './routes/mailbox.js';
import { sourceRoutes } from './routes/source.js';
import { noCookies, securityHeaders } from './security-headers.js';
import type { SubmissionStore } from './storage/submission-store.js';
import type { UploadStore } from './uploads/upload-store.js';

/** How long an editor has to sign a login challenge. */
export const CHALLENGE_LIFETIME_SECONDS = 60;
/** Pending challenges are bounded so a flood cannot grow memory. */
export const MAX_PENDING_CHALLENGES = 1000;

export interface AppDeps {
  readonly logger: Logger;
  readonly uploads: UploadStore;
  readonly submissions: SubmissionStore;
  readonly mailboxes: MailboxStore;
  readonly manifests: ManifestStore;
  readonly staticDir: string;
  readonly rateLimitPerMinute: number;
  readonly tokenTtlSeconds: number;
}

function base(listener: 'source' | 'editor', deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Never derive anything from X-Forwarded-* headers: addresses are not ours to know.
  app.set('trust proxy', false);
  app.use(requestLogger(deps.logger, listener));
  app.use(noCookies);
  app.use(securityHeaders);
  app.use(rateLimit(new RequestBudget(deps.rateLimitPerMinute)));
  return app;
}

function finish(app: Express, deps: AppDeps): Express {
  app.use(notFound);
  app.use(
    errorHandler((error) => {
      deps.logger.error({ err: error }, 'internal error');
    }),
  );
  return app;
}

/** The source listener: static client, manifest, uploads, reply mailboxes. */
export function createSourceApp(deps: AppDeps): Express {
  const app = base('source', deps);
  app.use(sourceRoutes(deps));
  app.use(mailboxRoutes(deps));
  // Sends the build's X.gz instead of X to browsers that accept gzip.
  app.use(preferGzip(deps.staticDir, 'index.html'));
  app.use(
    express.static(deps.staticDir, {
      // Cache-Control stays no-store; no Last-Modified or ETag, so the bundle is
      // served identically whatever the build's file times were.
      cacheControl: false,
      lastModified: false,
      etag: false,
      dotfiles: 'ignore',
      index: ['index.html'],
      redirect: false,
      setHeaders: (res, file) => {
        (res as unknown as { locals: Record<string, unknown> }).locals.routeLabel = '(static)';
        gzipHeaders(res, file);
      },
    }),
  );
  return finish(app, deps);
}

/** The editor listener: login, submissions, replies, manifest publication. */
export function createEditorApp(deps: AppDeps): Express {
  const app = base('editor', deps);
  // One token store: a login is valid on every editor route.
  const tokens = new TokenStore(deps.tokenTtlSeconds * 1000);
  app.use(
    editorRoutes({
      submissions: deps.submissions,
      manifests: deps.manifests,
      challenges: new ChallengeStore(CHALLENGE_LIFETIME_SECONDS * 1000, MAX_PENDING_CHALLENGES),
      tokens,
      challengeLifetimeSeconds: CHALLENGE_LIFETIME_SECONDS,
    }),
  );
  app.use(editorReplyRoutes({ mailboxes: deps.mailboxes, manifests: deps.manifests, tokens }));
  return finish(app, deps);
}
