/**
 * Sets of byte spans of an upload, half-open `[start, end)`: those received
 * (written, perhaps only to the page cache) and those durable (fsynced, then
 * journaled), and the journal's text form. Chunks may arrive out of order,
 * twice, or overlapping (a retry after a dropped connection); the set of
 * bytes is what matters, kept as sorted, disjoint, non-adjacent spans.
 *
 * Not to be confused with an HTTP `Range` (routes/http-byte-range.ts), whose
 * last byte is inclusive.
 */

/**
 * A half-open span of bytes `[start, end)`: `end` is the first byte NOT in it,
 * so its length is `end - start`. This is also the wire form of an upload
 * status's `received` list.
 */
export interface ReceivedSpan {
  readonly start: number;
  /** Exclusive: the first byte after the span. */
  readonly end: number;
}

/** The bytes of an upload received so far, as half-open {@link ReceivedSpan}s. */
export class ReceivedSpans {
  private spans: ReceivedSpan[] = [];

  /** Records `[start, end)` as received, merging with neighbours. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const merged: ReceivedSpan[] = [];
    let next = { start, end };
    for (const span of this.spans) {
      if (span.end < next.start || span.start > next.end) merged.push(span);
      else next = { start: Math.min(span.start, next.start), end: Math.max(span.end, next.end) };
    }
    merged.push(next);
    merged.sort((a, b) => a.start - b.start);
    this.spans = merged;
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
