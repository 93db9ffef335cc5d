/** Stream helpers shared by the payload tests. */

export async function collectBytes(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of stream) {
    parts.push(part.slice());
    length += part.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Yield `bytes` cut at the given sizes, cycling through them (a size of 0 yields an empty chunk). */
export async function* rechunk(
  bytes: Uint8Array,
  sizes: readonly number[] = [bytes.length],
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = sizes.length === 0 ? bytes.length : sizes[i++ % sizes.length]!;
    yield bytes.subarray(offset, offset + size);
    offset += size;
    await Promise.resolve();
  }
}

/** `length` bytes of a deterministic, non-repeating-at-block-size pattern, in chunks of `chunkSize`. */
export async function* patternStream(length: number, chunkSize: number, seed = 0): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < length; offset += chunkSize) {
    const chunk = new Uint8Array(Math.min(chunkSize, length - offset));
    for (let i = 0; i < chunk.length; i++) chunk[i] = ((offset + i) * 31 + seed) % 251;
    yield chunk;
    await Promise.resolve();
  }
}

export function patternBytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

/** Byte equality that stays fast for MiB-sized arrays (jest's toEqual walks them element by element). */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeDefined();
  expect(actual!.length).toBe(expected.length);
  let firstDifference = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual![i] !== expected[i]) {
      firstDifference = i;
      break;
    }
  }
  expect(firstDifference).toBe(-1);
}
