/**
 * Messages between the page (controller.ts, wired in page.ts) and the
 * encryption worker (worker.ts).
 * The worker holds every key and secret; the page holds only what it shows.
 */
import type { MnemonicLanguage, SourceSecretErrorCode } from '../core/source-secret.js';
import type { Language } from './i18n/catalog.js';
import type { CancelledCopy } from './upload-errors.js';

/** Why something failed, in terms the page explains to the source. */
export type FailureReason =
  | 'worker'
  | 'crypto'
  | 'root-key'
  | 'network'
  | 'manifest-invalid'
  | 'manifest-expired'
  | 'manifest-future'
  | 'too-large'
  | 'server-busy'
  | 'connection'
  /** The server's only key manifest has expired: it takes no submissions until the newsroom publishes a new one. */
  | 'keys-expired'
  /** The send started again by itself as often as it may, and the server still refused it. */
  | 'restarted-too-often'
  | 'file-read'
  | 'rejected'
  | 'internal';

/**
 * Why a send starts again from the start by itself: the newsroom's keys
 * changed (the page encrypts again to the new ones), or the server no
 * longer holds the unfinished upload (dropped for others, or expired).
 */
export type RestartReason = 'keys-changed' | 'upload-dropped';

/**
 * What a cancel left on the server: nothing had been sent (no upload
 * created), the server confirmed deleting what was, or it did not confirm
 * (then it deletes the upload itself once idle for `expiresInSeconds`,
 * null if it never said how long).
 */
export type CancelOutcome = { readonly state: 'nothing-sent' } | CancelledCopy;

/** Why opening a mailbox, or deleting a reply, failed (the words were fine). */
export type MailboxFailureReason =
  /** libsodium (or its stand-in) never loaded: nothing can be decrypted. */
  | 'crypto'
  /** No answer from the server, even after retries. */
  | 'connection'
  /** The server asked to wait (rate limit, overload), even after retries. */
  | 'server-busy'
  /** The server answered something this page does not expect. */
  | 'rejected'
  | 'internal';

/** Which reply address a submission carries. */
export type ReplyChoice =
  /** None: editors cannot answer. */
  | 'none'
  /** The new secret whose words the worker made for this submission (`secret`). */
  | 'new'
  /** The open mailbox's (`open-mailbox`): a follow-up in the same conversation. */
  | 'mailbox';

/**
 * A file attached to a reply, as reply.json lists it. Its bytes stay
 * encrypted in the worker until the source asks for it (`save-file`): then
 * the worker decrypts the reply again and checks every chunk to the end.
 */
export interface ReplyFile {
  /** The original name the editor gave: shown as text, never used as a path. */
  readonly name: string;
  /** The download name: the archive's sanitized `NNN-<safe>` basename. */
  readonly saveAs: string;
  /** The MIME type the editor's tool recorded (a hint, never trusted). */
  readonly type: string;
  /** The size reply.json lists; the saved file is refused unless it is exactly this. */
  readonly size: number;
}

/**
 * How much of a readable reply was checked when it was read: its text always
 * (every chunk holding reply.json and message.txt opened under the file key).
 * - `whole`: no attachments, so the whole reply was decrypted and checked.
 * - `on-save`: the attachments are checked when saved.
 * - `incomplete`: the ciphertext is not the length reply.json implies (cut
 *   or damaged after the text): the attachments cannot be saved.
 */
export type ReplyCheck = 'whole' | 'on-save' | 'incomplete';

/** One reply in the mailbox, as the page shows it. */
export type MailboxReply =
  | {
      readonly readable: true;
      readonly id: string;
      /** The UTC day it arrived, `YYYY-MM-DD` (the only time the server keeps). */
      readonly day: string;
      readonly message: string;
      readonly files: readonly ReplyFile[];
      readonly check: ReplyCheck;
    }
  /** A reply that does not decrypt or is not a valid reply payload: it can only be deleted. */
  | { readonly readable: false; readonly id: string; readonly day: string };

/** Why an attached file could not be saved. */
export type FileSaveFailure =
  /** The reply did not decrypt to the end (tampered, truncated) or its archive is invalid. */
  | 'damaged'
  /** The mailbox was closed, or the reply is no longer held. */
  | 'gone'
  | 'internal';

/** Page to worker. */
/** A set-up file the page fetched for the worker (early-fetch.ts): its URL, status and body. */
export interface SetUpFile {
  readonly url: string;
  readonly status: number;
  readonly body: ArrayBuffer;
}

export type PageMessage =
  /** The page's answers for the worker's set-up files, sent once right after the worker starts. */
  | { readonly type: 'set-up-files'; readonly files: readonly SetUpFile[] }
  /** Create the source secret if there is none; answer with its words in `language`. */
  | { readonly type: 'secret'; readonly language: Language }
  /**
   * Wipe the source secret and make a fresh one; answer with its words in
   * `language`. Only before sending: nothing has carried the old one yet.
   */
  | { readonly type: 'new-secret'; readonly language: Language }
  /** Drop the source secret (the source no longer wants replies). */
  | { readonly type: 'forget-secret' }
  /** Stop the send in progress and delete what was uploaded, until the server confirms. */
  | { readonly type: 'cancel' }
  /** The source's "try now": end the wait before the next reconnection attempt. */
  | { readonly type: 'retry-now' }
  /** Encrypt and upload; `reply` says whose reply recipient and mailbox go into submission.json. */
  | { readonly type: 'send'; readonly message: string; readonly files: readonly File[]; readonly reply: ReplyChoice }
  /**
   * The source is on the words screen: load the word lists and their index
   * now, while it types, rather than after it presses "open" (a request
   * over Tor is a round trip of a second or so).
   */
  | { readonly type: 'prepare-words' }
  /**
   * Read the 12 words, open their mailbox and decrypt every reply. The
   * worker keeps the secret until `close-mailbox`; the page drops the words.
   */
  | { readonly type: 'open-mailbox'; readonly words: string }
  /** Delete these replies on the server, one after the other. */
  | { readonly type: 'delete-replies'; readonly ids: readonly string[] }
  /** Decrypt attached file `file` (its index in the reply's `files`) of reply `id` again, checked to the end. */
  | { readonly type: 'save-file'; readonly id: string; readonly file: number }
  /** Wipe the open mailbox's secret, keys and capability. */
  | { readonly type: 'close-mailbox' };

/** Worker to page. */
export type WorkerMessage =
  /** The root key from the bundle, for the source to compare. */
  | { readonly type: 'root'; readonly fingerprint: string }
  /** The manifest verified: sending is possible. */
  | { readonly type: 'ready'; readonly expires: string }
  /** Setup (`setup`) or a send (`send`) failed; nothing was or will be sent. */
  | { readonly type: 'failed'; readonly stage: 'setup' | 'send'; readonly reason: FailureReason }
  | { readonly type: 'secret'; readonly words: readonly string[] }
  /** The server assigned an upload id (the page deletes it on cancel). */
  | { readonly type: 'created'; readonly id: string }
  | { readonly type: 'progress'; readonly sent: number; readonly total: number }
  /** A request failed; the next try is in `nextTryInMs` (sooner after `retry-now`). */
  | { readonly type: 'retrying'; readonly nextTryInMs: number }
  /** The send starts again from the start by itself, to the keys now verified. */
  | { readonly type: 'restarting'; readonly reason: RestartReason }
  /** The send was cancelled; `outcome` says what is left on the server. */
  | { readonly type: 'cancelled'; readonly outcome: CancelOutcome }
  | { readonly type: 'done' }
  /**
   * The words are not a secret: why, for `unknown-word` which word (1-based,
   * never the word), and which word list they were read against.
   */
  | {
      readonly type: 'words-invalid';
      readonly code: SourceSecretErrorCode;
      readonly wordNumber?: number;
      readonly list?: MnemonicLanguage;
    }
  /** Fetching the mailbox: `done` of `total` ciphertext bytes received. */
  | { readonly type: 'mailbox-progress'; readonly done: number; readonly total: number }
  /** The mailbox is open: every reply, newest first (none for an empty or unknown mailbox). */
  | { readonly type: 'mailbox'; readonly replies: readonly MailboxReply[] }
  /** The mailbox could not be opened; the words were valid. */
  | { readonly type: 'mailbox-failed'; readonly reason: MailboxFailureReason }
  /** The server confirmed the reply is gone (204, or 404 for one already gone). */
  | { readonly type: 'reply-deleted'; readonly id: string }
  /** The reply could not be deleted; the ones after it were not tried. */
  | { readonly type: 'delete-failed'; readonly id: string; readonly reason: MailboxFailureReason }
  /** Saving a file: `done` of `total` bytes of its reply's ciphertext decrypted. */
  | {
      readonly type: 'file-progress';
      readonly id: string;
      readonly file: number;
      readonly done: number;
      readonly total: number;
    }
  /** The file decrypted and every chunk of its reply verified: `blob` is typed `application/octet-stream`. */
  | { readonly type: 'file-ready'; readonly id: string; readonly file: number; readonly blob: Blob }
  /** The file could not be opened; nothing of it is handed over. */
  | { readonly type: 'file-failed'; readonly id: string; readonly file: number; readonly reason: FileSaveFailure };
