/**
 * Sets of byte spans of an upload, half-open `[start, end)`: those received
 * (written, perhaps only to the page cache) and those durable (fsynced, then
 * journaled), and the journal's text form. Chunks may arrive out of order,
 * twice, or overlapping (a retry after a dropped connection); the set of
 * bytes is what matters, kept as sorted, disjoint, non-adjacent spans.
 *
 * A hostile client can send many tiny disjoint chunks, so the number of spans
 * an upload may hold is capped ({@link MAX_RECEIVED_SPANS}) and every
 * operation is a binary search plus one splice of a bounded array: the work
 * per chunk does not grow with what the client sent before.
 *
 * Not to be confused with an HTTP `Range` (routes/http-byte-range.ts), whose
 * last byte is inclusive.
 */

/**
 * Distinct (non-adjacent) spans one upload may hold. The page sends chunks in
 * order, so it holds one span (a few while retrying); 1024 leaves room for any
 * honest out-of-order client and bounds the state, the journal and the
 * restart time of a spammed upload.
 */
export const MAX_RECEIVED_SPANS = 1024;

/** A half-open span of bytes `[start, end)`: `end` is the first byte NOT in it, so its length is `end - start`. */
export interface ReceivedSpan {
  readonly start: number;
  /** Exclusive: the first byte after the span. */
  readonly end: number;
}

/** The bytes of an upload received so far, as half-open {@link ReceivedSpan}s. */
export class ReceivedSpans {
  private spans: ReceivedSpan[] = [];
  private bytes = 0;

  /** Index of the first span that ends at or after `start` (could merge with `[start, …)`). */
  private firstTouching(start: number): number {
    let low = 0;
    let high = this.spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.spans[middle]!.end < start) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index after the last span that starts at or before `end` (could merge with `[…, end)`). */
  private afterLastTouching(end: number): number {
    let low = 0;
    let high = this.spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.spans[middle]!.start <= end) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Records `[start, end)` as received, merging with neighbours. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const first = this.firstTouching(start);
    const after = this.afterLastTouching(end);
    let merged = { start, end };
    let absorbed = 0;
    for (let index = first; index < after; index++) {
      const span = this.spans[index]!;
      absorbed += span.end - span.start;
      merged = { start: Math.min(span.start, merged.start), end: Math.max(span.end, merged.end) };
    }
    this.spans.splice(first, after - first, merged);
    this.bytes += merged.end - merged.start - absorbed;
  }

  /** How many spans the set would hold after {@link add}ing `[start, end)`. */
  countWith(start: number, end: number): number {
    if (end <= start) return this.spans.length;
    return this.spans.length - (this.afterLastTouching(end) - this.firstTouching(start)) + 1;
  }

  /** Number of disjoint spans. */
  count(): number {
    return this.spans.length;
  }

  /** Bytes in the set (what is on disk for this upload, sparse gaps excluded). */
  byteCount(): number {
    return this.bytes;
  }

  /** True if `[start, end)` is exactly one of the spans. */
  hasSpan(start: number, end: number): boolean {
    const index = this.firstTouching(start);
    const span = this.spans[index];
    return span?.start === start && span.end === end;
  }

  /** Bytes received contiguously from 0: where a resuming client continues. */
  contiguousPrefix(): number {
    const first = this.spans[0];
    return first?.start === 0 ? first.end : 0;
  }

  /** True if every byte of `[0, size)` has been received. */
  covers(size: number): boolean {
    return this.contiguousPrefix() >= size;
  }

  /** An independent copy of the set. */
  clone(): ReceivedSpans {
    const copy = new ReceivedSpans();
    copy.spans = this.list();
    copy.bytes = this.bytes;
    return copy;
  }

  /** A copy of the spans, in order. */
  list(): ReceivedSpan[] {
    return this.spans.map((span) => ({ ...span }));
  }
}

/** One journal line: a span that is durably on disk. */
export function formatJournalEntry(start: number, end: number): string {
  return `${start} ${end}\n`;
}

/** Journal lines for every span of a checkpoint. */
export function formatJournal(spans: readonly ReceivedSpan[]): string {
  return spans.map((span) => formatJournalEntry(span.start, span.end)).join('');
}

/**
 * Replays a journal. A crash may leave a torn last line; anything that is not
 * a complete, well-formed line is ignored (its chunk is simply sent again).
 * Lines only ever describe spans that were durable together, so a journal
 * written by this server never replays to more than {@link MAX_RECEIVED_SPANS}.
 */
export function parseJournal(text: string, size: number): ReceivedSpans {
  const spans = new ReceivedSpans();
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline is incomplete or empty
  for (const line of lines) {
    const match = /^([0-9]{1,16}) ([0-9]{1,16})$/.exec(line);
    if (match === null) continue;
    const start = Number(match[1]);
    const end = Number(match[2]);
    if (start < end && end <= size) spans.add(start, end);
  }
  return spans;
}
