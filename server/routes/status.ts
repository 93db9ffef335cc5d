/**
 * Health and status, on the editor listener only (the source listener has
 * neither: a source, or someone watching sources, learns nothing about how
 * many submissions wait or who has pulled them).
 *
 *   GET /api/health   -> { status: "ok", manifestVersion }        no login: for a supervisor
 *   GET /api/status   -> { submissions: { waiting, bytes, expiring: [{ day, count }] }, replies: { waiting },
 *                          editors: [{ name, pulled }], quota: { usedBytes, limitBytes },
 *                          manifest: { version, expires, expired, daysLeft, warning } }   any active editor
 *
 * Neither answer carries a secret, an id or anything a source sent: counts,
 * sizes, editor names (already in the public manifest) and the manifest's
 * version and expiry.
 */
import { Router } from 'express';
import { DEFAULT_MANIFEST_WARNING_DAYS, manifestExpiry } from '../../client/core/manifest-expiry.js';
import { requireEditor } from '../editor-auth/require-editor.js';
import type { TokenStore } from '../editor-auth/tokens.js';
import type { MailboxStore } from '../mailboxes/mailbox-store.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import type { StorageQuota } from '../storage/quota.js';
import type { SubmissionInfo, SubmissionStore } from '../storage/submission-store.js';
import { activeEditorsByKey, submissionStatus, type ActiveEditors } from '../storage/submission-retention.js';

/**
 * One pass over the stored submissions, one record read each: how many each
 * active editor has downloaded, and how many expire on each day (earliest
 * first; docs/OPERATIONS.md, retention). Counts only, never an id.
 */
async function storedSummary(
  submissions: SubmissionStore,
  stored: readonly SubmissionInfo[],
  active: ActiveEditors,
): Promise<{ pulled: Map<string, number>; expiring: { day: string; count: number }[] }> {
  const pulled = new Map<string, number>();
  const expiring = new Map<string, number>();
  for (const { id, day } of stored) {
    const downloads = await submissions.downloads.of(id);
    for (const { accessKeyHex } of downloads) pulled.set(accessKeyHex, (pulled.get(accessKeyHex) ?? 0) + 1);
    const { expires } = submissionStatus(day, downloads, active, submissions.retention);
    expiring.set(expires, (expiring.get(expires) ?? 0) + 1);
  }
  const days = [...expiring.entries()].sort(([x], [y]) => x.localeCompare(y));
  return { pulled, expiring: days.map(([day, count]) => ({ day, count })) };
}

export interface StatusRouteDeps {
  readonly submissions: SubmissionStore;
  readonly mailboxes: MailboxStore;
  readonly manifests: ManifestStore;
  readonly quota: StorageQuota;
  readonly tokens: TokenStore;
  /** `SEALDROP_MANIFEST_WARNING_DAYS`; the usual default if not given. */
  readonly manifestWarningDays?: number;
  readonly now?: () => Date;
}

export function statusRoutes(deps: StatusRouteDeps): Router {
  const { submissions, mailboxes, manifests, quota } = deps;
  const warningDays = deps.manifestWarningDays ?? DEFAULT_MANIFEST_WARNING_DAYS;
  const now = deps.now ?? (() => new Date());
  const router = Router();

  router.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', manifestVersion: manifests.current().manifest.version });
  });

  router.get('/api/status', requireEditor(deps.tokens, manifests), async (_req, res) => {
    const { manifest } = manifests.current();
    const stored = await submissions.list();
    const active = activeEditorsByKey(manifest);
    const { pulled, expiring } = await storedSummary(submissions, stored, active);
    // Active editors only, in manifest order: the ones whose downloads decide deletion.
    const editors = [...active].map(([key, name]) => ({ name, pulled: pulled.get(key) ?? 0 }));
    const expiry = manifestExpiry(manifest.expires, now(), warningDays);
    res.json({
      submissions: {
        waiting: stored.length,
        bytes: stored.reduce((sum, item) => sum + item.size, 0),
        expiring,
      },
      replies: { waiting: await mailboxes.waitingCount() },
      editors,
      quota: { usedBytes: quota.usedBytes(), limitBytes: quota.limitBytes },
      manifest: {
        version: manifest.version,
        expires: manifest.expires,
        expired: expiry.expired,
        daysLeft: expiry.daysLeft,
        warning: expiry.warn,
      },
    });
  });

  return router;
}
