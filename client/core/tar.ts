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
import { ByteReader, type ByteReaderErrorCode } from './byte-reader.js';
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
 * @throws TarError (while streaming) `unsafe-name` if a path is not canonical,
 * `duplicate-name` if it collides with an earlier one, `name-too-long` if it
 * does not fit the name and prefix fields; `invalid-entry` if a size is not an
 * integer from 0 to {@link USTAR_MAX_SIZE} or a mode is not 0 to 0o777;
 * `size-mismatch` if an entry's data is longer or shorter than its declared
 * size (the excess is never emitted).
 */
export async function* writeTar(
  entries: AsyncIterable<TarEntryInput> | Iterable<TarEntryInput>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const names = new NameRegistry();
  for await (const entry of entries) {
    const { path, size, mode = 0o644 } = entry;
    if (!Number.isSafeInteger(size) || size < 0 || size > USTAR_MAX_SIZE)
      throw new TarError('invalid-entry', 'invalid entry size');
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new TarError('invalid-entry', 'invalid entry mode');
    names.add(canonicalSegments(path), 'file');
    yield encodeFileHeader(path, size, mode);
    let written = 0;
    for await (const chunk of entry.data) {
      written += chunk.length;
      if (written > size) throw new TarError('size-mismatch', 'entry data longer than declared size');
      if (chunk.length > 0) yield chunk;
    }
    if (written !== size) throw new TarError('size-mismatch', 'entry data shorter than declared size');
    const padding = paddingLength(size);
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield new Uint8Array(2 * BLOCK_SIZE);
}

// ---------------------------------------------------------------- reader

/** The archive reader's own failures in tar's family: its size cap and its re-entrancy guard. */
function readerError(code: ByteReaderErrorCode): TarError {
  return code === 'over-limit'
    ? new TarError('archive-too-large', 'archive too large')
    : new TarError('invalid-read', 'concurrent archive reads');
}

function truncated(): TarError {
  return new TarError('truncated', 'truncated archive');
}

/** The next block, or null if the source ends exactly here. */
async function readBlock(reader: ByteReader): Promise<Uint8Array | null> {
  const block = await reader.read(BLOCK_SIZE);
  if (block.length === 0) return null;
  if (block.length < BLOCK_SIZE) throw truncated();
  return block;
}

/** Read `count` bytes that must all be zero; `what` names them in the error. */
async function expectZeros(reader: ByteReader, count: number, what: string): Promise<void> {
  let remaining = count;
  while (remaining > 0) {
    const part = await reader.readUpTo(remaining);
    if (part === null) throw truncated();
    if (!isZero(part)) throw new TarError('invalid-padding', `non-zero ${what}`);
    remaining -= part.length;
  }
}

/** Everything left in the source must be zero. */
async function expectZerosToEnd(reader: ByteReader): Promise<void> {
  for (;;) {
    const part = await reader.readPiece();
    if (part === null) return;
    if (!isZero(part)) throw new TarError('invalid-padding', 'non-zero data after end of archive');
  }
}

/** The data of one entry, readable once, until the reader moves on. */
class EntryData implements AsyncIterable<Uint8Array> {
  private remaining: number;
  private started = false;
  private closed = false;

  constructor(
    private readonly reader: ByteReader,
    size: number,
  ) {
    this.remaining = size;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.started) throw new TarError('invalid-read', 'entry data already read');
    this.started = true;
    return this.chunks();
  }

  private async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      // Checked on every resume: the caller may have moved to the next entry meanwhile.
      if (this.closed) throw new TarError('invalid-read', 'entry data read after moving on');
      if (this.remaining === 0) return;
      const part = await this.reader.readUpTo(this.remaining);
      if (part === null) throw truncated();
      this.remaining -= part.length;
      yield part;
    }
  }

  /** Skip what the caller did not read. */
  async finish(): Promise<void> {
    this.closed = true;
    while (this.remaining > 0) {
      const part = await this.reader.readUpTo(this.remaining);
      if (part === null) throw truncated();
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
 * non-zero bytes after it; or entry data read after moving on. Its code says
 * which (`TarErrorCode`, tar-header.ts): the limits are `too-many-entries`,
 * `entry-too-large` and `archive-too-large`.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<TarEntry, void, undefined> {
  const effective: TarLimits = { ...DEFAULT_TAR_LIMITS, ...limits };
  checkLimits(effective);
  const reader = new ByteReader(source, { maxBytes: effective.maxTotalSize, error: readerError });
  const names = new NameRegistry();
  let entries = 0;
  let declared = 0;
  try {
    for (;;) {
      const block = await readBlock(reader);
      if (block === null) throw new TarError('truncated', 'truncated archive: missing end-of-archive marker');
      if (isZero(block)) {
        const second = await readBlock(reader);
        if (second === null) throw new TarError('truncated', 'truncated archive: missing end-of-archive marker');
        if (!isZero(second)) throw new TarError('invalid-padding', 'lone zero block inside archive');
        await expectZerosToEnd(reader);
        return;
      }
      const header = parseHeader(block);
      const segments = headerPathSegments(header.prefix, header.name, header.type);
      entries += 1;
      if (entries > effective.maxEntries) throw new TarError('too-many-entries', 'too many entries');
      if (header.size > effective.maxEntrySize) throw new TarError('entry-too-large', 'entry too large');
      // Refuse early what cannot fit, rather than after streaming it.
      declared += BLOCK_SIZE + header.size;
      if (declared > effective.maxTotalSize) throw new TarError('archive-too-large', 'archive too large');
      names.add(segments, header.type);
      const data = new EntryData(reader, header.size);
      yield { path: segments.join('/'), type: header.type, size: header.size, data };
      await data.finish();
      await expectZeros(reader, paddingLength(header.size), 'entry padding');
    }
  } finally {
    await reader.close();
  }
}
