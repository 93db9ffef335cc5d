/**
 * HTTP `Range: bytes=...` for submission downloads (RFC 9110 §14). One range
 * is enough to resume a pull; a multi-range request is answered with the
 * whole file, which the RFC allows.
 */

export interface ByteSpan {
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/**
 * The span a `Range` header asks for in a file of `size` bytes: `null` for the
 * whole file (no header, another unit, several ranges, or unparsable, all of
 * which the RFC lets a server ignore), `'unsatisfiable'` for 416.
 */
export function parseRange(header: string | undefined, size: number): ByteSpan | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^bytes=([0-9]*)-([0-9]*)$/.exec(header.trim());
  if (match === null) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first.length > 15 || last.length > 15) return 'unsatisfiable';
  if (first === '') {
    // Suffix range: the last N bytes.
    const count = Number(last);
    if (count === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - count), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}
