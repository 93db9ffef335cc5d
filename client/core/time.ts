/**
 * Timestamps as Sealdrop's documents write them: RFC 3339 in UTC with whole
 * seconds, `YYYY-MM-DDTHH:MM:SSZ`, the form Go's time.RFC3339 prints (so
 * `age-keygen`'s `# created:` line) and the key manifest's `issued` and
 * `expires` use.
 */

/** The only spelling accepted: four-digit year, `T`, `Z`, no fraction. */
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Write `date` as `YYYY-MM-DDTHH:MM:SSZ`, dropping any milliseconds.
 * @throws RangeError if the date is invalid or its year is outside 0000 to
 *   9999 (RFC 3339 has four-digit years only).
 */
export function formatRfc3339Seconds(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  const text = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // toISOString writes years past 9999 (or before 0) as ±YYYYYY.
  if (!RFC3339_SECONDS.test(text)) throw new RangeError('date outside RFC 3339 years');
  return text;
}

/**
 * Whether `text` has the shape of a day, `YYYY-MM-DD` (not whether it names
 * a real one): the precision the server keeps of arrival times, and a date
 * option's short form.
 */
export function isDayShape(text: string): boolean {
  return DAY.test(text);
}

/** Whether `text` has the shape `YYYY-MM-DDTHH:MM:SSZ` (not whether it names a real date). */
export function isRfc3339SecondsShape(text: string): boolean {
  return RFC3339_SECONDS.test(text);
}

/**
 * Read `YYYY-MM-DDTHH:MM:SSZ`, strictly: the shape above and a real date
 * (`Date.parse` rolls 2025-02-30 over to March; the round trip refuses it).
 * @returns the date, or `null` if `text` is anything else.
 */
export function parseRfc3339Seconds(text: string): Date | null {
  if (!RFC3339_SECONDS.test(text)) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== text.replace(/Z$/, '.000Z')) return null;
  return date;
}
