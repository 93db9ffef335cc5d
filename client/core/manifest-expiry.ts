/**
 * How close a key manifest is to its expiry, in one place: the server's log
 * (server/manifest/expiry-warnings.ts), `sealdrop manifest show` and
 * `sealdrop status` all judge and word it with these functions; and the one
 * verification that does not care about expiry (a server starting with only
 * an expired manifest, a build pinning its version). Pure.
 */
import { ManifestError, parseManifest, verifyManifest, type KeyManifest } from './manifest.js';
import type { MinisignPublicKey } from './minisign.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days before expiry from which the server and the tools warn, unless configured otherwise. */
export const DEFAULT_MANIFEST_WARNING_DAYS = 14;

export interface ManifestExpiry {
  /** `now` is at or after `expires`: browsers refuse the manifest and the server takes no uploads. */
  readonly expired: boolean;
  /** Whole days until expiry, rounded down (0: less than a day); negative once expired (-1: less than a day ago). */
  readonly daysLeft: number;
  /** Expired, or at most `warningDays` days left: time to sign and publish a new manifest. */
  readonly warn: boolean;
}

/**
 * Judges a manifest's `expires` (RFC 3339, as the manifest holds it) at `now`.
 * @throws TypeError if `expires` or `now` is not a valid time, or
 *   `warningDays` is not a non-negative safe integer.
 */
export function manifestExpiry(expires: string, now: Date, warningDays: number): ManifestExpiry {
  const expiresMs = Date.parse(expires);
  const nowMs = now.getTime();
  if (Number.isNaN(expiresMs) || Number.isNaN(nowMs)) throw new TypeError('expires and now must be valid times');
  if (!Number.isSafeInteger(warningDays) || warningDays < 0)
    throw new TypeError('warningDays must be a non-negative integer');
  const leftMs = expiresMs - nowMs;
  const expired = leftMs <= 0;
  return { expired, daysLeft: Math.floor(leftMs / DAY_MS), warn: expired || leftMs <= warningDays * DAY_MS };
}

/**
 * One line for an admin about a manifest's expiry, e.g.
 * `manifest version 3 expires in 5 days (2026-12-06T10:00:00Z): sign and publish a new one`.
 */
export function describeManifestExpiry(version: number, expires: string, expiry: ManifestExpiry): string {
  if (expiry.expired) {
    return (
      `manifest version ${version} expired ${expires}: sources cannot submit until a new manifest is ` +
      'signed and published'
    );
  }
  const left = expiry.daysLeft === 0 ? 'less than a day' : `${expiry.daysLeft} day${expiry.daysLeft === 1 ? '' : 's'}`;
  return `manifest version ${version} expires in ${left} (${expires})${expiry.warn ? ': sign and publish a new one' : ''}`;
}

/**
 * Verifies a signed manifest like `verifyManifest` at `now`, except that an
 * expired one is returned rather than refused. verifyManifest checks expiry
 * only after the signature, the parse, the root and the trusted comment (and
 * the version), so `expired` means every other check held. Not for
 * deciding whom to encrypt to: browsers refuse expired manifests.
 * @throws ManifestError with the code of any other check that fails.
 */
export function verifyManifestIgnoringExpiry(
  bytes: Uint8Array,
  signature: string,
  rootKey: MinisignPublicKey,
  now: Date,
): KeyManifest {
  try {
    return verifyManifest(bytes, signature, rootKey, { now });
  } catch (error) {
    if (error instanceof ManifestError && error.code === 'expired') return parseManifest(bytes);
    throw error;
  }
}
