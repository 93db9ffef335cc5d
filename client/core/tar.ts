/**
 * A streaming ustar (POSIX.1-1988, magic "ustar\0", version "00") writer and
 * a hostile-input-safe reader, for the submission plaintext.
 *
 * The writer runs in the source's browser; the reader runs on the editor's
 * offline machine over bytes written by an anonymous stranger. Both handle
 * only the small subset Sealdrop needs (regular files, and directories when
 * reading), so that `age -d | tar x` with standard tools and this reader agree
 * on every archive either accepts. See docs/PROTOCOL.md ("Submission payload").
 *
 * Memory stays bounded: entry data streams through as the source's chunks,
 * never buffered whole.
 *
 * The header block is in tar-header.ts, the path rules in tar-paths.ts.
 */
import { BLOCK_SIZE, TarError, USTAR_MAX_SIZE, encodeFileHeader, isZero, parseHeader } from './tar-header.js';
import { NameRegistry, canonicalSegments, headerPathSegments } from './tar-paths.js';

/** Limits the reader enforces on an untrusted archive. */
export interface TarLimits {
  /** Largest accepted entry size in bytes. */
  maxEntrySize: number;
  /** Largest accepted number of entries (files and directories). */
  maxEntries: number;
  /** Largest accepted archive in bytes, counting headers, data and trailing padding. */
  maxTotalSize: number;
}

/** Default limits: ustar's own per-entry maximum, 10,000 entries, 64 GiB in all. */
export const DEFAULT_TAR_LIMITS: Readonly<TarLimits> = Object.freeze({
  maxEntrySize: USTAR_MAX_SIZE,
  maxEntries: 10_000,
  maxTotalSize: 64 * 1024 ** 3,
});

/** One regular file to write. */
export interface TarEntryInput {
  /** Relative '/'-separated path, canonical (no `.`, `..` or empty segments). */
  path: string;
  /** Exact number of bytes `data` yields. */
  size: number;
  /** The content, streamed; chunks are passed through as they are, not copied. */
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Permission bits, at most 0o777; default 0o644. */
  mode?: number;
}

/** One entry read from an archive. */
export interface TarEntry {
  /** Normalized relative path: '/'-separated, no `.`/`..`/empty segments, no trailing slash. */
  path: string;
  type: 'file' | 'directory';
  /** Data size in bytes (always 0 for a directory). */
  size: number;
  /**
   * The content. Iterate it at most once, before moving to the next entry;
   * whatever is not read is skipped when the reader moves on. Chunks are views
   * into the source's chunks.
   */
  data: AsyncIterable<Uint8Array>;
}

// ---------------------------------------------------------------- writer

function paddingLength(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

/** The bytes an archive of regular files with these sizes occupies, end marker included. */
export function tarLength(sizes: Iterable<number>): number {
  let total = 2 * BLOCK_SIZE;
  for (const size of sizes) total += BLOCK_SIZE + size + paddingLength(size);
  return total;
}

/**
 * Stream a ustar archive of regular files, ending with two zero blocks.
 * Headers carry uid/gid 0, empty user and group names and {@link FIXED_MTIME}.
 *
 * @throws TarError (while streaming) if a path is not canonical, collides with
 * an earlier one, or does not fit the name and prefix fields; if a size is not
 * an integer from 0 to {@link USTAR_MAX_SIZE}; if a mode is not 0 to 0o777; or
 * if an entry's data is longer or shorter than its declared size (the excess
 * is never emitted).
 */
export async function* writeTar(
  entries: AsyncIterable<TarEntryInput> | Iterable<TarEntryInput>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const names = new NameRegistry();
  for await (const entry of entries) {
    const { path, size, mode = 0o644 } = entry;
    if (!Number.isSafeInteger(size) || size < 0 || size > USTAR_MAX_SIZE) throw new TarError('invalid entry size');
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new TarError('invalid entry mode');
    names.add(canonicalSegments(path), 'file');
    yield encodeFileHeader(path, size, mode);
    let written = 0;
    for await (const chunk of entry.data) {
      written += chunk.length;
      if (written > size) throw new TarError('entry data longer than declared size');
      if (chunk.length > 0) yield chunk;
    }
    if (written !== size) throw new TarError('entry data shorter than declared size');
    const padding = paddingLength(size);
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield new Uint8Array(2 * BLOCK_SIZE);
}

// ---------------------------------------------------------------- reader

/** Pulls exact byte counts out of an async stream of arbitrary chunks. */
class SourceReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private ended = false;
  private busy = false;
  private consumed = 0;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly maxTotalSize: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Make bytes available; false at the end of the source. */
  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.length) {
      if (this.ended) return false;
      if (this.busy) throw new TarError('concurrent archive reads');
      this.busy = true;
      try {
        const result = await this.iterator.next();
        if (result.done === true) {
          this.ended = true;
          return false;
        }
        this.chunk = result.value;
        this.offset = 0;
      } finally {
        this.busy = false;
      }
    }
    return true;
  }

  /** A view of the next 1 to `max` bytes, or null at the end of the source. */
  async take(max: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    const length = Math.min(max, this.chunk.length - this.offset);
    this.consumed += length;
    if (this.consumed > this.maxTotalSize) throw new TarError('archive too large');
    const view = this.chunk.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** The next block, or null if the source ends exactly here. */
  async readBlock(): Promise<Uint8Array | null> {
    const first = await this.take(BLOCK_SIZE);
    if (first === null) return null;
    if (first.length === BLOCK_SIZE) return first;
    const block = new Uint8Array(BLOCK_SIZE);
    block.set(first);
    let filled = first.length;
    while (filled < BLOCK_SIZE) {
      const part = await this.take(BLOCK_SIZE - filled);
      if (part === null) throw new TarError('truncated archive');
      block.set(part, filled);
      filled += part.length;
    }
    return block;
  }

  /** Read `count` bytes that must all be zero; `what` names them in the error. */
  async expectZeros(count: number, what: string): Promise<void> {
    let remaining = count;
    while (remaining > 0) {
      const part = await this.take(remaining);
      if (part === null) throw new TarError('truncated archive');
      if (!isZero(part)) throw new TarError(`non-zero ${what}`);
      remaining -= part.length;
    }
  }

  /** Everything left in the source must be zero. */
  async expectZerosToEnd(): Promise<void> {
    for (;;) {
      const part = await this.take(Number.MAX_SAFE_INTEGER);
      if (part === null) return;
      if (!isZero(part)) throw new TarError('non-zero data after end of archive');
    }
  }

  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}

/** The data of one entry, readable once, until the reader moves on. */
class EntryData implements AsyncIterable<Uint8Array> {
  private remaining: number;
  private started = false;
  private closed = false;

  constructor(
    private readonly reader: SourceReader,
    size: number,
  ) {
    this.remaining = size;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.started) throw new TarError('entry data already read');
    this.started = true;
    return this.chunks();
  }

  private async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      // Checked on every resume: the caller may have moved to the next entry meanwhile.
      if (this.closed) throw new TarError('entry data read after moving on');
      if (this.remaining === 0) return;
      const part = await this.reader.take(this.remaining);
      if (part === null) throw new TarError('truncated archive');
      this.remaining -= part.length;
      yield part;
    }
  }

  /** Skip what the caller did not read. */
  async finish(): Promise<void> {
    this.closed = true;
    while (this.remaining > 0) {
      const part = await this.reader.take(this.remaining);
      if (part === null) throw new TarError('truncated archive');
      this.remaining -= part.length;
    }
  }
}

function checkLimits(limits: TarLimits): void {
  for (const value of [limits.maxEntrySize, limits.maxEntries, limits.maxTotalSize]) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('invalid tar limits');
  }
}

/**
 * Read a ustar archive from an untrusted stream, yielding regular files and
 * directories with normalized, extraction-safe paths (see {@link resolveInside}).
 * The whole source is read: after the end-of-archive marker only zero bytes
 * (padding) may follow. Stopping early closes the source.
 *
 * @throws RangeError if a limit is not a non-negative safe integer.
 * @throws TarError (while reading) for a header checksum mismatch; a header
 * that is not ustar "00"; links, devices, FIFOs, pax or GNU extension headers
 * or any other type; a size that is not plain octal or is past
 * `maxEntrySize`; more than `maxEntries` entries or more than `maxTotalSize`
 * bytes; a name that is absolute, has a `..`, `.`-only or empty segment, a
 * backslash, a NUL, control or bidi-control character or invalid UTF-8; a name
 * that duplicates an earlier one (also up to case, Unicode normalization and
 * trailing dots) or passes through a file; non-zero entry padding; a source
 * that ends inside a header or entry or without the two-zero-block end marker;
 * non-zero bytes after it; or entry data read after moving on.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<TarEntry, void, undefined> {
  const effective: TarLimits = { ...DEFAULT_TAR_LIMITS, ...limits };
  checkLimits(effective);
  const reader = new SourceReader(source, effective.maxTotalSize);
  const names = new NameRegistry();
  let entries = 0;
  let declared = 0;
  try {
    for (;;) {
      const block = await reader.readBlock();
      if (block === null) throw new TarError('truncated archive: missing end-of-archive marker');
      if (isZero(block)) {
        const second = await reader.readBlock();
        if (second === null) throw new TarError('truncated archive: missing end-of-archive marker');
        if (!isZero(second)) throw new TarError('lone zero block inside archive');
        await reader.expectZerosToEnd();
        return;
      }
      const header = parseHeader(block);
      const segments = headerPathSegments(header.prefix, header.name, header.type);
      entries += 1;
      if (entries > effective.maxEntries) throw new TarError('too many entries');
      if (header.size > effective.maxEntrySize) throw new TarError('entry too large');
      // Refuse early what cannot fit, rather than after streaming it.
      declared += BLOCK_SIZE + header.size;
      if (declared > effective.maxTotalSize) throw new TarError('archive too large');
      names.add(segments, header.type);
      const data = new EntryData(reader, header.size);
      yield { path: segments.join('/'), type: header.type, size: header.size, data };
      await data.finish();
      await reader.expectZeros(paddingLength(header.size), 'entry padding');
    }
  } finally {
    await reader.close();
  }
}
