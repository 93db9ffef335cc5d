/**
 * Read a file as an async stream of chunks with one read always in flight:
 * while the caller decrypts a chunk on the main thread, the next read runs
 * on libuv's thread pool, so I/O and crypto overlap (createReadStream does
 * less read-ahead and measured slower for multi-GiB inputs).
 */
import { open } from 'node:fs/promises';
import { SEALED_CHUNK_SIZE } from '../../client/core/stream.js';

/** 16 sealed age chunks (64 KiB + 16 each): large reads, little copying downstream. */
export const DEFAULT_PIECE_BYTES = 16 * SEALED_CHUNK_SIZE;

export interface FileChunksOptions {
  /** Largest piece yielded; default {@link DEFAULT_PIECE_BYTES}. */
  readonly pieceBytes?: number;
  /**
   * Read into this many buffers in turn instead of a fresh buffer per piece
   * (0, the default: fresh buffers). Touching fresh memory costs a page
   * fault per 4 KiB, which measured several times the cost of the read
   * itself; reusing buffers avoids it. Every piece but the last is then
   * exactly `pieceBytes` long. Only for consumers that hold a piece
   * (or any view into it) while pulling at most `ring - 2` more: pulling
   * piece `j + ring - 1` starts the read that overwrites piece `j` (one read
   * is always in flight). The age decryptor qualifies: every AEAD opens or
   * copies a chunk before the next one is read, and the readers in between
   * hold at most the piece being read and one more.
   */
  readonly ring?: number;
}

/**
 * Yield the file's bytes in pieces of at most `pieceBytes`. Each piece is a
 * fresh buffer (consumers may keep views into it) unless `ring` is set.
 * Works on pipes as well as regular files.
 * @throws RangeError for a `ring` of 1 to 3 (too few to keep one read in flight safely).
 * @throws the file system's error (e.g. ENOENT) on the first `next()`.
 */
export async function* readFileChunks(
  file: string,
  options: FileChunksOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { pieceBytes = DEFAULT_PIECE_BYTES, ring = 0 } = options;
  if (ring !== 0 && (!Number.isSafeInteger(ring) || ring < 4))
    throw new RangeError('a buffer ring needs at least 4 buffers');
  const handle = await open(file, 'r');
  // Not pooled and not zeroed: only the bytes read are ever exposed.
  const buffers = Array.from({ length: ring }, () => Buffer.allocUnsafeSlow(pieceBytes));
  let turn = 0;
  const readPiece = async (): Promise<Uint8Array> => {
    if (ring === 0) {
      const buffer = Buffer.allocUnsafeSlow(pieceBytes);
      const { bytesRead } = await handle.read(buffer, 0, pieceBytes, null);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
    }
    // Filled to the end (or the file's end) even across short reads (a pipe),
    // so that the consumer's bound in pieces is a bound in bytes too.
    const buffer = buffers[turn++ % ring]!;
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, pieceBytes - filled, null);
      filled += bytesRead;
      if (bytesRead === 0 || filled === pieceBytes) break;
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
  };
  let pending: Promise<Uint8Array> | null = null;
  try {
    pending = readPiece();
    for (;;) {
      const piece: Uint8Array = await pending;
      if (piece.length === 0) return;
      pending = readPiece();
      yield piece;
    }
  } finally {
    // The consumer may stop early (failure, refusal) with a read in flight: let it settle first.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
