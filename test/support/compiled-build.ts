/**
 * One compiled build of the sources for tests that run the real `sealdrop`
 * binary (or the benchmark) as a child process: tsc with tsconfig.build.json
 * into dist/.test-build (git-ignored, next to node_modules so packages
 * resolve), then the CLI bundle (scripts/build-cli.ts) there, as `npm run
 * build` does, so the tests run the file editors run.
 *
 * Jest runs suites in parallel processes, so the build is guarded by a lock
 * directory (mkdir is atomic): one suite compiles, the others wait for it.
 * The build is reused while no source file is newer than its stamp. tsc's
 * exit status is ignored if the wanted entry point was emitted, so a type
 * error elsewhere in a work-in-progress tree does not block these tests.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BUILD_DIR = path.join(REPO_ROOT, 'dist', '.test-build');
/** The compiled `sealdrop` entry point: the bundle, package.json's "bin". */
export const SEALDROP_BIN = path.join(BUILD_DIR, 'scripts', 'sealdrop.cjs');

const STAMP = path.join(BUILD_DIR, '.complete');
const LOCK = path.join(REPO_ROOT, 'dist', '.test-build.lock');
const STALE_LOCK_MS = 5 * 60_000;
const SOURCE_DIRS = ['client', 'server', 'scripts'];

async function mtime(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, (await mtime(full)) ?? 0);
  }
  return newest;
}

async function upToDate(): Promise<boolean> {
  const stamp = await mtime(STAMP);
  if (stamp === null || (await mtime(SEALDROP_BIN)) === null) return false;
  let newest = 0;
  for (const dir of SOURCE_DIRS) newest = Math.max(newest, await newestSource(path.join(REPO_ROOT, dir)));
  return stamp >= newest;
}

function compile(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        path.join(REPO_ROOT, 'tsconfig.build.json'),
        '--outDir',
        BUILD_DIR,
      ],
      { timeout: 180_000 },
      () => {
        // The bundle only if tsc emitted its entry point; else SEALDROP_BIN stays missing and the caller throws.
        // A bundle that failed after the bin was written (its code cache not trained) fails the build here.
        execFile(
          process.execPath,
          [path.join(BUILD_DIR, 'scripts', 'build-cli.js')],
          { timeout: 180_000 },
          (error, _stdout, stderr) => {
            if (error === null) resolve();
            else reject(new Error(`bundling the CLI failed: ${error.message}\n${stderr}`));
          },
        );
      },
    );
  });
}

async function tryLock(): Promise<boolean> {
  await mkdir(path.dirname(LOCK), { recursive: true });
  try {
    await mkdir(LOCK);
    return true;
  } catch {
    const age = Date.now() - ((await mtime(LOCK)) ?? Date.now());
    if (age > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
    return false;
  }
}

/**
 * Make sure the compiled build is current; compiles at most once across
 * concurrent suites.
 * @returns the path of the compiled `sealdrop` entry point.
 * @throws Error if the build did not produce it.
 */
export async function compiledBuild(): Promise<string> {
  for (;;) {
    if (await upToDate()) return SEALDROP_BIN;
    if (await tryLock()) {
      try {
        if (!(await upToDate())) {
          const started = Date.now();
          await compile();
          if ((await mtime(SEALDROP_BIN)) === null) throw new Error('compiled build did not emit scripts/sealdrop.cjs');
          await writeFile(STAMP, '');
          // Dated when tsc started, so a source edited while it ran triggers a rebuild next time.
          await utimes(STAMP, started / 1000, started / 1000);
        }
        return SEALDROP_BIN;
      } finally {
        await rm(LOCK, { recursive: true, force: true });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
