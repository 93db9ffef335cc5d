/**
 * The server's reminders that the manifest is about to expire: logged at
 * start-up and once a day, as a warning from `warningDays` days before the
 * expiry and as an error once it has passed (sources cannot submit then).
 * The judgement and its wording are client/core/manifest-expiry.ts's.
 */
import { describeManifestExpiry, manifestExpiry } from '../../client/core/manifest-expiry.js';
import type { Logger } from '../logging.js';
import { startPeriodicTask, type PeriodicTask } from '../periodic-task.js';
import type { ManifestStore } from './manifest-store.js';

/** How often the reminder is repeated while it applies. */
export const EXPIRY_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Logs the current manifest's expiry if it is near or past; quiet otherwise. */
export function logManifestExpiry(
  manifests: ManifestStore,
  logger: Pick<Logger, 'warn' | 'error'>,
  warningDays: number,
  now: Date,
): void {
  const { version, expires } = manifests.current().manifest;
  const expiry = manifestExpiry(expires, now, warningDays);
  if (!expiry.warn) return;
  const fields = { manifestVersion: version, expires, daysLeft: expiry.daysLeft };
  if (expiry.expired) logger.error(fields, describeManifestExpiry(version, expires, expiry));
  else logger.warn(fields, describeManifestExpiry(version, expires, expiry));
}

/** Logs once now, then daily; the timer never keeps the process alive. */
export function startExpiryWarnings(
  manifests: ManifestStore,
  logger: Pick<Logger, 'warn' | 'error'>,
  warningDays: number,
  now: () => Date = () => new Date(),
): PeriodicTask {
  logManifestExpiry(manifests, logger, warningDays, now());
  return startPeriodicTask(
    EXPIRY_CHECK_INTERVAL_MS,
    () => {
      logManifestExpiry(manifests, logger, warningDays, now());
      return Promise.resolve();
    },
    () => undefined,
  );
}
