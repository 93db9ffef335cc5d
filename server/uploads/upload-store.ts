/**
 * Resumable uploads of ciphertext, streamed to disk in bounded memory.
 *
 * On disk, under `<dataDir>/uploads/`, an upload is three files:
 * - `<id>.json`: `{ "size": n, "day": "YYYY-MM-DD" }`, written durably last at
 *   creation, so its presence means the upload exists;
 * - `<id>.part`: the ciphertext, written at chunk offsets (sparse until full);
 * - `<id>.ranges`: a journal of `start end` lines, appended by checkpoints.
 *
 * Acknowledging a chunk does not wait for the disk: a resumable upload does not
 * need it, because after a crash the client asks for the offset and sends
 * the rest again. What must hold is that the journal never claims a byte
 * that is not on disk; each upload's {@link Checkpointer} keeps that promise,
 * in the background, so disk writes overlap with network reads and the fsync
 * at finalize has little left to do.
 *
 * A finalized upload's `.part` is renamed to `submissions/<id>.age`; the other
 * two files are then removed. {@link UploadStore.open} repairs whatever a crash
 * left between those steps.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../errors.js';
import { dayOf } from '../storage/day.js';
import { removeDurably, syncDirectory, writeFileDurably } from '../storage/durable.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';
import { newId } from '../storage/ids.js';
import { StorageQuota } from '../storage/quota.js';
import type { SubmissionStore } from '../storage/submission-store.js';
import { Checkpointer, DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from './checkpointer.js';
import { writeChunkBody } from './chunk-writer.js';
import { parseJournal, type ReceivedSpan, type ReceivedSpans } from './received-spans.js';

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
  /** Every received span (end exclusive), for clients that send chunks out of order. */
  readonly received: ReceivedSpan[];
  readonly complete: boolean;
}

/**
 * Checks a complete upload before it becomes a submission.
 * @throws ApiError with the reason it is refused.
 */
export type EnvelopeCheck = (handle: FileHandle, size: number) => Promise<void>;

interface Upload {
  readonly id: string;
  readonly size: number;
  /** Received and durable bytes, and the checkpoints between them. */
  readonly checkpoints: Checkpointer;
  inFlight: number;
  finalizing: boolean;
  lastActivity: number;
}

export class UploadStore {
  readonly directory: string;
  /**
   * The data folder's one storage quota, counting stored submissions and the
   * declared size of every open upload; other stores (reply mailboxes) join it.
   */
  readonly quota: StorageQuota;
  private readonly uploads = new Map<string, Upload>();
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
    this.quota.include(() => this.submissions.totalBytes() + this.reserved);
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

  private async recover(): Promise<void> {
    const names = await readdir(this.directory);
    const ids = new Set(names.map((name) => name.split('.')[0] ?? ''));
    for (const id of ids) {
      const keep = isSubmissionId(id) && (await this.resume(id, names));
      if (!keep) {
        const leftovers = names.filter((name) => name.split('.')[0] === id);
        for (const name of leftovers) await rm(path.join(this.directory, name), { force: true });
      }
    }
    await syncDirectory(this.directory);
  }

  /** Loads one upload from disk; false if its files should be deleted. */
  private async resume(id: string, names: readonly string[]): Promise<boolean> {
    if (!names.includes(`${id}.json`) || !names.includes(`${id}.part`)) return false;
    // Renamed into place before the crash: the submission is what counts.
    if ((await this.submissions.info(id)) !== null) return false;
    let size: unknown;
    try {
      size = (JSON.parse(await readFile(this.file(id, 'json'), 'utf8')) as { size?: unknown }).size;
    } catch {
      return false;
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) return false;
    const journal = names.includes(`${id}.ranges`) ? await readFile(this.file(id, 'ranges'), 'utf8') : '';
    this.track(id, size, parseJournal(journal, size));
    return true;
  }

  private track(id: string, size: number, durable?: ReceivedSpans): Upload {
    const files = { part: this.file(id, 'part'), journal: this.file(id, 'ranges') };
    const upload: Upload = {
      id,
      size,
      checkpoints: new Checkpointer(files, this.policy, durable),
      inFlight: 0,
      finalizing: false,
      lastActivity: this.now().getTime(),
    };
    this.uploads.set(id, upload);
    this.reserved += size;
    return upload;
  }

  private forget(upload: Upload): void {
    upload.checkpoints.stop();
    if (this.uploads.delete(upload.id)) this.reserved -= upload.size;
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
   * Starts an upload of exactly `size` bytes of ciphertext. All limits are
   * checked here, before a single byte is accepted: the size limit, the quota
   * (stored submissions, the full declared size of every open upload, and
   * whatever else has joined {@link quota}), and the number of concurrent uploads.
   * @throws ApiError SUBMISSION_TOO_LARGE, QUOTA_EXCEEDED or TOO_MANY_UPLOADS.
   */
  async create(size: number): Promise<UploadStatus> {
    if (size > this.limits.maxSubmissionBytes) throw new ApiError('SUBMISSION_TOO_LARGE');
    if (this.uploads.size >= this.limits.maxConcurrentUploads) throw new ApiError('TOO_MANY_UPLOADS');
    this.quota.ensureRoom(size);
    const id = newId();
    // Reserve before the first await so concurrent creates cannot overshoot.
    const upload = this.track(id, size);
    try {
      await (await open(this.file(id, 'part'), 'wx', 0o600)).close();
      await (await open(this.file(id, 'ranges'), 'wx', 0o600)).close();
      await writeFileDurably(this.file(id, 'json'), JSON.stringify({ size, day: dayOf(this.now()) }));
    } catch (error) {
      this.forget(upload);
      await removeDurably(this.directory, [`${id}.part`, `${id}.ranges`, `${id}.json`]);
      throw error;
    }
    return statusOf(upload);
  }

  private get(id: string): Upload {
    if (!isSubmissionId(id)) throw new ApiError('INVALID_ID');
    const upload = this.uploads.get(id);
    if (upload === undefined) throw new ApiError('NOT_FOUND');
    return upload;
  }

  /** @throws ApiError INVALID_ID or NOT_FOUND. */
  status(id: string): UploadStatus {
    return statusOf(this.get(id));
  }

  /**
   * Checks a chunk's placement before its body is read.
   * @throws ApiError INVALID_ID, NOT_FOUND, CHUNK_TOO_LARGE, CHUNK_OUT_OF_BOUNDS or UPLOAD_BUSY.
   */
  checkChunk(id: string, offset: number, length: number): void {
    const upload = this.get(id);
    if (length > this.limits.maxChunkBytes) throw new ApiError('CHUNK_TOO_LARGE');
    if (offset + length > upload.size) throw new ApiError('CHUNK_OUT_OF_BOUNDS');
    if (upload.finalizing) throw new ApiError('UPLOAD_BUSY');
  }

  /**
   * Writes one chunk at `offset`, streaming `body` to the file. The chunk
   * counts as received once all its bytes are written; it becomes durable
   * (and survives a restart) at the next checkpoint, which this may start in
   * the background. A retry of the same chunk simply writes the same bytes
   * again.
   * @throws ApiError as {@link checkChunk}, or CHUNK_INCOMPLETE if the body ends early.
   */
  async writeChunk(id: string, offset: number, length: number, body: AsyncIterable<Uint8Array>): Promise<UploadStatus> {
    this.checkChunk(id, offset, length);
    const upload = this.get(id);
    const ticket = upload.checkpoints.startWrite();
    upload.inFlight += 1;
    try {
      const handle = await open(this.file(id, 'part'), 'r+');
      try {
        const written = await writeChunkBody(handle, offset, length, body);
        if (written !== length) throw new ApiError('CHUNK_INCOMPLETE');
      } finally {
        await handle.close();
      }
      upload.checkpoints.recordWrite(ticket, offset, offset + length);
      return statusOf(upload);
    } finally {
      upload.inFlight -= 1;
      upload.lastActivity = this.now().getTime();
    }
  }

  /**
   * Turns a complete upload into a submission after `check` accepts it. A
   * refused upload is deleted. Finalizing an id that is already a submission
   * answers as if it just happened, so a client whose connection dropped
   * during finalize can safely retry.
   * @throws ApiError INVALID_ID, NOT_FOUND, UPLOAD_BUSY, UPLOAD_INCOMPLETE, or the check's error.
   */
  async finalize(id: string, check: EnvelopeCheck): Promise<{ id: string; size: number }> {
    if (!isSubmissionId(id)) throw new ApiError('INVALID_ID');
    const upload = this.uploads.get(id);
    if (upload === undefined) {
      const done = await this.submissions.info(id);
      if (done === null) throw new ApiError('NOT_FOUND');
      return { id, size: done.size };
    }
    if (upload.finalizing || upload.inFlight > 0) throw new ApiError('UPLOAD_BUSY');
    if (!upload.checkpoints.covers(upload.size)) throw new ApiError('UPLOAD_INCOMPLETE');
    upload.finalizing = true;
    try {
      // No checkpoint is needed (adopt fsyncs the whole file), but none may
      // append to the journal after it is removed.
      await upload.checkpoints.pause();
      const partFile = this.file(id, 'part');
      const handle = await open(partFile, 'r');
      try {
        try {
          await check(handle, upload.size);
        } catch (error) {
          if (error instanceof ApiError) await this.discard(upload);
          throw error;
        }
        try {
          await this.submissions.adopt(handle, partFile, id, upload.size, this.now());
        } catch (error) {
          // As after a failed checkpoint: only journaled bytes are still claimed.
          upload.checkpoints.distrustUnsynced();
          throw error;
        }
      } finally {
        await handle.close();
      }
      this.forget(upload);
      await removeDurably(this.directory, [`${id}.ranges`, `${id}.json`]);
      return { id, size: upload.size };
    } finally {
      upload.finalizing = false;
      upload.checkpoints.resume();
    }
  }

  /**
   * Abandons an upload and deletes its bytes.
   * @throws ApiError INVALID_ID, NOT_FOUND or UPLOAD_BUSY.
   */
  async cancel(id: string): Promise<void> {
    const upload = this.get(id);
    if (upload.finalizing || upload.inFlight > 0) throw new ApiError('UPLOAD_BUSY');
    await this.discard(upload);
  }

  private async discard(upload: Upload): Promise<void> {
    this.forget(upload);
    await upload.checkpoints.settle();
    // The meta file goes first: without it, leftovers are orphans that recovery removes.
    await removeDurably(this.directory, [`${upload.id}.json`, `${upload.id}.part`, `${upload.id}.ranges`]);
  }

  /** Deletes uploads idle for longer than the expiry; returns how many. */
  async expire(): Promise<number> {
    const cutoff = this.now().getTime() - this.limits.uploadExpirySeconds * 1000;
    let expired = 0;
    for (const upload of [...this.uploads.values()]) {
      if (upload.lastActivity < cutoff && upload.inFlight === 0 && !upload.finalizing) {
        await this.discard(upload);
        expired += 1;
      }
    }
    return expired;
  }
}

function statusOf(upload: Upload): UploadStatus {
  const offset = upload.checkpoints.offset();
  return {
    id: upload.id,
    size: upload.size,
    offset,
    durableOffset: upload.checkpoints.durableOffset(),
    received: upload.checkpoints.receivedSpans(),
    complete: offset >= upload.size,
  };
}
