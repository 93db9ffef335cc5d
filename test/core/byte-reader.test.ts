// The core's one byte-stream reader (client/core/byte-reader.ts), under the
// age reader and tar: exact reads across any chunking, bounded views, pieces
// put back, the size cap and the re-entrancy guard, and releasing the source.
import fc from 'fast-check';
import { ByteReader, ByteReaderError, type ByteReaderErrorCode } from '../../client/core/byte-reader.js';
import { TarError } from '../../client/core/tar-header.js';
import { collect, patternBytes, sameBytes, streamOf } from '../support/age-helpers.js';
import { withCode } from '../support/coded-errors.js';

const runs = { numRuns: Number(process.env.SLOW) ? 1000 : 50 };

/** A source that records whether it was closed. */
function tracked(bytes: Uint8Array, pieceSize: number): { source: AsyncIterable<Uint8Array>; closed: () => boolean } {
  let closed = false;
  async function* source(): AsyncGenerator<Uint8Array> {
    try {
      yield* streamOf(bytes, pieceSize);
    } finally {
      closed = true;
    }
  }
  return { source: source(), closed: () => closed };
}

describe('reads', () => {
  test('property: exact reads give back the bytes in order, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }),
        async (bytes, pieces, reads) => {
          const reader = new ByteReader(streamOf(bytes, pieces));
          const parts: Uint8Array[] = [];
          for (let i = 0; ; i++) {
            const size = reads[i % reads.length]!;
            const part = await reader.read(size);
            parts.push(part.slice());
            if (part.length < size) break;
          }
          expect(sameBytes(Buffer.concat(parts), bytes)).toBe(true);
          expect(await reader.atEnd()).toBe(true);
        },
      ),
      runs,
    );
  });

  test('readUpTo returns views of one piece, never more than asked, then null', async () => {
    const bytes = patternBytes(1000);
    const reader = new ByteReader(streamOf(bytes, 300));
    const sizes: number[] = [];
    for (let part = await reader.readUpTo(250); part !== null; part = await reader.readUpTo(250))
      sizes.push(part.length);
    expect(sizes).toEqual([250, 50, 250, 50, 250, 50, 100]);
    await expect(reader.readUpTo(0)).rejects.toThrow(RangeError);
  });

  test('unread puts bytes in front, and remaining() yields the rest and closes the source', async () => {
    const bytes = patternBytes(500);
    const { source, closed } = tracked(bytes, 64);
    const reader = new ByteReader(source);
    const head = await reader.read(100);
    reader.unread(head.subarray(90));
    expect(sameBytes(await collect(reader.remaining()), bytes.subarray(90))).toBe(true);
    expect(closed()).toBe(true);
  });

  test('remaining() stopped before its first piece still closes the source', async () => {
    // A caller that decides not to read the rest at all (a file meant for other keys).
    const { source, closed } = tracked(patternBytes(5000), 100);
    const reader = new ByteReader(source);
    await reader.read(150);
    const rest = reader.remaining();
    await rest.return?.();
    expect(closed()).toBe(true);
    expect(await rest.next()).toEqual({ done: true, value: undefined });
  });

  test('close releases a source that was not read to the end', async () => {
    const { source, closed } = tracked(patternBytes(5000), 100);
    const reader = new ByteReader(source);
    await reader.read(150);
    await reader.close();
    expect(closed()).toBe(true);
    expect(await reader.readPiece()).toBeNull();
  });
});

describe('the size cap', () => {
  async function readAll(reader: ByteReader): Promise<number> {
    let total = 0;
    for (let piece = await reader.readPiece(); piece !== null; piece = await reader.readPiece()) total += piece.length;
    return total;
  }

  test("allows exactly maxBytes and refuses the byte after, with the reader's own code", async () => {
    expect(await readAll(new ByteReader(streamOf(patternBytes(1000), 77), { maxBytes: 1000 }))).toBe(1000);
    const error: unknown = await readAll(new ByteReader(streamOf(patternBytes(1001), 77), { maxBytes: 1000 })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ByteReaderError);
    expect(error).toMatchObject({ code: 'over-limit' });
  });

  test('counts every kind of read, and bytes put back only once', async () => {
    const reader = new ByteReader(streamOf(patternBytes(30), 7), { maxBytes: 20 });
    await reader.read(10);
    const view = await reader.readUpTo(5);
    reader.unread(view!);
    await reader.read(10);
    await expect(reader.readPiece()).rejects.toThrow(withCode('over-limit'));
  });

  test('the owner chooses the error family', async () => {
    const seen: ByteReaderErrorCode[] = [];
    const error = (code: ByteReaderErrorCode): Error => {
      seen.push(code);
      return new TarError('archive-too-large', 'archive too large');
    };
    const reader = new ByteReader(streamOf(patternBytes(100), 10), { maxBytes: 50, error });
    await expect(reader.read(60)).rejects.toThrow(TarError);
    expect(seen).toEqual(['over-limit']);
  });

  test('a limit must be a non-negative number', () => {
    expect(() => new ByteReader(streamOf(new Uint8Array(1)), { maxBytes: -1 })).toThrow(RangeError);
    expect(() => new ByteReader(streamOf(new Uint8Array(1)), { maxBytes: Number.NaN })).toThrow(RangeError);
  });
});

describe('the re-entrancy guard', () => {
  test('a read started while another waits for the source is refused; the first one completes', async () => {
    const bytes = patternBytes(300);
    const reader = new ByteReader(streamOf(bytes, 100));
    const first = reader.read(250);
    await expect(reader.read(10)).rejects.toThrow(withCode('concurrent-read'));
    await expect(reader.readUpTo(10)).rejects.toThrow(ByteReaderError);
    await expect(reader.readPiece()).rejects.toThrow(ByteReaderError);
    await expect(reader.atEnd()).rejects.toThrow(ByteReaderError);
    expect(sameBytes(await first, bytes.subarray(0, 250))).toBe(true);
    // Once it has finished, reading goes on where it stopped.
    expect(sameBytes(await reader.read(100), bytes.subarray(250))).toBe(true);
  });
});
