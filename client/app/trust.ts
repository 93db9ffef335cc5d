/**
 * Establishes whom to encrypt to: the newsroom's root public key and the
 * rollback pin (static files of the hash-pinned bundle, `root.pub` and
 * `pin.json`), and the signed key manifest the server publishes, verified
 * against them: a manifest older than the pin is refused (`rollback`), so a
 * server cannot bring back one that lists keys the newsroom has retired.
 * Nothing is encrypted unless this succeeds.
 */
import {
  verifyManifest,
  activeRecipients,
  manifestRecipientKind,
  rootFingerprint,
  ManifestError,
  type ManifestErrorCode,
} from '../core/manifest.js';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../core/minisign.js';
import { BundlePinError, parseBundlePin } from '../core/bundle-pin.js';
import type { RecipientKind } from '../core/recipients.js';
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
  /** The active editors' recipients: all `age1...` (classic) or all `age1pq1...` (hybrid). */
  readonly recipients: readonly string[];
  /** Their one kind: the source's reply recipient is of the same kind. */
  readonly recipientKind: RecipientKind;
  /** When the manifest expires (ISO 8601). */
  readonly expires: string;
  /** The verified manifest's version: what an upload declares it was encrypted to. */
  readonly version: number;
}

import { MANIFEST_PATH, PIN_PATH, ROOT_KEY_PATH, SET_UP_REQUEST, SIGNATURE_PATH } from './set-up-files.js';

export {
  MANIFEST_PATH,
  PIN_PATH,
  ROOT_KEY_PATH,
  SET_UP_FILES,
  SET_UP_REQUEST,
  SIGNATURE_PATH,
} from './set-up-files.js';

/** Public keys and manifests are small; refuse anything absurd before parsing. */
const MAX_FILE_BYTES = 512 * 1024;

async function fetchBytes(fetchFn: FetchLike, url: string, missing: TrustFailureCode): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url, SET_UP_REQUEST);
  } catch {
    throw new TrustError('network', 'server unreachable');
  }
  if (!response.ok) throw new TrustError(response.status === 404 ? missing : 'network', `http ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_FILE_BYTES) throw new TrustError(missing, 'file too large');
  return bytes;
}

/** The newsroom's trust anchor, from the bundle: the root public key and the rollback pin. */
export interface RootKey {
  readonly key: MinisignPublicKey;
  readonly fingerprint: string;
  /** The lowest manifest version this bundle accepts (its `pin.json`). */
  readonly minimumManifestVersion: number;
}

/**
 * Fetch and parse `root.pub` and `pin.json` from `baseUrl`; the two are one
 * anchor, so a bundle missing either verifies nothing. Requires libsodium loaded.
 * @throws TrustError: `network` or `root-key` (either file missing or unreadable).
 */
export async function loadRootKey(baseUrl: string, fetchFn: FetchLike): Promise<RootKey> {
  const [keyBytes, pinBytes] = await Promise.all([
    fetchBytes(fetchFn, new URL(ROOT_KEY_PATH, baseUrl).href, 'root-key'),
    fetchBytes(fetchFn, new URL(PIN_PATH, baseUrl).href, 'root-key'),
  ]);
  let minimumManifestVersion: number;
  try {
    minimumManifestVersion = parseBundlePin(pinBytes);
  } catch (error) {
    if (error instanceof BundlePinError) throw new TrustError('root-key', 'invalid manifest pin');
    throw error;
  }
  try {
    const key = parsePublicKeyFile(new TextDecoder('utf-8', { fatal: true }).decode(keyBytes));
    return { key, fingerprint: rootFingerprint(key), minimumManifestVersion };
  } catch (error) {
    if (error instanceof MinisignError || error instanceof TypeError)
      throw new TrustError('root-key', 'invalid root key');
    throw error;
  }
}

/**
 * Fetch the manifest and its signature from `baseUrl` and verify them
 * against the root key (signature, trusted comment, root key id, version at
 * least the bundle's pin, validity at `now`). Called again before each
 * re-encryption, so the same pin applies to every manifest the page sees.
 * Requires libsodium loaded.
 * @throws TrustError: `network`, or the manifest's ManifestError code
 *   (`rollback` for a manifest older than the pin, `expired`...).
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
    const manifest = verifyManifest(manifestBytes, signature, rootKey.key, {
      now,
      minimumVersion: rootKey.minimumManifestVersion,
    });
    return {
      fingerprint: rootKey.fingerprint,
      recipients: activeRecipients(manifest),
      recipientKind: manifestRecipientKind(manifest),
      expires: manifest.expires,
      version: manifest.version,
    };
  } catch (error) {
    if (error instanceof ManifestError) throw new TrustError(error.code, error.message);
    throw error;
  }
}
