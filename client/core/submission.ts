/**
 * The submission payload: the plaintext a source's browser encrypts with age.
 *
 * It is a ustar archive of `submission.json`, `message.txt` and the attached
 * files (in that order), followed by zero padding up to the Padmé length, so
 * `age -d -i key sub.age | tar x` recovers everything with standard tools.
 * See docs/PROTOCOL.md ("Submission payload").
 */
import { CodedError } from './coded-error.js';
import { exactKeys, isRecord } from './json-shape.js';
import { padmeLength, zeroPadding } from './padme.js';
import { USTAR_MAX_SIZE } from './tar-header.js';
import { FILES_DIRECTORY, sanitizeFileName } from './tar-paths.js';
import { readTar, tarLength, writeTar } from './tar.js';
import type { TarEntry, TarEntryInput, TarLimits } from './tar.js';
import { isX25519Recipient } from './x25519.js';

/** Why a submission cannot be built, or a decrypted one was refused ({@link SubmissionError}). */
export type SubmissionErrorCode =
  /** More attached files than {@link MAX_SUBMISSION_FILES}. */
  | 'too-many-files'
  /** An attached file whose size or name the format cannot hold. */
  | 'invalid-file'
  /** A reply address that is not a canonical `age1...` X25519 recipient. */
  | 'invalid-reply-recipient'
  /** submission.json larger than {@link MAX_MANIFEST_SIZE}. */
  | 'manifest-too-large'
  /** submission.json is not valid JSON of the format's exact shape. */
  | 'invalid-manifest'
  /** Another submission format, or another version of this one. */
  | 'unsupported-format'
  /** message.txt is not valid UTF-8. */
  | 'invalid-message'
  /** submission.json, message.txt or a listed file is not in the archive. */
  | 'missing-entry'
  /** An entry the manifest does not list, in the wrong place, or not a regular file. */
  | 'unexpected-entry'
  /** A file's size differs from the one submission.json lists. */
  | 'size-mismatch';

/** Thrown for a submission that cannot be built, or a manifest or archive that does not match the format. */
export class SubmissionError extends CodedError<SubmissionErrorCode> {
  override name = 'SubmissionError';
}

/** `format` value of every submission.json. */
export const SUBMISSION_FORMAT = 'sealdrop-submission';
/** The only `version` this code writes and reads. */
export const SUBMISSION_VERSION = 1;
/** Archive path of the manifest, always the first entry. */
export const MANIFEST_PATH = 'submission.json';
/** Archive path of the message, always the second entry. */
export const MESSAGE_PATH = 'message.txt';
/** The MIME type recorded when the browser gives none (or an odd one). */
export const DEFAULT_FILE_TYPE = 'application/octet-stream';
/** Most attached files: with the manifest and message, the reader's default 10,000 entries. */
export const MAX_SUBMISSION_FILES = 9_998;
/** Longest original file name, in UTF-16 code units (file systems allow 255). */
export const MAX_FILE_NAME_LENGTH = 1024;
/** Largest submission.json accepted; the reader holds it in memory. */
export const MAX_MANIFEST_SIZE = 64 * 1024 * 1024;

/** One attached file, as listed in submission.json. */
export interface SubmissionFile {
  /** Archive path of the file's entry: `files/NNN-<safe name>` (see `sanitizeFileName`). */
  path: string;
  /** The original file name as the source's browser gave it; display only, never a path. */
  name: string;
  /** Exact size in bytes, equal to the archive entry's size. */
  size: number;
  /** The MIME type the browser reported (`type/subtype`, lowercase), or `application/octet-stream`. A hint, never trusted. */
  type: string;
}

/** The content of submission.json. */
export interface SubmissionManifest {
  /** Always `sealdrop-submission`: identifies the payload. */
  format: typeof SUBMISSION_FORMAT;
  /** Always 1: readers refuse versions they do not know. */
  version: typeof SUBMISSION_VERSION;
  /** Archive path of the message: always `message.txt` (UTF-8 text). */
  message: typeof MESSAGE_PATH;
  /** The attached files, in archive order. */
  files: SubmissionFile[];
  /** Where editors encrypt replies: the source's age X25519 recipient, or null if no reply is possible. */
  reply: { recipient: string } | null;
}

/** A file attached by the source. */
export interface SubmissionFileInput {
  name: string;
  type: string;
  size: number;
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** What the source submits. */
export interface SubmissionInput {
  message: string;
  files: readonly SubmissionFileInput[];
  /** The source's reply recipient (`age1...`), if replies are wanted. */
  replyRecipient?: string | undefined;
}

/** A submission ready to encrypt. */
export interface BuiltSubmission {
  /** Exact number of bytes `stream` yields (Padmé-padded), known before streaming. */
  plaintextSize: number;
  /** The manifest written as submission.json. */
  manifest: SubmissionManifest;
  /** The padded archive. */
  stream: AsyncGenerator<Uint8Array, void, undefined>;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// RFC 6838 restricted-name characters, lowercase, no parameters.
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/u;
// A lone surrogate cannot be encoded as UTF-8, so it cannot be a real file name.
const LONE_SURROGATE = /\p{Cs}/u;
// What a sanitized name never holds: ASCII other than letters, digits, `.`, `-`, `_`;
// controls, format (bidi) characters, separators and whitespace. Checked as a
// shape, not by re-running the sanitizer, so that a browser with newer Unicode
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

function encodeManifest(manifest: SubmissionManifest): Uint8Array {
  // Indented with a final newline: an editor may read it with `cat` or `jq`.
  return encoder.encode(JSON.stringify(manifest, null, 2) + '\n');
}

function single<T>(value: T): Iterable<T> {
  return [value];
}

/**
 * Lay out a submission: `submission.json`, `message.txt` (UTF-8), then each
 * file as `files/NNN-<safe name>`, then zero padding to the Padmé length of
 * the archive. Nothing is read from the files until `stream` is iterated.
 *
 * @throws SubmissionError `too-many-files` if there are too many files,
 * `invalid-file` if a size is not an integer from 0 to 8 GiB - 1 or a name is
 * longer than 1024 code units or not well-formed, `invalid-reply-recipient` if
 * the reply recipient is not a lowercase `age1` X25519 recipient.
 * @throws TarError (while streaming) if a file's data is not exactly its size.
 */
export function buildSubmission(input: SubmissionInput): BuiltSubmission {
  if (input.files.length > MAX_SUBMISSION_FILES) throw new SubmissionError('too-many-files', 'too many files');
  const recipient = input.replyRecipient;
  if (recipient !== undefined && !isX25519Recipient(recipient))
    throw new SubmissionError('invalid-reply-recipient', 'invalid reply recipient');
  const files = input.files.map((file, index): SubmissionFile => {
    if (!isFileSize(file.size)) throw new SubmissionError('invalid-file', 'invalid file size');
    if (!isFileName(file.name)) throw new SubmissionError('invalid-file', 'invalid file name');
    return {
      path: sanitizeFileName(file.name, index),
      name: file.name,
      size: file.size,
      type: MIME_TYPE.test(file.type) ? file.type : DEFAULT_FILE_TYPE,
    };
  });
  const manifest: SubmissionManifest = {
    format: SUBMISSION_FORMAT,
    version: SUBMISSION_VERSION,
    message: MESSAGE_PATH,
    files,
    reply: recipient === undefined ? null : { recipient },
  };
  const manifestBytes = encodeManifest(manifest);
  // What we write must be what we accept: a self-check, not a formality.
  parseSubmissionManifest(manifestBytes);
  const messageBytes = encoder.encode(input.message);

  const entries: TarEntryInput[] = [
    { path: MANIFEST_PATH, size: manifestBytes.length, data: single(manifestBytes) },
    { path: MESSAGE_PATH, size: messageBytes.length, data: single(messageBytes) },
    ...input.files.map((file, index) => ({ path: files[index]!.path, size: file.size, data: file.data })),
  ];
  const archiveLength = tarLength(entries.map((entry) => entry.size));
  const plaintextSize = padmeLength(archiveLength);

  async function* stream(): AsyncGenerator<Uint8Array, void, undefined> {
    yield* writeTar(entries);
    yield* zeroPadding(plaintextSize - archiveLength);
  }
  return { plaintextSize, manifest, stream: stream() };
}

function parseFile(value: unknown, index: number): SubmissionFile {
  if (!isRecord(value) || !exactKeys(value, ['path', 'name', 'size', 'type'])) {
    throw new SubmissionError('invalid-manifest', 'invalid file entry in submission.json');
  }
  const { path, name, size, type } = value;
  if (typeof path !== 'string' || !isWriterFilePath(path, index))
    throw new SubmissionError('invalid-manifest', 'invalid file path in submission.json');
  if (typeof name !== 'string' || !isFileName(name))
    throw new SubmissionError('invalid-manifest', 'invalid file name in submission.json');
  if (!isFileSize(size)) throw new SubmissionError('invalid-manifest', 'invalid file size in submission.json');
  if (typeof type !== 'string' || !MIME_TYPE.test(type))
    throw new SubmissionError('invalid-manifest', 'invalid file type in submission.json');
  return { path, name, size, type };
}

/**
 * Parse and strictly validate submission.json: exact key sets, known format
 * and version, sizes as safe integers up to 8 GiB - 1, file paths of the
 * shape the writer produces, in order, and a lowercase `age1` recipient.
 *
 * @throws SubmissionError `manifest-too-large` over {@link MAX_MANIFEST_SIZE},
 * `unsupported-format` for another format or version, `invalid-manifest` for
 * anything else, including invalid UTF-8 or JSON.
 */
export function parseSubmissionManifest(bytes: Uint8Array): SubmissionManifest {
  if (bytes.length > MAX_MANIFEST_SIZE) throw new SubmissionError('manifest-too-large', 'submission.json too large');
  let value: unknown;
  try {
    value = JSON.parse(strictDecoder.decode(bytes));
  } catch {
    throw new SubmissionError('invalid-manifest', 'invalid submission.json');
  }
  if (!isRecord(value) || !exactKeys(value, ['format', 'version', 'message', 'files', 'reply'])) {
    throw new SubmissionError('invalid-manifest', 'invalid submission.json');
  }
  if (value.format !== SUBMISSION_FORMAT) throw new SubmissionError('unsupported-format', 'unknown submission format');
  if (value.version !== SUBMISSION_VERSION)
    throw new SubmissionError('unsupported-format', 'unsupported submission version');
  if (value.message !== MESSAGE_PATH)
    throw new SubmissionError('invalid-manifest', 'invalid message path in submission.json');
  const { files, reply } = value;
  if (!Array.isArray(files) || files.length > MAX_SUBMISSION_FILES)
    throw new SubmissionError('invalid-manifest', 'invalid file list in submission.json');
  let parsedReply: SubmissionManifest['reply'] = null;
  if (reply !== null) {
    if (!isRecord(reply) || !exactKeys(reply, ['recipient']))
      throw new SubmissionError('invalid-manifest', 'invalid reply in submission.json');
    const { recipient } = reply;
    if (typeof recipient !== 'string' || !isX25519Recipient(recipient))
      throw new SubmissionError('invalid-manifest', 'invalid reply recipient in submission.json');
    parsedReply = { recipient };
  }
  return {
    format: SUBMISSION_FORMAT,
    version: SUBMISSION_VERSION,
    message: MESSAGE_PATH,
    files: files.map((file: unknown, index) => parseFile(file, index)),
    reply: parsedReply,
  };
}

/** One part of a submission, in archive order: the manifest, the message, then each file. */
export type SubmissionPart =
  | { kind: 'manifest'; manifest: SubmissionManifest }
  | { kind: 'message'; size: number; data: AsyncIterable<Uint8Array> }
  | { kind: 'file'; index: number; file: SubmissionFile; data: AsyncIterable<Uint8Array> };

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
      throw new SubmissionError('invalid-message', 'message.txt is not valid utf-8');
    }
    yield chunk;
  }
  try {
    decoder.decode();
  } catch {
    throw new SubmissionError('invalid-message', 'message.txt is not valid utf-8');
  }
}

function expectFileEntry(entry: TarEntry | undefined, path: string, size?: number): TarEntry {
  if (entry === undefined)
    throw new SubmissionError(
      'missing-entry',
      `missing ${path === MANIFEST_PATH || path === MESSAGE_PATH ? path : 'file'} in submission`,
    );
  if (entry.type !== 'file' || entry.path !== path)
    throw new SubmissionError('unexpected-entry', 'unexpected entry in submission');
  if (size !== undefined && entry.size !== size)
    throw new SubmissionError('size-mismatch', 'file size does not match submission.json');
  return entry;
}

/**
 * Read a decrypted submission (the padded archive) from an untrusted stream:
 * yields the manifest, then the message, then each file, checking that the
 * archive holds exactly the entries the manifest lists, in order, with the
 * listed sizes. Each part's data streams and is skipped if not read. The whole
 * stream is read, so trailing padding is checked too.
 *
 * @throws TarError (while reading) for any archive `readTar` refuses, including
 * entries whose declared size is larger than the data.
 * @throws SubmissionError (while reading) with a code as
 * {@link parseSubmissionManifest} for the manifest; `missing-entry`,
 * `unexpected-entry` (extra, reordered, renamed) or `size-mismatch` for an
 * entry; `invalid-message` for a message that is not UTF-8.
 */
export async function* readSubmission(
  plaintext: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<SubmissionPart, void, undefined> {
  const entries = readTar(plaintext, limits);
  const next = async (): Promise<TarEntry | undefined> => {
    const result = await entries.next();
    return result.done === true ? undefined : result.value;
  };
  try {
    const manifestEntry = expectFileEntry(await next(), MANIFEST_PATH);
    if (manifestEntry.size > MAX_MANIFEST_SIZE)
      throw new SubmissionError('manifest-too-large', 'submission.json too large');
    const manifest = parseSubmissionManifest(await collect(manifestEntry));
    yield { kind: 'manifest', manifest };
    const message = expectFileEntry(await next(), MESSAGE_PATH);
    yield { kind: 'message', size: message.size, data: validUtf8(message.data) };
    for (const [index, file] of manifest.files.entries()) {
      const entry = expectFileEntry(await next(), file.path, file.size);
      yield { kind: 'file', index, file, data: entry.data };
    }
    if ((await next()) !== undefined) throw new SubmissionError('unexpected-entry', 'unexpected entry in submission');
  } finally {
    await entries.return();
  }
}
