/**
 * The client build: byte-identical output from the same sources, a
 * SHA256SUMS that `sha256sum -c` accepts, and static files that run under
 * the server's CSP (no inline script or style, nothing from other origins).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseBundlePin } from '../../client/core/bundle-pin.js';
import { formatPublicKeyFile, generateKeyPair } from '../../client/core/minisign.js';
import { loadSodium } from '../../client/core/sodium.js';
import {
  BuildError,
  buildClient,
  checkTitle,
  MAX_TITLE_LENGTH,
  parseBuildArguments,
  pinnedManifestVersion,
  withTitle,
} from '../../scripts/build-client.js';
import { makeEditor, makeNewsroom } from '../server/support.js';

let work: string;
let rootKeyFile: string;

beforeAll(async () => {
  await loadSodium();
  work = await mkdtemp(path.join(tmpdir(), 'sealdrop-build-'));
  rootKeyFile = path.join(work, 'root.pub');
  await writeFile(rootKeyFile, formatPublicKeyFile(generateKeyPair().publicKey));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const SERVED = [
  'favicon.svg',
  'index.html',
  'main.js',
  'pin.json',
  'root.pub',
  'styles.css',
  'worker-nowasm.js',
  'words.js',
  'worker.js',
  'xwing-nowasm.js',
];
/** The gzip twins the server sends instead; root.pub and pin.json are too small to gain. */
const GZIPPED = [
  'favicon.svg.gz',
  'index.html.gz',
  'main.js.gz',
  'styles.css.gz',
  'words.js.gz',
  'worker-nowasm.js.gz',
  'worker.js.gz',
  'xwing-nowasm.js.gz',
];
const WRITTEN = [...SERVED, ...GZIPPED].sort();

test('two builds of the same sources are byte-identical, and SHA256SUMS checks', async () => {
  const first = path.join(work, 'a');
  const second = path.join(work, 'b');
  const built = await buildClient({ outDir: first, rootPublicKeyFile: rootKeyFile });
  await buildClient({ outDir: second, rootPublicKeyFile: rootKeyFile });
  expect(built.map((file) => file.name)).toEqual(WRITTEN);
  expect((await readdir(first)).sort()).toEqual([...WRITTEN, 'SHA256SUMS'].sort());
  for (const name of [...WRITTEN, 'SHA256SUMS']) {
    expect([name, (await readFile(path.join(first, name))).equals(await readFile(path.join(second, name)))]).toEqual([
      name,
      true,
    ]);
  }
  const check = spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: first });
  expect(check.stderr.toString()).toBe('');
  expect(check.status).toBe(0);
  expect(
    (await readFile(path.join(first, 'SHA256SUMS'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.slice(66)),
  ).toEqual(WRITTEN);
  expect(await readFile(path.join(first, 'root.pub'), 'utf8')).toBe(await readFile(rootKeyFile, 'utf8'));
  // No pin given: the floor is version 1.
  expect(parseBundlePin(await readFile(path.join(first, 'pin.json')))).toBe(1);
}, 60_000);

test('the rollback pin is written beside root.pub and covered by SHA256SUMS', async () => {
  const out = path.join(work, 'pinned');
  const built = await buildClient({ outDir: out, rootPublicKeyFile: rootKeyFile, minimumManifestVersion: 5 });
  expect(await readFile(path.join(out, 'pin.json'), 'utf8')).toBe('{"minimumManifestVersion":5}\n');
  const sums = await readFile(path.join(out, 'SHA256SUMS'), 'utf8');
  expect(sums).toContain(`${built.find((file) => file.name === 'pin.json')!.sha256}  pin.json\n`);
  expect(spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: out }).status).toBe(0);
  await expect(
    buildClient({ outDir: path.join(work, 'pin-0'), rootPublicKeyFile: rootKeyFile, minimumManifestVersion: 0 }),
  ).rejects.toThrow(BuildError);
}, 60_000);

test('--manifest pins the version of a manifest signed by the root key, expired or not', async () => {
  const newsroom = await makeNewsroom(path.join(work, 'newsroom'), [makeEditor('Alice')]);
  const file = path.join(work, 'v7.json');
  const day = 86_400_000;
  const v7 = newsroom.sign(7, { issued: new Date(Date.now() - 30 * day), expires: new Date(Date.now() - day) });
  await writeFile(file, v7.manifest);
  await writeFile(`${file}.minisig`, v7.signature);
  expect(await pinnedManifestVersion(file, newsroom.root.publicKey)).toBe(7);
  // Signed by another root: refused, so a stray file cannot set the floor.
  await expect(pinnedManifestVersion(file, generateKeyPair().publicKey)).rejects.toThrow('refused (wrong-root)');
  await expect(pinnedManifestVersion(path.join(work, 'absent.json'), newsroom.root.publicKey)).rejects.toThrow(
    BuildError,
  );
});

test('the command line takes --manifest or --min-manifest-version, not both', () => {
  expect(parseBuildArguments(['--min-manifest-version', '12'])).toEqual({ demo: false, minManifestVersion: 12 });
  expect(parseBuildArguments(['--manifest', 'keys/manifest.json'])).toEqual({
    demo: false,
    manifest: 'keys/manifest.json',
  });
  for (const bad of ['0', '-1', '1.5', 'x', '99999999999999999']) {
    expect(() => parseBuildArguments(['--min-manifest-version', bad])).toThrow(BuildError);
  }
  expect(() => parseBuildArguments(['--manifest', 'm.json', '--min-manifest-version', '2'])).toThrow('not both');
});

test('each .gz is gzip -9 of its twin, with no time, name or build OS in its header', async () => {
  const out = path.join(work, 'gz');
  await buildClient({ outDir: out, rootPublicKeyFile: rootKeyFile });
  for (const name of GZIPPED) {
    const gz = await readFile(path.join(out, name));
    const plain = await readFile(path.join(out, name.slice(0, -'.gz'.length)));
    // ID1 ID2 CM=deflate FLG=0 (no name, comment, extra) MTIME=0 XFL=2 (maximum compression) OS=255 (unknown)
    expect([name, gz.subarray(0, 10).toString('hex')]).toEqual([name, '1f8b08000000000002ff']);
    expect([name, gunzipSync(gz).equals(plain)]).toEqual([name, true]);
    expect([name, gz.length < plain.length]).toEqual([name, true]);
  }
}, 60_000);

test('the page has no inline code, no third-party URL, and no cryptography on the page thread', async () => {
  const out = path.join(work, 'c');
  await buildClient({ outDir: out, rootPublicKeyFile: rootKeyFile });
  const html = await readFile(path.join(out, 'index.html'), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  const main = await readFile(path.join(out, 'main.js'), 'utf8');
  // Code, not licence comments: nothing may load from elsewhere.
  for (const name of ['main.js', 'worker.js', 'worker-nowasm.js', 'xwing-nowasm.js', 'words.js']) {
    const code = await readFile(path.join(out, name), 'utf8');
    expect([name, /(fetch|importScripts|Worker)\(\s*["'`]https?:/.test(code)]).toEqual([name, false]);
  }
  expect(main).not.toContain('crypto_aead');
  expect(main).not.toContain('AGE-SECRET-KEY');
  const noWasm = await readFile(path.join(out, 'worker-nowasm.js'), 'utf8');
  // The no-WebAssembly worker carries no libsodium (its WebAssembly is useless there).
  expect(noWasm).not.toContain('WebAssembly.instantiate');
  // Nor ML-KEM: it loads the X-Wing file, by the name the build gives it, only when a hybrid manifest needs it.
  expect(noWasm).toContain('importScripts');
  expect(noWasm).toContain('"xwing-nowasm.js"');
  expect(noWasm).not.toContain('ML-KEM');
  expect(await readFile(path.join(out, 'xwing-nowasm.js'), 'utf8')).toContain('sealdropNobleXWing');
  // Neither worker carries the BIP39 word lists: both load words.js, only to draw or read a source's words.
  for (const name of ['worker.js', 'worker-nowasm.js']) {
    const code = await readFile(path.join(out, name), 'utf8');
    // scure's Korean list is decomposed (NFKD): compared precomposed.
    expect([name, code.includes('"words.js"'), /abandon|가격/.test(code.normalize('NFC'))]).toEqual([
      name,
      true,
      false,
    ]);
  }
  const words = (await readFile(path.join(out, 'words.js'), 'utf8')).normalize('NFC');
  expect([words.includes('sealdropWordLists'), words.includes('abandon'), words.includes('가격')]).toEqual([
    true,
    true,
    true,
  ]);
}, 60_000);

test('without a root key the page is built without root.pub, so it refuses to encrypt', async () => {
  const out = path.join(work, 'd');
  const built = await buildClient({ outDir: out, rootPublicKeyFile: null });
  expect(built.map((file) => file.name)).not.toContain('root.pub');
  expect(built.map((file) => file.name)).not.toContain('pin.json');
}, 60_000);

test('refuses a root key that is not a minisign public key, and a folder that is not a build', async () => {
  const bogus = path.join(work, 'bogus.pub');
  await writeFile(bogus, 'not a key\n');
  await expect(buildClient({ outDir: path.join(work, 'e'), rootPublicKeyFile: bogus })).rejects.toThrow(BuildError);
  const precious = path.join(work, 'precious');
  await buildClient({ outDir: path.join(precious, 'x'), rootPublicKeyFile: null });
  await writeFile(path.join(precious, 'notes.txt'), 'keep me');
  await expect(buildClient({ outDir: precious, rootPublicKeyFile: null })).rejects.toThrow('refusing to delete');
}, 60_000);

test('the page title is neutral by default and the newsroom can set its own, escaped, in every language', async () => {
  const source = await readFile(path.join('client', 'app', 'index.html'), 'utf8');
  const defaultTitle = /<title>([^<]*)<\/title>/.exec(source)?.[1];
  // Neutral: a shared device's tabs and history must not say what the page is for.
  expect(defaultTitle).toBeDefined();
  expect(defaultTitle).not.toMatch(/tip|secure|leak|제보|안전/i);
  expect(source).not.toContain('data-newsroom');

  const plain = path.join(work, 'title-default');
  await buildClient({ outDir: plain, rootPublicKeyFile: null });
  expect(await readFile(path.join(plain, 'index.html'), 'utf8')).toBe(source);

  const out = path.join(work, 'title');
  await buildClient({ outDir: out, rootPublicKeyFile: null, title: '  Reading <room> & notes  ' });
  const html = await readFile(path.join(out, 'index.html'), 'utf8');
  // Marked, so the page keeps it in every language (client/app/display.ts).
  expect(html.match(/<title[^>]*>[^<]*<\/title>/g)).toEqual([
    '<title data-newsroom>Reading &lt;room&gt; &amp; notes</title>',
  ]);
  // Nothing else changed, and the gzip twin and SHA256SUMS follow the new page.
  expect(html.replace(/<title[^>]*>[^<]*<\/title>/, '')).toBe(source.replace(/<title>[^<]*<\/title>/, ''));
  expect(gunzipSync(await readFile(path.join(out, 'index.html.gz'))).toString('utf8')).toBe(html);
  expect(spawnSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: out }).status).toBe(0);
}, 60_000);

test('a title that is empty, too long, or not one line of plain text is refused before anything is written', async () => {
  expect(checkTitle(' 날씨 ')).toBe('날씨');
  expect(checkTitle('가'.repeat(MAX_TITLE_LENGTH))).toHaveLength(MAX_TITLE_LENGTH);
  for (const bad of ['', '   ', 'x'.repeat(MAX_TITLE_LENGTH + 1), 'two\nlines', 'tab\there', 'evil\u202Etxt.exe']) {
    expect(() => checkTitle(bad)).toThrow(BuildError);
  }
  expect(() => withTitle('<html><head></head></html>', 'x')).toThrow('exactly one <title>');
  expect(() => withTitle('<title>a</title><title>b</title>', 'x')).toThrow('exactly one <title>');
  const out = path.join(work, 'title-refused');
  await expect(buildClient({ outDir: out, rootPublicKeyFile: null, title: 'a\nb' })).rejects.toThrow(BuildError);
  await expect(readdir(out)).rejects.toThrow();
}, 60_000);

test('the command line takes --title, checked before anything is built', () => {
  expect(parseBuildArguments(['--out', 'x', '--title', ' 오늘의 날씨 '])).toEqual({
    out: 'x',
    demo: false,
    title: '오늘의 날씨',
  });
  expect(parseBuildArguments(['--demo'])).toEqual({ demo: true });
  expect(() => parseBuildArguments(['--title'])).toThrow('--title needs a value');
  expect(() => parseBuildArguments(['--title', 'a\tb'])).toThrow(BuildError);
  expect(() => parseBuildArguments(['--titel', 'x'])).toThrow('unknown argument --titel');
});
