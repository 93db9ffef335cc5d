/**
 * Reading a chosen file (client/app/seal.ts `readFile`): through a BYOB
 * reader into one buffer where the stream is a byte stream, through the
 * default reader otherwise; every byte arrives once, in order, and a read
 * failure is a FileReadError.
 */
import { FILE_READ_BYTES, FileReadError, readFile } from '../../client/app/seal.js';

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** A Blob-like whose stream is a byte stream (as in Chromium and Firefox), in pieces of `piece` bytes. */
function byteStreamFile(data: Uint8Array, piece: number, failAt = Infinity): Blob {
  return {
    stream: () => {
      let offset = 0;
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          if (offset >= failAt) {
            controller.error(new Error('revoked'));
            return;
          }
          if (offset >= data.length) {
            controller.close();
            controller.byobRequest?.respond(0);
            return;
          }
          const request = controller.byobRequest;
          if (request?.view) {
            const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
            const count = Math.min(view.length, piece, data.length - offset);
            view.set(data.subarray(offset, offset + count));
            offset += count;
            request.respond(count);
          } else {
            const count = Math.min(piece, data.length - offset);
            controller.enqueue(data.slice(offset, offset + count));
            offset += count;
          }
        },
      });
    },
  } as unknown as Blob;
}

/** A Blob-like with a plain (default) stream, as in Safari. */
function defaultStreamFile(data: Uint8Array, piece: number): Blob {
  return {
    stream: () => {
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= data.length) {
            controller.close();
            return;
          }
          controller.enqueue(data.slice(offset, offset + piece));
          offset += piece;
        },
      });
    },
  } as unknown as Blob;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Copies each piece before asking for the next, as the pipeline does. */
async function readAll(file: Blob): Promise<{ bytes: Uint8Array; sizes: Set<number>; detached: boolean }> {
  const parts: Uint8Array[] = [];
  const sizes = new Set<number>();
  let previous: Uint8Array | null = null;
  let detached = true;
  for await (const piece of readFile(file)) {
    // The piece before this one was handed back to the reader (its buffer transferred).
    if (previous !== null && previous.buffer.byteLength !== 0) detached = false;
    parts.push(piece.slice());
    sizes.add(piece.buffer.byteLength);
    previous = piece;
  }
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return { bytes, sizes, detached };
}

describe('readFile', () => {
  const data = pattern(3 * FILE_READ_BYTES + 12345);

  it('reads a byte stream whole, in order, into one buffer passed back and forth', async () => {
    const { bytes, sizes, detached } = await readAll(byteStreamFile(data, 256 * 1024));
    expect(same(bytes, data)).toBe(true);
    // One buffer of FILE_READ_BYTES, transferred on each read: a piece is gone once the next is asked for.
    expect([...sizes]).toEqual([FILE_READ_BYTES]);
    expect(detached).toBe(true);
  });

  it('reads a default stream whole, in order', async () => {
    const { bytes } = await readAll(defaultStreamFile(data, 100_000));
    expect(same(bytes, data)).toBe(true);
  });

  it('reads an empty file as nothing', async () => {
    expect((await readAll(byteStreamFile(new Uint8Array(0), 1024))).bytes).toHaveLength(0);
    expect((await readAll(defaultStreamFile(new Uint8Array(0), 1024))).bytes).toHaveLength(0);
  });

  it('turns a failed read into a FileReadError', async () => {
    await expect(readAll(byteStreamFile(data, 65536, 2 * 65536))).rejects.toBeInstanceOf(FileReadError);
  });
});
