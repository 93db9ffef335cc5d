/**
 * The server's manifest under rotation and expiry: one authoritative place
 * (published manifests over the keys folder's seed), no silent rollback
 * below a version served before or below the bundle's pin, a start with
 * only an expired manifest, publication logged, expiry reminders.
 */
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serializeBundlePin } from '../../client/core/bundle-pin.js';
import { formatPublicKeyFile, generateKeyPair } from '../../client/core/minisign.js';
import { loadSodium } from '../../client/core/sodium.js';
import { createLogger } from '../../server/logging.js';
import { BundleTrustError, checkBundledTrust } from '../../server/manifest/bundle-pin.js';
import { logManifestExpiry, startExpiryWarnings } from '../../server/manifest/expiry-warnings.js';
import { ManifestLoadError, ManifestStore } from '../../server/manifest/manifest-store.js';
import { makeEditor, makeNewsroom, type Newsroom } from './support.js';

const DAY = 86_400_000;
let dir: string;
let dataDir: string;
let newsroom: Newsroom;
let log: string[];

beforeEach(async () => {
  await loadSodium();
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-trust-'));
  dataDir = path.join(dir, 'data');
  newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
  log = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(now?: () => Date): Promise<ManifestStore> {
  const logger = createLogger('info', { write: (line: string) => log.push(line) });
  return ManifestStore.open(
    { keysDir: newsroom.keysDir, dataDir, rootPublicKeyFile: newsroom.rootPublicKeyFile },
    { logger, ...(now === undefined ? {} : { now }) },
  );
}

async function seed(signed: { manifest: Uint8Array; signature: string }): Promise<void> {
  await writeFile(path.join(newsroom.keysDir, 'manifest.json'), signed.manifest);
  await writeFile(path.join(newsroom.keysDir, 'manifest.json.minisig'), signed.signature);
}

function entries(): Record<string, unknown>[] {
  return log.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('starting with only an expired manifest', () => {
  test('opens it, reports it expired, and accepts a newer one', async () => {
    await seed(newsroom.sign(1, { issued: new Date(Date.now() - 30 * DAY), expires: new Date(Date.now() - DAY) }));
    const store = await open();
    expect(store.current().manifest.version).toBe(1);
    expect(store.isExpired(new Date())).toBe(true);
    await store.publish(newsroom.sign(2).manifest, newsroom.sign(2).signature);
    expect(store.isExpired(new Date())).toBe(false);
  });

  test('isExpired turns at the expiry instant', async () => {
    const expires = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000);
    await seed(newsroom.sign(1, { expires }));
    const store = await open();
    expect(store.isExpired(new Date(expires.getTime() - 1000))).toBe(false);
    expect(store.isExpired(expires)).toBe(true);
  });

  test('still refuses a bad signature', async () => {
    const signed = newsroom.sign(1, { issued: new Date(Date.now() - 30 * DAY), expires: new Date(Date.now() - DAY) });
    const other = generateKeyPair();
    await writeFile(newsroom.rootPublicKeyFile, formatPublicKeyFile(other.publicKey));
    await seed(signed);
    await expect(open()).rejects.toThrow(ManifestLoadError);
  });

  test('prefers the newest correctly signed manifest even when an older one is still valid', async () => {
    await seed(newsroom.sign(1));
    const published = path.join(dataDir, 'manifests');
    await mkdir(published, { recursive: true });
    const newer = newsroom.sign(2, { issued: new Date(Date.now() - 30 * DAY), expires: new Date(Date.now() - DAY) });
    await writeFile(path.join(published, '2.json'), newer.manifest);
    await writeFile(path.join(published, '2.json.minisig'), newer.signature);
    const store = await open();
    expect(store.current().manifest.version).toBe(2);
    expect(store.isExpired(new Date())).toBe(true);
  });
});

describe('one authoritative place', () => {
  test('a publication is logged with version and expiry, and recorded as the highest served', async () => {
    const store = await open();
    const signed = newsroom.sign(2);
    await store.publish(signed.manifest, signed.signature);
    const published = entries().find((entry) => entry.msg === 'manifest published');
    expect(published).toMatchObject({ level: 30, manifestVersion: 2, expires: store.current().manifest.expires });
    expect(await readFile(path.join(dataDir, 'manifests', 'highest'), 'utf8')).toBe('2\n');
  });

  test('warns loudly when the keys folder holds an older version than is served', async () => {
    const store = await open();
    const signed = newsroom.sign(3);
    await store.publish(signed.manifest, signed.signature);
    log.length = 0;
    await open();
    const warning = entries().find((entry) => entry.level === 40);
    expect(warning).toMatchObject({ keysFolderVersion: 1, servedVersion: 3 });
    expect(warning?.msg).toContain('the keys folder holds manifest version 1 but version 3 is served from');
    expect(warning?.msg).toContain(path.join(dataDir, 'manifests', '3.json'));
    expect(warning?.msg).toContain(path.join(newsroom.keysDir, 'manifest.json'));
  });

  test('no warning when the keys folder holds what is served', async () => {
    await open();
    expect(entries().filter((entry) => entry.level === 40)).toEqual([]);
  });

  test('refuses to start below a version served before, naming both files', async () => {
    const store = await open();
    const signed = newsroom.sign(4);
    await store.publish(signed.manifest, signed.signature);
    // A lost published folder (restored from an old backup, say): only the keys folder's version 1 is left.
    await unlink(path.join(dataDir, 'manifests', '4.json'));
    const refusal = open();
    await expect(refusal).rejects.toThrow(ManifestLoadError);
    await expect(refusal).rejects.toThrow(
      `manifest rollback: the newest manifest found is version 1 (${path.join(newsroom.keysDir, 'manifest.json')}) ` +
        `but version 4 was served before (${path.join(dataDir, 'manifests', 'highest')})`,
    );
  });

  test('a newer manifest deployed to the keys folder wins and raises the record', async () => {
    await open();
    await seed(newsroom.sign(5));
    const store = await open();
    expect(store.current().manifest.version).toBe(5);
    expect(await readFile(path.join(dataDir, 'manifests', 'highest'), 'utf8')).toBe('5\n');
  });

  test('a damaged record stops the start instead of being trusted or ignored', async () => {
    await open();
    await writeFile(path.join(dataDir, 'manifests', 'highest'), 'two\n');
    await expect(open()).rejects.toThrow(/highest is not a manifest version/);
  });
});

describe("the built client's root key and pin", () => {
  async function bundle(files: { root?: string; pin?: Uint8Array }): Promise<string> {
    const staticDir = path.join(dir, 'static');
    await mkdir(staticDir, { recursive: true });
    if (files.root !== undefined) await writeFile(path.join(staticDir, 'root.pub'), files.root);
    if (files.pin !== undefined) await writeFile(path.join(staticDir, 'pin.json'), files.pin);
    return staticDir;
  }
  const config = (staticDir: string, mode: 'demo' | 'production' = 'production') => ({
    mode,
    staticDir,
    rootPublicKeyFile: newsroom.rootPublicKeyFile,
  });

  test('accepted when the pin is at or below the version served', async () => {
    const store = await open();
    const staticDir = await bundle({ root: formatPublicKeyFile(newsroom.root.publicKey), pin: serializeBundlePin(1) });
    await expect(checkBundledTrust(config(staticDir), store.current())).resolves.toBeUndefined();
  });

  test('refused when the server would serve a version below the pin, naming both files', async () => {
    const store = await open();
    const staticDir = await bundle({ root: formatPublicKeyFile(newsroom.root.publicKey), pin: serializeBundlePin(3) });
    const check = checkBundledTrust(config(staticDir), store.current());
    await expect(check).rejects.toThrow(BundleTrustError);
    await expect(check).rejects.toThrow(
      `manifest rollback: the server would serve manifest version 1 (${path.join(newsroom.keysDir, 'manifest.json')}) ` +
        `but the built client's ${path.join(staticDir, 'pin.json')} refuses versions below 3`,
    );
  });

  test('refused when the bundle trusts another root key', async () => {
    const store = await open();
    const other = generateKeyPair();
    const staticDir = await bundle({ root: formatPublicKeyFile(other.publicKey), pin: serializeBundlePin(1) });
    await expect(checkBundledTrust(config(staticDir), store.current())).rejects.toThrow(/^root key mismatch/);
  });

  test('the demo checks the root key of a bundle without a pin', async () => {
    const store = await open();
    const staticDir = await bundle({ root: formatPublicKeyFile(generateKeyPair().publicKey) });
    await expect(checkBundledTrust(config(staticDir, 'demo'), store.current())).rejects.toThrow(/^root key mismatch/);
  });

  test('refused for a malformed pin', async () => {
    const store = await open();
    const staticDir = await bundle({
      root: formatPublicKeyFile(newsroom.root.publicKey),
      pin: new TextEncoder().encode('{"minimumManifestVersion":"1"}\n'),
    });
    await expect(checkBundledTrust(config(staticDir), store.current())).rejects.toThrow(/pin\.json: /);
  });

  test('production refuses a bundle without the pin or the root key; the demo accepts it', async () => {
    const store = await open();
    const noPin = await bundle({ root: formatPublicKeyFile(newsroom.root.publicKey) });
    await expect(checkBundledTrust(config(noPin), store.current())).rejects.toThrow(/has no .*pin\.json/);
    await expect(checkBundledTrust(config(noPin, 'demo'), store.current())).resolves.toBeUndefined();
    await rm(noPin, { recursive: true });
    const nothing = await bundle({});
    await expect(checkBundledTrust(config(nothing), store.current())).rejects.toThrow(/has no .*root\.pub/);
  });
});

describe('expiry reminders in the log', () => {
  async function storeExpiringIn(days: number): Promise<ManifestStore> {
    await seed(
      newsroom.sign(1, { issued: new Date(Date.now() - 30 * DAY), expires: new Date(Date.now() + days * DAY) }),
    );
    return open();
  }
  const logger = () => createLogger('info', { write: (line: string) => log.push(line) });

  test('quiet before the window', async () => {
    const store = await storeExpiringIn(20);
    log.length = 0;
    logManifestExpiry(store, logger(), 14, new Date());
    expect(log).toEqual([]);
  });

  test('a warning within the window', async () => {
    const store = await storeExpiringIn(5.5);
    log.length = 0;
    logManifestExpiry(store, logger(), 14, new Date());
    const [warning, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ level: 40, manifestVersion: 1, daysLeft: 5 });
    expect(warning?.msg).toMatch(/^manifest version 1 expires in 5 days \(.*\): sign and publish a new one$/);
  });

  test('the reminder is logged at start and the timer does not hold the process', async () => {
    const store = await storeExpiringIn(3);
    log.length = 0;
    const task = startExpiryWarnings(store, logger(), 14);
    task.stop();
    expect(entries()).toEqual([expect.objectContaining({ level: 40, manifestVersion: 1 })]);
  });

  test('an error once expired', async () => {
    const store = await storeExpiringIn(-2);
    log.length = 0;
    logManifestExpiry(store, logger(), 14, new Date());
    const [error, ...rest] = entries();
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ level: 50 });
    expect(error?.msg).toContain('sources cannot submit');
  });
});
