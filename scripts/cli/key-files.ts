/**
 * The editor's and the root's key files (docs/KEYS.md):
 *
 * - `<name>.pub.json`: the public half an editor hands to the admin (name,
 *   age recipient, Ed25519 access public key), JSON, not secret.
 * - `<name>-access.age`: the Ed25519 access key for the editor listener, a
 *   small JSON document sealed under a passphrase as an age scrypt file (the
 *   same protection as the identity, so `age -d` opens it too). It is a
 *   separate file from the identity because it lives on the online machine
 *   that pulls, while the identity never leaves the offline one.
 * - root keys: minisign's own formats (client/core/minisign.ts).
 */
import { utf8, wipe } from '../../client/core/bytes.js';
import {
  AccessKeyError,
  parseAccessKey as parseAccessKeyDocument,
  type AccessKey,
} from '../../client/core/access-key.js';
import { AgeError } from '../../client/core/errors.js';
import { exactKeys, isRecord } from '../../client/core/json-shape.js';
import { checkManifestEditor, ManifestError, type ManifestEditor } from '../../client/core/manifest.js';
import {
  MinisignError,
  parsePublicKeyFile,
  type MinisignPublicKey,
  type MinisignSecretKey,
} from '../../client/core/minisign.js';
import { isSecretKeyFileEncrypted, parseSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { isSealedDocument, openSealedDocument, SealedDocumentError } from '../../client/core/sealed-document.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { MAX_KEY_FILE_BYTES, readSmallFile, readSmallText } from './files.js';

export {
  ACCESS_KEY_FORMAT,
  accessPublicKeyText,
  formatAccessKey,
  generateAccessKey,
  type AccessKey,
} from '../../client/core/access-key.js';
import { CliError, type PassphraseSource } from './io.js';

/** File names `editor keygen` writes: PREFIX-identity.age, PREFIX-access.age, PREFIX.pub.json. */
export const IDENTITY_FILE_SUFFIX = '-identity.age';
export const ACCESS_FILE_SUFFIX = '-access.age';
export const PUBLIC_FILE_SUFFIX = '.pub.json';

/** `format` of the public file an editor gives the admin. */
export const EDITOR_PUBLIC_FORMAT = 'sealdrop-editor-public-key';
/** The public half of an editor's keys: what goes into the manifest. */
export type EditorPublicKeys = Omit<ManifestEditor, 'status'>;

/**
 * Check an editor entry by the manifest's own rules (name characters and
 * length, canonical recipient, 32-byte access key), so a public file that
 * passes here is always accepted by `manifest add`.
 * @throws CliError with the manifest rule that fails.
 */
export function checkEditorKeys(keys: EditorPublicKeys): EditorPublicKeys {
  try {
    checkManifestEditor({ ...keys, status: 'active' });
  } catch (error) {
    if (error instanceof ManifestError) throw new CliError(`invalid editor: ${error.message}`);
    throw error;
  }
  return keys;
}

/** The editor's public file (JSON, two-space indent, final newline). */
export function formatEditorPublicFile(keys: EditorPublicKeys): string {
  const value = { format: EDITOR_PUBLIC_FORMAT, formatVersion: 1, ...checkEditorKeys(keys) };
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * Parse an editor's public file, strictly.
 * @throws CliError naming what is wrong.
 */
export function parseEditorPublicFile(text: string): EditorPublicKeys {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('editor public file is not JSON');
  }
  if (!isRecord(value) || !exactKeys(value, ['format', 'formatVersion', 'name', 'recipient', 'accessKey'])) {
    throw new CliError('not a sealdrop editor public file');
  }
  if (value.format !== EDITOR_PUBLIC_FORMAT) throw new CliError('not a sealdrop editor public file');
  if (value.formatVersion !== 1) throw new CliError('unsupported editor public file version');
  const { name, recipient, accessKey } = value;
  if (typeof name !== 'string' || typeof recipient !== 'string' || typeof accessKey !== 'string') {
    throw new CliError('not a sealdrop editor public file');
  }
  return checkEditorKeys({ name, recipient, accessKey });
}

/** Read an editor public file. @throws CliError. */
export async function readEditorPublicFile(file: string): Promise<EditorPublicKeys> {
  const text = await readSmallText(file, MAX_KEY_FILE_BYTES);
  try {
    return parseEditorPublicFile(text);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}

/**
 * Parse the plaintext access key document (client/core/access-key.ts).
 * @throws CliError if it is malformed or inconsistent. Requires libsodium loaded.
 */
export function parseAccessKey(bytes: Uint8Array): AccessKey {
  try {
    return parseAccessKeyDocument(bytes);
  } catch (error) {
    if (error instanceof AccessKeyError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Open an access key file, sealed (age scrypt) or plain; the passphrase is
 * asked for only if it is sealed. Requires libsodium loaded.
 * @throws CliError on a wrong passphrase or a malformed file.
 */
export async function readAccessKeyFile(file: string, passphrase: PassphraseSource): Promise<AccessKey> {
  const bytes = await readSmallFile(file, MAX_KEY_FILE_BYTES);
  let plaintext = bytes;
  if (isSealedDocument(bytes)) {
    const secret = await passphrase({ prompt: `passphrase for ${file}` });
    try {
      plaintext = await openSealedDocument(bytes, secret, nodeScrypt);
    } catch (error) {
      if (error instanceof SealedDocumentError) throw new CliError(`${file}: ${error.message}`);
      if (error instanceof AgeError) {
        throw new CliError(`${file}: ${error.code === 'no-identity-match' ? 'wrong passphrase' : error.message}`);
      }
      throw error;
    }
  }
  try {
    return parseAccessKey(plaintext);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  } finally {
    if (plaintext !== bytes) wipe(plaintext);
  }
}

/**
 * minisign opslimit/memlimit that make libsodium pick N = 2^logN, r = 8, p = 1
 * (for test-only weak keys; real keys use minisign's defaults, N = 2^20).
 */
export function minisignLimitsForLogN(logN: number): { opslimit: number; memlimit: number } {
  const opslimit = 32 * 2 ** logN;
  return { opslimit, memlimit: 64 * opslimit };
}

/** Read the root public key file (minisign.pub format). @throws CliError. */
export async function readRootPublicKey(file: string): Promise<MinisignPublicKey> {
  const text = await readSmallText(file, MAX_KEY_FILE_BYTES);
  try {
    return parsePublicKeyFile(text);
  } catch (error) {
    if (error instanceof MinisignError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}

/**
 * Read the root secret key file, asking for its passphrase if it is encrypted.
 * Requires libsodium loaded.
 * @throws CliError on a wrong passphrase or a malformed file.
 */
export async function readRootSecretKey(file: string, passphrase: PassphraseSource): Promise<MinisignSecretKey> {
  const text = await readSmallText(file, MAX_KEY_FILE_BYTES);
  try {
    if (!isSecretKeyFileEncrypted(text)) return await parseSecretKeyFile(text);
    const secret = utf8(await passphrase({ prompt: `passphrase for ${file}` }));
    try {
      return await parseSecretKeyFile(text, { passphrase: secret, scrypt: nodeScrypt });
    } finally {
      wipe(secret);
    }
  } catch (error) {
    if (error instanceof MinisignError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}
