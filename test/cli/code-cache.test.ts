/**
 * The `bin` runs the CLI bundle with the code cache the build trained
 * (scripts/code-cache.ts): the cache is taken when it was made for this very
 * bundle, and a cache made for other source is never used, even where V8's
 * own check (the source's length) would take it; without a cache, or with
 * one V8 refuses, the command runs the same.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { BUNDLE_FILE, CACHE_FILE, compileBundle } from '../../scripts/code-cache.js';
import { BUILD_DIR, compiledBuild } from '../support/compiled-build.js';
import { tempDir, writeSubmission } from './support.js';

let scripts: string;
let dir: string;
let classic: { key: string; input: string };

beforeAll(async () => {
  await loadSodium();
  scripts = path.dirname(await compiledBuild());
  dir = await tempDir('sealdrop-code-cache-');
  const identity = X25519Identity.generate();
  classic = { key: path.join(dir, 'key.txt'), input: path.join(dir, 'tip.age') };
  await writeFile(classic.key, formatIdentityFile(identity, new Date()), { mode: 0o600 });
  await writeSubmission([identity.recipient().format()], { message: 'cached hello', files: [] }, classic.input);
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A copy of the built bin, bundle and cache in a folder of its own under the build (so packages resolve). */
async function copyOfBuild(): Promise<string> {
  const copy = await mkdtemp(path.join(BUILD_DIR, 'code-cache-'));
  for (const name of ['sealdrop.cjs', BUNDLE_FILE, CACHE_FILE])
    await copyFile(path.join(scripts, name), path.join(copy, name));
  return copy;
}

function decryptWith(
  bin: string,
  key: string,
  input: string,
): { status: number | null; stdout: string; stderr: string } {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  return spawnSync(process.execPath, [bin, 'decrypt', '--identity', key, '--out', out, input], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

test('the build trains a cache that V8 takes for the bundle, and the bin decrypts with it', () => {
  expect(compileBundle(path.join(scripts, BUNDLE_FILE), path.join(scripts, CACHE_FILE)).cacheUsed).toBe(true);
  const run = decryptWith(path.join(scripts, 'sealdrop.cjs'), classic.key, classic.input);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('message (12 B): cached hello');
});

test('a hybrid identity loads libsodium through the cached bundle, which has no import() (node:vm has none)', async () => {
  expect(await readFile(path.join(scripts, BUNDLE_FILE), 'utf8')).not.toMatch(/\bimport\(/);
  const identity = HybridIdentity.generate();
  const key = path.join(dir, 'hybrid.txt');
  await writeFile(key, formatIdentityFile(identity, new Date()), { mode: 0o600 });
  const input = path.join(dir, 'hybrid.age');
  await writeSubmission([identity.recipient().format()], { message: 'post-quantum hello', files: [] }, input);
  const run = decryptWith(path.join(scripts, 'sealdrop.cjs'), key, input);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('post-quantum hello');
});

test('a cache made for other source of the same length is never used: the edited bundle runs as edited', async () => {
  const copy = await copyOfBuild();
  try {
    const bundle = path.join(copy, BUNDLE_FILE);
    const source = await readFile(bundle, 'utf8');
    // formatSummary ran while the cache was trained: V8 alone would run its cached code.
    expect(source).toContain('`  opened with: ');
    const edited = source.replace('`  opened with: ', '`  OPENED WITH: ');
    expect(edited.length).toBe(source.length);
    await writeFile(bundle, edited);
    expect(compileBundle(bundle, path.join(copy, CACHE_FILE)).cacheUsed).toBe(false);
    const run = decryptWith(path.join(copy, 'sealdrop.cjs'), classic.key, classic.input);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('OPENED WITH: ');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test('without a cache, or with one V8 refuses, the bin runs the same', async () => {
  const copy = await copyOfBuild();
  try {
    const cache = path.join(copy, CACHE_FILE);
    const trained = await readFile(cache);
    // The right header, then data V8 refuses (its own checksum and version do not match).
    await writeFile(cache, Buffer.concat([trained.subarray(0, 4), Buffer.alloc(trained.length - 4, 0x5a)]));
    expect(compileBundle(path.join(copy, BUNDLE_FILE), cache).cacheUsed).toBe(false);
    const refused = decryptWith(path.join(copy, 'sealdrop.cjs'), classic.key, classic.input);
    expect(refused.status).toBe(0);
    expect(refused.stdout).toContain('cached hello');
    await rm(cache);
    expect(compileBundle(path.join(copy, BUNDLE_FILE), cache).cacheUsed).toBe(false);
    const none = decryptWith(path.join(copy, 'sealdrop.cjs'), classic.key, classic.input);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('cached hello');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
