/**
 * Editors' identity files, in the format `age-keygen` writes and `age -i`
 * reads, optionally sealed under a passphrase as an ordinary age file with a
 * single scrypt stanza (what `age -p` writes), so that the standard `age -d`
 * opens it after asking for the passphrase (DESIGN: recoverable with standard
 * tools alone).
 */
import { decrypt, encrypt } from './age.js';
import { concatBytes, fromUtf8, utf8 } from './bytes.js';
import { AgeKeyError } from './errors.js';
import { DEFAULT_MAX_SCRYPT_LOG_N, DEFAULT_SCRYPT_LOG_N, ScryptIdentity, ScryptRecipient } from './scrypt.js';
import type { ScryptFunction } from './scrypt-function.js';
import { X25519Identity } from './x25519.js';

/** Identity files are a few lines; anything larger is refused unread. */
export const MAX_IDENTITY_FILE_BYTES = 64 * 1024;

const AGE_MAGIC = utf8('age-encryption.org/');
const ARMOR_MAGIC = utf8('-----BEGIN AGE ENCRYPTED FILE-----');

/** Supplies the passphrase, only when the file turns out to be encrypted. */
export type PassphraseProvider = () => string | Promise<string>;

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** RFC 3339 in UTC with whole seconds, as Go's time.RFC3339 prints it. */
function rfc3339(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid creation date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The identity file text, exactly as `age-keygen` writes it:
 * `# created: <RFC 3339>`, `# public key: age1...`, then the secret key line.
 * @throws RangeError if `createdAt` is an invalid date.
 */
export function formatIdentityFile(identity: X25519Identity, createdAt: Date): string {
  return (
    `# created: ${rfc3339(createdAt)}\n` +
    `# public key: ${identity.recipient().format()}\n` +
    `${identity.format()}\n`
  );
}

/**
 * Parse an identity file: one `AGE-SECRET-KEY-1...` per line, with `#`
 * comment lines and blank lines allowed, LF or CRLF line ends (as age
 * accepts). Anything else is refused rather than skipped, so a damaged key
 * file is noticed.
 * @returns at least one identity. Requires libsodium loaded.
 * @throws AgeKeyError naming the offending line number (never its content),
 *   or if the file holds no identity.
 */
export function parseIdentityFile(text: string): X25519Identity[] {
  const identities: X25519Identity[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || line.startsWith('#')) return;
    try {
      identities.push(X25519Identity.parse(line));
    } catch (error) {
      if (error instanceof AgeKeyError) throw new AgeKeyError(`invalid identity on line ${index + 1} of identity file`);
      throw error;
    }
  });
  if (identities.length === 0) throw new AgeKeyError('no identities in identity file');
  return identities;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  await Promise.resolve();
  yield bytes;
}

async function collect(stream: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of stream) {
    length += part.length;
    if (length > limit) throw new AgeKeyError('identity file too large');
    parts.push(part);
  }
  return concatBytes(...parts);
}

/**
 * The identity file sealed under a passphrase: an age file with a single
 * scrypt stanza. Requires libsodium loaded.
 * @param logN - scrypt work factor; age's default 18 unless testing.
 * @throws TypeError if the passphrase is empty; RangeError on a bad logN or date.
 */
export async function sealIdentityFile(
  identity: X25519Identity,
  passphrase: string,
  scrypt: ScryptFunction,
  logN = DEFAULT_SCRYPT_LOG_N,
  createdAt: Date = new Date(),
): Promise<Uint8Array> {
  const recipient = new ScryptRecipient(passphrase, scrypt, logN);
  const text = utf8(formatIdentityFile(identity, createdAt));
  return collect(encrypt([recipient], once(text)), Number.MAX_SAFE_INTEGER);
}

/**
 * Open an identity file that is either plain text or passphrase-encrypted
 * (detected by the age header magic). The passphrase is asked for only in the
 * second case. Requires libsodium loaded.
 * @param maxLogN - the highest scrypt work factor accepted.
 * @throws AgeKeyError if the file is too large, armored, not UTF-8, or its
 *   content is not a valid identity file.
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
): Promise<X25519Identity[]> {
  if (bytes.length > MAX_IDENTITY_FILE_BYTES) throw new AgeKeyError('identity file too large');
  if (startsWith(bytes, ARMOR_MAGIC)) throw new AgeKeyError('armored identity files are not supported');
  let text = bytes;
  if (startsWith(bytes, AGE_MAGIC)) {
    const identity = new ScryptIdentity(await passphrase(), scrypt, maxLogN);
    const { plaintext } = await decrypt([identity], once(bytes));
    text = await collect(plaintext, MAX_IDENTITY_FILE_BYTES);
  }
  let decoded: string;
  try {
    decoded = fromUtf8(text);
  } catch {
    throw new AgeKeyError('identity file is not UTF-8 text');
  } finally {
    if (text !== bytes) text.fill(0);
  }
  return parseIdentityFile(decoded);
}
