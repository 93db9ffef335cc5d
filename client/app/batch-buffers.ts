/**
 * Batch buffers used again once the server holds their bytes durably
 * (retained-batches.ts drops them), instead of a fresh buffer per batch.
 *
 * Why: on a fast link every batch was a fresh 8 MiB buffer and every sealed
 * chunk a fresh 64 KiB array (reusing-seal-aead.ts), garbage whose backing
 * stores V8 collected late, so the worker and the renderer carried tens of
 * megabytes of dead ciphertext beside the live set. Measured
 * (docs/BENCHMARKS.md, the page's memory): either change alone left the
 * renderer's growth from 10 MiB to 1 GiB about where it was (+143 MB);
 * both brought it to +93 MB.
 *
 * Only buffers of one size are kept (the largest batch, the size every
 * batch has once the link is fast, where the garbage comes from), and at
 * most `limit` of them. A buffer is given back only when nothing reads it
 * any more: each request body is a Blob copied from the batch when it is
 * made, and a dropped batch is never sent again.
 */
export class BatchBuffers {
  readonly #size: number;
  readonly #limit: number;
  readonly #free: Uint8Array<ArrayBuffer>[] = [];

  /** Keeps up to `limit` buffers of exactly `size` bytes. */
  constructor(size: number, limit: number) {
    this.#size = size;
    this.#limit = limit;
  }

  /** A buffer of `size` bytes: a kept one if it is of that size, else a new one. Its old bytes are not cleared. */
  take(size: number): Uint8Array<ArrayBuffer> {
    return (size === this.#size ? this.#free.pop() : undefined) ?? new Uint8Array(size);
  }

  /** Keeps `bytes` for {@link take} if it is a whole buffer of the kept size and there is room. */
  give(bytes: Uint8Array<ArrayBuffer>): void {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    if (whole && bytes.length === this.#size && this.#free.length < this.#limit) this.#free.push(bytes);
  }

  /** Buffers kept now (for tests). */
  get kept(): number {
    return this.#free.length;
  }
}
