/**
 * Establishes whom to encrypt to: the newsroom's root public key (a static
 * file of the hash-pinned bundle, `root.pub`), and the signed key manifest
 * the server publishes, verified against it. Nothing is encrypted unless
 * this succeeds.
 */
import {
  verifyManifest,
  activeRecipients,
  rootFingerprint,
  ManifestError,
  MANIFEST_FILE_NAME,
  SIGNATURE_SUFFIX,
  type ManifestErrorCode,
} from '../core/manifest.js';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../core/minisign.js';
import type { FetchLike } from './upload-requests.js';
import { CodedError } from '../core/coded-error.js';

export type TrustFailureCode = 'network' | 'root-key' | ManifestErrorCode;

/** The keys could not be established; nothing may be encrypted. */
export class TrustError extends CodedError<TrustFailureCode> {
  override name = 'TrustError';
}

export interface TrustedKeys {
  /** The root key's fingerprint, as people compare it (see `rootFingerprint`). */
  readonly fingerprint: string;
  /** The active editors' `age1...` recipients. */
  readonly recipients: readonly string[];
  /** When the manifest expires (ISO 8601). */
  readonly expires: string;
  readonly version: number;
}

/** Where each file lives, relative to the page. */
export const ROOT_KEY_PATH = 'root.pub';
export const MANIFEST_PATH = MANIFEST_FILE_NAME;
export const SIGNATURE_PATH = MANIFEST_FILE_NAME + SIGNATURE_SUFFIX;

/** Public keys and manifests are small; refuse anything absurd before parsing. */
const MAX_FILE_BYTES = 512 * 1024;

async function fetchBytes(fetchFn: FetchLike, url: string, missing: TrustFailureCode): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url, { credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new TrustError('network', 'server unreachable');
  }
  if (!response.ok) throw new TrustError(response.status === 404 ? missing : 'network', `http ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_FILE_BYTES) throw new TrustError(missing, 'file too large');
  return bytes;
}

/** The newsroom's root public key, from the bundle. */
export interface RootKey {
  readonly key: MinisignPublicKey;
  readonly fingerprint: string;
}

/**
 * Fetch and parse `root.pub` from `baseUrl`. Requires libsodium loaded.
 * @throws TrustError: `network` or `root-key` (missing or unreadable).
 */
export async function loadRootKey(baseUrl: string, fetchFn: FetchLike): Promise<RootKey> {
  const bytes = await fetchBytes(fetchFn, new URL(ROOT_KEY_PATH, baseUrl).href, 'root-key');
  try {
    const key = parsePublicKeyFile(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return { key, fingerprint: rootFingerprint(key) };
  } catch (error) {
    if (error instanceof MinisignError || error instanceof TypeError)
      throw new TrustError('root-key', 'invalid root key');
    throw error;
  }
}

/**
 * Fetch the manifest and its signature from `baseUrl` and verify them
 * against the root key (signature, trusted comment, root key id, validity
 * at `now`). Requires libsodium loaded.
 * @throws TrustError: `network`, or the manifest's ManifestError code.
 */
export async function verifyKeys(
  baseUrl: string,
  fetchFn: FetchLike,
  rootKey: RootKey,
  now: Date,
): Promise<TrustedKeys> {
  const url = (path: string): string => new URL(path, baseUrl).href;
  const [manifestBytes, signatureBytes] = await Promise.all([
    fetchBytes(fetchFn, url(MANIFEST_PATH), 'malformed'),
    fetchBytes(fetchFn, url(SIGNATURE_PATH), 'malformed'),
  ]);
  let signature: string;
  try {
    signature = new TextDecoder('utf-8', { fatal: true }).decode(signatureBytes);
  } catch {
    throw new TrustError('malformed', 'signature is not utf-8');
  }
  try {
    const manifest = verifyManifest(manifestBytes, signature, rootKey.key, { now });
    return {
      fingerprint: rootKey.fingerprint,
      recipients: activeRecipients(manifest),
      expires: manifest.expires,
      version: manifest.version,
    };
  } catch (error) {
    if (error instanceof ManifestError) throw new TrustError(error.code, error.message);
    throw error;
  }
}
