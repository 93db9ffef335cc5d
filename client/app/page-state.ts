/**
 * What the source's page holds and what its screens may ask for: the state
 * the controller (controller.ts) keeps, as the read-only view the screens
 * (screens/) draw from, and the events they raise. No DOM here, so the
 * controller can be tested without a browser.
 */
import type { MnemonicLanguage, SourceSecretErrorCode } from '../core/source-secret.js';
import type { Language } from './i18n/catalog.js';
import type { CancelOutcome, FailureReason, FileSaveFailure, MailboxFailureReason, MailboxReply } from './protocol.js';

/**
 * The screens: those a send goes through, in order, then the returning
 * source's: typing the 12 words (`words`) and reading the replies (`mailbox`).
 */
export type ScreenName = 'compose' | 'secret' | 'progress' | 'done' | 'cancelled' | 'failed' | 'words' | 'mailbox';

/** Why the words screen could not open the mailbox. */
export type WordsProblem =
  /** The words are not a secret; `wordNumber` (1-based) for `unknown-word`, `list` the word list read against. Never the word itself. */
  | {
      readonly kind: 'words';
      readonly code: SourceSecretErrorCode;
      readonly wordNumber?: number;
      readonly list?: MnemonicLanguage;
    }
  /** The words were fine but the mailbox could not be read. */
  | { readonly kind: 'mailbox'; readonly reason: MailboxFailureReason }
  /** The worker is gone: only a reload helps. */
  | { readonly kind: 'worker' };

/** What the mailbox screen says about the last deletion. */
export type DeleteNotice =
  /** The server confirmed `count` replies gone. */
  | { readonly kind: 'deleted'; readonly count: number }
  /** A deletion failed; the replies after it were not tried. */
  | { readonly kind: 'failed'; readonly reason: MailboxFailureReason };

/**
 * An attached file the source asked to save: the worker decrypts its reply
 * again and checks it to the end (`opening`, `done` of `total` ciphertext
 * bytes), then hands the file over (`ready`: the save button saves this
 * Blob), or says it could not be opened (`failed`).
 */
export type FileSave =
  | { readonly state: 'opening'; readonly done: number; readonly total: number }
  | { readonly state: 'ready'; readonly blob: Blob }
  | { readonly state: 'failed'; readonly reason: FileSaveFailure };

/** The key of file `index` of reply `id` in {@link PageView.fileSaves}. */
export function fileSaveKey(id: string, index: number): string {
  return `${id}/${String(index)}`;
}

/** A reply, or all of them, whose deletion awaits the source's confirmation. */
export type DeleteTarget = { readonly kind: 'one'; readonly id: string } | { readonly kind: 'all' };

/** Whether the worker has verified the key manifest, which sending needs. */
export type KeyStatus =
  | { readonly state: 'checking' }
  | { readonly state: 'ready'; readonly expires: string }
  | { readonly state: 'failed'; readonly reason: FailureReason };

/** The page's state as screens see it: read it when drawing, change it only through {@link PageEvents}. */
export interface PageView {
  readonly language: Language;
  readonly screen: ScreenName;
  /** The root key's fingerprint, once the worker has read it. */
  readonly fingerprint: string | null;
  readonly keys: KeyStatus;
  /** The draft: message, attached files, whether replies are wanted. */
  readonly message: string;
  readonly files: readonly File[];
  readonly reply: boolean;
  /** The source secret's words, once the worker has made it (replies only). */
  readonly words: readonly string[] | null;
  /** The words on the secret screen replace ones the source asked to be made anew. */
  readonly wordsRenewed: boolean;
  /** The reason shown on the `failed` screen. */
  readonly failure: FailureReason | null;
  /** Cancel was pressed; the worker is deleting the server's copy and awaits the server's word. */
  readonly cancelling: boolean;
  /** What the last cancel left on the server, shown on the `cancelled` screen. */
  readonly cancelled: CancelOutcome | null;
  /** False once the worker is gone: then only a reload can start over. */
  readonly workerRunning: boolean;
  /**
   * The compose screen writes back in the open mailbox's conversation: no
   * reply choice, no new words; the worker adds the mailbox's reply address.
   */
  readonly followUp: boolean;
  /** The words were handed to the worker and its answer is awaited. */
  readonly opening: boolean;
  /** Why the last attempt to open the mailbox failed, shown on the words screen. */
  readonly wordsProblem: WordsProblem | null;
  /** The open mailbox's replies, newest first; null when no mailbox is open. */
  readonly replies: readonly MailboxReply[] | null;
  /** Replies being deleted: asked of the worker, not yet confirmed by the server. */
  readonly deleting: readonly string[];
  /** The deletion waiting for the source's "yes". */
  readonly confirmingDelete: DeleteTarget | null;
  readonly deleteNotice: DeleteNotice | null;
  /** Files being opened for saving, or opened, by {@link fileSaveKey}; dropped with the mailbox. */
  readonly fileSaves: ReadonlyMap<string, FileSave>;
}

/** What pressing send did. */
export type SubmitOutcome =
  /** The keys are not verified: nothing can be sent. */
  | 'unavailable'
  /** Neither a message nor a file: the form says so. */
  | 'empty'
  /** On to the secret's words, or straight to sending. */
  | 'accepted';

/** What screens ask the controller to do. */
export interface PageEvents {
  editMessage(message: string): void;
  addFiles(files: readonly File[]): void;
  removeFile(index: number): void;
  /** Opting out of replies wipes the secret, if one was made. */
  chooseReply(wanted: boolean): void;
  /** The compose form's send. */
  submit(): SubmitOutcome;
  /**
   * The secret screen's "make new words": the worker wipes the secret and
   * makes another (nothing has carried it yet); no words until it answers.
   */
  makeNewWords(): void;
  /** The secret screen's send, once the words are confirmed written down. */
  sendWithSecret(): void;
  /** Stop sending: the progress screen says "cancelling" until the worker reports what is left. */
  cancelSend(): void;
  /** The progress screen's "Try now" while reconnecting: the next try starts at once. */
  retryNow(): void;
  /** Back to the form, the draft kept. */
  returnToCompose(): void;
  /** From the done screen: a new, empty draft. */
  sendAnother(): void;
  /** From the failed screen when the worker is gone: only a fresh page can start over. */
  reload(): void;

  /** From the first screen: on to typing the 12 words. */
  readReplies(): void;
  /** The words screen's open: `words` go to the worker; the page keeps no copy. */
  openMailbox(words: string): void;
  /** Back from the words screen to the first screen; the field is cleared. */
  leaveWords(): void;
  /** Ask to delete one reply or all of them; nothing happens until {@link confirmDelete}. */
  askDelete(target: DeleteTarget): void;
  confirmDelete(): void;
  cancelDelete(): void;
  /** Open file `index` of reply `id` for saving: the worker decrypts and checks its reply to the end. */
  openFile(id: string, index: number): void;
  /** From the mailbox: compose a follow-up in the same conversation. */
  writeBack(): void;
  /** From a follow-up (composing, done, cancelled): back to the replies. */
  returnToMailbox(): void;
  /** Leave the mailbox: the worker wipes its secret, the page drops the replies. */
  closeMailbox(): void;
}
