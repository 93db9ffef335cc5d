/**
 * Reply mailboxes: the replies editors push for a source, kept until the
 * source deletes them or they expire.
 *
 * On disk, `<dataDir>/mailboxes/<mailboxId>/` holds the files named in
 * reply-files.ts: `<replyId>.age` (the ciphertext as pushed; mtime and atime
 * are the day it arrived), `<replyId>.deleted` (an empty tombstone dated the
 * day the source deleted the reply), and `.tmp` files while writing. As for
 * submissions there is no database: the names and the files are all there
 * is. The store knows mailboxes by id only; no capability ever reaches it.
 *
 * A mailbox that was never written to and one whose replies are all deleted
 * or expired read the same: no directory, or one without waiting replies,
 * both list as `[]` after one directory read.
 */
import type { ReadStream, Stats } from 'node:fs';
import { mkdir, readdir, rmdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isMailboxId } from '../../client/core/mailbox.js';
import { ApiError } from '../errors.js';
import { dayOf, startOfDay } from '../storage/day.js';
import { storageFaults } from '../storage/disk-faults.js';
import { commitFileDurably, openNewFile, removeDurably, syncDirectory } from '../storage/durable.js';
import { placeNewFolder } from '../storage/file-pool.js';
import { openQuietly } from '../storage/quiet-read.js';
import type { StorageQuota } from '../storage/quota.js';
import { writeChunkBody } from '../uploads/chunk-writer.js';
import { KeyedLock } from './keyed-lock.js';
import {
  readListing,
  replyFileName,
  temporaryFileName,
  tombstoneFileName,
  type MailboxListing,
} from './reply-files.js';
import { isPastRetention } from './retention.js';

export interface MailboxLimits {
  /** Largest reply, in bytes of ciphertext (`SEALDROP_REPLY_MAX_BYTES`). */
  readonly maxReplyBytes: number;
  /** Most replies waiting in one mailbox (`SEALDROP_MAILBOX_MAX_REPLIES`). */
  readonly maxRepliesPerMailbox: number;
  /** Days a reply or tombstone is kept after its day (`SEALDROP_REPLY_RETENTION_DAYS`). */
  readonly replyRetentionDays: number;
}

export type ReplyState = 'waiting' | 'deleted';

/** A reply as the source sees it: one still waiting. */
export interface WaitingReply {
  readonly id: string;
  /** UTC day of arrival, `YYYY-MM-DD`. */
  readonly day: string;
  /** Bytes of ciphertext (Padmé-padded, so it says little about the message). */
  readonly size: number;
}

/** A reply as editors see it: waiting, or deleted by the source. */
export interface ReplyRecord {
  readonly id: string;
  /** `YYYY-MM-DD`: the day it arrived if waiting, the day the source deleted it if deleted. */
  readonly day: string;
  /** Bytes of ciphertext held: 0 once deleted (nothing of it is kept but its id and day). */
  readonly size: number;
  readonly state: ReplyState;
}

/**
 * Checks a received reply before it is stored.
 * @throws ApiError with the reason it is refused.
 */
export type ReplyCheck = (handle: FileHandle, size: number) => Promise<void>;

export interface ReceivedReply {
  readonly record: ReplyRecord;
  /** False when the id was already stored or deleted: nothing was written. */
  readonly created: boolean;
}

export interface OpenedReply {
  readonly size: number;
  /** The whole ciphertext; closes its file when it ends or is destroyed. */
  readonly stream: ReadStream;
}

const READ_CHUNK_BYTES = 256 * 1024;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** Plain code-unit order (for ASCII days and hex ids: byte order), independent of locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest day first, then by id (random, so the order reveals nothing). */
function newestFirst<T extends { day: string; id: string }>(items: T[]): T[] {
  return items.sort((a, b) => compareText(b.day, a.day) || compareText(a.id, b.id));
}

export class MailboxStore {
  readonly directory: string;
  /** Bytes of waiting replies. */
  private bytes = 0;
  /** Declared lengths of replies being received. */
  private reserved = 0;
  /** `<mailbox>/<reply>` being received, so two pushes of one reply never share a temporary file. */
  private readonly receiving = new Set<string>();
  private readonly lock = new KeyedLock();

  private constructor(
    dataDir: string,
    private readonly limits: MailboxLimits,
    private readonly quota: StorageQuota,
    private readonly now: () => Date,
  ) {
    this.directory = path.join(dataDir, 'mailboxes');
  }

  /**
   * Opens (creating if needed) the mailboxes under `dataDir`, finishing what
   * a crash left (temporary files are removed, a reply with a tombstone is
   * deleted), and counts the waiting replies into `quota`.
   */
  static async open(
    dataDir: string,
    limits: MailboxLimits,
    quota: StorageQuota,
    now: () => Date = () => new Date(),
  ): Promise<MailboxStore> {
    const store = new MailboxStore(dataDir, limits, quota, now);
    await mkdir(store.directory, { recursive: true, mode: 0o700 });
    await store.recover();
    quota.include(() => store.bytes + store.reserved);
    return store;
  }

  /** Bytes of waiting replies (for the storage quota). */
  totalBytes(): number {
    return this.bytes;
  }

  private directoryOf(mailbox: string): string {
    if (!isMailboxId(mailbox)) throw new TypeError('invalid mailbox id');
    return path.join(this.directory, mailbox);
  }

  private fileOf(mailbox: string, name: string): string {
    return path.join(this.directoryOf(mailbox), name);
  }

  private async mailboxIds(): Promise<string[]> {
    const entries = await readdir(this.directory, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory() && isMailboxId(entry.name)).map((entry) => entry.name);
  }

  /** One directory read; a mailbox with no directory lists as empty. */
  private async listing(mailbox: string): Promise<MailboxListing> {
    let names: string[];
    try {
      names = await readdir(this.directoryOf(mailbox));
    } catch (error) {
      if (!isMissing(error)) throw error;
      names = [];
    }
    return readListing(names);
  }

  private async recover(): Promise<void> {
    for (const mailbox of await this.mailboxIds()) {
      const listing = await this.listing(mailbox);
      const interruptedDeletes = [...listing.replies].filter((id) => listing.tombstones.has(id));
      const leftovers = [...listing.temporary, ...interruptedDeletes.map(replyFileName)];
      if (leftovers.length > 0) await removeDurably(this.directoryOf(mailbox), leftovers);
      for (const id of waitingIds(listing)) {
        this.bytes += (await stat(this.fileOf(mailbox, replyFileName(id)))).size;
      }
    }
  }

  private async waitingReply(mailbox: string, id: string): Promise<WaitingReply | null> {
    const stats = await statOrNull(this.fileOf(mailbox, replyFileName(id)));
    return stats === null ? null : { id, day: dayOf(stats.mtime), size: stats.size };
  }

  private async deletedReply(mailbox: string, id: string): Promise<ReplyRecord | null> {
    const stats = await statOrNull(this.fileOf(mailbox, tombstoneFileName(id)));
    return stats === null ? null : { id, day: dayOf(stats.mtime), size: 0, state: 'deleted' };
  }

  /**
   * The replies waiting in a mailbox, newest day first, then by id. `[]` for
   * a mailbox that does not exist, exactly as for an empty one.
   */
  async waiting(mailbox: string): Promise<WaitingReply[]> {
    const listing = await this.listing(mailbox);
    const out: WaitingReply[] = [];
    for (const id of waitingIds(listing)) {
      const reply = await this.waitingReply(mailbox, id);
      if (reply !== null) out.push(reply);
    }
    return newestFirst(out);
  }

  /** How many replies wait across all mailboxes (a deleted one, with its tombstone, does not). */
  async waitingCount(): Promise<number> {
    let count = 0;
    for (const mailbox of await this.mailboxIds()) count += waitingIds(await this.listing(mailbox)).length;
    return count;
  }

  /** Every reply still known in a mailbox, waiting or deleted, newest day first, then by id. */
  async records(mailbox: string): Promise<ReplyRecord[]> {
    const listing = await this.listing(mailbox);
    const out: ReplyRecord[] = [];
    for (const id of listing.tombstones) {
      const record = await this.deletedReply(mailbox, id);
      if (record !== null) out.push(record);
    }
    for (const id of waitingIds(listing)) {
      const reply = await this.waitingReply(mailbox, id);
      if (reply !== null) out.push({ ...reply, state: 'waiting' });
    }
    return newestFirst(out);
  }

  /** One reply's record; `null` if the mailbox holds no trace of it. */
  async record(mailbox: string, id: string): Promise<ReplyRecord | null> {
    const deleted = await this.deletedReply(mailbox, id);
    if (deleted !== null) return deleted;
    const reply = await this.waitingReply(mailbox, id);
    return reply === null ? null : { ...reply, state: 'waiting' };
  }

  /** A waiting reply's ciphertext, or `null` if there is no such reply. */
  async openReply(mailbox: string, id: string): Promise<OpenedReply | null> {
    let handle: FileHandle;
    try {
      // No access time: a source's fetch must not date itself on disk.
      handle = await openQuietly(this.fileOf(mailbox, replyFileName(id)));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      return { size, stream: handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Deletes a waiting reply for real: a tombstone dated today is made
   * durable, then the ciphertext is unlinked and the directory fsynced.
   * Tombstone first: a crash between the steps leaves a reply marked
   * deleted, which start-up finishes deleting; the other order could leave
   * neither, and a second push of the reply would bring it back.
   * @returns false if no such reply is waiting.
   */
  async deleteReply(mailbox: string, id: string): Promise<boolean> {
    return this.lock.run(mailbox, async () => {
      const reply = await this.waitingReply(mailbox, id);
      if (reply === null) return false;
      const tombstone = this.fileOf(mailbox, tombstoneFileName(id));
      const temporary = temporaryFileName(tombstone);
      try {
        const handle = await openNewFile(temporary);
        try {
          await commitFileDurably(handle, temporary, tombstone, startOfDay(this.now()));
        } finally {
          await handle.close();
        }
      } catch (error) {
        await removeDurably(this.directoryOf(mailbox), [path.basename(temporary)]);
        throw storageFaults.classify('tombstone', error);
      }
      storageFaults.succeeded();
      await removeDurably(this.directoryOf(mailbox), [replyFileName(id)]);
      this.bytes -= reply.size;
      return true;
    });
  }

  /**
   * Receives one reply of `length` bytes from `body` and stores it once
   * `check` accepts it. Every limit is checked before a byte is read. A reply
   * already stored, or deleted by the source, is answered from its record
   * and `body` is not read: pushing twice stores once.
   * @throws ApiError STORAGE_FULL (disk-faults.ts), REPLY_TOO_LARGE, REPLY_CONFLICT (the id is stored with
   *   another size), UPLOAD_BUSY (the same reply is being received),
   *   MAILBOX_FULL, QUOTA_EXCEEDED, BODY_INCOMPLETE, or the check's error.
   *   Nothing of a refused reply stays on disk.
   */
  async receive(
    mailbox: string,
    id: string,
    length: number,
    body: AsyncIterable<Uint8Array>,
    check: ReplyCheck,
  ): Promise<ReceivedReply> {
    if (length > this.limits.maxReplyBytes) throw new ApiError('REPLY_TOO_LARGE');
    const key = `${this.directoryOf(mailbox)}/${replyFileName(id)}`;
    if (this.receiving.has(key)) throw new ApiError('UPLOAD_BUSY');
    this.receiving.add(key);
    try {
      const existing = await this.record(mailbox, id);
      if (existing !== null) {
        if (existing.state === 'waiting' && existing.size !== length) throw new ApiError('REPLY_CONFLICT');
        return { record: existing, created: false };
      }
      await this.ensureNotFull(mailbox);
      this.quota.ensureRoom(length);
      // Reserved before the next await, so concurrent pushes cannot overshoot the quota.
      this.reserved += length;
      try {
        const record = await this.write(mailbox, id, length, body, check);
        storageFaults.succeeded();
        return { record, created: true };
      } catch (error) {
        throw storageFaults.classify('reply', error);
      } finally {
        this.reserved -= length;
      }
    } finally {
      this.receiving.delete(key);
    }
  }

  private async ensureNotFull(mailbox: string): Promise<void> {
    const waiting = waitingIds(await this.listing(mailbox)).length;
    if (waiting >= this.limits.maxRepliesPerMailbox) throw new ApiError('MAILBOX_FULL');
  }

  private async write(
    mailbox: string,
    id: string,
    length: number,
    body: AsyncIterable<Uint8Array>,
    check: ReplyCheck,
  ): Promise<ReplyRecord> {
    const directory = this.directoryOf(mailbox);
    const file = this.fileOf(mailbox, replyFileName(id));
    const temporary = temporaryFileName(file);
    const handle = await this.lock.run(mailbox, async () => {
      await this.makeDirectory(directory);
      try {
        // Read and write: the envelope check reads back what was written.
        return await openNewFile(temporary);
      } catch (error) {
        await this.removeIfEmpty(directory);
        throw error;
      }
    });
    let stored = false;
    try {
      // Streamed: memory stays bounded whatever the reply's size.
      const written = await writeChunkBody(handle, 0, length, body);
      if (written !== length) throw new ApiError('BODY_INCOMPLETE');
      await check(handle, length);
      const day = startOfDay(this.now());
      await this.lock.run(mailbox, async () => {
        // Checked again: other replies may have been stored while this one arrived.
        await this.ensureNotFull(mailbox);
        await commitFileDurably(handle, temporary, file, day);
      });
      stored = true;
      this.bytes += length;
      return { id, day: dayOf(day), size: length, state: 'waiting' };
    } finally {
      await handle.close();
      if (!stored) await this.discard(mailbox, temporary);
    }
  }

  /** Removes a refused reply's temporary file and, if it was the mailbox's first, the directory. */
  private async discard(mailbox: string, temporary: string): Promise<void> {
    await this.lock.run(mailbox, async () => {
      const directory = this.directoryOf(mailbox);
      await removeDurably(directory, [path.basename(temporary)]);
      await this.removeIfEmpty(directory);
    });
  }

  private async makeDirectory(directory: string): Promise<void> {
    if ((await statOrNull(directory)) !== null) return;
    // From the pool, so its birth time is not the first reply's moment
    // (file-pool.ts); callers hold the mailbox's lock, so no push races it.
    await placeNewFolder(directory);
    // A new mailbox's own entry must be durable before a reply in it can be.
    await syncDirectory(this.directory);
  }

  /** Removes a mailbox directory with nothing in it (an empty mailbox is no mailbox). */
  private async removeIfEmpty(directory: string): Promise<void> {
    try {
      await rmdir(directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return;
      throw error;
    }
    await syncDirectory(this.directory);
  }

  /**
   * Deletes replies and tombstones past retention, then every mailbox
   * directory left empty. Runs at start-up and once a day.
   * @returns the number of files deleted.
   */
  async expire(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const mailbox of await this.mailboxIds()) {
      removed += await this.lock.run(mailbox, () => this.expireMailbox(mailbox, now));
    }
    return removed;
  }

  private async expireMailbox(mailbox: string, now: Date): Promise<number> {
    const listing = await this.listing(mailbox);
    const expired: string[] = [];
    let freed = 0;
    const past = (stats: Stats | null): stats is Stats =>
      stats !== null && isPastRetention(stats.mtime, now, this.limits.replyRetentionDays);
    for (const id of waitingIds(listing)) {
      const stats = await statOrNull(this.fileOf(mailbox, replyFileName(id)));
      if (past(stats)) {
        expired.push(replyFileName(id));
        freed += stats.size;
      }
    }
    for (const id of listing.tombstones) {
      if (past(await statOrNull(this.fileOf(mailbox, tombstoneFileName(id))))) expired.push(tombstoneFileName(id));
    }
    const directory = this.directoryOf(mailbox);
    if (expired.length > 0) {
      await removeDurably(directory, expired);
      this.bytes -= freed;
    }
    await this.removeIfEmpty(directory);
    return expired.length;
  }
}

/** Ids of replies that are waiting: stored and not deleted. */
function waitingIds(listing: MailboxListing): string[] {
  return [...listing.replies].filter((id) => !listing.tombstones.has(id));
}
