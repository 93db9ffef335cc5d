/**
 * The first bytes of every upload must be the start of an age header, so a
 * client cannot park arbitrary bytes (plaintext, say) in `uploads/` until the
 * upload expires. The full header is checked at finalize
 * (envelope/check-envelope.ts); this is the part a chunk can be checked for
 * before its bytes reach the disk.
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
