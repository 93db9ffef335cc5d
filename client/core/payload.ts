/**
 * The archive every Sealdrop plaintext is: a ustar archive of a small JSON
 * manifest, `message.txt` and the attached files (in that order), followed by
 * zero padding up to the Padmé length, so `age -d -i key x.age | tar x`
 * recovers everything with standard tools. A source's submission
 * (submission.ts, `submission.json`) and an editor's reply (reply.ts,
 * `reply.json`) differ only in their manifest's name and its one or two
 * fields beyond the message and files; the layout, the file rules and the
 * hostile-input checks of the reader live here, once.
 * See docs/PROTOCOL.md ("Submission payload", "Reply payload").
 */
import { CodedError } from './coded-error.js';
import { exactKeys, isRecord } from './json-shape.js';
import { padmeLength, zeroPadding } from './padme.js';
import { USTAR_MAX_SIZE } from './tar-header.js';
import { FILES_DIRECTORY, sanitizeFileName } from './tar-paths.js';
import { readTar, tarLength, writeTar } from './tar.js';
import type { TarEntry, TarEntryInput, TarLimits } from './tar.js';

/** Why a payload cannot be built, or a decrypted one was refused ({@link PayloadError}). */
export type PayloadErrorCode =
  /** More attached files than {@link MAX_PAYLOAD_FILES}. */
  | 'too-many-files'
  /** An attached file whose size or name the format cannot hold. */
  | 'invalid-file'
  /** A reply address that is not a canonical `age1...` X25519 recipient, or a mailbox id that is not 32 hex digits. */
  | 'invalid-reply-recipient'
  /** The manifest is larger than {@link MAX_MANIFEST_SIZE}. */
  | 'manifest-too-large'
  /** The manifest is not valid JSON of the format's exact shape. */
  | 'invalid-manifest'
  /** Another payload format, or another version of this one. */
  | 'unsupported-format'
  /** message.txt is not valid UTF-8. */
  | 'invalid-message'
  /** The manifest, message.txt or a listed file is not in the archive. */
  | 'missing-entry'
  /** An entry the manifest does not list, in the wrong place, or not a regular file. */
  | 'unexpected-entry'
  /** A file's size differs from the one the manifest lists. */
  | 'size-mismatch';

/** Thrown for a payload that cannot be built, or a manifest or archive that does not match the format. */
export class PayloadError extends CodedError<PayloadErrorCode> {
  override name = 'PayloadError';
}

/** Archive path of the message, always the second entry. */
export const MESSAGE_PATH = 'message.txt';
/** The MIME type recorded when the browser gives none (or an odd one). */
export const DEFAULT_FILE_TYPE = 'application/octet-stream';
/** Most attached files: with the manifest and message, the reader's default 10,000 entries. */
export const MAX_PAYLOAD_FILES = 9_998;
/** Longest original file name, in UTF-16 code units (file systems allow 255). */
export const MAX_FILE_NAME_LENGTH = 1024;
/** Largest manifest accepted; the reader holds it in memory. */
export const MAX_MANIFEST_SIZE = 64 * 1024 * 1024;

/** One attached file, as its manifest lists it. */
export interface PayloadFile {
  /** Archive path of the file's entry: `files/NNN-<safe name>` (see `sanitizeFileName`). */
  path: string;
  /** The original file name as the sender gave it; display only, never a path. */
  name: string;
  /** Exact size in bytes, equal to the archive entry's size. */
  size: number;
  /** The MIME type the sender reported (`type/subtype`, lowercase), or `application/octet-stream`. A hint, never trusted. */
  type: string;
}

/** A file to attach. */
export interface PayloadFileInput {
  name: string;
  type: string;
  size: number;
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** What every manifest holds besides its format's own fields. */
export interface PayloadManifestBase {
  /** Archive path of the message: always `message.txt` (UTF-8 text). */
  message: typeof MESSAGE_PATH;
  /** The attached files, in archive order. */
  files: PayloadFile[];
}

/** A payload ready to encrypt. */
export interface BuiltPayload<Manifest> {
  /** Exact number of bytes `stream` yields (Padmé-padded), known before streaming. */
  plaintextSize: number;
  /** The manifest written as the first entry. */
  manifest: Manifest;
  /** The padded archive. */
  stream: AsyncGenerator<Uint8Array, void, undefined>;
}

/** One part of a payload, in archive order: the manifest, the message, then each file. */
export type PayloadPart<Manifest> =
  | { kind: 'manifest'; manifest: Manifest }
  | { kind: 'message'; size: number; data: AsyncIterable<Uint8Array> }
  | { kind: 'file'; index: number; file: PayloadFile; data: AsyncIterable<Uint8Array> };

/** How one payload format names and checks its manifest. */
export interface PayloadFormat<Manifest extends PayloadManifestBase> {
  /** Archive path of the manifest, the first entry: `submission.json` or `reply.json`. */
  readonly manifestPath: string;
  /** Parses and strictly validates the manifest's bytes. */
  readonly parse: (bytes: Uint8Array) => Manifest;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// RFC 6838 restricted-name characters, lowercase, no parameters.
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/u;
// A lone surrogate cannot be encoded as UTF-8, so it cannot be a real file name.
const LONE_SURROGATE = /\p{Cs}/u;
// What a sanitized name never holds: ASCII other than letters, digits, `.`, `-`, `_`;
// controls, format (bidi) characters, separators and whitespace. Checked as a
// shape, not by re-running the sanitizer, so that a sender with newer Unicode
// tables than the reader is not refused.
const UNSAFE_IN_SAFE_NAME = /[\x20-\x2c\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7e\p{Cc}\p{Cf}\p{Z}\p{Cs}]/u;

function numberedPrefix(index: number): string {
  return `${FILES_DIRECTORY}/${String(index + 1).padStart(3, '0')}-`;
}

function isWriterFilePath(path: string, index: number): boolean {
  const prefix = numberedPrefix(index);
  if (!path.startsWith(prefix)) return false;
  const safe = path.slice(prefix.length);
  return (
    safe !== '' &&
    !safe.startsWith('.') &&
    !safe.endsWith('.') &&
    !UNSAFE_IN_SAFE_NAME.test(safe) &&
    safe === safe.normalize('NFC') &&
    encoder.encode(path).length - FILES_DIRECTORY.length - 1 <= 100
  );
}

function isFileName(name: string): boolean {
  return name.length <= MAX_FILE_NAME_LENGTH && !LONE_SURROGATE.test(name);
}

function isFileSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 && size <= USTAR_MAX_SIZE;
}

/**
 * The manifest entries for the files to attach: sanitized archive paths,
 * original names, sizes and types.
 * @throws PayloadError `too-many-files`, or `invalid-file` if a size is not an
 * integer from 0 to 8 GiB - 1 or a name is longer than 1024 code units or not
 * well-formed.
 */
export function describeFiles(inputs: readonly PayloadFileInput[]): PayloadFile[] {
  if (inputs.length > MAX_PAYLOAD_FILES) throw new PayloadError('too-many-files', 'too many files');
  return inputs.map((file, index): PayloadFile => {
    if (!isFileSize(file.size)) throw new PayloadError('invalid-file', 'invalid file size');
    if (!isFileName(file.name)) throw new PayloadError('invalid-file', 'invalid file name');
    return {
      path: sanitizeFileName(file.name, index),
      name: file.name,
      size: file.size,
      type: MIME_TYPE.test(file.type) ? file.type : DEFAULT_FILE_TYPE,
    };
  });
}

/**
 * The manifest's bytes: indented JSON with a final newline, so an editor may
 * read it with `cat` or `jq`. Decryption re-serializes a parsed manifest with
 * this too, and gets the bytes the sender wrote.
 */
export function encodePayloadManifest(manifest: object): Uint8Array {
  return encoder.encode(JSON.stringify(manifest, null, 2) + '\n');
}

function single<T>(value: T): Iterable<T> {
  return [value];
}

/**
 * Lay out a payload: the manifest (already checked by its format's parser),
 * `message.txt` (UTF-8), then each file as its manifest entry's path, then
 * zero padding to the Padmé length of the archive. Nothing is read from the
 * files until `stream` is iterated.
 * @throws TarError (while streaming) if a file's data is not exactly its size.
 */
export function layOutPayload<Manifest extends PayloadManifestBase>(
  format: PayloadFormat<Manifest>,
  manifest: Manifest,
  message: string,
  inputs: readonly PayloadFileInput[],
): BuiltPayload<Manifest> {
  const manifestBytes = encodePayloadManifest(manifest);
  // What we write must be what we accept: a self-check, not a formality.
  format.parse(manifestBytes);
  const messageBytes = encoder.encode(message);
  const entries: TarEntryInput[] = [
    { path: format.manifestPath, size: manifestBytes.length, data: single(manifestBytes) },
    { path: MESSAGE_PATH, size: messageBytes.length, data: single(messageBytes) },
    ...inputs.map((file, index) => ({ path: manifest.files[index]!.path, size: file.size, data: file.data })),
  ];
  const archiveLength = tarLength(entries.map((entry) => entry.size));
  const plaintextSize = padmeLength(archiveLength);

  async function* stream(): AsyncGenerator<Uint8Array, void, undefined> {
    yield* writeTar(entries);
    yield* zeroPadding(plaintextSize - archiveLength);
  }
  return { plaintextSize, manifest, stream: stream() };
}

/**
 * The manifest's JSON object, checked for size, UTF-8, JSON, exact keys
 * (`keys`) and the shared `message` field; the format checks the rest.
 * @throws PayloadError `manifest-too-large`, `invalid-manifest`.
 */
export function parseManifestObject(
  bytes: Uint8Array,
  manifestPath: string,
  keys: readonly string[],
): Record<string, unknown> {
  if (bytes.length > MAX_MANIFEST_SIZE) throw new PayloadError('manifest-too-large', `${manifestPath} too large`);
  let value: unknown;
  try {
    value = JSON.parse(strictDecoder.decode(bytes));
  } catch {
    throw new PayloadError('invalid-manifest', `invalid ${manifestPath}`);
  }
  if (!isRecord(value) || !exactKeys(value, keys))
    throw new PayloadError('invalid-manifest', `invalid ${manifestPath}`);
  return value;
}

/**
 * Checks the format name and version a manifest declares.
 * @throws PayloadError `unsupported-format`.
 */
export function checkFormat(value: Record<string, unknown>, format: string, versions: readonly number[]): void {
  if (value.format !== format) throw new PayloadError('unsupported-format', `unknown payload format`);
  if (typeof value.version !== 'number' || !versions.includes(value.version))
    throw new PayloadError('unsupported-format', `unsupported ${format} version`);
}

/**
 * The `message` and `files` fields of a parsed manifest object.
 * @throws PayloadError `invalid-manifest` for a message path other than
 * `message.txt`, too many files, or any file entry of the wrong shape.
 */
export function parseManifestBase(value: Record<string, unknown>, manifestPath: string): PayloadManifestBase {
  if (value.message !== MESSAGE_PATH)
    throw new PayloadError('invalid-manifest', `invalid message path in ${manifestPath}`);
  const { files } = value;
  if (!Array.isArray(files) || files.length > MAX_PAYLOAD_FILES)
    throw new PayloadError('invalid-manifest', `invalid file list in ${manifestPath}`);
  return { message: MESSAGE_PATH, files: files.map((file: unknown, index) => parseFile(file, index, manifestPath)) };
}

function parseFile(value: unknown, index: number, manifestPath: string): PayloadFile {
  const invalid = (what: string): PayloadError =>
    new PayloadError('invalid-manifest', `invalid ${what} in ${manifestPath}`);
  if (!isRecord(value) || !exactKeys(value, ['path', 'name', 'size', 'type'])) throw invalid('file entry');
  const { path, name, size, type } = value;
  if (typeof path !== 'string' || !isWriterFilePath(path, index)) throw invalid('file path');
  if (typeof name !== 'string' || !isFileName(name)) throw invalid('file name');
  if (!isFileSize(size)) throw invalid('file size');
  if (typeof type !== 'string' || !MIME_TYPE.test(type)) throw invalid('file type');
  return { path, name, size, type };
}

async function collect(entry: TarEntry): Promise<Uint8Array> {
  const out = new Uint8Array(entry.size);
  let offset = 0;
  for await (const chunk of entry.data) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function* validUtf8(data: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for await (const chunk of data) {
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw new PayloadError('invalid-message', 'message.txt is not valid utf-8');
    }
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw new PayloadError('invalid-message', 'message.txt is not valid utf-8');
  }
}

/**
 * Read a decrypted payload (the padded archive) from an untrusted stream:
 * yields the manifest, then the message, then each file, checking that the
 * archive holds exactly the entries the manifest lists, in order, with the
 * listed sizes. Each part's data streams and is skipped if not read. The whole
 * stream is read, so trailing padding is checked too.
 *
 * @throws TarError (while reading) for any archive `readTar` refuses, including
 * entries whose declared size is larger than the data.
 * @throws PayloadError (while reading) with a code as the format's parser for
 * the manifest; `missing-entry`, `unexpected-entry` (extra, reordered,
 * renamed) or `size-mismatch` for an entry; `invalid-message` for a message
 * that is not UTF-8.
 */
export async function* readPayload<Manifest extends PayloadManifestBase>(
  format: PayloadFormat<Manifest>,
  plaintext: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<PayloadPart<Manifest>, void, undefined> {
  const { manifestPath } = format;
  const entries = readTar(plaintext, limits);
  const next = async (): Promise<TarEntry | undefined> => {
    const result = await entries.next();
    return result.done === true ? undefined : result.value;
  };
  const expectFileEntry = (entry: TarEntry | undefined, path: string, size?: number): TarEntry => {
    if (entry === undefined) {
      const what = path === manifestPath || path === MESSAGE_PATH ? path : 'file';
      throw new PayloadError('missing-entry', `missing ${what} in payload`);
    }
    if (entry.type !== 'file' || entry.path !== path)
      throw new PayloadError('unexpected-entry', 'unexpected entry in payload');
    if (size !== undefined && entry.size !== size)
      throw new PayloadError('size-mismatch', `file size does not match ${manifestPath}`);
    return entry;
  };
  try {
    const manifestEntry = expectFileEntry(await next(), manifestPath);
    if (manifestEntry.size > MAX_MANIFEST_SIZE)
      throw new PayloadError('manifest-too-large', `${manifestPath} too large`);
    const manifest = format.parse(await collect(manifestEntry));
    yield { kind: 'manifest', manifest };
    const message = expectFileEntry(await next(), MESSAGE_PATH);
    yield { kind: 'message', size: message.size, data: validUtf8(message.data) };
    for (const [index, file] of manifest.files.entries()) {
      const entry = expectFileEntry(await next(), file.path, file.size);
      yield { kind: 'file', index, file, data: entry.data };
    }
    if ((await next()) !== undefined) throw new PayloadError('unexpected-entry', 'unexpected entry in payload');
  } finally {
    await entries.return();
  }
}
