/**
 * HTTP `Range: bytes=...` for submission downloads (RFC 9110 §14). One range
 * is enough to resume a pull; a multi-range request is answered with the
 * whole file, which the RFC allows.
 *
 * Not to be confused with an upload's received spans
 * (uploads/received-spans.ts), which are half-open.
 */

/**
 * The bytes an HTTP range asks for, both ends INCLUSIVE as in
 * `Content-Range: bytes first-last/size`: its length is `last - first + 1`.
 */
export interface HttpByteRange {
  /** Inclusive: the first byte sent. */
  readonly first: number;
  /** Inclusive: the last byte sent. */
  readonly last: number;
}

/**
 * The range a `Range` header asks for in a file of `size` bytes: `null` for
 * the whole file (no header, another unit, several ranges, or unparsable, all
 * of which the RFC lets a server ignore), `'unsatisfiable'` for 416.
 */
export function parseRangeHeader(header: string | undefined, size: number): HttpByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^bytes=([0-9]*)-([0-9]*)$/.exec(header.trim());
  if (match === null) return null;
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return null;
  if (firstText.length > 15 || lastText.length > 15) return 'unsatisfiable';
  if (firstText === '') {
    // Suffix range: the last N bytes.
    const count = Number(lastText);
    if (count === 0 || size === 0) return 'unsatisfiable';
    return { first: Math.max(0, size - count), last: size - 1 };
  }
  const first = Number(firstText);
  if (first >= size) return 'unsatisfiable';
  const last = lastText === '' ? size - 1 : Math.min(Number(lastText), size - 1);
  if (last < first) return null;
  return { first, last };
}
