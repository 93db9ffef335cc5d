/**
 * `node dist/server/main.js` as an admin runs it: production unless demo is
 * asked for, every start-up failure one line on stderr naming the setting and
 * what to do (no stack trace), and a start-up log line with the mode, the
 * manifest and the limits, and a line at shutdown.
 *
 * The server is the shared compiled build (test/support/compiled-build.ts),
 * run as a child process. Permission tests run the child as `nobody` when
 * this suite runs as root (root ignores permission bits and binds any port).
 */
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { compiledBuild } from '../support/compiled-build.js';
import { runServerToExit, spawnServer, writeBundleTrust, type ServerRun } from './startup-support.js';
import { makeEditor, makeNewsroom } from './support.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

let dir: string;

beforeAll(async () => {
  await compiledBuild();
  await loadSodium();
}, 180_000);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-start-'));
  // Readable by an unprivileged child (mkdtemp makes it 0700).
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'static'));
  const newsroom = await makeNewsroom(dir, [makeEditor('Alice')]);
  await writeBundleTrust(path.join(dir, 'static'), newsroom.rootPublicKeyFile);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  SEALDROP_SOURCE_PORT: '0',
  SEALDROP_EDITOR_PORT: '0',
  SEALDROP_DATA_DIR: 'data',
  SEALDROP_KEYS_DIR: 'keys',
  SEALDROP_STATIC_DIR: 'static',
  ...extra,
});

/** Exit status 1 and exactly one line on stderr, naming `setting`, with no stack trace. */
function expectOneLineFailure(run: ServerRun, setting: string, what: RegExp): void {
  expect(run.code).toBe(1);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^sealdrop server: ${setting}: `));
  expect(lines[0]).toMatch(what);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

describe('start-up failures are one line naming the setting', () => {
  test('a data folder that is a file', async () => {
    await writeFile(path.join(dir, 'data'), 'not a folder');
    const run = await runServerToExit({ cwd: dir, env: env() });
    expectOneLineFailure(run, 'SEALDROP_DATA_DIR', /is a file, not a folder; point SEALDROP_DATA_DIR at a folder/);
  });

  test('a data folder the server user cannot write in (probe file)', async () => {
    await mkdir(path.join(dir, 'data'), { mode: 0o755 });
    // Owned by root and 0755 for nobody; 0555 for an ordinary user running the suite.
    if (!asRoot) await chmod(path.join(dir, 'data'), 0o555);
    const run = await runServerToExit({ cwd: dir, env: env(), ...(asRoot ? { uid: NOBODY } : {}) });
    if (!asRoot) await chmod(path.join(dir, 'data'), 0o755);
    expectOneLineFailure(
      run,
      'SEALDROP_DATA_DIR',
      /is not writable by this user .*give the server's user write access/,
    );
  });

  test('a data folder that cannot be created', async () => {
    const run = await runServerToExit({
      cwd: dir,
      env: env({ SEALDROP_DATA_DIR: path.join(dir, 'static', 'root.pub', 'data') }),
    });
    expectOneLineFailure(run, 'SEALDROP_DATA_DIR', /not a folder \(a file is in the way\)/);
  });

  test('a missing keys folder', async () => {
    const run = await runServerToExit({ cwd: dir, env: env({ SEALDROP_KEYS_DIR: 'nokeys' }) });
    expectOneLineFailure(run, 'SEALDROP_KEYS_DIR', /nokeys does not exist; create it and copy root\.pub/);
  });

  test('a missing static folder', async () => {
    const run = await runServerToExit({ cwd: dir, env: env({ SEALDROP_STATIC_DIR: 'client' }) });
    expectOneLineFailure(run, 'SEALDROP_STATIC_DIR', /client does not exist; build the client into it: .*--root-key/);
  });

  test.each([
    ['SEALDROP_SOURCE_PORT', 'SEALDROP_EDITOR_PORT'],
    ['SEALDROP_EDITOR_PORT', 'SEALDROP_SOURCE_PORT'],
  ])('%s already in use', async (busy, free) => {
    const { server, port } = await occupy();
    try {
      const run = await runServerToExit({ cwd: dir, env: env({ [busy]: String(port), [free]: '0' }) });
      expectOneLineFailure(
        run,
        busy,
        new RegExp(`127\\.0\\.0\\.1:${port} is already in use; stop the other process or choose another port$`),
      );
    } finally {
      server.close();
    }
  });

  test('permission denied on a privileged port', async () => {
    // The data folder must pass its own check first: the unprivileged user owns it.
    await mkdir(path.join(dir, 'data'));
    if (asRoot) await chown(path.join(dir, 'data'), NOBODY, NOBODY);
    const run = await runServerToExit({
      cwd: dir,
      env: env({ SEALDROP_SOURCE_PORT: '80' }),
      ...(asRoot ? { uid: NOBODY } : {}),
    });
    expectOneLineFailure(run, 'SEALDROP_SOURCE_PORT', /127\.0\.0\.1:80: permission denied .*choose a port above 1023/);
  });

  test('an address that is not this machine', async () => {
    const run = await runServerToExit({ cwd: dir, env: env({ SEALDROP_SOURCE_HOST: '192.0.2.1' }) });
    expectOneLineFailure(run, 'SEALDROP_SOURCE_HOST', /192\.0\.2\.1 is not an address of this machine/);
  });

  test('invalid settings: exit 2, one line per setting', async () => {
    const run = await runServerToExit({
      cwd: dir,
      env: env({ SEALDROP_SOURCE_PORT: 'eighty', SEALDROP_LOG_LEVEL: 'chatty' }),
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toEqual([
      expect.stringMatching(/^sealdrop server: SEALDROP_SOURCE_PORT: "eighty" is not a whole number$/),
      expect.stringMatching(/^sealdrop server: SEALDROP_LOG_LEVEL: "chatty" must be one of/),
    ]);
  });

  test('an unknown argument: exit 2 with the usage', async () => {
    const run = await runServerToExit({ cwd: dir, env: env(), args: ['--prod'] });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('sealdrop server: unknown argument --prod; usage: main.js [--production | --demo]\n');
  });
});

describe('production is the default', () => {
  test('without --production the secret-key scan runs', async () => {
    await writeFile(path.join(dir, 'keys', 'editor.txt'), formatIdentityFile(X25519Identity.generate(), new Date()));
    const run = await runServerToExit({ cwd: dir, env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^sealdrop server: refusing to start: secret key files .*editor\.txt \(age identity\); move them/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('without --production a client built without the root key is refused', async () => {
    await rm(path.join(dir, 'static', 'root.pub'));
    const run = await runServerToExit({ cwd: dir, env: env() });
    expectOneLineFailure(run, 'SEALDROP_STATIC_DIR', /root\.pub.*build-client\.js --root-key/);
  });

  test('demo only when asked for; --demo and --production exclude each other', async () => {
    await rm(path.join(dir, 'static', 'root.pub'));
    const both = await runServerToExit({ cwd: dir, env: env(), args: ['--demo', '--production'] });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--production and --demo exclude each other/);
    const contradiction = await runServerToExit({
      cwd: dir,
      env: env({ SEALDROP_MODE: 'demo' }),
      args: ['--production'],
    });
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr).toMatch(/--production contradicts SEALDROP_MODE=demo/);
    // Asked for, demo mode starts without the bundle's trust files, and says it is a demo.
    const child = spawnServer({ cwd: dir, env: env(), args: ['--demo'] });
    const messages: unknown[] = [];
    for await (const line of createInterface({ input: child.stdout! })) {
      const record = JSON.parse(line) as { msg?: unknown; mode?: unknown };
      messages.push(record.msg);
      if (record.msg === 'listening') expect(record.mode).toBe('demo');
      if (record.msg === 'demo mode: not for real sources') child.kill('SIGTERM');
    }
    expect(messages.slice(0, 2)).toEqual(['listening', 'demo mode: not for real sources']);
  });
});

describe('logging', () => {
  test('start: mode, manifest version and expiry, listeners, limits; shutdown: a line; nothing else', async () => {
    const child = spawnServer({
      cwd: dir,
      env: env({ SEALDROP_MAX_SUBMISSION_BYTES: '1GiB', SEALDROP_RATE_LIMIT_PER_MINUTE: '1200' }),
    });
    const records: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    for await (const line of createInterface({ input: child.stdout! })) {
      const record = JSON.parse(line) as Record<string, unknown>;
      records.push(record);
      if (record.msg === 'listening') child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const listening = records.find((record) => record.msg === 'listening');
    expect(listening).toMatchObject({
      level: 30,
      mode: 'production',
      manifestVersion: 1,
      manifestExpires: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      sourceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) as unknown,
      editorUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) as unknown,
      limits: {
        maxSubmissionBytes: 1024 ** 3,
        storageQuotaBytes: 100 * 1024 ** 3,
        maxChunkBytes: 16 * 1024 ** 2,
        maxConcurrentUploads: 100,
        uploadExpirySeconds: 86400,
        rateLimitPerMinute: 1200,
        maxConnections: 1024,
        bodyIdleSeconds: 60,
        maxReplyBytes: 64 * 1024 ** 2,
        maxRepliesPerMailbox: 50,
        replyRetentionDays: 90,
        submissionRetentionDays: 90,
      },
    });
    const messages = records.map((record) => record.msg);
    expect(messages.slice(-3)).toEqual(['signal received', 'shutting down', 'stopped']);
    // No timestamps, pids or hostnames on any line.
    for (const record of records) {
      expect(Object.keys(record)).not.toEqual(expect.arrayContaining(['time']));
      expect(record).not.toHaveProperty('pid');
      expect(record).not.toHaveProperty('hostname');
    }
  }, 30_000);
});
