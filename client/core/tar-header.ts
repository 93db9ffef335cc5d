/**
 * The 512-byte ustar header block: field layout, octal numeric fields, the
 * checksum, encoding the header of one regular file, and parsing (and
 * validating) one header read from an untrusted archive.
 *
 * Path rules (what a name may contain, collisions) live in tar-paths.ts; the
 * streaming writer and reader, which put headers and data together, in tar.ts.
 */
import { CodedError } from './coded-error.js';

/** Why the tar modules refused an archive, an entry to write, or a read. */
export type TarErrorCode =
  /** An entry to write has a size or mode out of range, or a number that does not fit its field. */
  | 'invalid-entry'
  /** An entry's data is longer or shorter than its declared size. */
  | 'size-mismatch'
  /** A path too long for ustar's name and prefix fields. */
  | 'name-too-long'
  /** A name that is absolute, has an empty, `.` or `..` segment, a backslash, NUL, control or bidi character, or invalid UTF-8. */
  | 'unsafe-name'
  /** A name that duplicates an earlier one (up to case and normalization) or passes through a file. */
  | 'duplicate-name'
  /** Links, devices, FIFOs, pax or GNU extension headers, or any other entry type. */
  | 'unsupported-entry'
  /** A header that is not a valid ustar "00" header (checksum, magic, numeric fields, link name, directory with data). */
  | 'invalid-header'
  /** Bytes that must be zero are not: entry padding, the end-of-archive marker, or what follows it. */
  | 'invalid-padding'
  /** The source ends inside a header or entry, or without the end-of-archive marker. */
  | 'truncated'
  /** More entries than `maxEntries`. */
  | 'too-many-entries'
  /** An entry larger than `maxEntrySize`. */
  | 'entry-too-large'
  /** An archive larger than `maxTotalSize`. */
  | 'archive-too-large'
  /** Entry data read twice, after moving on, or while another read is pending. */
  | 'invalid-read'
  /** An extraction root that is empty or holds a NUL. */
  | 'invalid-root';

/** Thrown for an archive (or an entry to write) the tar modules refuse. */
export class TarError extends CodedError<TarErrorCode> {
  override name = 'TarError';
}

/** The ustar block size; headers and entry data are padded to it. */
export const BLOCK_SIZE = 512;

/** The largest size an 11-digit octal ustar size field holds: 8 GiB - 1. */
export const USTAR_MAX_SIZE = 0o77777777777;

/**
 * The modification time written in every header: the epoch. A precise time
 * would date the source's action; even a day-rounded one narrows it down
 * beyond what the server (which stores no precise timestamps) knows.
 */
export const FIXED_MTIME = 0;

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF stays part of the name instead of vanishing silently.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const NAME_OFFSET = 0;
/** Bytes in the header's name field: the longest last path segment a header holds. */
export const NAME_LENGTH = 100;
const MODE_OFFSET = 100;
const UID_OFFSET = 108;
const GID_OFFSET = 116;
const SIZE_OFFSET = 124;
const SIZE_LENGTH = 12;
const MTIME_OFFSET = 136;
const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;
const TYPE_OFFSET = 156;
const LINKNAME_OFFSET = 157;
const LINKNAME_LENGTH = 100;
const MAGIC_OFFSET = 257;
const MAGIC = encoder.encode('ustar\x0000');
const DEVMAJOR_OFFSET = 329;
const DEVMINOR_OFFSET = 337;
const PREFIX_OFFSET = 345;
const PREFIX_LENGTH = 155;
const SPACE = 0x20;

/** Below this many bytes a word view costs more than it saves. */
const WORD_CHECK_MIN_BYTES = 64;

/**
 * Whether every byte is zero: end-of-archive blocks, padding, unused fields.
 * Padmé padding makes this a hot path (megabytes of zeros at the end of a
 * large submission), so the 4-byte-aligned middle is checked a 32-bit word at
 * a time; only the unaligned ends are checked byte by byte. (A Float64Array
 * view would be faster still, but -0 compares equal to 0: wrong here.)
 */
export function isZero(bytes: Uint8Array): boolean {
  const length = bytes.length;
  if (length < WORD_CHECK_MIN_BYTES) {
    for (let i = 0; i < length; i++) if (bytes[i] !== 0) return false;
    return true;
  }
  const head = (4 - (bytes.byteOffset % 4)) % 4;
  const words = Math.floor((length - head) / 4);
  for (let i = 0; i < head; i++) if (bytes[i] !== 0) return false;
  for (let i = head + words * 4; i < length; i++) if (bytes[i] !== 0) return false;
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset + head, words);
  // OR-accumulate and test once per run of words: fewer branches in the loop.
  let i = 0;
  while (i < words) {
    const end = Math.min(words, i + 256);
    let any = 0;
    for (; i < end; i++) any |= view[i]!;
    if (any !== 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------- writer

function writeOctal(header: Uint8Array, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new TarError('invalid-entry', 'numeric field overflow');
  for (let i = 0; i < digits.length; i++) header[offset + i] = digits.charCodeAt(i);
  header[offset + width - 1] = 0;
}

function headerChecksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    // The checksum field itself counts as eight spaces.
    sum += i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? SPACE : header[i]!;
  }
  return sum;
}

/**
 * Place a path in ustar's name field, spilling leading directories into the
 * prefix field when it is longer than 100 bytes.
 */
function splitPath(path: string): { name: Uint8Array; prefix: Uint8Array } {
  const bytes = encoder.encode(path);
  if (bytes.length <= NAME_LENGTH) return { name: bytes, prefix: new Uint8Array(0) };
  // Try each '/' from the left: the first one that fits leaves the longest
  // name, and any valid split reads back the same.
  for (let i = 1; i < bytes.length - 1; i++) {
    if (bytes[i] !== 0x2f) continue;
    if (i > PREFIX_LENGTH) break;
    if (bytes.length - i - 1 <= NAME_LENGTH) return { prefix: bytes.subarray(0, i), name: bytes.subarray(i + 1) };
  }
  throw new TarError('name-too-long', 'entry name too long for ustar');
}

/**
 * The header block of a regular file. The caller has already validated the
 * path (canonical, see tar-paths.ts), the size and the mode.
 *
 * @throws TarError if the path does not fit the name and prefix fields, or a
 * number does not fit its octal field.
 */
export function encodeFileHeader(path: string, size: number, mode: number): Uint8Array {
  const { name, prefix } = splitPath(path);
  const header = new Uint8Array(BLOCK_SIZE);
  header.set(name, NAME_OFFSET);
  writeOctal(header, MODE_OFFSET, 8, mode);
  // uid/gid 0 and empty uname/gname: nothing about the source's device.
  writeOctal(header, UID_OFFSET, 8, 0);
  writeOctal(header, GID_OFFSET, 8, 0);
  writeOctal(header, SIZE_OFFSET, SIZE_LENGTH, size);
  writeOctal(header, MTIME_OFFSET, 12, FIXED_MTIME);
  header[TYPE_OFFSET] = 0x30; // '0': regular file
  header.set(MAGIC, MAGIC_OFFSET);
  writeOctal(header, DEVMAJOR_OFFSET, 8, 0);
  writeOctal(header, DEVMINOR_OFFSET, 8, 0);
  header.set(prefix, PREFIX_OFFSET);
  // Six digits, NUL, space: the form every tar implementation writes.
  writeOctal(header, CHECKSUM_OFFSET, 7, headerChecksum(header));
  header[CHECKSUM_OFFSET + 7] = SPACE;
  return header;
}

// ---------------------------------------------------------------- reader

/**
 * An octal field: optional leading spaces, at least one octal digit, then only
 * NUL or space to the end of the field. Refuses base-256 and signed forms.
 */
function parseOctal(field: Uint8Array, what: string): number {
  let i = 0;
  while (i < field.length && field[i] === SPACE) i++;
  let value = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const byte = field[i]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  if (digits === 0) throw new TarError('invalid-header', `invalid ${what} field`);
  for (; i < field.length; i++) {
    if (field[i] !== 0 && field[i] !== SPACE) throw new TarError('invalid-header', `invalid ${what} field`);
  }
  return value;
}

/** A NUL-terminated text field: the bytes before the first NUL, which must be followed only by NULs. */
function textField(header: Uint8Array, offset: number, length: number): Uint8Array {
  const field = header.subarray(offset, offset + length);
  const end = field.indexOf(0);
  if (end < 0) return field;
  if (!isZero(field.subarray(end))) throw new TarError('unsafe-name', 'nul in entry name');
  return field.subarray(0, end);
}

function decodeName(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new TarError('unsafe-name', 'invalid utf-8 in entry name');
  }
}

function entryType(flag: number): 'file' | 'directory' {
  switch (String.fromCharCode(flag)) {
    case '0':
    case '\0':
      return 'file';
    case '5':
      return 'directory';
    case '1':
      throw new TarError('unsupported-entry', 'hard links are not allowed');
    case '2':
      throw new TarError('unsupported-entry', 'symbolic links are not allowed');
    case '3':
    case '4':
      throw new TarError('unsupported-entry', 'device entries are not allowed');
    case '6':
      throw new TarError('unsupported-entry', 'fifo entries are not allowed');
    case 'x':
    case 'g':
      throw new TarError('unsupported-entry', 'pax extension headers are not supported');
    case 'L':
    case 'K':
      throw new TarError('unsupported-entry', 'gnu extension headers are not supported');
    default:
      throw new TarError('unsupported-entry', 'unsupported entry type');
  }
}

/** One header's fields that the reader uses. */
export interface ParsedHeader {
  /** The prefix field, decoded; not yet checked as a path (see tar-paths.ts). */
  prefix: string;
  /** The name field, decoded; not yet checked as a path (see tar-paths.ts). */
  name: string;
  type: 'file' | 'directory';
  size: number;
}

/**
 * Parse and validate one header block of an untrusted archive. The name and
 * prefix are only decoded here; the caller turns them into a safe path.
 *
 * @throws TarError for a checksum mismatch; a header that is not ustar "00";
 * links, devices, FIFOs, pax or GNU extension headers or any other type; a
 * size that is not plain octal; a directory with data; a link name; a NUL
 * followed by anything but NULs in the name or prefix, or invalid UTF-8 there.
 */
export function parseHeader(header: Uint8Array): ParsedHeader {
  const stored = parseOctal(header.subarray(CHECKSUM_OFFSET, CHECKSUM_OFFSET + CHECKSUM_LENGTH), 'checksum');
  if (stored !== headerChecksum(header)) throw new TarError('invalid-header', 'header checksum mismatch');
  for (let i = 0; i < MAGIC.length; i++) {
    if (header[MAGIC_OFFSET + i] !== MAGIC[i]) throw new TarError('invalid-header', 'not a ustar archive');
  }
  const type = entryType(header[TYPE_OFFSET]!);
  const size = parseOctal(header.subarray(SIZE_OFFSET, SIZE_OFFSET + SIZE_LENGTH), 'size');
  if (type === 'directory' && size !== 0) throw new TarError('invalid-header', 'directory entry with data');
  if (!isZero(header.subarray(LINKNAME_OFFSET, LINKNAME_OFFSET + LINKNAME_LENGTH))) {
    throw new TarError('invalid-header', 'link name on a non-link entry');
  }
  const name = decodeName(textField(header, NAME_OFFSET, NAME_LENGTH));
  const prefix = decodeName(textField(header, PREFIX_OFFSET, PREFIX_LENGTH));
  return { prefix, name, type, size };
}
