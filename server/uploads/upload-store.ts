/**
 * Resumable uploads of ciphertext, streamed to disk in bounded memory.
 *
 * On disk, under `<dataDir>/uploads/`, an upload is three files:
 * - `<id>.json`: `{ "size": n, "day": "YYYY-MM-DD", "manifestVersion": v }`,
 *   written durably last at creation, so its presence means the upload exists;
 * - `<id>.part`: the ciphertext, written at chunk offsets (sparse until full);
 * - `<id>.ranges`: a journal of `start end` lines, appended by checkpoints
 *   and compacted when it grows (checkpointer.ts).
 *
 * Acknowledging a chunk does not wait for the disk: a resumable upload does not
 * need it, because after a crash the client asks for the offset and sends
 * the rest again. What must hold is that the journal never claims a byte
 * that is not on disk; each upload's {@link Checkpointer} keeps that promise,
 * in the background, so disk writes overlap with network reads and the fsync
 * at finalize has little left to do.
 *
 * Scarce things cost what they deny others: an open upload holds in the quota
 * what it has received plus a bounded allowance (not its declared size), and
 * when a new upload finds no slot or no room, idle and slow uploads give way
 * (eviction.ts); their ids answer UPLOAD_GONE for a while (gone-uploads.ts).
 *
 * A finalized upload's `.part` is renamed to `submissions/<id>.age`; the other
 * two files are then removed. {@link UploadStore.open} repairs whatever a crash
 * left between those steps.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../errors.js';
import { dayOf } from '../storage/day.js';
import { storageFaults } from '../storage/disk-faults.js';
import { removeDurably, syncDirectory, writeFileDurably } from '../storage/durable.js';
import { placeNewFile } from '../storage/file-pool.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';
import { newId } from '../storage/ids.js';
import { StorageQuota } from '../storage/quota.js';
import type { SubmissionStore } from '../storage/submission-store.js';
import { requireAgePrefix } from './age-prefix.js';
import { Checkpointer, DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from './checkpointer.js';
import { writeChunkBody } from './chunk-writer.js';
import { evictionOrder } from './eviction.js';
import { GoneUploads } from './gone-uploads.js';
import { MAX_RECEIVED_SPANS, parseJournal, type ReceivedSpans } from './received-spans.js';

/** Uploads recovered at once at start-up. */
const RECOVERY_CONCURRENCY = 8;

export interface UploadLimits {
  readonly maxSubmissionBytes: number;
  readonly storageQuotaBytes: number;
  readonly maxChunkBytes: number;
  readonly maxConcurrentUploads: number;
  readonly uploadExpirySeconds: number;
}

export interface UploadStatus {
  readonly id: string;
  readonly size: number;
  /**
   * Bytes received contiguously from the start: where to resume. After a
   * server restart it is the last checkpoint's, which may be lower than what
   * was acknowledged before.
   */
  readonly offset: number;
  /**
   * Bytes from the start made durable by a checkpoint: a restart will still
   * report at least this `offset`. Clients keep what they sent from here on
   * until it advances, to send it again if the server loses it.
   */
  readonly durableOffset: number;
  readonly complete: boolean;
  /**
   * Whole seconds until the upload expires if no chunk arrives (it may be
   * dropped sooner under pressure: then UPLOAD_GONE).
   */
  readonly expiresInSeconds: number;
}

/**
 * Checks a complete upload before it becomes a submission.
 * @throws ApiError with the reason it is refused.
 */
export type EnvelopeCheck = (handle: FileHandle, size: number) => Promise<void>;

/** One chunk being written, and how to stop it. */
interface ChunkWrite {
  readonly length: number;
  readonly controller: AbortController;
  readonly settled: Promise<void>;
}

/** Open uploads one connection may hold; a page needs one at a time. */
export const MAX_UPLOADS_PER_CONNECTION = 2;

interface Upload {
  readonly id: string;
  readonly size: number;
  /** The key manifest version the client encrypted to (0: unknown, from an older server). */
  readonly manifestVersion: number;
  /** Received and durable bytes, and the checkpoints between them. */
  readonly checkpoints: Checkpointer;
  readonly writes: Set<ChunkWrite>;
  /** The finalize in progress, if any. */
  finalizing: Promise<unknown> | undefined;
  /** Bytes this upload holds in the quota (besides its journal). */
  reservation: number;
  readonly createdAt: number;
  lastActivity: number;
  /** The connection that created it (an opaque key, never an address), if known. */
  owner: object | undefined;
}

export class UploadStore {
  readonly directory: string;
  /**
   * The data folder's one storage quota, counting stored submissions and
   * each open upload's reservation and journal; other stores (reply
   * mailboxes) join it.
   */
  readonly quota: StorageQuota;
  private readonly uploads = new Map<string, Upload>();
  private readonly gone = new GoneUploads();
  private reserved = 0;

  private constructor(
    dataDir: string,
    private readonly submissions: SubmissionStore,
    private readonly limits: UploadLimits,
    private readonly now: () => Date,
    private readonly policy: CheckpointPolicy,
  ) {
    this.directory = path.join(dataDir, 'uploads');
    this.quota = new StorageQuota(limits.storageQuotaBytes);
    this.quota.include(() => this.submissions.totalBytes() + this.reserved + this.journalBytes());
  }

  /**
   * Opens the upload area, finishing or discarding whatever a crash left: a
   * `.part` already renamed into submissions is cleaned up, temporary files
   * and orphans are deleted, and unfinished uploads are resumable again.
   */
  static async open(
    dataDir: string,
    submissions: SubmissionStore,
    limits: UploadLimits,
    now: () => Date = () => new Date(),
    policy: CheckpointPolicy = DEFAULT_CHECKPOINT_POLICY,
  ): Promise<UploadStore> {
    const store = new UploadStore(dataDir, submissions, limits, now, policy);
    await mkdir(store.directory, { recursive: true, mode: 0o700 });
    await store.recover();
    return store;
  }

  private file(id: string, extension: 'json' | 'part' | 'ranges'): string {
    return path.join(this.directory, `${id}.${extension}`);
  }

  private journalBytes(): number {
    let total = 0;
    for (const upload of this.uploads.values()) total += upload.checkpoints.journalBytes();
    return total;
  }

  private async recover(): Promise<void> {
    const names = await readdir(this.directory);
    const byId = new Map<string, string[]>();
    for (const name of names) {
      const id = name.split('.')[0] ?? '';
      byId.set(id, [...(byId.get(id) ?? []), name]);
    }
    const recoverOne = async ([id, own]: [string, string[]]): Promise<void> => {
      const keep = isSubmissionId(id) && (await this.resume(id, own));
      // A kept upload loses only its temporary files (a crash during a journal compaction or a create).
      const leftovers = keep ? own.filter((name) => name.endsWith('.tmp')) : own;
      for (const name of leftovers) await rm(path.join(this.directory, name), { force: true });
    };
    // A few at a time, so reading one upload's files overlaps replaying another's journal.
    const entries = [...byId];
    for (let first = 0; first < entries.length; first += RECOVERY_CONCURRENCY) {
      await Promise.all(entries.slice(first, first + RECOVERY_CONCURRENCY).map(recoverOne));
    }
    await syncDirectory(this.directory);
  }

  /** Loads one upload from disk; false if its files should be deleted. */
  private async resume(id: string, names: readonly string[]): Promise<boolean> {
    if (!names.includes(`${id}.json`) || !names.includes(`${id}.part`)) return false;
    // Renamed into place before the crash: the submission is what counts.
    if ((await this.submissions.info(id)) !== null) return false;
    let meta: { size?: unknown; manifestVersion?: unknown };
    try {
      meta = JSON.parse(await readFile(this.file(id, 'json'), 'utf8')) as typeof meta;
    } catch {
      return false;
    }
    const { size, manifestVersion } = meta;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) return false;
    const version = isManifestVersion(manifestVersion) ? manifestVersion : 0;
    const journal = names.includes(`${id}.ranges`) ? await readFile(this.file(id, 'ranges'), 'utf8') : '';
    const lines = journal.split('\n').length - 1;
    const durable = parseJournal(journal, size);
    this.track(id, size, version, durable, { lines, bytes: Buffer.byteLength(journal) });
    return true;
  }

  private track(
    id: string,
    size: number,
    manifestVersion: number,
    durable?: ReceivedSpans,
    journal?: { lines: number; bytes: number },
  ): Upload {
    const files = { part: this.file(id, 'part'), journal: this.file(id, 'ranges') };
    const checkpoints = new Checkpointer(files, this.policy, durable, journal);
    const now = this.now().getTime();
    const upload: Upload = {
      id,
      size,
      manifestVersion,
      checkpoints,
      writes: new Set(),
      finalizing: undefined,
      reservation: Math.max(checkpoints.receivedBytes(), this.allowance(size)),
      createdAt: now,
      lastActivity: now,
      owner: undefined,
    };
    this.uploads.set(id, upload);
    this.reserved += upload.reservation;
    return upload;
  }

  /**
   * What an upload may hold in the quota beyond what it has received: two
   * chunks' worth (one in flight, one retried), never more than its size.
   */
  private allowance(size: number): number {
    return Math.min(size, 2 * this.limits.maxChunkBytes);
  }

  private forget(upload: Upload): void {
    upload.checkpoints.stop();
    if (this.uploads.delete(upload.id)) this.reserved -= upload.reservation;
  }

  /**
   * Checkpoints every open upload now (at shutdown, so a clean restart
   * resumes exactly where clients stopped).
   * @throws the first file system error; the other uploads are still checkpointed.
   */
  async checkpointAll(): Promise<void> {
    const results = await Promise.allSettled(
      [...this.uploads.values()].map((upload) => upload.checkpoints.checkpoint()),
    );
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  /** Number of uploads in progress. */
  count(): number {
    return this.uploads.size;
  }

  /**
   * Starts an upload of exactly `size` bytes of ciphertext encrypted to key
   * manifest `manifestVersion` (the caller checks it is the current one).
   * Checked here, before a single byte is accepted: the size limit, a free
   * slot, and room in the quota for the upload's first allowance. When there
   * is no slot or no room, idle and slow uploads are evicted (eviction.ts)
   * until there is; only if that cannot make room is the create refused.
   * @throws ApiError SUBMISSION_TOO_LARGE, TOO_MANY_UPLOADS, QUOTA_EXCEEDED, or
   *   STORAGE_FULL (disk-faults.ts; no file of the upload is left);
   *   the file system's error.
   */
  async create(size: number, manifestVersion: number, owner?: object): Promise<UploadStatus> {
    if (size > this.limits.maxSubmissionBytes) throw new ApiError('SUBMISSION_TOO_LARGE');
    const own = this.makeRoomForOwner(owner);
    let deletions: Promise<void>[];
    try {
      deletions = [...own, ...this.makeRoom(this.allowance(size))];
    } catch (error) {
      // Refused all the same: the connection's own dropped uploads are still
      // deleted (awaited, so a failed deletion is not an unhandled rejection).
      await Promise.allSettled(own);
      throw error;
    }
    const id = newId();
    // Reserve before the first await so concurrent creates cannot overshoot.
    const upload = this.track(id, size, manifestVersion);
    upload.owner = owner;
    try {
      await Promise.all(deletions);
      // From the pool: their birth time must not be this upload's start (file-pool.ts).
      await placeNewFile(this.file(id, 'part'));
      await placeNewFile(this.file(id, 'ranges'));
      await writeFileDurably(this.file(id, 'json'), JSON.stringify({ size, day: dayOf(this.now()), manifestVersion }));
    } catch (error) {
      this.forget(upload);
      await removeDurably(this.directory, [`${id}.part`, `${id}.ranges`, `${id}.json`, `${id}.json.tmp`]);
      throw storageFaults.classify('upload create', error);
    }
    storageFaults.succeeded();
    return this.statusOf(upload);
  }

  /**
   * Fairness per connection: one connection holds at most
   * {@link MAX_UPLOADS_PER_CONNECTION} open uploads, so a connection that
   * keeps creating (and never sends) replaces its own oldest upload instead
   * of filling the slots other connections need. Over Tor each stream is its
   * own connection, and the onion service caps the streams of a circuit
   * (docs/OPERATIONS.md), so holding slots costs circuits.
   */
  private makeRoomForOwner(owner: object | undefined): Promise<void>[] {
    if (owner === undefined) return [];
    const own = [...this.uploads.values()].filter(
      (upload) => upload.owner === owner && upload.finalizing === undefined,
    );
    return own.slice(0, Math.max(0, own.length - MAX_UPLOADS_PER_CONNECTION + 1)).map((victim) => {
      this.gone.add(victim.id);
      return this.drop(victim);
    });
  }

  /**
   * Frees a slot and `bytes` of quota by evicting uploads, chosen and
   * forgotten synchronously (so a concurrent create sees the room taken);
   * returns the deletions of their files still to be awaited.
   * @throws ApiError TOO_MANY_UPLOADS or QUOTA_EXCEEDED, evicting nothing, if
   *   even every evictable upload would not make room.
   */
  private makeRoom(bytes: number): Promise<void>[] {
    const slotFree = (): boolean => this.uploads.size < this.limits.maxConcurrentUploads;
    if (slotFree() && this.quota.hasRoom(bytes)) return [];
    const candidates = [...this.uploads.values()].map((upload) => ({
      upload,
      createdAt: upload.createdAt,
      lastActivity: upload.lastActivity,
      receivedBytes: upload.checkpoints.receivedBytes(),
      chunksInFlight: upload.writes.size,
      finalizing: upload.finalizing !== undefined,
    }));
    const order = evictionOrder(candidates, this.now().getTime()).map((candidate) => candidate.upload);
    let slots = this.limits.maxConcurrentUploads - this.uploads.size;
    let freed = 0;
    let needed = 0;
    while (slots < 1 || !this.quota.hasRoom(bytes - freed)) {
      const next = order[needed];
      if (next === undefined) {
        if (slots >= 1) throw new ApiError('QUOTA_EXCEEDED');
        // Every slot is held by an upload being finalized: one is free in a moment.
        throw new ApiError('TOO_MANY_UPLOADS', { 'Retry-After': '1' });
      }
      slots += 1;
      freed += next.reservation + next.checkpoints.journalBytes();
      needed += 1;
    }
    return order.slice(0, needed).map((victim) => {
      this.gone.add(victim.id);
      return this.drop(victim);
    });
  }

  private get(id: string): Upload {
    if (!isSubmissionId(id)) throw new ApiError('INVALID_ID');
    const upload = this.uploads.get(id);
    if (upload === undefined) throw new ApiError(this.gone.has(id) ? 'UPLOAD_GONE' : 'NOT_FOUND');
    return upload;
  }

  /** @throws ApiError INVALID_ID, NOT_FOUND or UPLOAD_GONE. */
  status(id: string): UploadStatus {
    return this.statusOf(this.get(id));
  }

  /**
   * Checks a chunk before its body is read, and grows the upload's
   * reservation to cover it: the chunk's placement, the cap on separate
   * spans ({@link MAX_RECEIVED_SPANS}, counting chunks in flight as new ones)
   * and room in the quota.
   * @throws ApiError INVALID_ID, NOT_FOUND, UPLOAD_GONE, CHUNK_TOO_LARGE,
   *   CHUNK_OUT_OF_BOUNDS, UPLOAD_BUSY, TOO_MANY_RANGES or QUOTA_EXCEEDED.
   */
  checkChunk(id: string, offset: number, length: number): void {
    this.reserveChunk(this.get(id), offset, length);
  }

  private reserveChunk(upload: Upload, offset: number, length: number): void {
    if (length > this.limits.maxChunkBytes) throw new ApiError('CHUNK_TOO_LARGE');
    if (offset + length > upload.size) throw new ApiError('CHUNK_OUT_OF_BOUNDS');
    if (upload.finalizing !== undefined) throw new ApiError('UPLOAD_BUSY');
    if (upload.checkpoints.spanCountWith(offset, offset + length) + upload.writes.size > MAX_RECEIVED_SPANS) {
      throw new ApiError('TOO_MANY_RANGES');
    }
    let inFlight = 0;
    for (const write of upload.writes) inFlight += write.length;
    const needed = Math.min(upload.size, upload.checkpoints.receivedBytes() + inFlight + length);
    if (needed > upload.reservation) {
      this.quota.ensureRoom(needed - upload.reservation);
      this.reserved += needed - upload.reservation;
      upload.reservation = needed;
    }
  }

  /**
   * Writes one chunk at `offset`, streaming `body` to the file. The chunk
   * counts as received once all its bytes are written; it becomes durable
   * (and survives a restart) at the next checkpoint, which this may start in
   * the background. A retry of the same chunk simply writes the same bytes
   * again. Bytes written over the age version line must match it, or the
   * upload is deleted. A cancel or an eviction aborts the write, destroys
   * `body` and calls `onAbort` (the route closes the request's connection).
   * @throws ApiError as {@link checkChunk}; CHUNK_INCOMPLETE if the body ends
   *   early; INVALID_HEADER (upload deleted); NOT_FOUND or UPLOAD_GONE if the
   *   upload was cancelled or evicted meanwhile; STORAGE_FULL (disk-faults.ts).
   */
  async writeChunk(
    id: string,
    offset: number,
    length: number,
    body: AsyncIterable<Uint8Array>,
    onAbort?: () => void,
  ): Promise<UploadStatus> {
    const upload = this.get(id);
    this.reserveChunk(upload, offset, length);
    const ticket = upload.checkpoints.startWrite();
    const controller = new AbortController();
    if (onAbort !== undefined) controller.signal.addEventListener('abort', onAbort, { once: true });
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const write: ChunkWrite = { length, controller, settled };
    upload.writes.add(write);
    const finish = (): void => {
      upload.writes.delete(write);
      upload.lastActivity = this.now().getTime();
      settle();
    };
    try {
      const handle = await open(this.file(id, 'part'), 'r+');
      try {
        const written = await writeChunkBody(handle, offset, length, body, {
          signal: controller.signal,
          inspect: (pieces) => requireAgePrefix(pieces, offset),
        });
        if (written !== length) throw new ApiError('CHUNK_INCOMPLETE');
      } finally {
        await handle.close();
      }
      upload.checkpoints.recordWrite(ticket, offset, offset + length);
      storageFaults.succeeded();
      return this.statusOf(upload);
    } catch (error) {
      if (controller.signal.aborted) throw new ApiError(this.gone.has(id) ? 'UPLOAD_GONE' : 'NOT_FOUND');
      if (error instanceof ApiError && error.code === 'INVALID_HEADER') {
        finish();
        if (this.uploads.get(id) === upload) await this.drop(upload);
      }
      throw storageFaults.classify('chunk', error);
    } finally {
      finish();
    }
  }

  /**
   * Turns a complete upload into a submission after `check` accepts it. An
   * upload encrypted to another manifest version than `manifestVersion` (the
   * current one: keys rotated meanwhile) or refused by `check` is deleted.
   * Finalizing an id that is already a submission answers as if it just
   * happened, so a client whose connection dropped during finalize can
   * safely retry.
   * @throws ApiError INVALID_ID, NOT_FOUND, UPLOAD_GONE, UPLOAD_BUSY,
   *   MANIFEST_CHANGED, UPLOAD_INCOMPLETE, STORAGE_FULL (disk-faults.ts), or the check's error.
   */
  async finalize(id: string, manifestVersion: number, check: EnvelopeCheck): Promise<{ id: string; size: number }> {
    if (!isSubmissionId(id)) throw new ApiError('INVALID_ID');
    const upload = this.uploads.get(id);
    if (upload === undefined) {
      if (this.gone.has(id)) throw new ApiError('UPLOAD_GONE');
      const done = await this.submissions.info(id);
      if (done === null) throw new ApiError('NOT_FOUND');
      return { id, size: done.size };
    }
    if (upload.finalizing !== undefined || upload.writes.size > 0) throw new ApiError('UPLOAD_BUSY');
    if (upload.manifestVersion !== manifestVersion) {
      await this.drop(upload);
      throw new ApiError('MANIFEST_CHANGED');
    }
    if (!upload.checkpoints.covers(upload.size)) throw new ApiError('UPLOAD_INCOMPLETE');
    const finalizing = this.finalizeNow(upload, check);
    upload.finalizing = finalizing;
    try {
      return await finalizing;
    } finally {
      upload.finalizing = undefined;
      upload.checkpoints.resume();
    }
  }

  private async finalizeNow(upload: Upload, check: EnvelopeCheck): Promise<{ id: string; size: number }> {
    const { id } = upload;
    // No checkpoint is needed (adopt fsyncs the whole file), but none may
    // append to the journal after it is removed.
    await upload.checkpoints.pause();
    const partFile = this.file(id, 'part');
    const handle = await open(partFile, 'r');
    try {
      try {
        await check(handle, upload.size);
      } catch (error) {
        if (error instanceof ApiError) await this.drop(upload);
        throw error;
      }
      try {
        await this.submissions.adopt(handle, partFile, id, upload.size, this.now());
      } catch (error) {
        // As after a failed checkpoint: only journaled bytes are still claimed.
        upload.checkpoints.distrustUnsynced();
        throw storageFaults.classify('finalize', error);
      }
    } finally {
      await handle.close();
    }
    this.forget(upload);
    await removeDurably(this.directory, [`${id}.ranges`, `${id}.json`]);
    return { id, size: upload.size };
  }

  /**
   * Abandons an upload and deletes its bytes. A cancel wins over chunks in
   * flight: they are aborted (their requests destroyed) and awaited first. A
   * finalize in progress wins over a cancel: the cancel waits for it, then
   * deletes the upload if the finalize failed (or returns if the finalize
   * refused and deleted it), or answers NOT_FOUND if it became a submission.
   * @throws ApiError INVALID_ID, NOT_FOUND or UPLOAD_GONE.
   */
  async cancel(id: string): Promise<void> {
    const upload = this.get(id);
    if (upload.finalizing !== undefined) {
      await upload.finalizing.catch(() => undefined);
      if (this.uploads.get(id) !== upload) {
        if ((await this.submissions.info(id)) !== null) throw new ApiError('NOT_FOUND');
        return; // refused at finalize and deleted: nothing of it is left
      }
    }
    await this.drop(upload);
  }

  /**
   * Forgets an upload (synchronously, before the first await), aborts and
   * awaits its chunks in flight and its checkpoint, then deletes its files.
   */
  private async drop(upload: Upload): Promise<void> {
    this.forget(upload);
    for (const write of upload.writes) write.controller.abort();
    await Promise.all([...upload.writes].map((write) => write.settled));
    await upload.checkpoints.settle();
    // The meta file goes first: without it, leftovers are orphans that recovery removes.
    await removeDurably(this.directory, [`${upload.id}.json`, `${upload.id}.part`, `${upload.id}.ranges`]);
  }

  /** Deletes uploads idle for longer than the expiry; returns how many. */
  async expire(): Promise<number> {
    const cutoff = this.now().getTime() - this.limits.uploadExpirySeconds * 1000;
    let expired = 0;
    for (const upload of [...this.uploads.values()]) {
      if (upload.lastActivity < cutoff && upload.writes.size === 0 && upload.finalizing === undefined) {
        await this.drop(upload);
        expired += 1;
      }
    }
    return expired;
  }

  private statusOf(upload: Upload): UploadStatus {
    const offset = upload.checkpoints.offset();
    const idleMs = upload.writes.size > 0 ? 0 : this.now().getTime() - upload.lastActivity;
    return {
      id: upload.id,
      size: upload.size,
      offset,
      durableOffset: upload.checkpoints.durableOffset(),
      complete: offset >= upload.size,
      expiresInSeconds: Math.max(0, Math.floor((this.limits.uploadExpirySeconds * 1000 - idleMs) / 1000)),
    };
  }
}

/** A key manifest version as the wire carries it: a positive safe integer. */
export function isManifestVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
