/**
 * The messages between `npm run bench:mailbox` (./mailbox.ts) and its
 * browser-side profile worker (./mailbox-profile-worker.ts): types only, so
 * the Node side can share them without compiling the worker's browser imports.
 */
export interface ProfileRequest {
  readonly words: string;
}

/** Seconds per step, in the order the worker takes them. */
export interface ProfileResult {
  readonly webAssembly: boolean;
  /** The reader's READ_CONCURRENCY, which the page's baseline fetch uses too. */
  readonly concurrency: number;
  readonly keys: number;
  readonly list: number;
  readonly fetch: number;
  /** Opening the ten age headers alone (X25519, HKDF, header MAC). */
  readonly headers: number;
  /** Headers and payloads decrypted, the plaintext discarded. */
  readonly decrypt: number;
  /** Read as the reader does (`openReply`: text and file list decrypted, ciphertext kept). */
  readonly open: number;
  readonly readMailbox: number;
  /** Saving the largest attachment: `openReplyFile` on its kept ciphertext, checked to the end. */
  readonly save: number;
  /** That attachment's size. */
  readonly saveBytes: number;
  readonly replies: number;
  readonly bytes: number;
  readonly error?: string;
}
