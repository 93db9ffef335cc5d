/**
 * The one home of age's key-string rule, shared by every Bech32 key type
 * (./x25519.ts, ./mlkem768x25519.ts): a recipient is lowercase Bech32, an
 * identity uppercase, each with one prefix and one key size, so every key has
 * exactly one spelling and duplicates cannot hide behind case.
 */
import { Bech32Error, decodeBech32 } from './bech32.js';
import { wipe } from './bytes.js';
import { AgeKeyError } from './errors.js';

/** What a key string must be to parse: its kind, its Bech32 prefix as age writes it, and its key size. */
export interface AgeKeyForm {
  /** A recipient (public, lowercase) or an identity (secret, uppercase). */
  readonly kind: 'recipient' | 'identity';
  /** The human-readable part in the case age writes it, e.g. `age1pq` or `AGE-SECRET-KEY-PQ-`. */
  readonly prefix: string;
  /** Bytes of the decoded key. */
  readonly size: number;
  /** The refusal message, naming the type; it never includes the input. */
  readonly message: string;
}

/**
 * Decode `text` as a key of the given form: Bech32 with the form's prefix, in
 * the one case age writes it, of exactly `form.size` bytes.
 * @returns the key bytes (the caller owns them).
 * @throws AgeKeyError `invalid-recipient` or `invalid-identity` (per `form.kind`) if it is
 *   not; decoded bytes of a refused identity are wiped first, as they may be a secret.
 */
export function decodeAgeKey(text: string, form: AgeKeyForm): Uint8Array {
  const code = form.kind === 'recipient' ? 'invalid-recipient' : 'invalid-identity';
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = decodeBech32(text);
  } catch (error) {
    if (error instanceof Bech32Error) throw new AgeKeyError(code, form.message);
    throw error;
  }
  // age refuses the other case (decodeBech32 already refuses mixed case).
  const canonical = form.kind === 'recipient' ? text.toLowerCase() : text.toUpperCase();
  if (decoded.prefix !== form.prefix.toLowerCase() || text !== canonical || decoded.data.length !== form.size) {
    wipe(decoded.data);
    throw new AgeKeyError(code, form.message);
  }
  return decoded.data;
}

/**
 * Whether `text` is a key of the given form ({@link decodeAgeKey}'s rule);
 * the decoded bytes are wiped, as an identity's are a secret.
 */
export function isAgeKey(text: string, form: AgeKeyForm): boolean {
  try {
    wipe(decodeAgeKey(text, form));
    return true;
  } catch (error) {
    if (error instanceof AgeKeyError) return false;
    throw error;
  }
}
