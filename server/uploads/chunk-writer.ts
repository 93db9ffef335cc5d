/**
 * Streams one chunk's body into the upload file at its offset. The body is
 * piped (no await per network piece) into a writable that gathers whatever
 * arrived while the previous write was in flight into one positional
 * `writev`: no copying into a staging buffer, network reads and disk writes
 * overlap, and back-pressure pauses the socket once a batch is queued, so
 * memory per request stays bounded.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../errors.js';

/**
 * Bytes queued before the socket is paused. Network pieces are small (16-64
 * KiB); while one write is in flight the next ones queue up to about this
 * much and then go to disk in a single `writev`.
 */
export const WRITE_BATCH_BYTES = 1024 * 1024;

/** Writes into `[offset, offset + length)` of a file, refusing anything past it. */
class RangeWriter extends Writable {
  written = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly offset: number,
    private readonly length: number,
  ) {
    super({ highWaterMark: WRITE_BATCH_BYTES, decodeStrings: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => {
      callback();
    }, callback);
  }

  override _writev(pieces: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(pieces.map((piece) => piece.chunk)).then(() => {
      callback();
    }, callback);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    if (this.written + total > this.length) throw new ApiError('CHUNK_OUT_OF_BOUNDS');
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, this.offset + this.written);
      this.written += bytesWritten;
      pending = dropBytes(pending, bytesWritten);
    }
  }
}

/** What remains of `buffers` after the first `count` bytes (for short writes). */
function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  let index = 0;
  while (index < buffers.length && left >= buffers[index]!.length) {
    left -= buffers[index]!.length;
    index += 1;
  }
  const rest = buffers.slice(index);
  if (left > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}

/** How a chunk's body is watched while it is written. */
export interface ChunkWriteOptions {
  /** Aborting stops the write and destroys the body (the request, so its connection closes). */
  readonly signal?: AbortSignal;
  /** Sees the pieces before they are written (and may refuse them by throwing). */
  readonly inspect?: (pieces: AsyncIterable<Buffer>) => AsyncIterable<Buffer>;
}

/**
 * Streams `body` into `handle` at `offset`; returns the bytes written (fewer
 * than `length` if the body ended early). Nothing is synced here.
 * @throws ApiError CHUNK_OUT_OF_BOUNDS if the body is longer than `length`;
 *   an AbortError once `signal` is aborted; the inspector's, the stream's or
 *   the file system's error otherwise.
 */
export async function writeChunkBody(
  handle: FileHandle,
  offset: number,
  length: number,
  body: AsyncIterable<Uint8Array>,
  options: ChunkWriteOptions = {},
): Promise<number> {
  const writer = new RangeWriter(handle, offset, length);
  const source = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
  const pipelineOptions = options.signal === undefined ? {} : { signal: options.signal };
  if (options.inspect === undefined) await pipeline(source, writer, pipelineOptions);
  else await pipeline(source, options.inspect, writer, pipelineOptions);
  return writer.written;
}
