/**
 * The page's trust anchor: root.pub and the rollback pin from the bundle, the
 * served manifest verified against both. A server that serves an older,
 * validly signed manifest (one that may list a retired key) is refused.
 */
import { serializeBundlePin } from '../../client/core/bundle-pin.js';
import { manifestTrustedComment, type KeyManifest } from '../../client/core/manifest.js';
import { formatPublicKeyFile } from '../../client/core/minisign.js';
import { signMessage } from '../../client/core/minisign-signature.js';
import { loadSodium } from '../../client/core/sodium.js';
import { loadRootKey, TrustError, verifyKeys } from '../../client/app/trust.js';
import type { FetchLike } from '../../client/app/upload-requests.js';
import { makeEditor, makeNewsroom, type Newsroom } from '../server/support.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BASE = 'http://portal.test/';
let dir: string;
let newsroom: Newsroom;

beforeAll(async () => {
  await loadSodium();
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-page-trust-'));
  newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A server that serves `files` by path and answers 404 to anything else. */
function serving(files: Record<string, string | Uint8Array>): FetchLike {
  return (url) => {
    const body = files[new URL(url).pathname.slice(1)];
    if (body === undefined) return Promise.resolve(new Response('', { status: 404 }));
    return Promise.resolve(new Response(typeof body === 'string' ? body : new Uint8Array(body)));
  };
}

function site(pin: number | null, manifestVersion: number): FetchLike {
  const signed = newsroom.sign(manifestVersion);
  return serving({
    'root.pub': formatPublicKeyFile(newsroom.root.publicKey),
    ...(pin === null ? {} : { 'pin.json': serializeBundlePin(pin) }),
    'manifest.json': signed.manifest,
    'manifest.json.minisig': signed.signature,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TrustError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('the rollback pin', () => {
  test('a manifest at or above the pin is trusted, and its version is exposed', async () => {
    const fetchFn = site(4, 4);
    const root = await loadRootKey(BASE, fetchFn);
    expect(root.minimumManifestVersion).toBe(4);
    const keys = await verifyKeys(BASE, fetchFn, root, new Date());
    expect(keys.version).toBe(4);
    expect(keys.recipients).toEqual([newsroom.editors[0]!.identity.recipient().format()]);
    expect((await verifyKeys(BASE, site(4, 9), root, new Date())).version).toBe(9);
  });

  test('a validly signed manifest older than the pin is refused as a rollback', async () => {
    const root = await loadRootKey(BASE, site(4, 4));
    expect(await codeOf(verifyKeys(BASE, site(4, 3), root, new Date()))).toBe('rollback');
    expect(await codeOf(verifyKeys(BASE, site(4, 1), root, new Date()))).toBe('rollback');
  });

  test('a bundle without its pin, or with a malformed one, verifies nothing', async () => {
    expect(await codeOf(loadRootKey(BASE, site(null, 1)))).toBe('root-key');
    const bad = serving({
      'root.pub': formatPublicKeyFile(newsroom.root.publicKey),
      'pin.json': '{"minimumManifestVersion":0}\n',
    });
    expect(await codeOf(loadRootKey(BASE, bad))).toBe('root-key');
  });
});

describe('the kind of keys', () => {
  test('a classic manifest is x25519, a hybrid one mlkem768x25519: the reply recipient follows it', async () => {
    const root = await loadRootKey(BASE, site(1, 1));
    expect((await verifyKeys(BASE, site(1, 1), root, new Date())).recipientKind).toBe('x25519');
    const hybridDir = await mkdtemp(path.join(tmpdir(), 'sealdrop-page-trust-pq-'));
    try {
      const hybrid = await makeNewsroom(hybridDir, [makeEditor('Kim', 'active', true), makeEditor('Old', 'retired')]);
      const signed = hybrid.sign(1);
      const fetchFn = serving({
        'root.pub': formatPublicKeyFile(hybrid.root.publicKey),
        'pin.json': serializeBundlePin(1),
        'manifest.json': signed.manifest,
        'manifest.json.minisig': signed.signature,
      });
      const keys = await verifyKeys(BASE, fetchFn, await loadRootKey(BASE, fetchFn), new Date());
      expect(keys.recipientKind).toBe('mlkem768x25519');
      expect(keys.recipients).toEqual([hybrid.editors[0]!.identity.recipient().format()]);
    } finally {
      await rm(hybridDir, { recursive: true, force: true });
    }
  });

  test('a validly signed manifest whose active editors mix kinds is refused: nothing is encrypted', async () => {
    const signed = newsroom.sign(2);
    const manifest = JSON.parse(new TextDecoder().decode(signed.manifest)) as KeyManifest;
    const extra = makeEditor('Kim', 'active', true);
    manifest.editors.push({
      name: 'Kim',
      recipient: extra.identity.recipient().format(),
      accessKey: Buffer.from(extra.access.publicKey).toString('base64'),
      status: 'active',
    });
    // Signed as the root would sign any bytes: the page's check is the manifest rule, not the signer's.
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
    const signature = signMessage(bytes, newsroom.root.secretKey, {
      trustedComment: manifestTrustedComment(manifest),
      untrustedComment: 'mixed',
    });
    const fetchFn = serving({
      'root.pub': formatPublicKeyFile(newsroom.root.publicKey),
      'pin.json': serializeBundlePin(1),
      'manifest.json': bytes,
      'manifest.json.minisig': signature,
    });
    expect(await codeOf(verifyKeys(BASE, fetchFn, await loadRootKey(BASE, fetchFn), new Date()))).toBe(
      'mixed-recipients',
    );
  });
});
