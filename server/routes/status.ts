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
import { decodeBase64 } from '../../client/core/base64.js';
import { toHex } from '../../client/core/bytes.js';
import { DEFAULT_MANIFEST_WARNING_DAYS, manifestExpiry } from '../../client/core/manifest-expiry.js';
import { requireEditor } from '../editor-auth/require-editor.js';
import type { TokenStore } from '../editor-auth/tokens.js';
import type { MailboxStore } from '../mailboxes/mailbox-store.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import type { StorageQuota } from '../storage/quota.js';
import type { SubmissionStore } from '../storage/submission-store.js';
import { activeEditorsByKey, submissionStatus } from '../storage/submission-retention.js';

/**
 * How many stored submissions expire on each day (docs/OPERATIONS.md,
 * retention), earliest first: every submission's expiry day, without ids.
 */
async function expiryDays(
  submissions: SubmissionStore,
  stored: readonly { id: string; day: string }[],
  active: ReturnType<typeof activeEditorsByKey>,
): Promise<{ day: string; count: number }[]> {
  const counts = new Map<string, number>();
  for (const { id, day } of stored) {
    const { expires } = submissionStatus(day, await submissions.downloads.of(id), active, submissions.retention);
    counts.set(expires, (counts.get(expires) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ day, count }));
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
    const counts = await submissions.downloads.countsByAccessKey();
    // Active editors only, in manifest order: the ones whose downloads decide deletion.
    const editors = manifest.editors
      .filter((editor) => editor.status === 'active')
      .map((editor) => ({ name: editor.name, pulled: counts.get(toHex(decodeBase64(editor.accessKey, true))) ?? 0 }));
    const expiry = manifestExpiry(manifest.expires, now(), warningDays);
    res.json({
      submissions: {
        waiting: stored.length,
        bytes: stored.reduce((sum, item) => sum + item.size, 0),
        expiring: await expiryDays(submissions, stored, activeEditorsByKey(manifest)),
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
