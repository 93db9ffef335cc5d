/**
 * `npm run build:client`: builds the source page into static files with
 * esbuild, deterministically (the same sources give byte-identical files),
 * and writes `SHA256SUMS` listing every served file, ready to be published
 * for WEBCAT-style verification.
 *
 * Output (default `dist/client/app`, the server's default static folder):
 *   index.html, styles.css     the page (no inline script or style)
 *   favicon.svg                so browsers do not ask for a missing /favicon.ico
 *   main.js                    the page's code: UI only, no cryptography
 *   worker.js                  encryption worker, libsodium WebAssembly build
 *   worker-nowasm.js           the same worker for browsers without WebAssembly:
 *                              libsodium replaced by noble (client/app/sodium-noble.ts)
 *   xwing-nowasm.js            its X-Wing KEM (client/app/noble-xwing.ts), which that
 *                              worker loads only for a hybrid post-quantum manifest
 *   words.js                   the BIP39 word lists (client/core/word-lists.ts), which
 *                              both workers load only to draw or read a source's words
 *   root.pub                   the newsroom's minisign root public key: the trust
 *                              anchor the page checks the key manifest against. In
 *                              the bundle, so that the published hashes pin it
 *   pin.json                   beside root.pub: the lowest manifest version the page
 *                              accepts (client/core/bundle-pin.ts), the rollback floor
 *   X.gz                       gzip -9 of each compressible file X (see
 *                              `precompress`), which the server sends to browsers
 *                              that accept gzip: the page crosses slow Tor links
 *   SHA256SUMS                 `sha256sum -c` format, sorted by name, the `.gz`
 *                              files included so that one check covers every
 *                              byte the server may send
 *
 * Usage: build-client.js [--out DIR] [--root-key FILE | --demo]
 *                        [--manifest FILE | --min-manifest-version N] [--title TEXT]
 *   --root-key FILE  the newsroom's root public key (minisign format); default
 *                    $SEALDROP_ROOT_PUBLIC_KEY_FILE, else keys/root.pub if it exists
 *   --manifest FILE  pin the version of this signed manifest (checked against the
 *                    root key): the page refuses any older one
 *   --min-manifest-version N
 *                    pin version N instead; without either the pin is 1 (no floor)
 *   --demo           prepare the `npm start` demo newsroom (demo/) and use its root key
 *   --title TEXT     the page title (tab, app switcher, an ordinary browser's
 *                    history), in every language; default the catalog's neutral
 *                    `page.title` in the page's language
 * Without a root key the page is built but refuses to encrypt (fails closed).
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants as zlibConstants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { BUNDLE_PIN_FILE_NAME, serializeBundlePin } from '../client/core/bundle-pin.js';
import { ManifestError, SIGNATURE_SUFFIX } from '../client/core/manifest.js';
import { verifyManifestIgnoringExpiry } from '../client/core/manifest-expiry.js';
import { parsePublicKeyFile, type MinisignPublicKey } from '../client/core/minisign.js';

export interface BuildClientOptions {
  /** Where to write the files; emptied first (see `prepareOutDir`). */
  readonly outDir: string;
  /** The root public key file to ship, or null for a page that refuses to encrypt. */
  readonly rootPublicKeyFile: string | null;
  /**
   * The rollback pin written beside root.pub (default 1: no floor): the page
   * refuses any manifest older than this version. Ignored without a root key.
   */
  readonly minimumManifestVersion?: number;
  /**
   * The page's title, in every language, in place of the neutral default
   * (index.html's, then the catalog's `page.title` in the page's language).
   * A shared device's tabs and history show it, so it should not say what
   * the page is for.
   */
  readonly title?: string;
}

export interface BuiltFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** The build cannot proceed; the message says what to fix. */
export class BuildError extends Error {
  override name = 'BuildError';
}

/** Browsers the bundle must run in: Tor Browser (Firefox ESR 115+), current Chromium and Safari. */
const TARGETS = ['es2022', 'firefox115', 'chrome110', 'safari16'];

/** The repository root: the folder that holds `client/app/main.ts`, found from this file's location. */
export function findRepoRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let directory = start;
  for (;;) {
    if (existsSync(path.join(directory, 'client', 'app', 'main.ts'))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new BuildError('cannot find the repository (client/app/main.ts)');
    directory = parent;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * @noble/post-quantum pins its own @noble/hashes (~2.0), so npm nests a copy
 * under it; X-Wing's combiner needs SHA-3 as well. xwing-nowasm.js takes the
 * combiner's from that same copy, the one ML-KEM is tested with, rather than
 * carry SHA-3 twice (2 kB gzipped on the hybrid no-WebAssembly first load).
 */
function postQuantumHashes(root: string): Record<string, string> {
  const nested = path.join('node_modules', '@noble', 'post-quantum', 'node_modules', '@noble', 'hashes');
  return existsSync(path.join(root, nested)) ? { '@noble/hashes': `./${nested}` } : {};
}

/**
 * Bundles client/app/word-lists-loader.ts wherever client/core/word-lists.ts
 * is imported (esbuild's `alias` takes package names only), so the workers
 * carry no word list and load `words.js` on first use instead.
 */
function wordListsFromFile(root: string): esbuild.Plugin {
  const core = path.join(root, 'client', 'core', 'word-lists.ts');
  const loader = path.join(root, 'client', 'app', 'word-lists-loader.ts');
  return {
    name: 'word-lists-from-file',
    setup(build) {
      build.onResolve({ filter: /\/word-lists\.js$/ }, (args) =>
        path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) === core ? { path: loader } : undefined,
      );
    },
  };
}

/** One esbuild bundle, returned in memory. Deterministic: no timestamps, paths or source maps. */
async function bundle(
  root: string,
  entry: string,
  options: { alias?: Record<string, string>; define?: Record<string, string>; plugins?: esbuild.Plugin[] } = {},
): Promise<Uint8Array> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: TARGETS,
    minify: true,
    // Korean text stays UTF-8 (3 bytes a syllable) instead of \uXXXX escapes (6).
    charset: 'utf8',
    // Licence notices of libsodium and noble are kept, at the end of each file.
    legalComments: 'eof',
    sourcemap: false,
    alias: options.alias ?? {},
    plugins: options.plugins ?? [],
    define: { SEALDROP_NO_WASM: 'false', ...options.define },
    // libsodium's ESM build reads import.meta.url only to locate itself,
    // inside a try; an iife has none and libsodium carries its WebAssembly inline.
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'error',
  });
  const [file] = result.outputFiles;
  if (file === undefined || result.outputFiles.length !== 1)
    throw new BuildError(`unexpected esbuild output for ${entry}`);
  return file.contents;
}

/** The longest title accepted: tabs show a few words, and a title is no place for more. */
export const MAX_TITLE_LENGTH = 120;

/**
 * `title`, trimmed, checked to be one line of printable text.
 * @throws BuildError if it is empty, too long, or holds control or bidi characters.
 */
export function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '') throw new BuildError('--title must not be empty');
  // Counted in code points, as a reader sees letters (a Hangul syllable is one).
  if (Array.from(trimmed).length > MAX_TITLE_LENGTH)
    throw new BuildError(`--title must be at most ${MAX_TITLE_LENGTH} characters`);
  // Line breaks and other controls, and bidi overrides that could make the title read otherwise.
  if (/[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u.test(trimmed))
    throw new BuildError('--title must be one line without control characters');
  return trimmed;
}

/**
 * index.html with its one `<title>` set to `title` (escaped as HTML text).
 * @throws BuildError if the page does not have exactly one `<title>…</title>`.
 */
export function withTitle(html: string, title: string): string {
  const titles = html.match(/<title>[^<]*<\/title>/g) ?? [];
  if (titles.length !== 1) throw new BuildError('client/app/index.html must have exactly one <title>');
  const text = checkTitle(title).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Marked, so the page keeps it in every language instead of its catalog's title (client/app/display.ts).
  return html.replace(/<title>[^<]*<\/title>/, () => `<title data-newsroom>${text}</title>`);
}

/**
 * The version of the signed manifest `file` (with `file.minisig`), verified
 * against the root key as browsers verify it except for expiry: the pin is
 * a floor, and an expired manifest still marks how far the newsroom has come.
 * @throws BuildError if either file cannot be read or the manifest does not verify.
 */
export async function pinnedManifestVersion(file: string, rootKey: MinisignPublicKey): Promise<number> {
  let bytes: Uint8Array;
  let signature: string;
  try {
    bytes = new Uint8Array(await readFile(file));
    signature = await readFile(file + SIGNATURE_SUFFIX, 'utf8');
  } catch {
    throw new BuildError(`--manifest: cannot read ${file} and ${file}${SIGNATURE_SUFFIX}`);
  }
  // Signature checks need libsodium; a plain build never loads it.
  const { loadSodium } = await import('../client/core/sodium.js');
  await loadSodium();
  try {
    return verifyManifestIgnoringExpiry(bytes, signature, rootKey, new Date()).version;
  } catch (error) {
    if (error instanceof ManifestError)
      throw new BuildError(`--manifest: ${file} refused (${error.code}): ${error.message}`);
    throw error;
  }
}

/** Text files worth compressing; root.pub (113 bytes) would only grow. */
const COMPRESSIBLE = /\.(html|css|js|svg)$/;
/** The gzip header's OS byte for "unknown" (RFC 1952): zlib writes the build machine's OS there. */
const GZIP_OS_UNKNOWN = 255;

/**
 * gzip at level 9 with a header that depends on nothing but `bytes`: zlib
 * writes no file name and a zero modification time, and the OS byte (which
 * zlib sets to the build machine's) is pinned. The deflate stream itself is
 * as stable as Node's bundled zlib (`process.versions.zlib`): the same
 * Node release gives the same bytes, a different zlib may not.
 */
export function gzipDeterministic(bytes: Uint8Array): Uint8Array {
  const gz = new Uint8Array(
    gzipSync(bytes, {
      level: 9,
      windowBits: 15,
      memLevel: 8,
      strategy: zlibConstants.Z_DEFAULT_STRATEGY,
    }),
  );
  // ID1 ID2 CM FLG MTIME(4) XFL OS: FLG 0 means no name, comment or extra field.
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0 || gz[4] !== 0 || gz[5] !== 0 || gz[6] !== 0 || gz[7] !== 0) {
    throw new BuildError('unexpected gzip header from zlib');
  }
  gz[9] = GZIP_OS_UNKNOWN;
  return gz;
}

/**
 * The `.gz` twin of every compressible file that gzip makes smaller. Pure:
 * the same files give the same twins.
 */
export function precompress(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const twins = new Map<string, Uint8Array>();
  for (const [name, bytes] of files) {
    if (!COMPRESSIBLE.test(name)) continue;
    const gz = gzipDeterministic(bytes);
    if (gz.length < bytes.length) twins.set(`${name}.gz`, gz);
  }
  return twins;
}

async function minifyCss(source: string): Promise<Uint8Array> {
  const result = await esbuild.transform(source, {
    loader: 'css',
    minify: true,
    target: TARGETS,
    charset: 'utf8',
    logLevel: 'error',
  });
  return new TextEncoder().encode(result.code);
}

/**
 * Empty the output folder, refusing to delete a folder that does not look
 * like a previous build (so a mistyped --out cannot wipe something else).
 * @throws BuildError if the folder holds files but no SHA256SUMS.
 */
async function prepareOutDir(outDir: string): Promise<void> {
  if (existsSync(outDir)) {
    const entries = await readdir(outDir);
    if (entries.length > 0 && !entries.includes('SHA256SUMS') && !entries.includes('main.js')) {
      throw new BuildError(`${outDir} is not empty and is not a previous client build; refusing to delete it`);
    }
    await rm(outDir, { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });
}

/**
 * Build the page into `outDir` and return the files written (with their
 * `.gz` twins, without SHA256SUMS itself), sorted by name.
 * @throws BuildError if the root key file is not a minisign public key, or
 *   the output folder cannot be used.
 */
export async function buildClient(options: BuildClientOptions): Promise<BuiltFile[]> {
  const root = findRepoRoot();
  const app = (file: string): string => path.join('client', 'app', file);
  const files = new Map<string, Uint8Array>();

  if (options.rootPublicKeyFile !== null) {
    const text = await readFile(options.rootPublicKeyFile, 'utf8');
    try {
      parsePublicKeyFile(text);
    } catch {
      throw new BuildError(`${options.rootPublicKeyFile} is not a minisign public key file`);
    }
    files.set('root.pub', new TextEncoder().encode(text));
    const pin = options.minimumManifestVersion ?? 1;
    if (!Number.isSafeInteger(pin) || pin < 1) throw new BuildError('the minimum manifest version must be 1 or more');
    files.set(BUNDLE_PIN_FILE_NAME, serializeBundlePin(pin));
  }
  const wordLists = [wordListsFromFile(root)];
  const [main, worker, workerNoWasm, xwingNoWasm, words] = await Promise.all([
    bundle(root, app('main.ts')),
    bundle(root, app('worker.ts'), { plugins: wordLists }),
    bundle(root, app('worker.ts'), {
      alias: { 'libsodium-wrappers': `./${app('sodium-noble.ts')}` },
      define: { SEALDROP_NO_WASM: 'true' },
      plugins: wordLists,
    }),
    bundle(root, app('noble-xwing-entry.ts'), { alias: postQuantumHashes(root) }),
    bundle(root, app('word-lists-entry.ts')),
  ]);
  files.set('main.js', main);
  files.set('worker.js', worker);
  files.set('worker-nowasm.js', workerNoWasm);
  // The name client/app/noble-xwing-loader.ts asks for (client/app is not compiled for Node).
  files.set('xwing-nowasm.js', xwingNoWasm);
  // The name client/app/word-lists-loader.ts asks for.
  files.set('words.js', words);
  const page = await readFile(path.join(root, app('index.html')), 'utf8');
  files.set(
    'index.html',
    new TextEncoder().encode(options.title === undefined ? page : withTitle(page, options.title)),
  );
  files.set('favicon.svg', await readFile(path.join(root, app('favicon.svg'))));
  files.set('styles.css', await minifyCss(await readFile(path.join(root, app('styles.css')), 'utf8')));
  for (const [name, bytes] of precompress(files)) files.set(name, bytes);

  await prepareOutDir(options.outDir);
  const built: BuiltFile[] = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256(bytes) }));
  for (const [name, bytes] of files) await writeFile(path.join(options.outDir, name), bytes);
  const sums = built.map((file) => `${file.sha256}  ${file.name}\n`).join('');
  await writeFile(path.join(options.outDir, 'SHA256SUMS'), sums);
  return built;
}

function argument(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new BuildError(`${name} needs a value`);
  return value;
}

/** The command line, as given (see the usage above). */
export interface BuildArguments {
  readonly out?: string;
  readonly rootKey?: string;
  readonly demo: boolean;
  /** Checked here (see {@link checkTitle}), so a bad title fails before anything is built. */
  readonly title?: string;
  /** The signed manifest whose version is pinned. */
  readonly manifest?: string;
  readonly minManifestVersion?: number;
}

/**
 * Reads the command line.
 * @throws BuildError for an unknown argument, a missing value or a bad title.
 */
export function parseBuildArguments(argv: readonly string[]): BuildArguments {
  const takesValue = new Set(['--out', '--root-key', '--title', '--manifest', '--min-manifest-version']);
  for (const [index, word] of argv.entries()) {
    const isValue = index > 0 && takesValue.has(argv[index - 1]!);
    if (!isValue && !takesValue.has(word) && word !== '--demo') throw new BuildError(`unknown argument ${word}`);
  }
  const out = argument(argv, '--out');
  const rootKey = argument(argv, '--root-key');
  const title = argument(argv, '--title');
  const manifest = argument(argv, '--manifest');
  const minText = argument(argv, '--min-manifest-version');
  if (manifest !== undefined && minText !== undefined)
    throw new BuildError('use --manifest or --min-manifest-version, not both');
  const minManifestVersion = minText === undefined ? undefined : Number(minText);
  if (
    minManifestVersion !== undefined &&
    (!/^[1-9][0-9]{0,15}$/.test(minText!) || !Number.isSafeInteger(minManifestVersion))
  )
    throw new BuildError('--min-manifest-version must be a whole number of 1 or more');
  return {
    ...(manifest === undefined ? {} : { manifest }),
    ...(minManifestVersion === undefined ? {} : { minManifestVersion }),
    ...(out === undefined ? {} : { out }),
    ...(rootKey === undefined ? {} : { rootKey }),
    demo: argv.includes('--demo'),
    ...(title === undefined ? {} : { title: checkTitle(title) }),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const root = findRepoRoot();
  const parsed = parseBuildArguments(argv);
  const outDir = path.resolve(parsed.out ?? path.join(root, 'dist', 'client', 'app'));
  const given = parsed.rootKey;
  const published = path.join(root, 'keys', 'root.pub');
  const fromEnvironment = process.env.SEALDROP_ROOT_PUBLIC_KEY_FILE;
  let rootPublicKeyFile: string | null = given ?? null;
  if (rootPublicKeyFile === null && fromEnvironment !== undefined && fromEnvironment !== '')
    rootPublicKeyFile = fromEnvironment;
  if (rootPublicKeyFile === null && existsSync(published)) rootPublicKeyFile = published;
  if (parsed.demo) {
    if (given !== undefined) throw new BuildError('use --root-key or --demo, not both');
    // The same demo newsroom `npm start` uses (created once, then reused).
    const { loadSodium } = await import('../client/core/sodium.js');
    const { prepareDemoNewsroom } = await import('./demo.js');
    await loadSodium();
    rootPublicKeyFile = (await prepareDemoNewsroom(path.join(root, 'demo'))).rootPublicKeyFile;
  }
  const { title } = parsed;
  let minimumManifestVersion = parsed.minManifestVersion;
  if (parsed.manifest !== undefined) {
    if (rootPublicKeyFile === null) throw new BuildError('--manifest needs a root key (--root-key)');
    const rootKey = parsePublicKeyFile(await readFile(rootPublicKeyFile, 'utf8'));
    minimumManifestVersion = await pinnedManifestVersion(path.resolve(parsed.manifest), rootKey);
  }
  const built = await buildClient({
    outDir,
    rootPublicKeyFile,
    ...(minimumManifestVersion === undefined ? {} : { minimumManifestVersion }),
    ...(title === undefined ? {} : { title }),
  });
  const width = Math.max(...built.map((file) => file.name.length));
  process.stdout.write(`client built in ${path.relative(process.cwd(), outDir) || '.'}\n`);
  for (const file of built)
    process.stdout.write(`  ${file.name.padEnd(width)}  ${String(file.size).padStart(8)} B  ${file.sha256}\n`);
  if (rootPublicKeyFile === null) {
    process.stdout.write('  warning: no --root-key given: the page will refuse to encrypt\n');
  } else {
    const pin = minimumManifestVersion ?? 1;
    process.stdout.write(
      `  the page refuses manifests older than version ${pin}` +
        (pin === 1 ? ' (no rollback floor: give --manifest keys/manifest.json)\n' : '\n'),
    );
  }
}

// Real paths: started through a symlink (a deploy's `current -> release`) it must still run.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`build-client: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
