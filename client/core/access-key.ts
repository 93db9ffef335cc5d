/**
 * An editor's access key document: the Ed25519 key pair an editor's tools
 * use to log in to the editor listener (challenge signed, manifest-listed
 * public key). `sealdrop editor keygen` seals this JSON under the editor's
 * passphrase as an age scrypt file; the demo newsroom writes it plain. The
 * exact format is in docs/PROTOCOL.md ("The command line's formats").
 */
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { constantTimeEqual, fromUtf8, utf8, wipe } from './bytes.js';
import { CodedError } from './coded-error.js';
import { exactKeys, isRecord } from './json-shape.js';
import { sodium } from './sodium.js';

export const ACCESS_KEY_FORMAT = 'sealdrop-editor-access-key';

/** An editor's Ed25519 access key pair for the editor listener. */
export interface AccessKey {
  readonly name: string;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** 64-byte libsodium secret key (seed ‖ public key). */
  readonly secretKey: Uint8Array;
}

/** Why an access key document was refused ({@link AccessKeyError}). */
export type AccessKeyErrorCode =
  /** Not JSON of the access key document's exact shape, format and version. */
  | 'not-access-key'
  /** The right shape, but a field is not padded base64 of 32 bytes or the seed does not derive the public key. */
  | 'corrupted';

/** A document that is not a well-formed, self-consistent access key. */
export class AccessKeyError extends CodedError<AccessKeyErrorCode> {
  override name = 'AccessKeyError';
}

/** A new random access key pair. Requires libsodium loaded. */
export function generateAccessKey(name: string): AccessKey {
  const { publicKey, privateKey } = sodium().crypto_sign_keypair();
  return { name, publicKey, secretKey: privateKey };
}

/** The access key's public half as the manifest spells it (padded base64). */
export function accessPublicKeyText(key: AccessKey): string {
  return encodeBase64(key.publicKey, true);
}

/** The plaintext access key document (JSON); contains the secret seed. */
export function formatAccessKey(key: AccessKey): Uint8Array {
  const seed = key.secretKey.slice(0, 32);
  const text =
    JSON.stringify(
      {
        format: ACCESS_KEY_FORMAT,
        formatVersion: 1,
        name: key.name,
        accessKey: encodeBase64(key.publicKey, true),
        seed: encodeBase64(seed, true),
      },
      null,
      2,
    ) + '\n';
  wipe(seed);
  return utf8(text);
}

/**
 * Parse the plaintext access key document; the seed must derive the listed public key.
 * @throws AccessKeyError `not-access-key` if it is not an access key document,
 *   `corrupted` if its fields are malformed or inconsistent. Requires libsodium loaded.
 */
export function parseAccessKey(bytes: Uint8Array): AccessKey {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new AccessKeyError('not-access-key', 'access key file is not a sealdrop access key');
  }
  if (!isRecord(value) || !exactKeys(value, ['format', 'formatVersion', 'name', 'accessKey', 'seed'])) {
    throw new AccessKeyError('not-access-key', 'access key file is not a sealdrop access key');
  }
  if (value.format !== ACCESS_KEY_FORMAT || value.formatVersion !== 1)
    throw new AccessKeyError('not-access-key', 'access key file is not a sealdrop access key');
  const { name, accessKey, seed } = value;
  if (typeof name !== 'string' || typeof accessKey !== 'string' || typeof seed !== 'string') {
    throw new AccessKeyError('not-access-key', 'access key file is not a sealdrop access key');
  }
  let publicKey: Uint8Array;
  let seedBytes: Uint8Array;
  try {
    publicKey = decodeBase64(accessKey, true);
    seedBytes = decodeBase64(seed, true);
  } catch (error) {
    if (error instanceof Base64Error) throw new AccessKeyError('corrupted', 'access key file is corrupted');
    throw error;
  }
  if (publicKey.length !== 32 || seedBytes.length !== 32)
    throw new AccessKeyError('corrupted', 'access key file is corrupted');
  const pair = sodium().crypto_sign_seed_keypair(seedBytes);
  wipe(seedBytes);
  if (!constantTimeEqual(pair.publicKey, publicKey)) {
    wipe(pair.privateKey);
    throw new AccessKeyError('corrupted', 'access key file is corrupted');
  }
  return { name, publicKey, secretKey: pair.privateKey };
}
