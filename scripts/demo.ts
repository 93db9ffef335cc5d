/**
 * The demo newsroom behind `npm start`: a root key, one editor and a signed
 * manifest, created once under a git-ignored folder and reused afterwards.
 *
 * Layout (all under `<root>`):
 *   keys/root.pub, keys/manifest.json, keys/manifest.json.minisig   (public)
 *   data/                                                           (ciphertext)
 *   secrets/root.key            minisign secret key, unencrypted (`minisign -W`)
 *   secrets/editor-identity.txt age identity (age-keygen format), unencrypted
 *   secrets/editor-access.json  the editor's Ed25519 access key, the same
 *                               document `sealdrop editor keygen` seals, here
 *                               unencrypted: `sealdrop pull` reads it as is
 * The secrets are unencrypted and on the server's disk: acceptable for a demo
 * only, which is why the start script says so loudly. Production refuses to
 * start with any of them under its data or keys folder.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { accessPublicKeyText, formatAccessKey, generateAccessKey } from '../client/core/access-key.js';
import { formatIdentityFile } from '../client/core/identity-file.js';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX, signManifest, type KeyManifest } from '../client/core/manifest.js';
import { formatKeyId, formatPublicKeyFile, generateKeyPair } from '../client/core/minisign.js';
import { formatSecretKeyFile, parseSecretKeyFile } from '../client/core/minisign-secret-key.js';
import { formatRfc3339Seconds } from '../client/core/time.js';
import { X25519Identity } from '../client/core/x25519.js';

export interface DemoNewsroom {
  readonly keysDir: string;
  readonly dataDir: string;
  readonly rootPublicKeyFile: string;
  readonly identityFile: string;
  readonly accessKeyFile: string;
  /** True if this call created the newsroom (first run). */
  readonly created: boolean;
}

const DEMO_VALIDITY_DAYS = 365;

async function exists(file: string): Promise<boolean> {
  try {
    await readFile(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The server settings that run a demo newsroom with the given static folder:
 * demo mode, its keys and data folders, its root key. `npm start`, the
 * end-to-end tests and the client benchmark add only ports and logging.
 */
export function demoServerSettings(demo: DemoNewsroom, staticDir: string): Record<string, string> {
  return {
    SEALDROP_MODE: 'demo',
    SEALDROP_DATA_DIR: demo.dataDir,
    SEALDROP_KEYS_DIR: demo.keysDir,
    SEALDROP_ROOT_PUBLIC_KEY_FILE: demo.rootPublicKeyFile,
    SEALDROP_STATIC_DIR: staticDir,
  };
}

/**
 * Creates the demo newsroom under `root` unless it exists; re-signs the
 * manifest (next version) when the existing one is expired or about to be.
 * Requires libsodium loaded.
 */
export async function prepareDemoNewsroom(root: string, now: Date = new Date()): Promise<DemoNewsroom> {
  const keysDir = path.join(root, 'keys');
  const dataDir = path.join(root, 'data');
  const secretsDir = path.join(root, 'secrets');
  const files = {
    rootPublicKey: path.join(keysDir, 'root.pub'),
    manifest: path.join(keysDir, MANIFEST_FILE_NAME),
    signature: path.join(keysDir, MANIFEST_FILE_NAME + SIGNATURE_SUFFIX),
    rootSecretKey: path.join(secretsDir, 'root.key'),
    identity: path.join(secretsDir, 'editor-identity.txt'),
    accessKey: path.join(secretsDir, 'editor-access.json'),
  };
  const result = {
    keysDir,
    dataDir,
    rootPublicKeyFile: files.rootPublicKey,
    identityFile: files.identity,
    accessKeyFile: files.accessKey,
  };
  for (const directory of [keysDir, dataDir, secretsDir]) await mkdir(directory, { recursive: true, mode: 0o700 });

  if (await exists(files.manifest)) {
    const manifest = JSON.parse(await readFile(files.manifest, 'utf8')) as KeyManifest;
    const renewBy = now.getTime() + 7 * 86_400_000;
    if (Date.parse(manifest.expires) > renewBy) return { ...result, created: false };
    const rootKey = await parseSecretKeyFile(await readFile(files.rootSecretKey, 'utf8'));
    await writeSigned({ ...manifest, ...validity(now), version: manifest.version + 1 }, rootKey, files);
    return { ...result, created: false };
  }

  const root_ = generateKeyPair();
  const access = generateAccessKey('Demo Editor');
  const identity = X25519Identity.generate();
  const manifest: KeyManifest = {
    format: 'sealdrop-key-manifest',
    formatVersion: 1,
    version: 1,
    ...validity(now),
    rootKeyId: formatKeyId(root_.publicKey.keyId),
    editors: [
      {
        name: 'Demo Editor',
        recipient: identity.recipient().format(),
        accessKey: accessPublicKeyText(access),
        status: 'active',
      },
    ],
  };
  await writeFile(
    files.rootSecretKey,
    await formatSecretKeyFile(root_.secretKey, null, 'sealdrop DEMO root secret key'),
    {
      mode: 0o600,
    },
  );
  await writeFile(files.identity, formatIdentityFile(identity, now), { mode: 0o600 });
  await writeFile(files.accessKey, formatAccessKey(access), { mode: 0o600 });
  await writeFile(files.rootPublicKey, formatPublicKeyFile(root_.publicKey));
  await writeSigned(manifest, root_.secretKey, files);
  return { ...result, created: true };
}

function validity(now: Date): { issued: string; expires: string } {
  return {
    issued: formatRfc3339Seconds(now),
    expires: formatRfc3339Seconds(new Date(now.getTime() + DEMO_VALIDITY_DAYS * 86_400_000)),
  };
}

async function writeSigned(
  manifest: KeyManifest,
  rootKey: Parameters<typeof signManifest>[1],
  files: { manifest: string; signature: string },
): Promise<void> {
  const signed = signManifest(manifest, rootKey);
  await writeFile(files.signature, signed.signature);
  await writeFile(files.manifest, signed.manifest);
}
