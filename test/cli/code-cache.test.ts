/**
 * The `bin` runs the CLI bundle with the code cache the build trained
 * (scripts/code-cache.ts): the cache is taken when it was made for this very
 * bundle, and a cache made for other source is never used, even where V8's
 * own check (the source's length) would take it; without a cache, or with
 * one V8 refuses, the command runs the same.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { BUNDLE_FILE, CACHE_FILE, HEADER_BYTES } from '../../scripts/code-cache.js';
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

/**
 * Whether V8 takes `cache` for `bundle` in a fresh `node`, as the bin runs: not in this
 * process, whose V8 flags other suites in the same Jest worker may have changed
 * (`--expose-gc`), which makes V8 refuse every cache.
 */
function cacheUsedInFreshNode(bundle: string, cache: string): boolean {
  const module = pathToFileURL(path.join(scripts, 'code-cache.js')).href;
  const script =
    `const { compileBundle } = await import(${JSON.stringify(module)});` +
    `process.stdout.write(String(compileBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cache)}).cacheUsed));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`compileBundle failed: ${result.stderr}`);
  return result.stdout === 'true';
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
  expect(existsSync(path.join(scripts, CACHE_FILE))).toBe(true);
  expect(cacheUsedInFreshNode(path.join(scripts, BUNDLE_FILE), path.join(scripts, CACHE_FILE))).toBe(true);
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
    expect(cacheUsedInFreshNode(bundle, path.join(copy, CACHE_FILE))).toBe(false);
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
    await writeFile(
      cache,
      Buffer.concat([trained.subarray(0, HEADER_BYTES), Buffer.alloc(trained.length - HEADER_BYTES, 0x5a)]),
    );
    expect(cacheUsedInFreshNode(path.join(copy, BUNDLE_FILE), cache)).toBe(false);
    const refused = decryptWith(path.join(copy, 'sealdrop.cjs'), classic.key, classic.input);
    expect(refused.status).toBe(0);
    expect(refused.stdout).toContain('cached hello');
    await rm(cache);
    expect(cacheUsedInFreshNode(path.join(copy, BUNDLE_FILE), cache)).toBe(false);
    const none = decryptWith(path.join(copy, 'sealdrop.cjs'), classic.key, classic.input);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('cached hello');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
