/**
 * Bundles the core suites for the browser run: one esbuild build with the
 * page runner (runner.ts) and every suite as entry points, code split so
 * they share one copy of the core, libsodium and jest's `expect`.
 *
 * What the bundle changes, and only for code outside the core:
 * - `libsodium-wrappers` is its CommonJS build, which carries the pure-JS
 *   fallback, exactly as jest.config.js maps it for the Node runs;
 * - client/core-node/ (Node's AEAD and scrypt) is replaced by the page's
 *   equivalents (shims/node-aead.ts, shims/node-scrypt.ts);
 * - node:crypto is shims/node-crypto.ts (noble), node:buffer the `buffer`
 *   package, and jest's Node-only helpers get small browser versions;
 * - every other Node built-in becomes a module whose functions throw
 *   "not available in the browser": a suite that still calls one fails,
 *   loudly, instead of being silently changed;
 * - test files get `Buffer` and `process` (shims/process.ts) as imports, and
 *   packages that read `process` (jest's expect and its helpers) get the latter; the core gets neither, so a core module that touched them
 *   would fail here as it would in the source's browser.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

/**
 * The repository, found from this module upwards: the driver runs either
 * from here or bundled into dist/ (package.json "test:browser").
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'test', 'browser', 'runner.ts'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository with test/browser/runner.ts above ${from}`);
  }
}

export const REPO_ROOT = findRepoRoot(import.meta.dirname);
const HERE = path.join(REPO_ROOT, 'test', 'browser');
const SHIMS = path.join(HERE, 'shims');
const LIBSODIUM_CJS = path.join(
  REPO_ROOT,
  'node_modules',
  'libsodium-wrappers',
  'dist',
  'modules',
  'libsodium-wrappers.js',
);
const BUFFER_PACKAGE = path.join(REPO_ROOT, 'node_modules', 'buffer', 'index.js');

/** Node built-ins with a real browser counterpart here; all others are unavailable. */
const SUBSTITUTES: Record<string, string> = {
  buffer: BUFFER_PACKAGE,
  crypto: path.join(SHIMS, 'node-crypto.ts'),
  process: path.join(SHIMS, 'process.ts'),
  'util/types': path.join(SHIMS, 'node-util-types.ts'),
};

/** Modules replaced wherever they are imported from, by their path's end. */
const REPLACED_MODULES: [RegExp, string][] = [
  [/(^|\/)client\/core-node\/node-aead\.js$/, path.join(SHIMS, 'node-aead.ts')],
  [/(^|\/)client\/core-node\/node-scrypt\.js$/, path.join(SHIMS, 'node-scrypt.ts')],
  [/^jest-message-util$/, path.join(SHIMS, 'jest-message-util.ts')],
  [/^libsodium-wrappers$/, LIBSODIUM_CJS],
];

const BUILTINS = new Set(builtinModules);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A module with the real built-in's export names, each a function that throws when called. */
async function unavailableModule(name: string): Promise<string> {
  const names = Object.keys((await import(`node:${name}`)) as Record<string, unknown>).filter(
    (key) => key !== 'default' && IDENTIFIER.test(key),
  );
  return [
    'function unavailable(what) {',
    '  return function () { throw new Error(`${what} is not available in the browser: this test needs Node`); };',
    '}',
    ...names.map((key) => `export const ${key} = unavailable(${JSON.stringify(`node:${name}.${key}`)});`),
    `export default new Proxy({}, { get: (_, key) => typeof key === 'string' ? unavailable(${JSON.stringify(`node:${name}.`)} + key) : undefined });`,
  ].join('\n');
}

function isCore(file: string): boolean {
  return file.startsWith(path.join(REPO_ROOT, 'client', 'core') + path.sep);
}

const harnessPlugin: Plugin = {
  name: 'sealdrop-browser-harness',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      for (const [pattern, replacement] of REPLACED_MODULES) {
        if (pattern.test(args.path)) return { path: replacement };
      }
      const bare = args.path.startsWith('node:') ? args.path.slice('node:'.length) : args.path;
      if (!BUILTINS.has(bare) && !(bare in SUBSTITUTES)) return undefined;
      // libsodium's package.json maps its Node-only requires away for browsers itself.
      if (!args.path.startsWith('node:') && /node_modules[\\/]libsodium/.test(args.importer)) return undefined;
      // The `buffer` package is a bare name on npm too: only Node's is replaced from outside it.
      if (bare === 'buffer' && /node_modules[\\/]buffer[\\/]/.test(args.importer)) return undefined;
      const substitute = SUBSTITUTES[bare];
      if (substitute !== undefined) return { path: substitute };
      return { path: bare, namespace: 'node-unavailable' };
    });

    pluginBuild.onLoad({ filter: /.*/, namespace: 'node-unavailable' }, async (args) => ({
      contents: await unavailableModule(args.path),
      loader: 'js',
    }));

    // Buffer and process for the test code and jest's modules that use them as globals.
    pluginBuild.onLoad({ filter: /\.(ts|js|cjs)$/ }, async (args) => {
      if (isCore(args.path) || args.path.startsWith(SHIMS)) return undefined;
      const inTests = args.path.startsWith(path.join(REPO_ROOT, 'test') + path.sep);
      const inPackages = /node_modules[\\/]/.test(args.path) && !/node_modules[\\/]libsodium/.test(args.path);
      if (!inTests && !inPackages) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!inTests && !/\bprocess\.(env|platform|cwd|argv|versions|stdout|stderr)\b/.test(source)) return undefined;
      const prelude: string[] = [];
      if (inTests) {
        if (/\bBuffer\b/.test(source) && !/import\s*{[^}]*\bBuffer\b[^}]*}\s*from/.test(source)) {
          prelude.push(`import { Buffer } from ${JSON.stringify(BUFFER_PACKAGE)};`);
        }
        if (/\bprocess\b/.test(source)) prelude.push(`import process from ${JSON.stringify(SUBSTITUTES.process)};`);
        return { contents: `${prelude.join(' ')}${source}`, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      }
      // jest's modules (and what they use, such as ci-info) are CommonJS: a require keeps them so.
      return {
        contents: `var process = require(${JSON.stringify(SUBSTITUTES.process)}).default;\n${source}`,
        loader: 'js',
      };
    });
  },
};

/**
 * Bundle the runner and the given suites.
 * @param suites paths of *.test.ts files
 * @returns the output files by URL path (`runner.js`, `suites/<name>.js`, chunks)
 * @throws Error with esbuild's messages if the bundle does not build
 */
export async function bundleSuites(suites: readonly string[]): Promise<Map<string, Uint8Array>> {
  const outdir = path.join(REPO_ROOT, 'dist', 'browser-core-suites');
  const entryPoints: Record<string, string> = { runner: path.join(HERE, 'runner.ts') };
  for (const suite of suites) entryPoints[`suites/${path.basename(suite, '.ts')}`] = suite;
  const result = await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
    plugins: [harnessPlugin],
  });
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles)
    files.set(path.relative(outdir, file.path).split(path.sep).join('/'), file.contents);
  return files;
}
