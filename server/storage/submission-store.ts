/**
 * Finalized submissions: one ciphertext file per submission,
 * `<dataDir>/submissions/<id>.age`, whose mtime is the day it arrived. The file
 * name and the file are all there is: no database, no metadata beside the
 * ciphertext, so a backup is a plain copy and `age -d` opens any file directly.
 * Beside each may lie `<id>.downloads`, which editors have a copy
 * (downloads.ts); how long a submission is kept is submission-retention.ts's.
 */
import type { ReadStream } from 'node:fs';
import { mkdir, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { dayOf, startOfDay } from './day.js';
import { DownloadRecords } from './downloads.js';
import { commitFileDurably, removeDurably } from './durable.js';
import { createQuietReadStream } from './quiet-read.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './submission-retention.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';

export interface SubmissionInfo {
  readonly id: string;
  /** UTC day of arrival, `YYYY-MM-DD`. */
  readonly day: string;
  readonly size: number;
}

const SUFFIX = '.age';

export class SubmissionStore {
  readonly directory: string;
  /** Which editors have downloaded each submission; deletes go through it (its lock). */
  readonly downloads: DownloadRecords = new DownloadRecords(this);
  private bytes = 0;

  private constructor(
    directory: string,
    /** How long submissions are kept (the sweep and the listing both read it). */
    readonly retention: RetentionPolicy,
  ) {
    this.directory = directory;
  }

  /** Opens (creating if needed) the store under `dataDir` and totals its size. */
  static async open(dataDir: string, retention: RetentionPolicy = DEFAULT_RETENTION): Promise<SubmissionStore> {
    const store = new SubmissionStore(path.join(dataDir, 'submissions'), retention);
    await mkdir(store.directory, { recursive: true, mode: 0o700 });
    for (const info of await store.list()) store.bytes += info.size;
    return store;
  }

  /** Bytes held by all submissions (for the storage quota). */
  totalBytes(): number {
    return this.bytes;
  }

  fileOf(id: string): string {
    if (!isSubmissionId(id)) throw new TypeError('invalid submission id');
    return path.join(this.directory, id + SUFFIX);
  }

  /** Every submission, oldest day first (ties by id, which is random). */
  async list(): Promise<SubmissionInfo[]> {
    const out: SubmissionInfo[] = [];
    for (const name of await readdir(this.directory)) {
      const id = name.slice(0, -SUFFIX.length);
      if (!name.endsWith(SUFFIX) || !isSubmissionId(id)) continue;
      const info = await this.info(id);
      if (info !== null) out.push(info);
    }
    return out.sort((a, b) => a.day.localeCompare(b.day) || a.id.localeCompare(b.id));
  }

  /** Size and day of one submission; `null` if there is none with this id. */
  async info(id: string): Promise<SubmissionInfo | null> {
    try {
      const stats = await stat(this.fileOf(id));
      return { id, day: dayOf(stats.mtime), size: stats.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /**
   * A stream of bytes `first` to `last`, both inclusive (as in HTTP ranges).
   * It leaves the file's access time alone (quiet-read.ts): a download must
   * not date itself on disk.
   */
  read(id: string, first: number, last: number): ReadStream {
    return createQuietReadStream(this.fileOf(id), { start: first, end: last, highWaterMark: 256 * 1024 });
  }

  /**
   * Makes a complete, checked upload a submission, durably
   * ({@link commitFileDurably}: day timestamps, fsync, rename, directory
   * fsync). Only after this returns is the submission listed, and it
   * survives a crash.
   */
  async adopt(handle: FileHandle, from: string, id: string, size: number, now: Date): Promise<void> {
    await commitFileDurably(handle, from, this.fileOf(id), startOfDay(now));
    this.bytes += size;
  }

  /** Deletes a submission durably; false if it did not exist. */
  async remove(id: string): Promise<boolean> {
    const info = await this.info(id);
    if (info === null) return false;
    await removeDurably(this.directory, [id + SUFFIX]);
    this.bytes -= info.size;
    return true;
  }
}
