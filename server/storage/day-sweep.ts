/**
 * The day boundary: what the disk says about time is cut down to the day.
 *
 * Writing, renaming or deleting sets a file's or a folder's modify and
 * change times to the instant; reading may set its access time. Neither can
 * be avoided while the day runs, but once it is over the sweep sets the
 * modify and access times of every stored file and folder to midnight UTC of
 * the day of its modify time. Setting them sets the change time to the
 * moment of the sweep, which is the same few milliseconds for every file and
 * says nothing about any one of them. Birth times are handled by the file
 * pool (file-pool.ts), renewed here at the same moment.
 *
 * The sweep runs at start-up and just after each UTC midnight. The clock is
 * injected, so tests move the boundary instead of waiting for it.
 */
import { lstat, opendir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { startOfDay } from './day.js';
import { FilePool, type PoolOptions } from './file-pool.js';

/**
 * Deepest folder the sweep enters below the data folder: areas
 * (`submissions/`...) are at 1, mailbox folders at 2, their files at 3.
 */
const MAX_DEPTH = 3;

/** What one sweep changed. */
export interface SweepCount {
  readonly files: number;
  readonly folders: number;
}

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Sets the modify and access times of `dataDir`, and of every file and
 * folder below it, to midnight UTC of the day of its modify time. Contents
 * before their folder, since reading a folder may touch its access time.
 * Symbolic links are left alone (the server never makes any). A file
 * deleted while the sweep runs is skipped.
 * @throws the file system's error.
 */
export async function sweepDayTimes(dataDir: string): Promise<SweepCount> {
  const count = { files: 0, folders: 0 };
  await sweepFolder(dataDir, 0, count);
  return count;
}

async function sweepFolder(folder: string, depth: number, count: { files: number; folders: number }): Promise<void> {
  if (depth < MAX_DEPTH) {
    let entries;
    try {
      entries = await opendir(folder);
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    // Streamed, one entry at a time: memory stays flat however many files a folder holds.
    for await (const entry of entries) {
      const child = path.join(folder, entry.name);
      if (entry.isDirectory()) await sweepFolder(child, depth + 1, count);
      else if (entry.isFile() && (await dateToItsDay(child))) count.files += 1;
    }
  }
  if (await dateToItsDay(folder)) count.folders += 1;
}

/** Sets atime and mtime of `file` to midnight of its mtime's day; false if it is gone. */
async function dateToItsDay(file: string): Promise<boolean> {
  try {
    const day = startOfDay((await lstat(file)).mtime);
    await utimes(file, day, day);
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}

/** The next UTC midnight strictly after `time`. */
export function nextMidnight(time: Date): Date {
  return new Date(startOfDay(time).getTime() + 86_400_000);
}

export interface DayBoundaryOptions {
  /** The clock that says when midnight is. */
  readonly now?: () => Date;
  /** Wait after midnight before sweeping, so writes of the last instant of the day are covered. */
  readonly graceMs?: number;
  readonly pool?: PoolOptions;
  /** Receives a failed boundary run; the next midnight tries again. */
  readonly onError?: (error: unknown) => void;
  /** Receives each boundary run's counts (for the log). */
  readonly onSweep?: (count: SweepCount) => void;
}

/** The running day boundary of one data folder. */
export interface DayBoundary {
  readonly pool: FilePool;
  /** Stops the timer and the pool (a run in progress finishes). */
  stop(): void;
}

/**
 * Opens the file pool of `dataDir`, sweeps once, and from then on renews the
 * pool and sweeps just after each UTC midnight by `now`.
 * @throws the file system's error from the first pool batch or sweep.
 */
export async function startDayBoundary(dataDir: string, options: DayBoundaryOptions = {}): Promise<DayBoundary> {
  const now = options.now ?? (() => new Date());
  const graceMs = options.graceMs ?? 1000;
  const pool = await FilePool.open(dataDir, options.pool);
  options.onSweep?.(await sweepDayTimes(dataDir));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    const current = now();
    timer = setTimeout(run, nextMidnight(current).getTime() - current.getTime() + graceMs);
    timer.unref();
  };
  const run = (): void => {
    // Pool first: the fresh batch's folder entries are swept with the rest.
    pool
      .renew()
      .then(() => sweepDayTimes(dataDir))
      .then(
        (count) => options.onSweep?.(count),
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        if (!stopped) arm();
      });
  };
  arm();
  return {
    pool,
    stop() {
      stopped = true;
      clearTimeout(timer);
      pool.close();
    },
  };
}
