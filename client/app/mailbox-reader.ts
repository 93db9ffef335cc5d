/**
 * Reads a source's mailbox, in the encryption worker: lists the replies
 * waiting, fetches each one whole, and decrypts (age X25519 or hybrid) only
 * the STREAM chunks that hold reply.json and message.txt, into what the page
 * shows: the message as a string and the list of attached files (names and
 * sizes from reply.json). The ciphertext is kept as a Blob (the body teed
 * and gathered by the browser, mailbox-client.ts `fetchKeptReply`: in its
 * blob storage, not the JavaScript heap), and a file is decrypted from it
 * only when the source saves it ({@link openReplyFile}), checking every chunk
 * of the reply to its end first.
 *
 * Why: without WebAssembly ChaCha20-Poly1305 runs at about 1.2 MB/s, so
 * decrypting a 10 MiB attachment before showing any text would keep the
 * source waiting for a file it may never save. The page still fetches every
 * byte (the benchmark's baseline fetches exactly the same bytes).
 *
 * The text shown is authentic: its chunks opened under the reply's file key.
 * A reply whose ciphertext is not the length its reply.json implies (cut or
 * damaged after the text) is shown with `check: 'incomplete'`; a tampered
 * chunk past the text is found when a file is saved, and nothing of it is
 * handed over. A reply without attachments is decrypted and checked whole.
 *
 * Everything streams, 64 KiB STREAM chunk by chunk (libsodium's
 * no-WebAssembly fallback corrupts single calls over 8 MiB; the worker
 * without WebAssembly uses noble anyway), and a saved file's bytes go into
 * Blobs a few MiB at a time. A reply that does not decrypt or is not a valid reply payload
 * is listed as unreadable (it can still be deleted) rather than failing the
 * whole mailbox.
 *
 * A few replies are fetched at once ({@link READ_CONCURRENCY}): over Tor each
 * request waits a round trip before its first byte, and one reply's text
 * decrypts while the next ones' bytes arrive, so the source waits for the
 * link, not for the round trips or the cipher (docs/BENCHMARKS.md, "Reading
 * replies on the page").
 */
import type { Aead } from '../core/aead.js';
import { AgeError, decrypt, type Identity } from '../core/age.js';
import { MAX_HEADER_BYTES, parseHeader } from '../core/header.js';
import { padmeLength } from '../core/padme.js';
import { encodePayloadManifest, PayloadError } from '../core/payload.js';
import { readReply, type ReplyManifest } from '../core/reply.js';
import { payloadSize } from '../core/stream.js';
import { TarError } from '../core/tar-header.js';
import { FILES_DIRECTORY } from '../core/tar-paths.js';
import { tarLength } from '../core/tar.js';
import { MailboxError, type ListedReply, type MailboxClient } from './mailbox-client.js';
import type { MailboxReply, ReplyCheck, ReplyFile } from './protocol.js';

/** The bytes of every file the page is given: never rendered, only saved. */
export const REPLY_FILE_TYPE = 'application/octet-stream';
/** Bytes are copied into a Blob once this many are pending. */
const BLOB_BATCH_BYTES = 4 * 1024 * 1024;
/** Progress is reported at most every this many bytes (and at each reply's end). */
const PROGRESS_STEP_BYTES = 256 * 1024;
/** How often a reply whose body was cut off is fetched again from the start. */
const CUT_OFF_RETRIES = 2;
/**
 * Replies fetched and opened at the same time. Over a Tor circuit (about
 * 0.6 s round trip) one request at a time leaves the link idle for a round
 * trip per reply; three keep it busy while the bytes still share the one
 * link, and pending memory stays three replies' Blob batches.
 */
export const READ_CONCURRENCY = 3;

export interface MailboxReadOptions {
  readonly client: MailboxClient;
  /** The reply identities derived from the source's words (any one that opens a reply will do). */
  readonly identities: readonly Identity[];
  /** The bulk cipher: libsodium's, or noble's without WebAssembly. */
  readonly aead: Aead;
  /** Ciphertext bytes received so far, of the listed total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A reply's text and file list, read from its first chunks. */
export interface OpenedReply {
  readonly message: string;
  readonly files: readonly ReplyFile[];
  readonly check: ReplyCheck;
}

/** A reply as read: what the page shows, and the ciphertext kept for saving its files (null if unreadable). */
export interface ReadReply {
  readonly reply: MailboxReply;
  readonly ciphertext: Blob | null;
}

/**
 * The download name of an attached file: the basename of its archive path
 * `files/NNN-<safe>`, which the payload reader has already checked holds no
 * separator, control, bidi or shell character (docs/PROTOCOL.md, "Attached
 * file names"). The original name is never used as a path.
 * @throws PayloadError `invalid-manifest` for any other path (a reader bug).
 */
export function saveAsName(path: string): string {
  const prefix = `${FILES_DIRECTORY}/`;
  const base = path.slice(prefix.length);
  if (!path.startsWith(prefix) || base === '' || base.includes('/') || base.includes('\\'))
    throw new PayloadError('invalid-manifest', 'unexpected file path');
  return base;
}

/** Whether `error` says the reply itself is bad (not for us, tampered, not a reply payload). */
export function isUnreadableReply(error: unknown): boolean {
  return (
    error instanceof AgeError ||
    error instanceof PayloadError ||
    error instanceof TarError ||
    (error instanceof MailboxError && error.code === 'malformed')
  );
}

async function readText(data: AsyncIterable<Uint8Array>): Promise<string> {
  // The payload reader has checked it is UTF-8; this only joins it.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let text = '';
  for await (const chunk of data) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Bytes gathered into one Blob, a few MiB per part, so no large buffer stays on the heap. */
class BlobCollector {
  readonly #parts: Blob[] = [];
  #pending: Uint8Array<ArrayBuffer>[] = [];
  #pendingBytes = 0;

  add(chunk: Uint8Array): void {
    // A copy: the chunk may be a view into a buffer its producer goes on using.
    this.#pending.push(new Uint8Array(chunk));
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= BLOB_BATCH_BYTES) this.#flush();
  }

  finish(type = ''): Blob {
    this.#flush();
    return new Blob(this.#parts, { type });
  }

  #flush(): void {
    this.#parts.push(new Blob(this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

async function readBlob(data: AsyncIterable<Uint8Array>): Promise<Blob> {
  const collector = new BlobCollector();
  for await (const chunk of data) collector.add(chunk);
  return collector.finish(REPLY_FILE_TYPE);
}

function listedFiles(manifest: ReplyManifest): ReplyFile[] {
  return manifest.files.map(({ name, type, size, path }) => ({ name, type, size, saveAs: saveAsName(path) }));
}

/**
 * Whether `ciphertext` is exactly as long as an age file of this reply's
 * archive (reply.json as written, message, files, Padmé padding): the framing
 * check that needs no decryption, so a reply cut after its text is flagged
 * when read rather than when a file is saved.
 */
async function hasReplyLength(ciphertext: Blob, manifest: ReplyManifest, messageSize: number): Promise<boolean> {
  const head = new Uint8Array(await ciphertext.slice(0, MAX_HEADER_BYTES).arrayBuffer());
  const { headerLength } = parseHeader(head);
  const sizes = [encodePayloadManifest(manifest).length, messageSize, ...manifest.files.map((file) => file.size)];
  return ciphertext.size === headerLength + payloadSize(padmeLength(tarLength(sizes)));
}

/**
 * Fetch one reply whole, keeping its ciphertext, and decrypt only the chunks
 * holding reply.json and message.txt (all of it when there is no attachment,
 * so padding and the final chunk are checked too). The rest of the body is
 * still read to its end, into the kept Blob: gathered here, or, when `kept`
 * is given (the same bytes teed, gathered by the browser), that one.
 * Requires libsodium loaded.
 * @throws TypeError if `identities` is empty.
 * @throws AgeError (for none of these identities, tampered, truncated),
 *   PayloadError or TarError (not a valid reply payload), or whatever
 *   `ciphertext` throws.
 */
export async function openReply(
  ciphertext: AsyncIterable<Uint8Array>,
  identities: readonly Identity[],
  aead: Aead,
  keptElsewhere?: Promise<Blob>,
): Promise<OpenedReply & { readonly ciphertext: Blob }> {
  const body = ciphertext[Symbol.asyncIterator]();
  // Without a Blob from elsewhere, the bytes are gathered here; with one, only read.
  const kept = keptElsewhere === undefined ? new BlobCollector() : null;
  let ended = false;
  // Feeds the decryptor without owning the body: when it stops after the
  // text, the fetch goes on into `kept`.
  async function* keptWhileRead(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const result = await body.next();
      if (result.done === true) {
        ended = true;
        return;
      }
      kept?.add(result.value);
      yield result.value;
    }
  }
  try {
    const { plaintext } = await decrypt(identities, keptWhileRead(), { aead });
    const parts = readReply(plaintext);
    let manifest: ReplyManifest | undefined;
    let message: { text: string; size: number } | undefined;
    try {
      for await (const part of parts) {
        if (part.kind === 'manifest') manifest = part.manifest;
        else if (part.kind === 'message') {
          message = { text: await readText(part.data), size: part.size };
          // The files wait for a save; with none, reading on checks the padding and the end.
          if (manifest !== undefined && manifest.files.length > 0) break;
        }
      }
    } finally {
      await parts.return();
    }
    if (manifest === undefined || message === undefined) throw new PayloadError('missing-entry', 'missing message');
    while (!ended) {
      const result = await body.next();
      if (result.done === true) ended = true;
      else kept?.add(result.value);
    }
    const blob = kept === null ? await keptElsewhere! : kept.finish();
    const files = listedFiles(manifest);
    const check: ReplyCheck =
      files.length === 0 ? 'whole' : (await hasReplyLength(blob, manifest, message.size)) ? 'on-save' : 'incomplete';
    return { message: message.text, files, check, ciphertext: blob };
  } catch (error) {
    if (!ended) await body.return?.();
    throw error;
  }
}

/** A kept ciphertext is read back this many bytes at a time: the step its save's progress moves in. */
const READ_BACK_BYTES = 512 * 1024;

async function* blobChunks(blob: Blob, onBytes: (bytes: number) => void): AsyncGenerator<Uint8Array, void, undefined> {
  // Slices rather than blob.stream(), whose chunk sizes are the browser's: progress moves in known steps.
  for (let offset = 0; offset < blob.size; offset += READ_BACK_BYTES) {
    const chunk = new Uint8Array(await blob.slice(offset, offset + READ_BACK_BYTES).arrayBuffer());
    onBytes(chunk.length);
    yield chunk;
  }
}

/**
 * Decrypt a kept reply again and return attached file `index`, only once
 * every chunk of the reply has opened to the final one and the archive has
 * checked to its end (so a cut or tampered reply hands over nothing). The
 * file's bytes go into a Blob typed `application/octet-stream`.
 * Requires libsodium loaded.
 * @throws TypeError if `identities` is empty.
 * @throws RangeError if the reply has no file `index`.
 * @throws AgeError (tampered, truncated, not for these identities),
 *   PayloadError or TarError (the archive is invalid, or a file's size is not
 *   the listed one).
 */
export async function openReplyFile(
  ciphertext: Blob,
  identities: readonly Identity[],
  aead: Aead,
  index: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Blob> {
  let done = 0;
  let reported = 0;
  const counted = blobChunks(ciphertext, (bytes) => {
    done += bytes;
    if (done - reported >= PROGRESS_STEP_BYTES) {
      reported = done;
      onProgress?.(done, ciphertext.size);
    }
  });
  const { plaintext } = await decrypt(identities, counted, { aead });
  let file: Blob | undefined;
  // Parts not read are skipped, but still decrypted and checked.
  for await (const part of readReply(plaintext)) {
    if (part.kind === 'file' && part.index === index) file = await readBlob(part.data);
  }
  if (file === undefined) throw new RangeError('no such file in the reply');
  onProgress?.(ciphertext.size, ciphertext.size);
  return file;
}

/** Counts ciphertext bytes across the mailbox and reports them in steps. */
class ProgressCounter {
  #done = 0;
  #reported = 0;

  constructor(
    readonly total: number,
    readonly report: ((done: number, total: number) => void) | undefined,
  ) {}

  add(bytes: number): void {
    this.#done += bytes;
    if (this.#done - this.#reported >= PROGRESS_STEP_BYTES) this.flush();
  }

  /** A reply fetched again from the start: its bytes so far do not count twice. */
  takeBack(bytes: number): void {
    this.#done -= bytes;
  }

  flush(): void {
    this.#reported = this.#done;
    this.report?.(this.#done, this.total);
  }
}

async function* counted(
  source: AsyncIterable<Uint8Array>,
  progress: ProgressCounter,
  onBytes: (bytes: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    progress.add(chunk.length);
    onBytes(chunk.length);
    yield chunk;
  }
}

/** One listed reply, fetched (again, if its body was cut off) and opened; null if it is gone. */
async function readListedReply(
  listed: ListedReply,
  options: MailboxReadOptions,
  progress: ProgressCounter,
): Promise<ReadReply | null> {
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    try {
      const { chunks, kept } = await options.client.fetchKeptReply(listed.id, listed.size);
      const { ciphertext, ...opened } = await openReply(
        counted(chunks, progress, (bytes) => (received += bytes)),
        options.identities,
        options.aead,
        kept,
      );
      return { reply: { readable: true, id: listed.id, day: listed.day, ...opened }, ciphertext };
    } catch (error) {
      progress.takeBack(received);
      if (error instanceof MailboxError && error.code === 'not-found') return null;
      if (error instanceof MailboxError && error.code === 'cut-off' && attempt < CUT_OFF_RETRIES) continue;
      if (error instanceof MailboxError && error.code === 'cut-off')
        throw new MailboxError('connection', 'reply cut off');
      if (isUnreadableReply(error)) {
        // Counted as fetched, so the bar still reaches its end.
        progress.add(listed.size);
        return { reply: { readable: false, id: listed.id, day: listed.day }, ciphertext: null };
      }
      throw error;
    } finally {
      progress.flush();
    }
  }
}

/**
 * Every reply in the mailbox, in the server's order (newest day first). A
 * reply deleted since the list was fetched is left out; one that does not
 * open is `readable: false`. Up to {@link READ_CONCURRENCY} replies are
 * fetched at once, the largest first; after a failure no further reply is started.
 * Requires libsodium loaded.
 * @throws TypeError if `identities` is empty.
 * @throws MailboxError `connection`, `busy`, `refused`, `malformed` (the
 *   list), `cancelled`.
 */
export async function readMailbox(options: MailboxReadOptions): Promise<ReadReply[]> {
  // Checked before any request: with no identity every reply would read as unreadable.
  if (options.identities.length === 0) throw new TypeError('no identities');
  const listed = await options.client.list();
  const progress = new ProgressCounter(
    listed.reduce((sum, reply) => sum + reply.size, 0),
    options.onProgress,
  );
  progress.flush();
  const replies: (ReadReply | null)[] = listed.map(() => null);
  // Largest first (ties in the list's order): the longest fetch starts at once rather than
  // after the small ones, so the last reply arrives sooner.
  const order = listed.map((_, index) => index).sort((a, b) => listed[b]!.size - listed[a]!.size);
  let next = 0;
  let failed = false;
  // Each lane takes the next reply not yet started; the answer keeps the list's order.
  const lane = async (): Promise<void> => {
    for (let turn = next++; !failed && turn < order.length; turn = next++) {
      const index = order[turn]!;
      try {
        replies[index] = await readListedReply(listed[index]!, options, progress);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, listed.length) }, lane));
  return replies.filter((reply): reply is ReadReply => reply !== null);
}
