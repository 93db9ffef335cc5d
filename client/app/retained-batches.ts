/**
 * Ciphertext already sent but not yet durable on the server, kept so that it
 * can be sent again. The server acknowledges a chunk once it is written and
 * makes it durable at its next checkpoint; after a crash it reports the last
 * checkpoint's offset, which may be below bytes it acknowledged
 * (docs/API.md: keep every byte from `durableOffset` on until it advances).
 * The client cannot produce those bytes again: encryption is randomized, so a
 * second pass gives a different ciphertext.
 *
 * Batches are kept whole, in order and contiguous: the window is
 * `[start, end)`, and a batch is dropped once it lies entirely below the
 * server's `durableOffset`.
 */

/** One batch of the ciphertext stream and where it starts. */
export interface Batch {
  readonly start: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

export class RetainedBatches {
  private readonly batches: Batch[] = [];
  private sentEnd = 0;
  private readonly onDrop: (bytes: Uint8Array<ArrayBuffer>) => void;

  /** `onDrop` is given each batch's bytes once the batch is dropped (batch-buffers.ts uses them again). */
  constructor(onDrop: (bytes: Uint8Array<ArrayBuffer>) => void = () => undefined) {
    this.onDrop = onDrop;
  }

  /** First byte still kept; equal to {@link end} when nothing is kept. */
  get start(): number {
    return this.batches[0]?.start ?? this.sentEnd;
  }

  /** End of the stream added so far. */
  get end(): number {
    return this.sentEnd;
  }

  /** Bytes kept. */
  get size(): number {
    return this.end - this.start;
  }

  /** Keeps `bytes`, which continue the stream at {@link end}. */
  add(bytes: Uint8Array<ArrayBuffer>): void {
    this.batches.push({ start: this.sentEnd, bytes });
    this.sentEnd += bytes.length;
  }

  /** Drops every batch that lies entirely below `durableOffset`. */
  release(durableOffset: number): void {
    for (
      let first = this.batches[0];
      first !== undefined && first.start + first.bytes.length <= durableOffset;
      first = this.batches[0]
    ) {
      this.batches.shift();
      this.onDrop(first.bytes);
    }
  }

  /**
   * The kept bytes from `offset` to {@link end}, as views into the batches.
   * @throws RangeError if `offset` is outside `[start, end]`.
   */
  from(offset: number): Batch[] {
    if (offset < this.start || offset > this.end) throw new RangeError('offset outside the retained ciphertext');
    const pieces: Batch[] = [];
    for (const batch of this.batches) {
      const batchEnd = batch.start + batch.bytes.length;
      if (batchEnd <= offset) continue;
      const skip = Math.max(0, offset - batch.start);
      pieces.push({ start: batch.start + skip, bytes: batch.bytes.subarray(skip) });
    }
    return pieces;
  }
}
