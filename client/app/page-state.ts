/**
 * What the source's page holds and what its screens may ask for: the state
 * the controller (controller.ts) keeps, as the read-only view the screens
 * (screens/) draw from, and the events they raise. No DOM here, so the
 * controller can be tested without a browser.
 */
import type { Language } from './i18n/catalog.js';
import type { FailureReason } from './protocol.js';

/** The screens, in the order a send goes through them. */
export type ScreenName = 'compose' | 'secret' | 'progress' | 'done' | 'cancelled' | 'failed';

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
  /** The reason shown on the `failed` screen. */
  readonly failure: FailureReason | null;
  /** False once the worker is gone: then only a reload can start over. */
  readonly workerRunning: boolean;
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
  /** The secret screen's send, once the words are confirmed written down. */
  sendWithSecret(): void;
  cancelSend(): void;
  /** Back to the form, the draft kept. */
  returnToCompose(): void;
  /** From the done screen: a new, empty draft. */
  sendAnother(): void;
  /** From the failed screen when the worker is gone: only a fresh page can start over. */
  reload(): void;
}
