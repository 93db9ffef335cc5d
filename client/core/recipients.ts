/**
 * The native age recipient and identity types Sealdrop accepts, behind one
 * parser: X25519 (`age1...`, `AGE-SECRET-KEY-1...`) and the hybrid
 * post-quantum MLKEM768-X25519 (`age1pq1...`, `AGE-SECRET-KEY-PQ-1...`).
 * Each type's own module keeps its rules; this one only dispatches.
 */
import type { Identity } from './age.js';
import { HYBRID_IDENTITY_PREFIX, HybridIdentity, HybridRecipient, isHybridRecipient } from './mlkem768x25519.js';
import { isX25519Recipient, X25519Identity, X25519Recipient } from './x25519.js';

/** The recipient types, named by their stanza type in lowercase. */
export type RecipientKind = 'x25519' | 'mlkem768x25519';

/** An identity of either type, with its encodings. */
export type NativeIdentity = Identity & {
  /** The `AGE-SECRET-KEY-...` encoding: the secret. */
  format(): string;
  /**
   * For a hybrid identity the same as `format()`; an X25519 identity has no
   * own `toString` (its secret never leaks through interpolation): use `format()`.
   */
  toString(): string;
  recipient(): { format(): string; toString(): string };
};

// Bech32's separator is the last `1` and its alphabet has no `1`, so an
// X25519 recipient can never start like a hybrid one: the prefix decides.
const HYBRID_RECIPIENT_START = 'age1pq1';
const HYBRID_IDENTITY_START = `${HYBRID_IDENTITY_PREFIX}1`;

/**
 * The type of a recipient in its canonical spelling (lowercase Bech32, the
 * right key size).
 * @returns `null` if `text` is not an age recipient of a type we accept.
 */
export function recipientKind(text: string): RecipientKind | null {
  if (text.startsWith(HYBRID_RECIPIENT_START)) return isHybridRecipient(text) ? 'mlkem768x25519' : null;
  return isX25519Recipient(text) ? 'x25519' : null;
}

/**
 * Parse an `age1...` or `age1pq1...` recipient.
 * @throws AgeKeyError `invalid-recipient` if it is neither, in canonical form.
 */
export function parseRecipient(text: string): X25519Recipient | HybridRecipient {
  if (text.startsWith(HYBRID_RECIPIENT_START)) return HybridRecipient.parse(text);
  return X25519Recipient.parse(text);
}

/**
 * Parse an `AGE-SECRET-KEY-1...` or `AGE-SECRET-KEY-PQ-1...` identity.
 * Requires libsodium loaded (an X25519 identity computes its public key at once).
 * @throws AgeKeyError `invalid-identity` if it is neither, in canonical (uppercase) form;
 *   the message never includes the input.
 */
export function parseIdentity(text: string): (X25519Identity | HybridIdentity) & NativeIdentity {
  // Case-insensitive dispatch, so that a lowercase hybrid identity is refused
  // by the hybrid parser (with its message), not by the X25519 one.
  if (text.toUpperCase().startsWith(HYBRID_IDENTITY_START)) return HybridIdentity.parse(text);
  return X25519Identity.parse(text);
}
