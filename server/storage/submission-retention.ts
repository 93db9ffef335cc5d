/**
 * How long a submission stays on the server, and who still needs it.
 *
 * Nothing lives forever: a submission is kept `submissionRetentionDays`
 * whole days after the day it arrived, whoever has downloaded it; once every
 * active editor of the current manifest has confirmed a download, only
 * `pulledGraceDays` whole days after the day the last of them did (time to
 * notice a bad copy and pull again). The first sweep on or after its expiry
 * day deletes it. The same facts decide whether an editor's delete may go
 * ahead: only when every active editor has a copy, unless explicitly forced.
 *
 * "Active editors" are always those of the manifest served now, so adding an
 * editor makes everything they have not pulled wait for them again, and
 * retiring one stops anything waiting for them.
 */
import { decodeBase64 } from '../../client/core/base64.js';
import { toHex } from '../../client/core/bytes.js';
import { activeEditors, type KeyManifest } from '../../client/core/manifest.js';
import { DEFAULTS } from '../config.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import { startPeriodicTask, type PeriodicTask } from '../periodic-task.js';
import { dayOf } from './day.js';
import type { EditorDownload } from './downloads.js';
import type { SubmissionInfo, SubmissionStore } from './submission-store.js';

/** The two retention settings (server/config.ts; a ServerConfig is one). */
export interface RetentionPolicy {
  readonly submissionRetentionDays: number;
  readonly pulledGraceDays: number;
}

/** The documented defaults (SEALDROP_SUBMISSION_RETENTION_DAYS, SEALDROP_PULLED_GRACE_DAYS). */
export const DEFAULT_RETENTION: RetentionPolicy = {
  submissionRetentionDays: Number(DEFAULTS.SEALDROP_SUBMISSION_RETENTION_DAYS),
  pulledGraceDays: Number(DEFAULTS.SEALDROP_PULLED_GRACE_DAYS),
};

/** How often the sweep runs (it also runs once at start-up). */
export const SUBMISSION_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The active editors of a manifest: access key (hex) to name, in manifest order. */
export type ActiveEditors = ReadonlyMap<string, string>;

/** The active editors of `manifest`, by access key. */
export function activeEditorsByKey(manifest: KeyManifest): ActiveEditors {
  return new Map(activeEditors(manifest).map((editor) => [toHex(decodeBase64(editor.accessKey, true)), editor.name]));
}

/** What editors see about a stored submission besides id, day and size. */
export interface SubmissionStatus {
  /** Names of the active editors who have confirmed a download, in manifest order. */
  readonly downloadedBy: string[];
  /** Names of the active editors who have not. */
  readonly notDownloadedBy: string[];
  /** The UTC day from which the sweep deletes it, `YYYY-MM-DD`. */
  readonly expires: string;
}

const DAY_MS = 86_400_000;

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Who of the active editors has the submission, and its expiry day: the
 * earlier of arrival + retention + 1 and, once all active editors have
 * downloaded it, the last of their days + grace + 1 (kept that many whole
 * days, gone the day after, as replies are).
 */
export function submissionStatus(
  day: string,
  downloads: readonly EditorDownload[],
  active: ActiveEditors,
  policy: RetentionPolicy,
): SubmissionStatus {
  const dayOfKey = new Map(downloads.map((entry) => [entry.accessKeyHex, entry.day]));
  const downloadedBy: string[] = [];
  const notDownloadedBy: string[] = [];
  let lastDay = '';
  for (const [key, name] of active) {
    const downloaded = dayOfKey.get(key);
    if (downloaded === undefined) {
      notDownloadedBy.push(name);
    } else {
      downloadedBy.push(name);
      if (downloaded > lastDay) lastDay = downloaded;
    }
  }
  let expires = addDays(day, policy.submissionRetentionDays + 1);
  // A manifest always has an active editor; without one, nobody "all" could have it.
  if (active.size > 0 && notDownloadedBy.length === 0) {
    const early = addDays(lastDay, policy.pulledGraceDays + 1);
    if (early < expires) expires = early;
  }
  return { downloadedBy, notDownloadedBy, expires };
}

/** Whether every active editor has confirmed a download (never true with no active editor). */
export function pulledByAll(downloads: readonly EditorDownload[], active: ActiveEditors): boolean {
  const have = new Set(downloads.map((entry) => entry.accessKeyHex));
  return active.size > 0 && [...active.keys()].every((key) => have.has(key));
}

function isExpired(
  info: SubmissionInfo,
  downloads: readonly EditorDownload[],
  active: ActiveEditors,
  policy: RetentionPolicy,
  now: Date,
): boolean {
  return dayOf(now) >= submissionStatus(info.day, downloads, active, policy).expires;
}

/**
 * Deletes every submission whose expiry day has come (ciphertext and record,
 * unlinked and the directory fsynced), and records left by an interrupted
 * delete.
 * @returns how many submissions were deleted.
 * @throws I/O errors (what was deleted before stays deleted).
 */
export async function expireSubmissions(
  submissions: SubmissionStore,
  manifests: ManifestStore,
  now: Date,
): Promise<number> {
  const policy = submissions.retention;
  let deleted = 0;
  for (const info of await submissions.list()) {
    const active = activeEditorsByKey(manifests.current().manifest);
    // Decided again under the record's lock: a confirmation may have just moved the day.
    const outcome = await submissions.downloads.deleteIf(info.id, (downloads) =>
      isExpired(info, downloads, active, policy, now),
    );
    if (outcome === 'deleted') deleted += 1;
  }
  await submissions.downloads.removeOrphans();
  return deleted;
}

/**
 * Sweeps once now (before the server takes requests), then every
 * {@link SUBMISSION_SWEEP_INTERVAL_MS}.
 * @throws what the first sweep throws (the server should not start on a
 *   data folder it cannot clean).
 */
export async function startSubmissionRetention(
  submissions: SubmissionStore,
  manifests: ManifestStore,
  onError: (error: unknown) => void,
  now: () => Date = () => new Date(),
): Promise<PeriodicTask> {
  await expireSubmissions(submissions, manifests, now());
  return startPeriodicTask(
    SUBMISSION_SWEEP_INTERVAL_MS,
    () => expireSubmissions(submissions, manifests, now()),
    onError,
  );
}
