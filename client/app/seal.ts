/**
 * Turns what the source wrote and attached into ciphertext: the submission
 * archive (tar, submission.json, Padmé padding) encrypted with age to every
 * active editor. Files are read as streams, one piece at a time.
 */
import type { Aead } from '../core/aead.js';
import { encrypt } from '../core/age.js';
import { payloadSize } from '../core/stream.js';
import { buildSubmission } from '../core/submission.js';
import { parseRecipient } from '../core/recipients.js';

/** A file could not be read (moved, changed or revoked after it was chosen). */
export class FileReadError extends Error {
  override name = 'FileReadError';
}

/** What the page hands to the worker. */
export interface SubmissionDraft {
  readonly message: string;
  readonly files: readonly File[];
  /** The source's reply recipient (`age1...` or `age1pq1...`) and mailbox id, or undefined for no replies. */
  readonly reply?: { readonly recipient: string; readonly mailbox: string } | undefined;
}

/** Ciphertext of known length, produced lazily. */
export interface SealedSubmission {
  /** Exact ciphertext length: header, payload nonce and STREAM chunks. */
  readonly size: number;
  readonly ciphertext: AsyncGenerator<Uint8Array, void, undefined>;
}

/** Bytes asked of the browser per read: large reads keep the per-chunk cost low. */
export const FILE_READ_BYTES = 1024 * 1024;

/**
 * A file's bytes, one piece at a time; each piece is valid only until the
 * next one is asked for (the pipeline's tar and STREAM layers copy or seal
 * it before they ask: core/stream.ts).
 *
 * Where the browser offers it (Chromium, Firefox), the file is read with a
 * BYOB reader into one buffer that goes back and forth between the reader
 * and us: in Chromium the default reader makes a fresh buffer per piece,
 * which for a 1 GiB file took 4x the time and grew the renderer by 177 MB
 * (docs/BENCHMARKS.md, page memory). Elsewhere (Safari) the default
 * `getReader()`, which every browser has; async iteration of ReadableStream
 * is missing in Safari.
 * @throws FileReadError if the browser cannot read the file.
 */
export async function* readFile(file: Blob): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = file.stream();
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    yield* readWithDefaultReader(stream);
    return;
  }
  let buffer = new Uint8Array(FILE_READ_BYTES);
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>;
      try {
        result = await reader.read(buffer);
      } catch {
        throw new FileReadError('file could not be read');
      }
      if (result.done) return;
      yield result.value;
      // The read transferred the buffer; the next one reuses the same memory.
      buffer = new Uint8Array(result.value.buffer);
    }
  } finally {
    reader.releaseLock();
  }
}

async function* readWithDefaultReader(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch {
        throw new FileReadError('file could not be read');
      }
      if (result.done) return;
      yield result.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Lay out and encrypt a submission. The header is produced here, so the
 * exact ciphertext size is known before anything is uploaded. With an
 * `aead` that reuses its output (reusing-seal-aead.ts), each ciphertext
 * chunk is valid only until the next is asked for: the upload copies it.
 * Requires libsodium loaded.
 * @throws SubmissionError (core) for input the format cannot hold.
 * @throws AgeKeyError if a recipient is not an age X25519 (`age1...`) or hybrid (`age1pq1...`) recipient.
 * @throws (while streaming) FileReadError, or TarError if a file's size changed.
 */
export async function sealSubmission(
  draft: SubmissionDraft,
  recipients: readonly string[],
  aead: Aead,
): Promise<SealedSubmission> {
  const built = buildSubmission({
    message: draft.message,
    files: draft.files.map((file) => ({ name: file.name, type: file.type, size: file.size, data: readFile(file) })),
    reply: draft.reply,
  });
  const stream = encrypt(
    recipients.map((recipient) => parseRecipient(recipient)),
    built.stream,
    { aead },
  );
  const first = await stream.next();
  if (first.done === true) throw new Error('age produced no header');
  const header = first.value;
  async function* ciphertext(): AsyncGenerator<Uint8Array, void, undefined> {
    yield header;
    yield* stream;
  }
  return { size: header.length + payloadSize(built.plaintextSize), ciphertext: ciphertext() };
}
