/**
 * The last step of `npm run build`: bundles the `sealdrop` command (tsc's
 * dist/scripts/sealdrop.js and everything it imports) into one CommonJS
 * file, dist/scripts/sealdrop.cjs, the `bin` and the command the docs give.
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
 *   from node_modules like any dependency.
 * - `import.meta.url` (which CommonJS lacks) is the bundle's own file URL.
 * The code is not minified, so stack traces and the worker thread started
 * from a function's source (client/core-node/aead-batch-worker.ts) read as
 * written.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * Bundle the compiled entry point `dir`/sealdrop.js (tsc's output of
 * scripts/sealdrop.ts, with the modules it imports around it) into
 * `dir`/sealdrop.cjs. Working from tsc's output rather than the sources
 * lets any compiled tree (dist/, the tests' dist/.test-build) bundle itself.
 * @throws Error (esbuild's) if the files do not bundle.
 */
export async function bundleCli(dir: string): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(dir, 'sealdrop.js')],
    outfile: path.join(dir, 'sealdrop.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['libsodium-wrappers', 'libsodium'],
    define: { 'import.meta.url': '__sealdropBundleUrl' },
    // The directive first: esbuild's own "use strict" comes after the banner, where it does nothing.
    banner: { js: '"use strict";\nconst __sealdropBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    allowOverwrite: true,
    legalComments: 'inline',
    logLevel: 'warning',
  });
}

const here = fileURLToPath(import.meta.url);
// Compiled to dist/scripts/build-cli.js, next to tsc's sealdrop.js.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === here) await bundleCli(path.dirname(here));
