/**
 * Pull-based reading of exact byte counts from an `AsyncIterable<Uint8Array>`
 * whose pieces have arbitrary sizes: the core's one byte-stream reader, used
 * by the age header reader, STREAM decryption and the tar reader, so that
 * none depends on how the transport chunks its data and none holds more than
 * it needs: pieces are kept as views, not copied, until a read has to join
 * them. It can cap the bytes it hands out (a hostile archive's total size)
 * and refuses a read that starts while another is still pending.
 */
import { CodedError } from './coded-error.js';

/** The reader's own failures, as opposed to its source's. */
export type ByteReaderErrorCode =
  /** More than `maxBytes` bytes were read in all. */
  | 'over-limit'
  /** A read started while another one was still waiting for the source. */
  | 'concurrent-read';

/** A failure of the reader itself, when its owner does not map it to its own family. */
export class ByteReaderError extends CodedError<ByteReaderErrorCode> {
  override name = 'ByteReaderError';
}

const MESSAGES: Record<ByteReaderErrorCode, string> = {
  'over-limit': 'byte stream over its limit',
  'concurrent-read': 'concurrent reads of one byte stream',
};

function defaultError(code: ByteReaderErrorCode): Error {
  return new ByteReaderError(code, MESSAGES[code]);
}

export interface ByteReaderOptions {
  /** Most bytes handed out in all (bytes put back with `unread` do not count); default: no limit. */
  readonly maxBytes?: number;
  /**
   * Builds the error for a failure of the reader itself, so that its owner
   * reports it in its own family (tar: `archive-too-large`); default
   * {@link ByteReaderError}.
   */
  readonly error?: (code: ByteReaderErrorCode) => Error;
}

/** Reads exact byte counts, bounded views or whole pieces from one async source, one read at a time. */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly maxBytes: number;
  private readonly error: (code: ByteReaderErrorCode) => Error;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private done = false;
  private busy = false;
  private delivered = 0;

  /** @throws RangeError if `maxBytes` is negative or not a number. */
  constructor(source: AsyncIterable<Uint8Array>, options: ByteReaderOptions = {}) {
    const maxBytes = options.maxBytes ?? Infinity;
    if (!(maxBytes >= 0)) throw new RangeError('invalid byte reader limit');
    this.iterator = source[Symbol.asyncIterator]();
    this.maxBytes = maxBytes;
    this.error = options.error ?? defaultError;
  }

  /**
   * Run one read alone: a second read while the first waits for the source
   * would take bytes the first one has already counted on.
   */
  private async exclusive<T>(read: () => Promise<T>): Promise<T> {
    if (this.busy) throw this.error('concurrent-read');
    this.busy = true;
    try {
      return await read();
    } finally {
      this.busy = false;
    }
  }

  /** Count bytes handed out against the limit. */
  private deliver(bytes: Uint8Array): Uint8Array {
    this.delivered += bytes.length;
    if (this.delivered > this.maxBytes) throw this.error('over-limit');
    return bytes;
  }

  /** Pull one more non-empty piece from the source; false at its end. */
  private async fill(): Promise<boolean> {
    while (!this.done) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.done = true;
        break;
      }
      if (next.value.length > 0) {
        this.pending.push(next.value);
        this.pendingLength += next.value.length;
        return true;
      }
    }
    return false;
  }

  /**
   * Read exactly `size` bytes, or fewer only when the source ends first.
   * @throws the `over-limit` or `concurrent-read` error; whatever the source throws.
   */
  read(size: number): Promise<Uint8Array> {
    return this.exclusive(async () => {
      while (this.pendingLength < size && (await this.fill()));
      const take = Math.min(size, this.pendingLength);
      const first = this.pending[0];
      if (first !== undefined && first.length >= take) {
        // The common case when the source's pieces are larger than a read: no copy.
        const out = first.subarray(0, take);
        this.consumeFromFirst(take);
        return this.deliver(out);
      }
      const out = new Uint8Array(take);
      let offset = 0;
      while (offset < take) {
        const piece = this.pending[0]!;
        const count = Math.min(piece.length, take - offset);
        out.set(piece.subarray(0, count), offset);
        offset += count;
        this.consumeFromFirst(count);
      }
      return this.deliver(out);
    });
  }

  /**
   * A view of the next 1 to `max` bytes, never joining pieces (so never
   * copying), or `null` at the end of the source.
   * @throws RangeError if `max` is less than 1.
   * @throws the `over-limit` or `concurrent-read` error; whatever the source throws.
   */
  readUpTo(max: number): Promise<Uint8Array | null> {
    if (!(max >= 1)) return Promise.reject(new RangeError('invalid read size'));
    return this.exclusive(async () => {
      if (this.pendingLength === 0 && !(await this.fill())) return null;
      const first = this.pending[0]!;
      const out = first.subarray(0, Math.min(max, first.length));
      this.consumeFromFirst(out.length);
      return this.deliver(out);
    });
  }

  private consumeFromFirst(count: number): void {
    const first = this.pending[0]!;
    if (count === first.length) this.pending.shift();
    else this.pending[0] = first.subarray(count);
    this.pendingLength -= count;
  }

  /**
   * The next piece as the source delivered it (after anything pushed back),
   * or `null` at the end.
   * @throws the `over-limit` or `concurrent-read` error; whatever the source throws.
   */
  readPiece(): Promise<Uint8Array | null> {
    return this.exclusive(async () => {
      if (this.pendingLength === 0 && !(await this.fill())) return null;
      const piece = this.pending.shift()!;
      this.pendingLength -= piece.length;
      return this.deliver(piece);
    });
  }

  /** Put bytes back in front, to be read again (and counted again). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.unshift(bytes);
    this.pendingLength += bytes.length;
    this.delivered -= bytes.length;
  }

  /**
   * Whether the source is exhausted; may pull one piece to find out.
   * @throws the `concurrent-read` error; whatever the source throws.
   */
  atEnd(): Promise<boolean> {
    return this.exclusive(async () => this.pendingLength === 0 && !(await this.fill()));
  }

  /**
   * Stop reading: lets the source release what it holds (closes a generator,
   * a file handle). Safe to call more than once.
   */
  async close(): Promise<void> {
    this.pending = [];
    this.pendingLength = 0;
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }

  /**
   * Everything not yet read, as an async iterable of pieces. Stopping it
   * early (`return()`, `break`) closes the source, even before the first
   * piece: a generator's own `finally` would not run if it never started,
   * and a caller that decides not to read at all (a file meant for other
   * keys) would leave the source's file open.
   */
  remaining(): AsyncIterableIterator<Uint8Array, void, undefined> {
    const pieces = this.pieces();
    const release = async <T>(result: Promise<T>): Promise<T> => {
      try {
        return await result;
      } finally {
        await this.close();
      }
    };
    const remaining: AsyncIterableIterator<Uint8Array, void, undefined> = {
      next: () => pieces.next(),
      return: (value) => release(pieces.return(value)),
      throw: (error: unknown) => release(pieces.throw(error)),
      [Symbol.asyncIterator]: () => remaining,
    };
    return remaining;
  }

  private async *pieces(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for (;;) {
        const piece = await this.readPiece();
        if (piece === null) return;
        yield piece;
      }
    } finally {
      // Also runs when the consumer stops early, so the source is released.
      await this.close();
    }
  }
}
