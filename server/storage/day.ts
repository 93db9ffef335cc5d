/**
 * Stored times are days, never instants: a precise time of arrival helps
 * correlate a submission with network observations of a source.
 */

/** Midnight UTC of the day containing `time`. */
export function startOfDay(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
}

/** The UTC day of `time` as `YYYY-MM-DD`. */
export function dayOf(time: Date): string {
  return startOfDay(time).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/** Whole UTC days from the day of `earlier` to the day of `later` (negative if `later` is before). */
export function daysBetween(earlier: Date, later: Date): number {
  return Math.round((startOfDay(later).getTime() - startOfDay(earlier).getTime()) / DAY_MS);
}
