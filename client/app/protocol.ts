/**
 * Messages between the page (controller.ts, wired in page.ts) and the
 * encryption worker (worker.ts).
 * The worker holds every key and secret; the page holds only what it shows.
 */
import type { Language } from './i18n/catalog.js';

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
  | 'file-read'
  | 'rejected'
  | 'internal';

/** Page to worker. */
export type PageMessage =
  /** Create the source secret if there is none; answer with its words in `language`. */
  | { readonly type: 'secret'; readonly language: Language }
  /** Drop the source secret (the source no longer wants replies). */
  | { readonly type: 'forget-secret' }
  /** Stop the send in progress and delete what was uploaded. */
  | { readonly type: 'cancel' }
  /** Encrypt and upload; `reply` includes the secret's reply recipient. */
  | { readonly type: 'send'; readonly message: string; readonly files: readonly File[]; readonly reply: boolean };

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
  | { readonly type: 'retrying' }
  /** The send was cancelled; the server's partial copy was deleted. */
  | { readonly type: 'cancelled' }
  | { readonly type: 'done' };
