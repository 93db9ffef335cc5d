/**
 * Text shown to people: sizes, and untrusted strings made safe for a
 * terminal. A submission's message and file names are written by a stranger;
 * printed raw, escape sequences in them could rewrite the screen, hide lines
 * or change the terminal's title, and bidi controls could reorder what the
 * editor reads.
 */

import { replaceUnsafeCharacters } from '../../client/core/display-safe.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1536` -> `1.5 KiB`; bytes below 1 KiB are exact. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]!}`;
}

/**
 * An untrusted string for one line of terminal output: every control, format
 * or separator character becomes `?` (tabs become a space), and the result is
 * cut to `maxLength` code points with `…`.
 */
export function displaySafe(text: string, maxLength = 200): string {
  const cleaned = replaceUnsafeCharacters(text);
  // Code points, not UTF-16 units: never cut a surrogate pair in half.
  const points = Array.from(cleaned);
  return points.length > maxLength ? points.slice(0, maxLength - 1).join('') + '…' : cleaned;
}

/**
 * The first lines of a message for a summary: up to `lines` non-empty lines,
 * each made display-safe.
 */
export function messagePreview(text: string, lines = 3, width = 100): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, lines)
    .map((line) => displaySafe(line, width));
}
