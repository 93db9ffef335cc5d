/**
 * The last step of `npm run build`: bundles the `sealdrop` command (tsc's
 * dist/scripts/sealdrop.js and everything it imports) into one CommonJS
 * file, dist/scripts/sealdrop-bundle.cjs, and its loader
 * (scripts/sealdrop-loader.ts) into dist/scripts/sealdrop.cjs, the `bin` and
 * the command the docs give; then trains the bundle's code cache
 * (scripts/code-cache.ts, scripts/train-code-cache.ts).
 * dist/scripts/sealdrop.js stays as it is (the unbundled module graph).
 *
 * Why: every `sealdrop` run pays for loading its code before doing anything
 * (issue 12, goal 4b; measured: docs/BENCHMARKS.md, "Offline decryption").
 * - One file: dozens of separate ES modules cost about as much to resolve,
 *   read and link as Node's own start-up.
 * - CommonJS, not ESM: Node's ESM loader costs a large share of a short
 *   command's start-up even for one file; a .cjs file skips it. And in
 *   CommonJS output, esbuild keeps each lazily imported module (every
 *   command in scripts/cli/main.ts) behind its own init function with its
 *   own require() calls, so only the running command's Node built-ins
 *   (http, tls, child_process...) load.
 * - libsodium-wrappers stays external: it is required only when
 *   loadSodium() runs (client/core/sodium.ts), so a classic decrypt neither
 *   loads nor compiles its half megabyte. The installed package resolves it
 *   from node_modules like any dependency. Its import() becomes a require()
 *   of the package's CommonJS build: no ES module loader starts for it, and
 *   a script compiled by node:vm (the code cache) has no import() without
 *   an experimental flag.
 * - V8's code cache: Node 20 has no compile cache of its own, and compiling
 *   the bundle and the functions a short command calls was about a fifth
 *   of its start-up.
 * - `import.meta.url` (which CommonJS lacks) is the bundle's own file URL.
 * The code is not minified, so stack traces and the worker thread started
 * from a function's source (client/core-node/aead-batch-worker.ts) read as
 * written.
 */
import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BUNDLE_FILE } from './code-cache.js';

/** What both bundles share: one CommonJS file for Node 20, unminified. */
const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__sealdropBundleUrl' },
  // The directive first: esbuild's own "use strict" comes after the banner, where it does nothing.
  banner: { js: '"use strict";\nconst __sealdropBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  allowOverwrite: true,
  legalComments: 'inline',
  logLevel: 'warning',
} satisfies esbuild.BuildOptions;

/**
 * Bundle the compiled entry point `dir`/sealdrop.js (tsc's output of
 * scripts/sealdrop.ts, with the modules it imports around it) into
 * `dir`/sealdrop-bundle.cjs, its loader `dir`/sealdrop-loader.js into
 * `dir`/sealdrop.cjs, and train the bundle's code cache. Working from tsc's
 * output rather than the sources lets any compiled tree (dist/, the tests'
 * dist/.test-build) bundle itself.
 * @throws Error (esbuild's) if the files do not bundle, or if training fails.
 */
export async function bundleCli(dir: string): Promise<void> {
  // The old cache stays until the new one replaces it (train-code-cache.ts renames it into
  // place): the hash in its header keeps it from serving a bundle it was not made for.
  await esbuild.build({
    ...COMMON,
    entryPoints: [path.join(dir, 'sealdrop.js')],
    outfile: path.join(dir, BUNDLE_FILE),
    external: ['libsodium-wrappers', 'libsodium'],
    supported: { 'dynamic-import': false },
  });
  await esbuild.build({
    ...COMMON,
    entryPoints: [path.join(dir, 'sealdrop-loader.js')],
    outfile: path.join(dir, 'sealdrop.cjs'),
  });
  await chmod(path.join(dir, 'sealdrop.cjs'), 0o755);
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(dir, 'train-code-cache.js'), dir],
      { timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error === null) resolve();
        else reject(new Error(`training the code cache: ${stderr}`));
      },
    );
  });
}

const here = fileURLToPath(import.meta.url);
// Compiled to dist/scripts/build-cli.js, next to tsc's sealdrop.js.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === here) await bundleCli(path.dirname(here));
