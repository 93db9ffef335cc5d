/**
 * Which editors have downloaded each submission: the record that makes
 * deletion safe (nothing is deleted before every active editor has its own
 * copy) and lets retention delete early what everyone has.
 *
 * One small file per submission beside its ciphertext,
 * `submissions/<id>.downloads`: `{"downloads":[{"accessKey":"<64 hex>","day":"YYYY-MM-DD"}]}`.
 * It holds editor-side facts only, the editor's access key (the identity the
 * server authenticates, so a rotated key counts as a new editor until it
 * confirms again) and the UTC day it confirmed; nothing about the source,
 * never an instant. Its timestamps are set to that day like the
 * ciphertext's. It is written atomically and durably (temporary file, fsync,
 * rename, directory fsync), so it survives a restart and a crash leaves the
 * old record or the new one.
 *
 * Every change to a submission's record or ciphertext goes through one
 * per-id lock, so a confirmation cannot recreate the record of a submission
 * being deleted, and a delete decides on the record as it is.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isSubmissionId } from '../../client/core/wire-shapes.js';
import { KeyedLock } from '../mailboxes/keyed-lock.js';
import { dayOf, startOfDay } from './day.js';
import { commitFileDurably, openNewFile, removeDurably } from './durable.js';
import { openQuietly } from './quiet-read.js';
import type { SubmissionStore } from './submission-store.js';

/** One editor's confirmed download of one submission. */
export interface EditorDownload {
  /** Hex of the editor's 32-byte Ed25519 access key. */
  readonly accessKeyHex: string;
  /** UTC day of the (latest) confirmation, `YYYY-MM-DD`. */
  readonly day: string;
}

const RECORD_SUFFIX = '.downloads';
/**
 * A record lists at most the editors of one manifest (kept to the keys the
 * current manifest names, see {@link DownloadRecords.confirm}): 256 KiB of
 * manifest is far fewer than this many editors, so anything longer is not a
 * record this server wrote.
 */
const MAX_RECORD_BYTES = 64 * 1024;
const ACCESS_KEY_HEX = /^[0-9a-f]{64}$/;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

function parseRecord(text: string): EditorDownload[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const list = typeof value === 'object' && value !== null ? (value as { downloads?: unknown }).downloads : undefined;
  if (!Array.isArray(list)) return null;
  const out: EditorDownload[] = [];
  for (const item of list as unknown[]) {
    const { accessKey, day } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof accessKey !== 'string' || !ACCESS_KEY_HEX.test(accessKey)) return null;
    if (typeof day !== 'string' || !DAY.test(day)) return null;
    out.push({ accessKeyHex: accessKey, day });
  }
  return out;
}

function serializeRecord(downloads: readonly EditorDownload[]): string {
  return JSON.stringify({ downloads: downloads.map(({ accessKeyHex, day }) => ({ accessKey: accessKeyHex, day })) });
}

export class DownloadRecords {
  private readonly lock = new KeyedLock();

  constructor(private readonly submissions: SubmissionStore) {}

  private fileOf(id: string): string {
    if (!isSubmissionId(id)) throw new TypeError('invalid submission id');
    return path.join(this.submissions.directory, id + RECORD_SUFFIX);
  }

  /**
   * The confirmed downloads of a submission (empty if none). A record that
   * cannot be read as one counts as no downloads: the safe side, since it
   * only ever keeps a submission longer.
   * @throws for I/O errors other than a missing record.
   */
  async of(id: string): Promise<EditorDownload[]> {
    let text: string;
    try {
      const handle = await openQuietly(this.fileOf(id));
      try {
        const { size } = await handle.stat();
        if (size > MAX_RECORD_BYTES) return [];
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return parseRecord(text) ?? [];
  }

  /**
   * Records that the editor with `accessKeyHex` has a complete, verified
   * copy of submission `id`, on the day of `now` (once: a repeated
   * confirmation changes nothing). Entries for keys that
   * `keep` rejects (no longer in the manifest) are dropped, so a record
   * stays bounded by the manifest.
   * @returns the record as written, or `null` if there is no such submission.
   * @throws TypeError for an invalid id; I/O errors (nothing half-written).
   */
  confirm(
    id: string,
    accessKeyHex: string,
    now: Date,
    keep: (accessKeyHex: string) => boolean,
  ): Promise<EditorDownload[] | null> {
    const file = this.fileOf(id);
    return this.lock.run(id, async () => {
      if ((await this.submissions.info(id)) === null) return null;
      const recorded = await this.of(id);
      // The first confirmation's day stands: pulling again must not postpone
      // the early expiry, and needs no write.
      if (recorded.some((entry) => entry.accessKeyHex === accessKeyHex)) return recorded;
      const downloads = recorded.filter((entry) => keep(entry.accessKeyHex));
      downloads.push({ accessKeyHex, day: dayOf(now) });
      const temporary = `${file}.tmp`;
      // From the pool: the record's birth time must not be the instant of the download.
      const handle = await openNewFile(temporary);
      try {
        await handle.writeFile(serializeRecord(downloads));
        // Dated to the day, like the ciphertext: never the instant of a download.
        await commitFileDurably(handle, temporary, file, startOfDay(now));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      } finally {
        await handle.close();
      }
      return downloads;
    });
  }

  /**
   * Deletes submission `id` and its record if `allowed(downloads)` says so,
   * deciding and deleting under the record's lock. The ciphertext goes
   * first (that is the deletion that matters); a crash before the record
   * goes leaves an orphan record that {@link removeOrphans} deletes.
   * @returns `deleted`, `refused` (kept: `allowed` said no), or `missing`.
   * @throws TypeError for an invalid id; I/O errors.
   */
  deleteIf(
    id: string,
    allowed: (downloads: readonly EditorDownload[]) => boolean,
  ): Promise<'deleted' | 'refused' | 'missing'> {
    const file = this.fileOf(id);
    return this.lock.run(id, async () => {
      if ((await this.submissions.info(id)) === null) return 'missing';
      if (!allowed(await this.of(id))) return 'refused';
      await this.submissions.remove(id);
      await removeDurably(path.dirname(file), [path.basename(file)]);
      return 'deleted';
    });
  }

  /**
   * Deletes records (and temporary records) whose submission is gone: what
   * a crash between the two unlinks of a delete leaves.
   * @returns how many files were removed.
   * @throws I/O errors.
   */
  async removeOrphans(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.submissions.directory)) {
      const base = name.endsWith('.tmp') ? name.slice(0, -'.tmp'.length) : name;
      if (!base.endsWith(RECORD_SUFFIX)) continue;
      const id = base.slice(0, -RECORD_SUFFIX.length);
      if (!isSubmissionId(id)) continue;
      await this.lock.run(id, async () => {
        if (name === base && (await this.submissions.info(id)) !== null) return;
        await removeDurably(this.submissions.directory, [name]);
        removed += 1;
      });
    }
    return removed;
  }
}
