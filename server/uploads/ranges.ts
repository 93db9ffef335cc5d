/**
 * Sets of byte ranges of an upload: those received (written, perhaps only to
 * the page cache) and those durable (fsynced, then journaled). Chunks may
 * arrive out of order, twice, or overlapping (a retry after a dropped
 * connection); the set of bytes is what matters, kept as sorted, disjoint,
 * non-adjacent half-open intervals.
 */

export interface ByteRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export class ReceivedRanges {
  private ranges: ByteRange[] = [];

  /** Records `[start, end)` as received, merging with neighbours. */
  add(start: number, end: number): void {
    if (end <= start) return;
    const merged: ByteRange[] = [];
    let next = { start, end };
    for (const range of this.ranges) {
      if (range.end < next.start || range.start > next.end) merged.push(range);
      else next = { start: Math.min(range.start, next.start), end: Math.max(range.end, next.end) };
    }
    merged.push(next);
    merged.sort((a, b) => a.start - b.start);
    this.ranges = merged;
  }

  /** Bytes received contiguously from 0: where a resuming client continues. */
  contiguousPrefix(): number {
    const first = this.ranges[0];
    return first?.start === 0 ? first.end : 0;
  }

  /** True if every byte of `[0, size)` has been received. */
  covers(size: number): boolean {
    return this.contiguousPrefix() >= size;
  }

  /** An independent copy of the set. */
  clone(): ReceivedRanges {
    const copy = new ReceivedRanges();
    copy.ranges = this.list();
    return copy;
  }

  /** A copy of the intervals, in order. */
  list(): ByteRange[] {
    return this.ranges.map((range) => ({ ...range }));
  }
}

/** One journal line: a range that is durably on disk. */
export function formatJournalEntry(start: number, end: number): string {
  return `${start} ${end}\n`;
}

/** Journal lines for every range of a checkpoint. */
export function formatJournal(ranges: readonly ByteRange[]): string {
  return ranges.map((range) => formatJournalEntry(range.start, range.end)).join('');
}

/**
 * Replays a journal. A crash may leave a torn last line; anything that is not
 * a complete, well-formed line is ignored (its chunk is simply sent again).
 */
export function parseJournal(text: string, size: number): ReceivedRanges {
  const ranges = new ReceivedRanges();
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline is incomplete or empty
  for (const line of lines) {
    const match = /^([0-9]{1,16}) ([0-9]{1,16})$/.exec(line);
    if (match === null) continue;
    const start = Number(match[1]);
    const end = Number(match[2]);
    if (start < end && end <= size) ranges.add(start, end);
  }
  return ranges;
}
