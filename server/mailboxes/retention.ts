/**
 * How long a reply, or the tombstone of a deleted one, stays on the server
 * (`SEALDROP_REPLY_RETENTION_DAYS`). Replies wait for a source who may come
 * back rarely, but not forever: a mailbox nobody reads should not keep
 * ciphertext, or the fact that it was written to, indefinitely.
 */
import { daysBetween } from '../storage/day.js';

/**
 * Whether a file dated `day` (its arrival, or the source's delete) is past
 * retention at `now`: kept for `retentionDays` whole days after its day,
 * removed by the first sweep after that.
 */
export function isPastRetention(day: Date, now: Date, retentionDays: number): boolean {
  return daysBetween(day, now) > retentionDays;
}
