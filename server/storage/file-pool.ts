/**
 * New files whose birth time says nothing about the moment they were needed.
 *
 * A file's birth time (statx `btime`) is set by the file system when the
 * inode is created and can never be changed afterwards. If a store created
 * the file of an upload when the upload started, its birth time would keep
 * that instant to the nanosecond for as long as the submission is stored.
 * Instead, empty files are created ahead of time in `<dataDir>/pool/`, in
 * batches: at start-up, at each UTC midnight ({@link FilePool.renew}), and
 * when a take leaves fewer than {@link PoolOptions.low} (a refill). A store
 * that needs a new file takes one: it is hard-linked under the wanted name
 * (failing like an exclusive create if the name exists) and unlinked from
 * the pool, so it keeps the batch's birth time; a folder (a new mailbox's)
 * is renamed out of the pool the same way. A refill's time is the
 * instant some earlier take found the pool running low: it says that some
 * file was taken then, not which, and every file of the batch shares it.
 *
 * Pools register by data folder; {@link placeNewFile} finds the pool whose
 * folder holds the wanted file. Outside any pool (tools, tests of one
 * store) files are created directly.
 */
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { newId } from './ids.js';

export interface PoolOptions {
  /** Files created per batch. */
  readonly batch: number;
  /** A take that leaves fewer than this starts a refill in the background. */
  readonly low: number;
}

/**
 * 64 files cover a quiet day's uploads, replies and tombstones from one
 * batch, so most days need no refill; creating them takes milliseconds.
 */
export const DEFAULT_POOL_OPTIONS: PoolOptions = { batch: 64, low: 16 };

const POOL_SUFFIX = '.empty';
const FOLDER_SUFFIX = '.folder';
/** Folders are needed far less often than files (one per new mailbox). */
const FOLDERS_PER_FILE = 1 / 4;
const pools = new Map<string, FilePool>();

export class FilePool {
  readonly directory: string;
  private ready: string[] = [];
  private readyFolders: string[] = [];
  private refilling: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly dataDir: string,
    private readonly options: PoolOptions,
  ) {
    this.directory = path.join(dataDir, 'pool');
  }

  /**
   * Opens the pool of `dataDir`: leftovers are deleted (their birth time is
   * an earlier day's), one fresh batch is created, and the pool serves new
   * files under `dataDir` from now on.
   * @throws the file system's error.
   */
  static async open(dataDir: string, options: PoolOptions = DEFAULT_POOL_OPTIONS): Promise<FilePool> {
    const pool = new FilePool(path.resolve(dataDir), options);
    await mkdir(pool.directory, { recursive: true, mode: 0o700 });
    await pool.renew();
    pools.set(pool.dataDir, pool);
    return pool;
  }

  /** Files ready to be taken. */
  size(): number {
    return this.ready.length;
  }

  /**
   * Replaces the pool's files with a fresh batch (at each UTC midnight), so
   * no file of a new day carries an instant of the day before.
   * @throws the file system's error.
   */
  async renew(): Promise<void> {
    await this.refilling?.catch(() => undefined);
    this.ready = [];
    this.readyFolders = [];
    for (const name of await readdir(this.directory)) {
      if (name.endsWith(POOL_SUFFIX) || name.endsWith(FOLDER_SUFFIX)) {
        await rm(path.join(this.directory, name), { recursive: true, force: true });
      }
    }
    await this.fill();
  }

  /** Stops serving files (the server is closing); the pool folder stays. */
  close(): void {
    this.closed = true;
    if (pools.get(this.dataDir) === this) pools.delete(this.dataDir);
  }

  /** Waits for a refill in progress (a refill in the background outlives the take that started it). */
  async settled(): Promise<void> {
    await this.refilling?.catch(() => undefined);
  }

  /** Whether `file` lies under this pool's data folder. */
  serves(file: string): boolean {
    return path.resolve(file).startsWith(this.dataDir + path.sep);
  }

  /**
   * Puts an empty pool file at `file`, exclusively: it fails with EEXIST if
   * `file` exists, as `open(file, 'wx')` would.
   * @throws the file system's error (ENOSPC when no batch can be created).
   */
  async take(file: string): Promise<void> {
    for (;;) {
      if (this.ready.length === 0) await this.refill();
      const name = this.ready.pop();
      // Other takes emptied the batch this one waited for: wait for the next.
      // A batch that cannot be created fails the refill itself (ENOSPC...).
      if (name === undefined) continue;
      const pooled = path.join(this.directory, name);
      try {
        await link(pooled, file);
      } catch (error) {
        // Gone from the pool (removed by hand, or a renew raced): try the next one.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(pooled))) continue;
        this.ready.push(name);
        throw error;
      }
      await unlink(pooled);
      if (this.ready.length < this.options.low && !this.closed) this.refill().catch(() => undefined);
      return;
    }
  }

  /**
   * Renames an empty pool folder to `folder`, which must not exist (callers
   * check under their own lock; an existing empty folder would be replaced).
   * @throws the file system's error (ENOSPC when no batch can be created).
   */
  async takeFolder(folder: string): Promise<void> {
    let name = this.readyFolders.pop();
    // As in take(): wait for batches until one is left for this take.
    while (name === undefined) {
      await this.refill();
      name = this.readyFolders.pop();
    }
    try {
      await rename(path.join(this.directory, name), folder);
    } catch (error) {
      this.readyFolders.push(name);
      throw error;
    }
    if (this.readyFolders.length === 0 && !this.closed) this.refill().catch(() => undefined);
  }

  /** One refill at a time; concurrent takes share it. */
  private refill(): Promise<void> {
    this.refilling ??= this.fill().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  /** Tops the pool up to a full batch of files and its share of folders. */
  private async fill(): Promise<void> {
    while (this.ready.length < this.options.batch) {
      const name = newId() + POOL_SUFFIX;
      await (await open(path.join(this.directory, name), 'wx', 0o600)).close();
      this.ready.push(name);
    }
    while (this.readyFolders.length < Math.ceil(this.options.batch * FOLDERS_PER_FILE)) {
      const name = newId() + FOLDER_SUFFIX;
      await mkdir(path.join(this.directory, name), { mode: 0o700 });
      this.readyFolders.push(name);
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `file` as a new empty file, exclusively (EEXIST if it exists),
 * taken from the pool of the data folder that holds it, or created directly
 * if no pool serves it.
 * @throws the file system's error.
 */
export async function placeNewFile(file: string): Promise<void> {
  for (const pool of pools.values()) {
    if (pool.serves(file)) {
      await pool.take(file);
      return;
    }
  }
  await (await open(file, 'wx', 0o600)).close();
}

/**
 * Creates `folder` (which must not exist) as an empty folder from the pool
 * of the data folder that holds it, or directly if no pool serves it.
 * @throws the file system's error.
 */
export async function placeNewFolder(folder: string): Promise<void> {
  for (const pool of pools.values()) {
    if (pool.serves(folder)) {
      await pool.takeFolder(folder);
      return;
    }
  }
  await mkdir(folder, { mode: 0o700 });
}
