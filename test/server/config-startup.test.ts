/** Configuration validation, and the checks production runs before it listens. */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatAccessKey, generateAccessKey } from '../../client/core/access-key.js';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { formatPublicKeyFile, generateKeyPair } from '../../client/core/minisign.js';
import { formatSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { ConfigError, parseConfig } from '../../server/config.js';
import { createLogger } from '../../server/logging.js';
import { startServer, StartupError } from '../../server/main.js';
import { findSecretKeyFiles } from '../../server/secret-scan.js';
import { BUNDLE_PIN_FILE_NAME, serializeBundlePin } from '../../client/core/bundle-pin.js';
import { writeBundleTrust } from './startup-support.js';
import { makeEditor, makeNewsroom } from './support.js';

beforeAll(async () => {
  await loadSodium();
});

describe('parseConfig', () => {
  test('defaults: demo mode, loopback, 2 GiB per submission', () => {
    const config = parseConfig({}, '/srv/sealdrop');
    expect(config).toMatchObject({
      mode: 'demo',
      source: { host: '127.0.0.1', port: 8080 },
      editor: { host: '127.0.0.1', port: 8081 },
      dataDir: '/srv/sealdrop/data',
      keysDir: '/srv/sealdrop/keys',
      rootPublicKeyFile: '/srv/sealdrop/keys/root.pub',
      maxSubmissionBytes: 2 * 1024 ** 3,
    });
  });

  test('sizes accept units', () => {
    const config = parseConfig({ SEALDROP_MAX_SUBMISSION_BYTES: '512MiB', SEALDROP_STORAGE_QUOTA_BYTES: '1TiB' }, '/');
    expect(config.maxSubmissionBytes).toBe(512 * 1024 ** 2);
    expect(config.storageQuotaBytes).toBe(1024 ** 4);
  });

  test('every problem is reported with the setting it concerns', () => {
    let error: unknown;
    try {
      parseConfig(
        {
          SEALDROP_MODE: 'prod',
          SEALDROP_SOURCE_PORT: '80a',
          SEALDROP_EDITOR_PORT: '70000',
          SEALDROP_MAX_SUBMISSION_BYTES: 'lots',
          SEALDROP_LOG_LEVEL: 'chatty',
          SEALDROP_DATA_DIR: 'same',
          SEALDROP_KEYS_DIR: 'same',
        },
        '/',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'SEALDROP_MODE',
      'SEALDROP_SOURCE_PORT',
      'SEALDROP_EDITOR_PORT',
      'SEALDROP_MAX_SUBMISSION_BYTES',
      'SEALDROP_LOG_LEVEL',
      'SEALDROP_DATA_DIR',
    ]) {
      expect(problems).toContain(name);
    }
  });

  test('production refuses an editor listener off loopback', () => {
    expect(() => parseConfig({ SEALDROP_MODE: 'production', SEALDROP_EDITOR_HOST: '0.0.0.0' }, '/')).toThrow(
      /SEALDROP_EDITOR_HOST/,
    );
  });

  test('a submission limit above the quota is refused', () => {
    expect(() =>
      parseConfig({ SEALDROP_MAX_SUBMISSION_BYTES: '2GiB', SEALDROP_STORAGE_QUOTA_BYTES: '1GiB' }, '/'),
    ).toThrow(/SEALDROP_MAX_SUBMISSION_BYTES/);
  });

  test('reply mailboxes: 64 MiB per reply, 50 waiting per mailbox, kept 90 days', () => {
    expect(parseConfig({}, '/')).toMatchObject({
      maxReplyBytes: 64 * 1024 ** 2,
      maxRepliesPerMailbox: 50,
      replyRetentionDays: 90,
    });
    expect(
      parseConfig(
        { SEALDROP_REPLY_MAX_BYTES: '1MiB', SEALDROP_MAILBOX_MAX_REPLIES: '5', SEALDROP_REPLY_RETENTION_DAYS: '30' },
        '/',
      ),
    ).toMatchObject({ maxReplyBytes: 1024 ** 2, maxRepliesPerMailbox: 5, replyRetentionDays: 30 });
  });

  test.each([
    ['SEALDROP_REPLY_MAX_BYTES', 'lots', /SEALDROP_REPLY_MAX_BYTES: "lots" is not a size/],
    ['SEALDROP_REPLY_MAX_BYTES', '10', /SEALDROP_REPLY_MAX_BYTES: must be at least 1024 bytes/],
    ['SEALDROP_MAILBOX_MAX_REPLIES', '0', /SEALDROP_MAILBOX_MAX_REPLIES: 0 is outside 1\.\.10000/],
    ['SEALDROP_MAILBOX_MAX_REPLIES', 'many', /SEALDROP_MAILBOX_MAX_REPLIES: "many" is not a whole number/],
    ['SEALDROP_REPLY_RETENTION_DAYS', '-1', /SEALDROP_REPLY_RETENTION_DAYS: "-1" is not a whole number/],
    ['SEALDROP_REPLY_RETENTION_DAYS', '0', /SEALDROP_REPLY_RETENTION_DAYS: 0 is outside 1\.\.3650/],
  ])('%s=%s is refused, naming the setting', (name, value, message) => {
    expect(() => parseConfig({ [name]: value }, '/')).toThrow(message);
  });

  test('a reply limit above the quota is refused', () => {
    expect(() =>
      parseConfig(
        {
          SEALDROP_REPLY_MAX_BYTES: '2GiB',
          SEALDROP_STORAGE_QUOTA_BYTES: '1GiB',
          SEALDROP_MAX_SUBMISSION_BYTES: '1MiB',
        },
        '/',
      ),
    ).toThrow(/SEALDROP_REPLY_MAX_BYTES: larger than SEALDROP_STORAGE_QUOTA_BYTES/);
  });
});

describe('production start-up', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-startup-'));
    await mkdir(path.join(dir, 'static'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const env = (): Record<string, string> => ({
    SEALDROP_MODE: 'production',
    SEALDROP_SOURCE_PORT: '0',
    SEALDROP_EDITOR_PORT: '0',
    SEALDROP_DATA_DIR: 'data',
    SEALDROP_KEYS_DIR: 'keys',
    SEALDROP_STATIC_DIR: 'static',
  });
  const logger = createLogger('silent');

  test('starts with a valid signed manifest, a client built for its root key, and no secrets', async () => {
    const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
    await writeBundleTrust(path.join(dir, 'static'), newsroom.rootPublicKeyFile);
    const running = await startServer(parseConfig(env(), dir), logger);
    expect(running.sourceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(running.editorUrl).not.toBe(running.sourceUrl);
    await running.close();
  });

  test('expires old replies and tombstones, and removes stale temporary files, before it listens', async () => {
    const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
    await writeBundleTrust(path.join(dir, 'static'), newsroom.rootPublicKeyFile);
    const mailbox = path.join(dir, 'data', 'mailboxes', 'ab'.repeat(16));
    await mkdir(mailbox, { recursive: true });
    const [old, recent, tombstone, stale] = ['1', '2', '3', '4'].map((digit) => digit.repeat(32)) as [
      string,
      string,
      string,
      string,
    ];
    for (const name of [`${old}.age`, `${recent}.age`, `${tombstone}.deleted`, `${stale}.age.tmp`]) {
      await writeFile(path.join(mailbox, name), 'x');
    }
    const longAgo = new Date(Date.now() - 91 * 86_400_000);
    await utimes(path.join(mailbox, `${old}.age`), longAgo, longAgo);
    await utimes(path.join(mailbox, `${tombstone}.deleted`), longAgo, longAgo);
    const running = await startServer(parseConfig(env(), dir), logger);
    try {
      expect(await readdir(mailbox)).toEqual([`${recent}.age`]);
    } finally {
      await running.close();
    }
  });

  test('refuses without a manifest', async () => {
    const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
    await rm(path.join(newsroom.keysDir, 'manifest.json'));
    await expect(startServer(parseConfig(env(), dir), logger)).rejects.toThrow(/no valid signed manifest/);
  });

  test('refuses a manifest signed by another root key', async () => {
    await makeNewsroom(dir, [makeEditor('Alice')]);
    const other = await makeNewsroom(path.join(dir, 'other'), [makeEditor('Alice')]);
    await expect(
      startServer(parseConfig({ ...env(), SEALDROP_ROOT_PUBLIC_KEY_FILE: other.rootPublicKeyFile }, dir), logger),
    ).rejects.toThrow(/wrong-root/);
  });

  test('refuses without a root public key', async () => {
    await makeNewsroom(dir, [makeEditor('Alice')]);
    await rm(path.join(dir, 'keys', 'root.pub'));
    await expect(startServer(parseConfig(env(), dir), logger)).rejects.toThrow(/root public key/);
  });

  test('refuses a missing static folder, naming the setting', async () => {
    await makeNewsroom(dir, [makeEditor('Alice')]);
    await expect(startServer(parseConfig({ ...env(), SEALDROP_STATIC_DIR: 'nope' }, dir), logger)).rejects.toThrow(
      /SEALDROP_STATIC_DIR/,
    );
  });

  describe("the built client's root.pub", () => {
    const bundled = (): string => path.join(dir, 'static', 'root.pub');
    // The pin beside it (helper KEYS's check): only root.pub varies here.
    beforeEach(async () => {
      await writeFile(path.join(dir, 'static', BUNDLE_PIN_FILE_NAME), serializeBundlePin(1));
    });

    test.each(['production', 'demo'])(
      'refuses (%s mode) a client built for another root key, naming both files and the setting',
      async (mode) => {
        const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
        await writeFile(bundled(), formatPublicKeyFile(generateKeyPair().publicKey));
        const failure = startServer(parseConfig({ ...env(), SEALDROP_MODE: mode }, dir), logger);
        await expect(failure).rejects.toBeInstanceOf(StartupError);
        await expect(failure).rejects.toThrow(bundled());
        await expect(failure).rejects.toThrow(newsroom.rootPublicKeyFile);
        await expect(failure).rejects.toThrow(/SEALDROP_ROOT_PUBLIC_KEY_FILE.*refuse every manifest/);
      },
    );

    test('starts when it is the configured key (comment lines may differ)', async () => {
      const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
      const keyLine = formatPublicKeyFile(newsroom.root.publicKey).split('\n')[1]!;
      const recommented = `untrusted comment: the newsroom's root key\n${keyLine}\n`;
      await writeFile(bundled(), recommented);
      const running = await startServer(parseConfig(env(), dir), logger);
      try {
        // Listening, and serving the client's root.pub as built: the check compared keys, not text.
        const served = await fetch(new URL('root.pub', running.sourceUrl));
        expect(served.status).toBe(200);
        expect(await served.text()).toBe(recommented);
      } finally {
        await running.close();
      }
    });

    test('refuses one that is not a public key file, naming SEALDROP_STATIC_DIR', async () => {
      await makeNewsroom(dir, [makeEditor('Alice')]);
      await writeFile(bundled(), 'not a key\n');
      await expect(startServer(parseConfig(env(), dir), logger)).rejects.toThrow(
        /SEALDROP_STATIC_DIR: .*root\.pub is not a minisign public key file/,
      );
    });
  });

  test.each([
    [
      'an age identity in the keys folder',
      'keys/editor.txt',
      () => Promise.resolve(formatIdentityFile(X25519Identity.generate(), new Date())),
    ],
    [
      'a minisign secret key in the data folder',
      'data/deep/root.key',
      async () => formatSecretKeyFile(generateKeyPair().secretKey, null),
    ],
    [
      'a PEM key',
      'data/tls.pem',
      () => Promise.resolve('-----BEGIN PRIVATE KEY-----\nMC4CAQ==\n-----END PRIVATE KEY-----\n'),
    ],
    [
      'an unsealed editor access key',
      'keys/access.json',
      () => Promise.resolve(new TextDecoder().decode(formatAccessKey(generateAccessKey('Alice')))),
    ],
  ])('refuses with %s', async (_name, file, content) => {
    await makeNewsroom(dir, [makeEditor('Alice')]);
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), await content());
    const failure = startServer(parseConfig(env(), dir), logger);
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(path.join(dir, file));
  });

  test('demo mode tolerates secrets (they live in demo/secrets, outside data and keys)', async () => {
    await makeNewsroom(dir, [makeEditor('Alice')]);
    expect(await findSecretKeyFiles([path.join(dir, 'keys')])).toEqual([]);
  });
});
