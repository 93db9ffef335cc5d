/**
 * Editors' identity files, in the format `age-keygen` writes and `age -i`
 * reads (classic X25519 `AGE-SECRET-KEY-1...` lines, or hybrid post-quantum
 * `AGE-SECRET-KEY-PQ-1...` lines as `age-keygen -pq` writes them), optionally sealed under a passphrase as an ordinary age file with a
 * single scrypt stanza (what `age -p` writes), so that the standard `age -d`
 * opens it after asking for the passphrase (DESIGN: recoverable with standard
 * tools alone).
 */
import { fromUtf8, utf8, wipe } from './bytes.js';
import { AgeKeyError } from './errors.js';
import { HYBRID_IDENTITY_PREFIX, type HybridIdentity } from './mlkem768x25519.js';
import { parseIdentity } from './recipients.js';
import { DEFAULT_MAX_SCRYPT_LOG_N, DEFAULT_SCRYPT_LOG_N } from './scrypt.js';
import type { ScryptFunction } from './scrypt-function.js';
import { isSealedDocument, MAX_SEALED_DOCUMENT_BYTES, openSealedDocument, sealDocument } from './sealed-document.js';
import { loadSodium } from './sodium.js';
import { formatRfc3339Seconds } from './time.js';
import type { X25519Identity } from './x25519.js';

/** An identity an identity file can hold: classic X25519 or hybrid ML-KEM-768 + X25519. */
export type FileIdentity = X25519Identity | HybridIdentity;

/** Identity files are a few lines, plain or sealed; anything larger is refused unread. */
export const MAX_IDENTITY_FILE_BYTES = MAX_SEALED_DOCUMENT_BYTES;

const ARMOR_MAGIC = utf8('-----BEGIN AGE ENCRYPTED FILE-----');

/** Supplies the passphrase, only when the file turns out to be encrypted. */
export type PassphraseProvider = () => string | Promise<string>;

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** The lines of an identity file, without CR, skipping none. */
function identityFileLines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/**
 * Whether an identity file's text holds a hybrid identity, which needs
 * libsodium (its X-Wing KEM) loaded to parse and use; a file of X25519
 * identities only does not.
 */
export function hasHybridIdentity(text: string): boolean {
  return identityFileLines(text).some((line) => line.toUpperCase().startsWith(`${HYBRID_IDENTITY_PREFIX}1`));
}

/**
 * The identity file text, exactly as `age-keygen` (or `age-keygen -pq`)
 * writes it: `# created: <RFC 3339>`, `# public key: age1...` (or
 * `age1pq1...`), then the secret key line.
 * @throws RangeError if `createdAt` is an invalid date.
 */
export function formatIdentityFile(identity: FileIdentity, createdAt: Date): string {
  return (
    `# created: ${formatRfc3339Seconds(createdAt)}\n` +
    `# public key: ${identity.recipient().format()}\n` +
    `${identity.format()}\n`
  );
}

/**
 * Parse an identity file: one `AGE-SECRET-KEY-1...` or
 * `AGE-SECRET-KEY-PQ-1...` per line, with `#` comment lines and blank lines
 * allowed, LF or CRLF line ends (as age accepts). Anything else is refused
 * rather than skipped, so a damaged key file is noticed.
 * @returns at least one identity, in file order, each a core `Identity`.
 *   Requires libsodium loaded (for a hybrid identity: see {@link hasHybridIdentity}).
 * @throws AgeKeyError `invalid-identity-file` naming the offending line number (never its content),
 *   or if the file holds no identity.
 */
export function parseIdentityFile(text: string): FileIdentity[] {
  const identities: FileIdentity[] = [];
  identityFileLines(text).forEach((line, index) => {
    if (line === '' || line.startsWith('#')) return;
    try {
      identities.push(parseIdentity(line));
    } catch (error) {
      if (error instanceof AgeKeyError)
        throw new AgeKeyError('invalid-identity-file', `invalid identity on line ${index + 1} of identity file`);
      throw error;
    }
  });
  if (identities.length === 0) throw new AgeKeyError('invalid-identity-file', 'no identities in identity file');
  return identities;
}

/**
 * The identity file sealed under a passphrase: an age file with a single
 * scrypt stanza. Requires libsodium loaded.
 * @param logN - scrypt work factor; age's default 18 unless testing.
 * @throws TypeError if the passphrase is empty; RangeError on a bad logN or date.
 */
export async function sealIdentityFile(
  identity: FileIdentity,
  passphrase: string,
  scrypt: ScryptFunction,
  logN = DEFAULT_SCRYPT_LOG_N,
  createdAt: Date = new Date(),
): Promise<Uint8Array> {
  const text = utf8(formatIdentityFile(identity, createdAt));
  try {
    return await sealDocument(text, passphrase, scrypt, logN);
  } finally {
    wipe(text);
  }
}

/**
 * Open an identity file that is either plain text or passphrase-encrypted
 * (detected by the age header magic). The passphrase is asked for only in the
 * second case. Loads libsodium itself if the file holds a hybrid identity;
 * otherwise needs only what opening the sealed file needs.
 * @param maxLogN - the highest scrypt work factor accepted.
 * @throws AgeKeyError `identity-file-too-large` if the file is too large;
 *   `invalid-identity-file` if it is armored, not UTF-8, or its content is
 *   not a valid identity file.
 * @throws SealedDocumentError('too-large') if the sealed file's plaintext is
 *   over the limit (cannot happen for a file within it, kept as a bound).
 * @throws NoIdentityMatchError if the passphrase is wrong (or the file is
 *   encrypted to something other than a passphrase).
 * @throws AgeHeaderError, AgeMacError, AgePayloadError if the encrypted file
 *   is malformed or tampered with.
 */
export async function openIdentityFile(
  bytes: Uint8Array,
  passphrase: PassphraseProvider,
  scrypt: ScryptFunction,
  maxLogN = DEFAULT_MAX_SCRYPT_LOG_N,
): Promise<FileIdentity[]> {
  if (bytes.length > MAX_IDENTITY_FILE_BYTES)
    throw new AgeKeyError('identity-file-too-large', 'identity file too large');
  if (startsWith(bytes, ARMOR_MAGIC))
    throw new AgeKeyError('invalid-identity-file', 'armored identity files are not supported');
  let text = bytes;
  if (isSealedDocument(bytes)) text = await openSealedDocument(bytes, await passphrase(), scrypt, maxLogN);
  let decoded: string;
  try {
    decoded = fromUtf8(text);
  } catch {
    throw new AgeKeyError('invalid-identity-file', 'identity file is not UTF-8 text');
  } finally {
    if (text !== bytes) text.fill(0);
  }
  if (hasHybridIdentity(decoded)) await loadSodium();
  return parseIdentityFile(decoded);
}
