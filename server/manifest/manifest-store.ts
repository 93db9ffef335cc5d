/**
 * The current signed key manifest, and publication of newer ones.
 *
 * Candidates are the pair in the keys folder (`manifest.json` and
 * `manifest.json.minisig`, placed by the admin) and every pair published
 * through the editor API (`<dataDir>/manifests/<version>.json` and
 * `.json.minisig`). At start-up the valid candidate with the highest version
 * wins; a publish writes its pair durably before switching to it, so a crash
 * at any point leaves a valid current manifest and never a half-written one.
 * The keys folder is never written: it may be read-only, managed by deploys.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeBase64 } from '../../client/core/base64.js';
import { toHex } from '../../client/core/bytes.js';
import {
  activeRecipients,
  MANIFEST_FILE_NAME,
  ManifestError,
  SIGNATURE_SUFFIX,
  verifyManifest,
  type KeyManifest,
  type ManifestEditor,
} from '../../client/core/manifest.js';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../../client/core/minisign.js';
import { ApiError } from '../errors.js';
import { writeFileDurably } from '../storage/durable.js';

export interface SignedManifest {
  /** Exactly the signed bytes, served as-is to browsers. */
  readonly bytes: Uint8Array;
  readonly signature: string;
  readonly manifest: KeyManifest;
}

/** No usable manifest or root key: the server must not start. */
export class ManifestLoadError extends Error {
  override name = 'ManifestLoadError';
}

export interface ManifestLocations {
  readonly keysDir: string;
  readonly dataDir: string;
  readonly rootPublicKeyFile: string;
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Reads the root public key file.
 * @throws ManifestLoadError if it is missing or not a minisign public key.
 */
export async function readRootPublicKey(file: string): Promise<MinisignPublicKey> {
  const text = await readOptional(file);
  if (text === null) throw new ManifestLoadError(`root public key: ${file} does not exist`);
  try {
    return parsePublicKeyFile(text);
  } catch (error) {
    if (error instanceof MinisignError) throw new ManifestLoadError(`root public key: ${file}: ${error.message}`);
    throw error;
  }
}

export class ManifestStore {
  private signed: SignedManifest;
  private byAccessKey = new Map<string, ManifestEditor>();
  private publishing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly rootKey: MinisignPublicKey,
    private readonly publishedDir: string,
    initial: SignedManifest,
    private readonly now: () => Date,
  ) {
    this.signed = initial;
    this.index();
  }

  /**
   * Loads the newest valid signed manifest.
   * @throws ManifestLoadError naming why no candidate is usable.
   */
  static async open(locations: ManifestLocations, now: () => Date = () => new Date()): Promise<ManifestStore> {
    const rootKey = await readRootPublicKey(locations.rootPublicKeyFile);
    const publishedDir = path.join(locations.dataDir, 'manifests');
    await mkdir(publishedDir, { recursive: true, mode: 0o700 });
    const candidates = [path.join(locations.keysDir, MANIFEST_FILE_NAME)];
    for (const name of await readdir(publishedDir)) {
      if (/^[0-9]+\.json$/.test(name)) candidates.push(path.join(publishedDir, name));
    }
    let best: SignedManifest | null = null;
    const problems: string[] = [];
    for (const file of candidates) {
      const [text, signature] = [await readOptional(file), await readOptional(file + SIGNATURE_SUFFIX)];
      if (text === null || signature === null) {
        problems.push(`${file}: ${text === null ? 'missing' : `missing ${SIGNATURE_SUFFIX}`}`);
        continue;
      }
      const bytes = new TextEncoder().encode(text);
      try {
        const manifest = verifyManifest(bytes, signature, rootKey, { now: now() });
        if (best === null || manifest.version > best.manifest.version) best = { bytes, signature, manifest };
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        problems.push(`${file}: ${error.code}: ${error.message}`);
      }
    }
    if (best === null) throw new ManifestLoadError(`no valid signed manifest:\n  ${problems.join('\n  ')}`);
    return new ManifestStore(rootKey, publishedDir, best, now);
  }

  private index(): void {
    this.byAccessKey = new Map(
      this.signed.manifest.editors.map((editor) => [toHex(decodeBase64(editor.accessKey, true)), editor]),
    );
  }

  current(): SignedManifest {
    return this.signed;
  }

  /** How many X25519 stanzas a submission must carry: one per active editor. */
  activeEditorCount(): number {
    return activeRecipients(this.signed.manifest).length;
  }

  /** The manifest entry for an access key (hex of its 32 bytes), active or retired; `null` if absent. */
  editorByAccessKey(accessKeyHex: string): ManifestEditor | null {
    return this.byAccessKey.get(accessKeyHex) ?? null;
  }

  /**
   * Verifies a newly signed manifest against the root key, requires a higher
   * version than the current one, stores it durably, and switches to it.
   * @throws ApiError MANIFEST_INVALID, MANIFEST_NOT_NEWER or MANIFEST_EXPIRED.
   */
  publish(bytes: Uint8Array, signature: string): Promise<SignedManifest> {
    // One publish at a time, so two racing versions cannot both pass the check.
    const result = this.publishing.then(() => this.publishNow(bytes, signature));
    this.publishing = result.catch(() => undefined);
    return result;
  }

  private async publishNow(bytes: Uint8Array, signature: string): Promise<SignedManifest> {
    let manifest: KeyManifest;
    try {
      manifest = verifyManifest(bytes, signature, this.rootKey, {
        now: this.now(),
        minimumVersion: this.signed.manifest.version + 1,
      });
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      if (error.code === 'rollback') throw new ApiError('MANIFEST_NOT_NEWER');
      if (error.code === 'expired' || error.code === 'not-yet-valid') throw new ApiError('MANIFEST_EXPIRED');
      throw new ApiError('MANIFEST_INVALID');
    }
    const file = path.join(this.publishedDir, `${manifest.version}.json`);
    // Signature first: a manifest file without its signature is ignored at load.
    await writeFileDurably(file + SIGNATURE_SUFFIX, signature);
    await writeFileDurably(file, bytes);
    this.signed = { bytes, signature, manifest };
    this.index();
    return this.signed;
  }
}
