/**
 * Composes the two Express apps from their parts. Nothing here computes:
 * order of middleware is the whole content. Both apps share the security
 * headers, the privacy-preserving request log, a request budget fair
 * between connections, the guards on paths and bodies (undecodable escapes,
 * content codings, the body watchdog) and the JSON error handler.
 */
import express, { type Express } from 'express';
import { DEFAULTS } from './config.js';
import { bodyPace, bodyWatchdog, refuseContentEncoding } from './body-guard.js';
import { ChallengeStore } from './editor-auth/challenges.js';
import { TokenStore } from './editor-auth/tokens.js';
import { errorHandler, notFound } from './errors.js';
import { requestLogger, type Logger } from './logging.js';
import type { MailboxStore } from './mailboxes/mailbox-store.js';
import type { ManifestStore } from './manifest/manifest-store.js';
import { refuseUndecodablePaths } from './path-guard.js';
import { RequestBudget, rateLimit } from './rate-limit.js';
import { editorRoutes } from './routes/editor.js';
import { editorReplyRoutes } from './routes/editor-replies.js';
import { mailboxRoutes } from './routes/mailbox.js';
import { sourceRoutes } from './routes/source.js';
import { statusRoutes } from './routes/status.js';
import { noCookies, securityHeaders } from './security-headers.js';
import { staticFiles } from './static-files.js';
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
  /** `SEALDROP_BODY_IDLE_SECONDS`, for the body watchdog (its default if absent). */
  readonly bodyIdleSeconds?: number;
  /** `SEALDROP_MANIFEST_WARNING_DAYS`, for the status route (its default if absent). */
  readonly manifestWarningDays?: number;
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
  app.use(refuseUndecodablePaths);
  app.use(refuseContentEncoding);
  app.use(bodyWatchdog(bodyPace(deps.bodyIdleSeconds ?? Number(DEFAULTS.SEALDROP_BODY_IDLE_SECONDS))));
  return app;
}

function finish(listener: 'source' | 'editor', app: Express, deps: AppDeps): Express {
  app.use(notFound);
  app.use(
    errorHandler({
      onInternal: (error) => {
        deps.logger.error({ err: error }, 'internal error');
      },
      // Routine on flaky links: one line at debug level, no error details.
      onClientGone: () => {
        deps.logger.debug({ listener }, 'client went away mid-request');
      },
    }),
  );
  return app;
}

/** The source listener: static client, manifest, uploads, reply mailboxes. */
export function createSourceApp(deps: AppDeps): Express {
  const app = base('source', deps);
  app.use(sourceRoutes(deps));
  app.use(mailboxRoutes(deps));
  app.use(...staticFiles(deps.staticDir));
  return finish('source', app, deps);
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
  app.use(statusRoutes({ ...deps, quota: deps.uploads.quota, tokens }));
  return finish('editor', app, deps);
}
