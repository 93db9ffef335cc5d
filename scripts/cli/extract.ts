/**
 * Safe extraction of one submission into a folder of its own.
 *
 * Everything written comes from an anonymous stranger, so: the folder is
 * created fresh (a new name if one exists; nothing existing is ever
 * written to); every path goes through the core's `resolveInside` (canonical
 * relative paths only); parent folders are created by us, one segment at a
 * time, and an existing one must be a real directory, never a symlink; files
 * are opened with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing file or link at
 * the target is an error rather than something followed or overwritten; and
 * on any failure the whole folder is removed, so a half-written submission
 * is never mistaken for a complete one.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside } from '../../client/core/tar-paths.js';
import { CliError } from './io.js';

/** Submissions are private: owner-only permissions. */
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
/** Batch small chunks into one writev of about this size (fewer syscalls). */
const WRITE_BATCH_BYTES = 1024 * 1024;
const MAX_NAME_ATTEMPTS = 10_000;

/**
 * Create `parent/name`, or `parent/name-2`, `-3`... if taken.
 * @returns the created folder's path.
 * @throws CliError if no free name is found or the parent is unusable.
 */
export async function createFreshDirectory(parent: string, name: string): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
    const candidate = path.join(parent, attempt === 1 ? name : `${name}-${attempt}`);
    try {
      await mkdir(candidate, { mode: DIRECTORY_MODE });
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CliError(`cannot create ${candidate}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
  }
  throw new CliError(`no free folder name for ${name} in ${parent}`);
}

/** Writes the entries of one submission under its own fresh folder. */
export class SubmissionFolder {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Create the parent folders of `archivePath` inside the root, refusing symlinks. */
  async #prepareParents(segments: readonly string[]): Promise<void> {
    let current = this.root;
    for (const segment of segments.slice(0, -1)) {
      current = path.join(current, segment);
      try {
        await mkdir(current, { mode: DIRECTORY_MODE });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const stats = await lstat(current);
        if (stats.isSymbolicLink() || !stats.isDirectory())
          throw new CliError('refusing to write through a link or non-directory');
      }
    }
  }

  /**
   * Write one file from a stream.
   * @param onChunk - called with each chunk's length after it is handed to the OS.
   * @returns the number of bytes written.
   * @throws TarError for a path that is not canonical; CliError or a Node
   *   error if the file exists or cannot be written.
   */
  async writeFile(
    archivePath: string,
    data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    onChunk?: (bytes: number) => void,
  ): Promise<number> {
    const target = resolveInside(this.root, archivePath);
    await this.#prepareParents(archivePath.split('/'));
    let handle: FileHandle;
    try {
      handle = await open(
        target,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        FILE_MODE,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP') throw new CliError(`refusing to overwrite ${archivePath}`);
      throw error;
    }
    let written = 0;
    // One write in flight while the next batch is decrypted: disk and crypto overlap.
    let inFlight: Promise<unknown> | null = null;
    try {
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async (): Promise<void> => {
        if (inFlight !== null) await inFlight;
        inFlight = null;
        if (batch.length === 0) return;
        inFlight = handle.writev(batch);
        batch = [];
        batched = 0;
      };
      for await (const chunk of data) {
        if (chunk.length === 0) continue;
        batch.push(chunk);
        batched += chunk.length;
        written += chunk.length;
        if (batched >= WRITE_BATCH_BYTES) await flush();
        onChunk?.(chunk.length);
      }
      await flush();
      await flush();
    } finally {
      await (inFlight as Promise<unknown> | null)?.catch(() => undefined);
      await handle.close();
    }
    return written;
  }

  /** Remove the folder and everything in it (after a failure). */
  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
