/**
 * The first bytes of every upload must be the start of an age header: a
 * chunk that writes any of them with other bytes is refused before they reach
 * the disk, and the upload is deleted. That keeps a client from parking a
 * recognizable file (plaintext, say) in `uploads/` from its first byte on.
 * Chunks further in are not held back until the prefix arrives (resumed
 * uploads send them in any order); an upload whose start never arrives is
 * never finalized (the full header is checked then,
 * envelope/check-envelope.ts) and expires like any idle one.
 */
import { VERSION_LINE } from '../../client/core/header.js';
import { ApiError } from '../errors.js';

/** What every age v1 file starts with: the version line and its newline. */
export const AGE_PREFIX = Buffer.from(`${VERSION_LINE}\n`, 'latin1');

/**
 * Passes a chunk's body through, holding back its first pieces until the
 * bytes it writes at `[offset, AGE_PREFIX.length)` are known, and refusing
 * the chunk if they differ from {@link AGE_PREFIX} there. Chunks that start
 * past the prefix pass untouched.
 * @throws ApiError INVALID_HEADER (from the iteration) before any byte is yielded.
 */
export async function* requireAgePrefix(body: AsyncIterable<Buffer>, offset: number): AsyncGenerator<Buffer> {
  if (offset >= AGE_PREFIX.length) {
    yield* body;
    return;
  }
  const expected = AGE_PREFIX.subarray(offset);
  const held: Buffer[] = [];
  let heldBytes = 0;
  let checked = false;
  for await (const piece of body) {
    if (checked) {
      yield piece;
      continue;
    }
    held.push(piece);
    heldBytes += piece.length;
    if (heldBytes < expected.length) continue;
    check(Buffer.concat(held), expected);
    checked = true;
    yield* held;
  }
  if (!checked) {
    // A body shorter than the prefix: check what there is.
    check(Buffer.concat(held), expected);
    yield* held;
  }
}

function check(start: Buffer, expected: Buffer): void {
  const length = Math.min(start.length, expected.length);
  if (!start.subarray(0, length).equals(expected.subarray(0, length))) throw new ApiError('INVALID_HEADER');
}
