/**
 * The built client's trust anchor, checked against the server at start-up:
 * the root key it verifies manifests with (`<staticDir>/root.pub`) and its
 * rollback pin (`<staticDir>/pin.json`, client/core/bundle-pin.ts). If the
 * bundle trusts another root key, or pins a manifest version above the one
 * the server would serve, the page would refuse every manifest and no source
 * could submit: refuse to start instead. In production a bundle without
 * either file (a page that refuses to encrypt) is refused as well; the demo
 * accepts a bundle without them (its placeholder page has neither), but
 * checks whichever it has.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_PIN_FILE_NAME, BundlePinError, parseBundlePin } from '../../client/core/bundle-pin.js';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../../client/core/minisign.js';
import type { ServerConfig } from '../config.js';
import { ManifestLoadError, readRootPublicKey, type SignedManifest } from './manifest-store.js';

/** The built client does not fit the server's root key or manifest. */
export class BundleTrustError extends ManifestLoadError {
  override name = 'BundleTrustError';
}

/** What the check reads from the configuration. */
export type BundleTrustConfig = Pick<ServerConfig, 'mode' | 'staticDir' | 'rootPublicKeyFile'>;

async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function sameKey(a: MinisignPublicKey, b: MinisignPublicKey): boolean {
  return Buffer.from(a.keyId).equals(Buffer.from(b.keyId)) && Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey));
}

function rebuildHint(config: BundleTrustConfig, served: SignedManifest): string {
  return (
    `rebuild the client with \`node dist/scripts/build-client.js --root-key ${config.rootPublicKeyFile} ` +
    `--manifest ${served.file} --out ${config.staticDir}\``
  );
}

/**
 * Checks the built client in `config.staticDir` against the configured root
 * key and the manifest the server serves. Comment lines of root.pub may
 * differ; the key may not.
 * @throws BundleTrustError naming the files and settings: another root key,
 *   a malformed root.pub or pin.json, a pin above the served version, or (in
 *   production) a bundle without root.pub or pin.json.
 */
export async function checkBundledTrust(config: BundleTrustConfig, served: SignedManifest): Promise<void> {
  const bundledKeyFile = path.join(config.staticDir, 'root.pub');
  const pinFile = path.join(config.staticDir, BUNDLE_PIN_FILE_NAME);
  const [keyBytes, pinBytes] = [await readOptional(bundledKeyFile), await readOptional(pinFile)];
  const missing = (file: string): BundleTrustError =>
    new BundleTrustError(
      `SEALDROP_STATIC_DIR: the built client has no ${file}, so the page would refuse to encrypt; ` +
        rebuildHint(config, served),
    );
  // The demo's placeholder page (before the client is built) has neither file.
  if (keyBytes === null) {
    if (config.mode !== 'production') return;
    throw missing(bundledKeyFile);
  }
  let bundledKey: MinisignPublicKey;
  try {
    bundledKey = parsePublicKeyFile(keyBytes.toString('utf8'));
  } catch (error) {
    if (!(error instanceof MinisignError)) throw error;
    throw new BundleTrustError(
      `SEALDROP_STATIC_DIR: ${bundledKeyFile} is not a minisign public key file (${error.message}); rebuild the client`,
    );
  }
  if (!sameKey(bundledKey, await readRootPublicKey(config.rootPublicKeyFile))) {
    throw new BundleTrustError(
      `root key mismatch: the built client's ${bundledKeyFile} (SEALDROP_STATIC_DIR) is not the key in ` +
        `${config.rootPublicKeyFile} (SEALDROP_ROOT_PUBLIC_KEY_FILE), so the page would refuse every manifest; ` +
        `${rebuildHint(config, served)}, or set SEALDROP_ROOT_PUBLIC_KEY_FILE to the key the client was built with`,
    );
  }
  if (pinBytes === null) {
    if (config.mode !== 'production') return;
    throw missing(pinFile);
  }
  let pinned: number;
  try {
    pinned = parseBundlePin(pinBytes);
  } catch (error) {
    if (!(error instanceof BundlePinError)) throw error;
    throw new BundleTrustError(`SEALDROP_STATIC_DIR: ${pinFile}: ${error.message}; rebuild the client`);
  }
  if (served.manifest.version < pinned) {
    throw new BundleTrustError(
      `manifest rollback: the server would serve manifest version ${served.manifest.version} (${served.file}) but ` +
        `the built client's ${pinFile} refuses versions below ${pinned}; publish or deploy a manifest of version ` +
        `${pinned} or later`,
    );
  }
}
