/**
 * Durable file system steps. A rename is only durable once the directory that
 * holds it is fsynced; a file's bytes only once the file is. These helpers make
 * the order explicit at the call sites.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { placeNewFile } from './file-pool.js';

/** fsync a directory so entries created, renamed or removed in it survive a crash. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Opens `file` for reading and writing as a new, empty file taken from the
 * data folder's pool (file-pool.ts: its birth time is the pool's, not this
 * moment's), replacing any file of that name.
 * @throws the file system's error.
 */
export async function openNewFile(file: string): Promise<FileHandle> {
  await rm(file, { force: true });
  await placeNewFile(file);
  return open(file, 'r+');
}

/**
 * Writes `data` to `file` atomically and durably: a temporary sibling is
 * written and fsynced, renamed over `file`, then the directory is fsynced.
 * A failed write removes its temporary (a full disk must not fill up with
 * them); only a crash can leave a `.tmp`, which the stores remove at start-up.
 * @throws the file system's error; `file` is then unchanged.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${file}.tmp`;
  try {
    const handle = await openNewFile(temporary);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

/** Removes files (missing ones are fine), then fsyncs their directory. */
export async function removeDurably(directory: string, names: readonly string[]): Promise<void> {
  for (const name of names) await rm(path.join(directory, name), { force: true });
  await syncDirectory(directory);
}

/**
 * Moves a completely written file into place under its final name, durably
 * and dated to the day: its timestamps are set to `day` (never the instant:
 * see day.ts), its bytes and metadata fsynced, then it is renamed to `to`
 * and the directory that now holds it fsynced. Only after this returns does
 * the file exist for readers, and it survives a crash.
 */
export async function commitFileDurably(handle: FileHandle, from: string, to: string, day: Date): Promise<void> {
  await handle.utimes(day, day);
  await handle.sync();
  await rename(from, to);
  await syncDirectory(path.dirname(to));
}
