/**
 * Reads a source's mailbox, in the encryption worker: lists the replies
 * waiting, fetches each one, decrypts it with the reply identity (age
 * X25519) and reads the reply payload (the core's `readReply`), into what
 * the page shows: the message as a string and each attached file as a Blob.
 *
 * Everything streams: ciphertext is decrypted as it arrives, 64 KiB STREAM
 * chunk by chunk (libsodium's no-WebAssembly fallback corrupts single calls
 * over 8 MiB; the worker without WebAssembly uses noble anyway), and file
 * bytes are handed to Blobs a few MiB at a time. A reply that does not
 * decrypt or is not a valid reply payload is listed as unreadable (it can
 * still be deleted) rather than failing the whole mailbox.
 */
import type { Aead } from '../core/aead.js';
import { AgeError, decrypt, type Identity } from '../core/age.js';
import { PayloadError } from '../core/payload.js';
import { readReply } from '../core/reply.js';
import { TarError } from '../core/tar-header.js';
import { FILES_DIRECTORY } from '../core/tar-paths.js';
import { MailboxError, type ListedReply, type MailboxClient } from './mailbox-client.js';
import type { MailboxReply, ReplyFile } from './protocol.js';

/** The bytes of every file the page is given: never rendered, only saved. */
export const REPLY_FILE_TYPE = 'application/octet-stream';
/** File bytes are copied into a Blob once this many are pending. */
const BLOB_BATCH_BYTES = 4 * 1024 * 1024;
/** Progress is reported at most every this many bytes (and at each reply's end). */
const PROGRESS_STEP_BYTES = 256 * 1024;
/** How often a reply whose body was cut off is fetched again from the start. */
const CUT_OFF_RETRIES = 2;

export interface MailboxReadOptions {
  readonly client: MailboxClient;
  /** The reply identity derived from the source's words. */
  readonly identity: Identity;
  /** The bulk cipher: libsodium's, or noble's without WebAssembly. */
  readonly aead: Aead;
  /** Ciphertext bytes received so far, of the listed total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A decrypted reply's content. */
export interface OpenedReply {
  readonly message: string;
  readonly files: readonly ReplyFile[];
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

async function readBlob(data: AsyncIterable<Uint8Array>): Promise<Blob> {
  const parts: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  for await (const chunk of data) {
    // A copy: the chunk may be a view into a buffer the reader goes on using.
    pending.push(new Uint8Array(chunk));
    pendingBytes += chunk.length;
    if (pendingBytes >= BLOB_BATCH_BYTES) {
      parts.push(new Blob(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  parts.push(new Blob(pending));
  return new Blob(parts, { type: REPLY_FILE_TYPE });
}

/**
 * Decrypt one reply and read its payload to the end (so padding and
 * trailing data are checked too).
 * Requires libsodium loaded.
 * @throws AgeError (not for this identity, tampered, truncated), PayloadError
 *   or TarError (not a valid reply payload), or whatever `ciphertext` throws.
 */
export async function openReply(
  ciphertext: AsyncIterable<Uint8Array>,
  identity: Identity,
  aead: Aead,
): Promise<OpenedReply> {
  const { plaintext } = await decrypt([identity], ciphertext, { aead });
  let message = '';
  const files: ReplyFile[] = [];
  for await (const part of readReply(plaintext)) {
    if (part.kind === 'message') message = await readText(part.data);
    else if (part.kind === 'file') {
      const { name, type, size, path } = part.file;
      files.push({ name, type, size, saveAs: saveAsName(path), blob: await readBlob(part.data) });
    }
  }
  return { message, files };
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
): Promise<MailboxReply | null> {
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    try {
      const body = await options.client.fetchReply(listed.id, listed.size);
      const opened = await openReply(
        counted(body, progress, (bytes) => (received += bytes)),
        options.identity,
        options.aead,
      );
      return { readable: true, id: listed.id, day: listed.day, ...opened };
    } catch (error) {
      progress.takeBack(received);
      if (error instanceof MailboxError && error.code === 'not-found') return null;
      if (error instanceof MailboxError && error.code === 'cut-off' && attempt < CUT_OFF_RETRIES) continue;
      if (error instanceof MailboxError && error.code === 'cut-off')
        throw new MailboxError('connection', 'reply cut off');
      if (isUnreadableReply(error)) {
        // Counted as fetched, so the bar still reaches its end.
        progress.add(listed.size);
        return { readable: false, id: listed.id, day: listed.day };
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
 * open is `readable: false`.
 * Requires libsodium loaded.
 * @throws MailboxError `connection`, `busy`, `refused`, `malformed` (the
 *   list), `cancelled`.
 */
export async function readMailbox(options: MailboxReadOptions): Promise<MailboxReply[]> {
  const listed = await options.client.list();
  const progress = new ProgressCounter(
    listed.reduce((sum, reply) => sum + reply.size, 0),
    options.onProgress,
  );
  progress.flush();
  const replies: MailboxReply[] = [];
  // One at a time: over Tor parallel downloads gain little, and memory stays one reply's worth of pending bytes.
  for (const entry of listed) {
    const reply = await readListedReply(entry, options, progress);
    if (reply !== null) replies.push(reply);
  }
  return replies;
}
