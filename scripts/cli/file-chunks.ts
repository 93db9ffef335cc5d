/**
 * Read a file as an async stream of chunks with one read always in flight:
 * while the caller decrypts a chunk on the main thread, the next read runs
 * on libuv's thread pool, so I/O and crypto overlap (createReadStream does
 * less read-ahead and measured slower for multi-GiB inputs).
 */
import { open } from 'node:fs/promises';

/** 16 sealed age chunks (64 KiB + 16 each): large reads, little copying downstream. */
export const DEFAULT_PIECE_BYTES = 16 * (64 * 1024 + 16);

/**
 * Yield the file's bytes in pieces of at most `pieceBytes`. Each piece is a
 * fresh buffer (consumers may keep views into it).
 * @throws the file system's error (e.g. ENOENT) on the first `next()`.
 */
export async function* readFileChunks(file: string, pieceBytes = DEFAULT_PIECE_BYTES): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(file, 'r');
  const readPiece = async (): Promise<Uint8Array> => {
    // Not pooled and not zeroed: only the bytes read are ever exposed.
    const buffer = Buffer.allocUnsafeSlow(pieceBytes);
    const { bytesRead } = await handle.read(buffer, 0, pieceBytes, null);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
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
