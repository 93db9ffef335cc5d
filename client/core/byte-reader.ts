/**
 * Pull-based reading of exact byte counts from an `AsyncIterable<Uint8Array>`
 * whose pieces have arbitrary sizes. Used by the header reader and by STREAM
 * decryption so that neither depends on how the transport chunks its data,
 * and neither holds more than it needs: pieces are kept as views, not copied,
 * until a read has to join them.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
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
   * @throws whatever the source throws.
   */
  async read(size: number): Promise<Uint8Array> {
    while (this.pendingLength < size && (await this.fill()));
    const take = Math.min(size, this.pendingLength);
    const first = this.pending[0];
    if (first !== undefined && first.length >= take) {
      // The common case when the source's pieces are larger than a read: no copy.
      const out = first.subarray(0, take);
      this.consumeFromFirst(take);
      return out;
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
    return out;
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
   * @throws whatever the source throws.
   */
  async readPiece(): Promise<Uint8Array | null> {
    if (this.pendingLength === 0 && !(await this.fill())) return null;
    const piece = this.pending.shift()!;
    this.pendingLength -= piece.length;
    return piece;
  }

  /** Put bytes back in front, to be read again. */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.unshift(bytes);
    this.pendingLength += bytes.length;
  }

  /**
   * Whether the source is exhausted; may pull one piece to find out.
   * @throws whatever the source throws.
   */
  async atEnd(): Promise<boolean> {
    return this.pendingLength === 0 && !(await this.fill());
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

  /** Everything not yet read, as an async iterable of pieces. */
  async *remaining(): AsyncGenerator<Uint8Array, void, undefined> {
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
