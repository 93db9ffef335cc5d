/**
 * The current signed key manifest, and publication of newer ones.
 *
 * Candidates are the pair in the keys folder (`manifest.json` and
 * `manifest.json.minisig`, placed by the admin: the seed) and every pair
 * published through the editor API (`<dataDir>/manifests/<version>.json` and
 * `.json.minisig`). At start-up the correctly signed candidate with the
 * highest version wins, even if it has expired (the server then takes no
 * uploads, see {@link ManifestStore.isExpired}, but editors can still pull
 * and publish a new one); an older one would bring back keys the newsroom
 * retired. A publish writes its pair durably before switching to it, so a
 * crash at any point leaves a valid current manifest and never a
 * half-written one. The keys folder is never written: it may be read-only,
 * managed by deploys.
 *
 * The highest version ever served is recorded durably in
 * `<dataDir>/manifests/highest`; a start that would serve less (published
 * files lost, an old keys folder restored) is refused, so the server never
 * silently rolls back what it told browsers.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeBase64 } from '../../client/core/base64.js';
import { toHex } from '../../client/core/bytes.js';
import {
  activeRecipients,
  MANIFEST_FILE_NAME,
  ManifestError,
  manifestRecipientKind,
  SIGNATURE_SUFFIX,
  verifyManifest,
  type KeyManifest,
  type ManifestEditor,
} from '../../client/core/manifest.js';
import { manifestExpiry, verifyManifestIgnoringExpiry } from '../../client/core/manifest-expiry.js';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../../client/core/minisign.js';
import type { RecipientKind } from '../../client/core/recipients.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../logging.js';
import { storageFaults } from '../storage/disk-faults.js';
import { writeFileDurably } from '../storage/durable.js';

export interface SignedManifest {
  /** Exactly the signed bytes, served as-is to browsers. */
  readonly bytes: Uint8Array;
  readonly signature: string;
  readonly manifest: KeyManifest;
  /** The file it was read from or published to (for messages to the admin). */
  readonly file: string;
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

export interface ManifestStoreOptions {
  readonly now?: () => Date;
  /** Where start-up warnings and each publication are logged (default: nowhere). */
  readonly logger?: Pick<Logger, 'info' | 'warn'>;
}

/** The file, under the published folder, holding the highest version ever served (decimal, one line). */
export const HIGHEST_VERSION_FILE = 'highest';

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

async function readHighest(file: string): Promise<number | null> {
  const text = await readOptional(file);
  if (text === null) return null;
  const version = /^[0-9]{1,15}\n?$/.test(text) ? Number(text.trim()) : 0;
  if (version < 1) throw new ManifestLoadError(`${file} is not a manifest version: restore it or delete it`);
  return version;
}

export class ManifestStore {
  private signed: SignedManifest;
  private byAccessKey = new Map<string, ManifestEditor>();
  /** The current manifest's kind, computed once per manifest (index()): every upload's envelope check asks. */
  private kind: RecipientKind = 'x25519';
  private publishing: Promise<unknown> = Promise.resolve();
  private gzipped: { readonly of: SignedManifest; readonly bytes: Uint8Array } | null = null;

  private constructor(
    private readonly rootKey: MinisignPublicKey,
    private readonly publishedDir: string,
    initial: SignedManifest,
    private readonly now: () => Date,
    private readonly logger: Pick<Logger, 'info' | 'warn'> | undefined,
  ) {
    this.signed = initial;
    this.index();
  }

  /**
   * Loads the newest correctly signed manifest (expired or not), records its
   * version as the highest served, and warns if the keys folder holds an
   * older one than is served.
   * @throws ManifestLoadError naming why no candidate is usable, or naming
   *   both files when the newest candidate is older than a version served before.
   */
  static async open(locations: ManifestLocations, options: ManifestStoreOptions = {}): Promise<ManifestStore> {
    const now = options.now ?? ((): Date => new Date());
    const rootKey = await readRootPublicKey(locations.rootPublicKeyFile);
    const publishedDir = path.join(locations.dataDir, 'manifests');
    await mkdir(publishedDir, { recursive: true, mode: 0o700 });
    const seedFile = path.join(locations.keysDir, MANIFEST_FILE_NAME);
    const candidates = [seedFile];
    for (const name of await readdir(publishedDir)) {
      if (/^[0-9]+\.json$/.test(name)) candidates.push(path.join(publishedDir, name));
    }
    let best: SignedManifest | null = null;
    let seedVersion: number | null = null;
    const problems: string[] = [];
    for (const file of candidates) {
      const [text, signature] = [await readOptional(file), await readOptional(file + SIGNATURE_SUFFIX)];
      if (text === null || signature === null) {
        problems.push(`${file}: ${text === null ? 'missing' : `missing ${SIGNATURE_SUFFIX}`}`);
        continue;
      }
      const bytes = new TextEncoder().encode(text);
      try {
        const manifest = verifyManifestIgnoringExpiry(bytes, signature, rootKey, now());
        if (file === seedFile) seedVersion = manifest.version;
        if (best === null || manifest.version > best.manifest.version) best = { bytes, signature, manifest, file };
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        problems.push(`${file}: ${error.code}: ${error.message}`);
      }
    }
    if (best === null) throw new ManifestLoadError(`no valid signed manifest:\n  ${problems.join('\n  ')}`);
    const highestFile = path.join(publishedDir, HIGHEST_VERSION_FILE);
    const highest = await readHighest(highestFile);
    if (highest !== null && best.manifest.version < highest) {
      throw new ManifestLoadError(
        `manifest rollback: the newest manifest found is version ${best.manifest.version} (${best.file}) but ` +
          `version ${highest} was served before (${highestFile}); restore ${path.join(publishedDir, `${highest}.json`)} ` +
          `and its ${SIGNATURE_SUFFIX}, or put a newer signed manifest in ${locations.keysDir}`,
      );
    }
    if (highest === null || best.manifest.version > highest)
      await writeFileDurably(highestFile, `${best.manifest.version}\n`);
    if (seedVersion !== best.manifest.version) {
      options.logger?.warn(
        { keysFolderVersion: seedVersion, servedVersion: best.manifest.version, served: best.file },
        `the keys folder holds ${seedVersion === null ? 'no valid manifest' : `manifest version ${seedVersion}`} but ` +
          `version ${best.manifest.version} is served from ${best.file}: copy it and its ${SIGNATURE_SUFFIX} to ` +
          `${seedFile} so that a server rebuilt without ${publishedDir} does not fall back to an older manifest`,
      );
    }
    return new ManifestStore(rootKey, publishedDir, best, now, options.logger);
  }

  private index(): void {
    this.byAccessKey = new Map(
      this.signed.manifest.editors.map((editor) => [toHex(decodeBase64(editor.accessKey, true)), editor]),
    );
    this.kind = manifestRecipientKind(this.signed.manifest);
  }

  current(): SignedManifest {
    return this.signed;
  }

  /**
   * The current manifest's bytes gzipped, for browsers that accept gzip: a
   * hybrid editor's recipient is about 1.9 kB of Bech32, which gzip brings to
   * nearly its 5 bits a character, on the page's first load over a slow link.
   * Compressed once per manifest, on first request, never per request.
   */
  currentGzip(): Uint8Array {
    const signed = this.signed;
    if (this.gzipped?.of !== signed)
      this.gzipped = { of: signed, bytes: new Uint8Array(gzipSync(signed.bytes, { level: 9 })) };
    return this.gzipped.bytes;
  }

  /**
   * Whether the current manifest has expired at `now`: browsers refuse it,
   * so uploads are refused too (`KEYS_EXPIRED`) until a newer one is published.
   */
  isExpired(now: Date): boolean {
    return manifestExpiry(this.signed.manifest.expires, now, 0).expired;
  }

  /** How many stanzas a submission must carry: one per active editor. */
  activeEditorCount(): number {
    return activeRecipients(this.signed.manifest).length;
  }

  /**
   * The kind of every active editor's recipient, classic or hybrid (a
   * manifest never mixes them): the type every editor stanza must have, so a
   * newsroom that moved to hybrid keys stores nothing encrypted only classically.
   */
  recipientKind(): RecipientKind {
    return this.kind;
  }

  /** The manifest entry for an access key (hex of its 32 bytes), active or retired; `null` if absent. */
  editorByAccessKey(accessKeyHex: string): ManifestEditor | null {
    return this.byAccessKey.get(accessKeyHex) ?? null;
  }

  /**
   * Verifies a newly signed manifest against the root key, requires a higher
   * version than the current one, stores it durably, and switches to it.
   * @throws ApiError MANIFEST_INVALID, MANIFEST_NOT_NEWER or MANIFEST_EXPIRED;
   *   STORAGE_FULL (disk-faults.ts) with nothing of the new version left on disk.
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
    await storageFaults.write('manifest publish', async () => {
      try {
        await writeFileDurably(file + SIGNATURE_SUFFIX, signature);
        await writeFileDurably(file, bytes);
        await writeFileDurably(path.join(this.publishedDir, HIGHEST_VERSION_FILE), `${manifest.version}\n`);
      } catch (error) {
        // A refused publish must not win at the next start: none of its files stay.
        await rm(file, { force: true });
        await rm(file + SIGNATURE_SUFFIX, { force: true });
        throw error;
      }
    });
    this.signed = { bytes, signature, manifest, file };
    this.index();
    this.logger?.info({ manifestVersion: manifest.version, expires: manifest.expires }, 'manifest published');
    return this.signed;
  }
}
