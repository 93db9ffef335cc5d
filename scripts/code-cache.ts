/**
 * Running the CLI bundle with V8's code cache (issue 12, goal 4b). Node 20
 * has no `module.enableCompileCache`, so a short command such as
 * `sealdrop decrypt` of a small submission spent about a fifth of its time
 * compiling the bundle and the functions it calls (docs/BENCHMARKS.md,
 * "Offline decryption"). `npm run build` trains a cache once
 * (scripts/train-code-cache.ts: a real decrypt, so the functions that path
 * calls are in it) and the `bin` (scripts/sealdrop-loader.ts) compiles the
 * bundle with it.
 *
 * The cache is code, as trusted as the bundle beside it and written by the
 * same build. V8 refuses data from another V8 version or other flags
 * (`--jitless`, say) and then compiles as usual; its own source check is
 * only the length, so the file starts with the bundle's SHA-256 and a cache
 * made for other source is never used. (node:crypto hashes it, which every
 * command loads anyway: one built-in fewer than node:zlib's CRC-32, about
 * the same time in all, 1.1 to 1.6 ms for hashing against about 1 ms for
 * loading zlib.) Without a cache, or with a refused one, the command runs
 * the same, only slower to start.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** The bundle, next to the `bin` in dist/scripts/. */
export const BUNDLE_FILE = 'sealdrop-bundle.cjs';
/** Its code cache, beside it. */
export const CACHE_FILE = 'sealdrop-bundle.v8cache';
/** SHA-256 of the source, before V8's data. */
export const HEADER_BYTES = 32;

/** A compiled bundle, ready to run once. */
export interface CompiledBundle {
  /** Whether V8 took the cache (false if there was none, or it was refused). */
  readonly cacheUsed: boolean;
  /** Run the bundle as Node runs a CommonJS main module. */
  run(): void;
  /** V8's data for what has been compiled so far, with the header; for the trainer. */
  cacheData(): Buffer;
}

function readCache(cacheFile: string | null, sourceHash: Buffer): Buffer | undefined {
  if (cacheFile === null) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined; // none: compile as usual
  }
  if (bytes.length <= HEADER_BYTES || !bytes.subarray(0, HEADER_BYTES).equals(sourceHash)) return undefined;
  return bytes.subarray(HEADER_BYTES);
}

/**
 * Compile the CommonJS file `bundle` with the code cache in `cacheFile`, if
 * that file is there and was made for this very source (null: no cache).
 * @throws the file system's error if the bundle cannot be read, or
 *   SyntaxError if it does not compile.
 */
export function compileBundle(bundle: string, cacheFile: string | null): CompiledBundle {
  const raw = readFileSync(bundle);
  const sourceHash = createHash('sha256').update(raw).digest();
  // As Node's own loader does for a main module: the shebang line is not JavaScript.
  const source = raw.toString('utf8').replace(/^#!.*/, '');
  const cachedData = readCache(cacheFile, sourceHash);
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    // No importModuleDynamically: Node 20 has it only behind a flag or as an experimental constant,
    // so the bundle has no import() (scripts/build-cli.ts makes its one a require()).
    cachedData,
  });
  return {
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    run() {
      const wrapper = script.runInThisContext() as (
        exports: object,
        require: NodeJS.Require,
        module: Module,
        filename: string,
        dirname: string,
      ) => void;
      const module = new Module(bundle);
      module.filename = bundle;
      wrapper.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
    },
    cacheData() {
      return Buffer.concat([sourceHash, script.createCachedData()]);
    },
  };
}
