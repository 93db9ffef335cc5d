/**
 * Resumable upload of one ciphertext to the source listener (docs/API.md):
 * create an upload of the exact size and the manifest version it is
 * encrypted to, PUT it in batches at explicit offsets, then finalize. A
 * dropped connection is retried with backoff for as long as the server keeps
 * the upload (its `expiresInSeconds`); before each retry the server is asked
 * how many bytes it holds (`GET`), and sending resumes from there, so nothing
 * starts over. A cancel deletes the server's copy and waits for the server
 * to confirm it.
 *
 * The server acknowledges bytes before they are durable, and after a crash it
 * may report an offset below what it acknowledged. Ciphertext cannot be made
 * again (encryption is randomized), so every batch is kept from the server's
 * `durableOffset` on ({@link RetainedBatches}) and sent again if needed.
 *
 * Up to two batches are on the wire at once (each a Blob body), so one's
 * round trip overlaps the other's body; answers that overlapped another
 * request only add to what is known (see {@link ChunkPut}).
 *
 * Memory is bounded whatever the size, by three parts: the retained batches
 * (at most {@link UploadOptions.maxRetainedBytes}, 32 MiB by default, those on
 * the wire included; sending waits for the server's checkpoints when full);
 * the next batch, filled while the others upload (at most
 * {@link UploadOptions.maxBatchBytes}, 8 MiB); and the Blob copy of each body
 * on the wire (at most `maxInFlight` batches, 2 x 8 MiB), which the browser
 * keeps in its blob storage until the request is done. By default at most
 * 56 MiB, all of it ciphertext (docs/PROTOCOL.md, what stays on the device).
 * No DOM: it runs in the encryption worker and under Node in tests.
 *
 * This file holds the upload's steps ({@link CiphertextUpload}) and batching
 * ({@link rebatch}); requests and retries are in upload-requests.ts, how an
 * answer becomes an error in upload-errors.ts, the routes in upload-routes.ts.
 */
import { isSubmissionId } from '../core/wire-shapes.js';
import { BatchBuffers } from './batch-buffers.js';
import { RetainedBatches, type Batch } from './retained-batches.js';
import { TransientFailure, UploadCancelled, UploadError } from './upload-errors.js';
import { UploadRequests, type FetchLike, type RetryNow } from './upload-requests.js';
import { chunkRoute, finalizeRoute, uploadRoute, UPLOADS_ROUTE } from './upload-routes.js';

export interface UploadOptions {
  /** Base URL of the source listener; `api/uploads` is resolved against it. */
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  readonly signal?: AbortSignal;
  /**
   * The version of the verified manifest the ciphertext is encrypted to; the
   * server refuses anything but its current one (`manifest-changed`).
   */
  readonly manifestVersion: number;
  /** Called once the server has assigned the upload id. */
  readonly onCreated?: (id: string) => void;
  /** Called after each batch the server has acknowledged, with the bytes acknowledged so far. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called when a request failed and a retry is scheduled in `nextTryInMs`. */
  readonly onRetry?: (nextTryInMs: number) => void;
  /** Fired by the source's "try now": the wait before the next retry ends at once. */
  readonly retryNow?: RetryNow;
  /**
   * Waits between consecutive failed attempts, the last one repeating for
   * as long as the server keeps the upload (the `expiresInSeconds` of its
   * last answer); the upload fails with `connection` when the next try would
   * come later. Default: 1, 2, 4, 8, 15, then every 30 s.
   */
  readonly retryDelaysMs?: readonly number[];
  /**
   * How long to keep trying before the server has said how long it keeps
   * the upload (the create, or a server that does not say); default 15 min.
   */
  readonly unknownExpiryMs?: number;
  /**
   * Waits between attempts to delete the server's copy after a cancel,
   * until it confirms; default 0.5, 1, 2, 4, 8, 15, 30 s (about a minute).
   */
  readonly deleteDelaysMs?: readonly number[];
  /** Smallest and largest batch (one PUT); default 64 KiB and 8 MiB. */
  readonly minBatchBytes?: number;
  readonly maxBatchBytes?: number;
  /** First batch size; default 256 KiB. */
  readonly initialBatchBytes?: number;
  /** Batches are sized to take about this long at the measured rate; default 4 s. */
  readonly targetBatchSeconds?: number;
  /**
   * Chunk requests on the wire at once; default 2, so that the next one's
   * round trip (and, on a fast link, the server's per-request work) overlaps
   * the current one's body instead of adding to it.
   */
  readonly maxInFlight?: number;
  /** Clock for batch sizing (injectable for tests). */
  readonly now?: () => number;
  /**
   * Most ciphertext kept for sending again while the server has not made it
   * durable; default 32 MiB, four times the server's default checkpoint
   * interval. When another batch would exceed it, sending waits, polling the
   * status, until the server's `durableOffset` lets batches go.
   */
  readonly maxRetainedBytes?: number;
  /**
   * Waits between those status polls; when they run out without any batch
   * becoming durable the upload fails with `connection`. Default: 0.25, 0.5,
   * 1, 2, 4, 8, 15, then 30 s four times (about 2.5 minutes).
   */
  readonly durablePollDelaysMs?: readonly number[];
}

/** What the server says about an upload. */
interface UploadStatus {
  readonly id: string;
  /** Bytes held contiguously from 0: where to resume. */
  readonly offset: number;
  /** Bytes from 0 that a server restart will still hold; at most `offset`. */
  readonly durableOffset: number;
  /** Seconds until the server expires the upload if it stays idle; null if it does not say. */
  readonly expiresInSeconds: number | null;
}

/**
 * One chunk request on the wire. Its answer is only trusted as the server's
 * whole word if no other chunk request overlapped it: otherwise it may be
 * older than an answer already taken in (answers of separate connections
 * can cross), so it may only add to what is known, never take it back.
 */
interface ChunkPut {
  readonly piece: Batch;
  /** When it went out, on the settings' clock. */
  readonly began: number;
  /** Whether another chunk request was on the wire at some point during this one. */
  overlapped: boolean;
  /**
   * Never rejects: the status the server answered and when it arrived (on
   * the settings' clock), or what went wrong.
   */
  readonly outcome: Promise<{ status: UploadStatus; at: number } | { error: Error }>;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
const DEFAULT_UNKNOWN_EXPIRY_MS = 15 * 60_000;
const DEFAULT_DELETE_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
const DEFAULT_MAX_IN_FLIGHT = 2;
const DEFAULT_DURABLE_POLL_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000];
const JSON_HEADERS = { 'content-type': 'application/json' };
const OCTET_HEADERS = { 'content-type': 'application/octet-stream' };

function parseStatus(value: unknown): UploadStatus {
  const status = value as Partial<UploadStatus> | null;
  if (
    typeof status !== 'object' ||
    status === null ||
    typeof status.id !== 'string' ||
    typeof status.offset !== 'number' ||
    !Number.isSafeInteger(status.offset) ||
    typeof status.durableOffset !== 'number' ||
    !Number.isSafeInteger(status.durableOffset) ||
    status.durableOffset < 0 ||
    status.durableOffset > status.offset
  ) {
    throw new UploadError('rejected', 'unexpected answer from the server');
  }
  const expires = status.expiresInSeconds;
  return {
    id: status.id,
    offset: status.offset,
    durableOffset: status.durableOffset,
    expiresInSeconds: typeof expires === 'number' && Number.isSafeInteger(expires) && expires >= 0 ? expires : null,
  };
}

/**
 * Regroup a byte stream into batches whose sizes `nextSize` decides, each in
 * a buffer of its own from `allocate` (the source's chunks may be reused or
 * wiped after they are handed over): a fresh one, or one the caller no
 * longer reads (batch-buffers.ts). The last batch may be shorter.
 */
export async function* rebatch(
  source: AsyncIterable<Uint8Array>,
  nextSize: () => number,
  allocate: (size: number) => Uint8Array<ArrayBuffer> = (size) => new Uint8Array(size),
): AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined> {
  let buffer = allocate(nextSize());
  let filled = 0;
  for await (const chunk of source) {
    let position = 0;
    while (position < chunk.length) {
      const take = Math.min(buffer.length - filled, chunk.length - position);
      buffer.set(chunk.subarray(position, position + take), filled);
      filled += take;
      position += take;
      if (filled === buffer.length) {
        yield buffer;
        buffer = allocate(nextSize());
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/** {@link UploadOptions} with every default filled in. */
interface UploadSettings {
  readonly minBatch: number;
  readonly maxBatch: number;
  readonly initialBatch: number;
  readonly targetSeconds: number;
  readonly now: () => number;
  readonly maxRetained: number;
  readonly maxInFlight: number;
  readonly pollDelays: readonly number[];
  readonly unknownExpiryMs: number;
  readonly deleteDelays: readonly number[];
  readonly onProgress: ((sent: number, total: number) => void) | undefined;
}

function settingsOf(options: UploadOptions): UploadSettings {
  const minBatch = options.minBatchBytes ?? 64 * KIB;
  const maxBatch = options.maxBatchBytes ?? 8 * MIB;
  return {
    minBatch,
    maxBatch,
    initialBatch: Math.min(Math.max(options.initialBatchBytes ?? 256 * KIB, minBatch), maxBatch),
    targetSeconds: options.targetBatchSeconds ?? 4,
    now: options.now ?? (() => performance.now()),
    maxRetained: options.maxRetainedBytes ?? 32 * MIB,
    maxInFlight: Math.max(1, options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    pollDelays: options.durablePollDelaysMs ?? DEFAULT_DURABLE_POLL_DELAYS_MS,
    unknownExpiryMs: options.unknownExpiryMs ?? DEFAULT_UNKNOWN_EXPIRY_MS,
    deleteDelays: options.deleteDelaysMs ?? DEFAULT_DELETE_DELAYS_MS,
    onProgress: options.onProgress,
  };
}

/**
 * One upload the server has created: what it holds as far as we know, the
 * ciphertext retained until it is durable, and the steps that move the
 * upload forward. {@link CiphertextUpload.create} asks for it; `send` runs
 * the rest: batches in, each delivered, then finalize.
 */
class CiphertextUpload {
  readonly #id: string;
  readonly #size: number;
  readonly #settings: UploadSettings;
  readonly #requests: UploadRequests;
  /** Until when, on the settings' clock, the server keeps the upload as far as we know. */
  readonly #keptUntil: { at: number };
  /** Whether the server has said how long it keeps the upload. */
  #expiryKnown = false;
  /** Batch buffers the server holds durably, for the next batches. */
  readonly #buffers: BatchBuffers;
  /** Sent and not yet durable on the server: `[retained.start, retained.end)`. */
  readonly #retained: RetainedBatches;
  /** Bytes the server holds contiguously from 0, as far as we know. */
  #acknowledged = 0;
  /** The next batch's size, adapted to the measured rate. */
  #batchSize: number;
  /** Whether a chunk answer has measured the rate yet. */
  #rateKnown = false;

  private constructor(
    id: string,
    size: number,
    settings: UploadSettings,
    requests: UploadRequests,
    keptUntil: { at: number },
  ) {
    this.#id = id;
    this.#size = size;
    // As many as can be live: the retained window, and the batch being filled.
    this.#buffers = new BatchBuffers(settings.maxBatch, Math.ceil(settings.maxRetained / settings.maxBatch) + 1);
    this.#retained = new RetainedBatches((bytes) => {
      this.#buffers.give(bytes);
    });
    this.#settings = settings;
    this.#requests = requests;
    this.#keptUntil = keptUntil;
    this.#batchSize = settings.initialBatch;
  }

  /**
   * Asks the server for an upload of `size` bytes and reports its id.
   * @throws UploadError as {@link uploadCiphertext} does.
   */
  static async create(size: number, options: UploadOptions): Promise<CiphertextUpload> {
    const settings = settingsOf(options);
    // Shared with the requests: every status answer moves it on (see #noteStatus).
    const keptUntil = { at: settings.now() + settings.unknownExpiryMs };
    const requests = new UploadRequests({
      baseUrl: options.baseUrl,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      signal: options.signal,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      retryUntil: () => keptUntil.at,
      now: settings.now,
      onRetry: options.onRetry,
      retryNow: options.retryNow,
    });
    // A retried create after a lost answer may leave an orphan upload; the
    // server expires it. It cannot be avoided without a client-chosen id.
    const body = JSON.stringify({ size, manifestVersion: options.manifestVersion });
    const created = parseStatus(
      await requests.withRetries(() => requests.call('POST', UPLOADS_ROUTE, body, JSON_HEADERS, 'rejected')),
    );
    if (!isSubmissionId(created.id)) throw new UploadError('rejected', 'unexpected answer from the server');
    options.onCreated?.(created.id);
    const upload = new CiphertextUpload(created.id, size, settings, requests, keptUntil);
    upload.#noteExpiry(created);
    return upload;
  }

  /**
   * Sends all of `ciphertext` and finalizes. On a cancel it deletes the
   * server's copy and waits for the server's word ({@link UploadCancelled});
   * on any other failure it deletes it best effort and rethrows.
   */
  async send(ciphertext: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const batches = rebatch(
      ciphertext,
      () => this.#nextBatchSize(),
      (size) => this.#buffers.take(size),
    );
    try {
      await this.#sendBatches(batches);
      await this.#finalize();
      return { id: this.#id, size: this.#size };
    } catch (error) {
      await batches.return().catch(() => undefined);
      if (error instanceof UploadError && error.code === 'cancelled') throw await this.#cancelled();
      // Leave nothing half-written behind; the server would expire it anyway. An
      // upload the server no longer has (dropped, expired, or refused at finalize
      // after a rotation) is already gone: another request would only cost the link.
      const gone = error instanceof UploadError && (error.code === 'expired' || error.code === 'manifest-changed');
      if (!gone) await this.#requests.discard(uploadRoute(this.#id));
      throw error;
    }
  }

  /**
   * Deletes the server's copy after a cancel, retrying until the server
   * confirms or the delete delays run out, and says which.
   */
  async #cancelled(): Promise<UploadCancelled> {
    const confirmed = await this.#requests.deleteConfirmed(uploadRoute(this.#id), this.#settings.deleteDelays);
    if (confirmed) return new UploadCancelled({ state: 'deleted' });
    const left = this.#keptUntil.at - this.#settings.now();
    return new UploadCancelled({
      state: 'unconfirmed',
      expiresInSeconds: this.#expiryKnown ? Math.max(0, Math.ceil(left / 1000)) : null,
    });
  }

  /**
   * Delivers each batch and reports progress, encrypting the next batch
   * while this one is on the wire, with up to `maxInFlight` chunk requests
   * out at once. When one fails, the others are let finish, and sending
   * resumes from where the server says (as {@link #deliver} does); when
   * overlapping answers leave a gap, the same happens once none is out.
   * @throws TypeError if the ciphertext is not exactly the declared size.
   */
  async #sendBatches(batches: AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined>): Promise<void> {
    let next = batches.next();
    try {
      for (;;) {
        const result = await next;
        if (result.done === true) break;
        const batch = result.value;
        if (this.#retained.end + batch.length > this.#size)
          throw new TypeError('ciphertext longer than its declared size');
        next = batches.next();
        next.catch(() => undefined);
        // Answers on the way may free room; status polls only once none is out.
        while (this.#window.length > 0 && this.#retained.size + batch.length > this.#settings.maxRetained)
          await this.#settleOldest();
        await this.#awaitRoomFor(batch.length);
        this.#retained.add(batch);
        this.#put({ start: this.#retained.end - batch.length, bytes: batch });
        while (this.#window.length >= this.#settings.maxInFlight) await this.#settleOldest();
      }
      while (this.#window.length > 0) await this.#settleOldest();
    } finally {
      // Leaving early (an error): no request of this upload may still be out.
      await Promise.all(this.#window.splice(0).map((put) => put.outcome));
    }
    if (this.#retained.end !== this.#size) throw new TypeError('ciphertext shorter than its declared size');
  }

  /** Chunk requests on the wire, oldest first. */
  readonly #window: ChunkPut[] = [];
  /** The most bytes reported as acknowledged: progress never goes back. */
  #reported = 0;

  /** Sends one retained piece, next to those already on the wire. */
  #put(piece: Batch): void {
    const route = chunkRoute(this.#id, piece.start);
    // A Blob body, not the bytes: Chromium hands a Blob to its network process
    // as it is, while a byte body is copied again, and with DevTools attached
    // (benchmarks, tests) also encoded into the inspector's record: ~3 MB/s.
    const body = new Blob([piece.bytes]);
    const outcome = this.#requests.call('PUT', route, body, OCTET_HEADERS, 'expired').then(
      // When it arrived, not when it is taken in: with two on the wire an
      // answer may wait for the older one, and that wait is not the link's.
      (answer) => ({ status: parseStatus(answer), at: this.#settings.now() }),
      // Requests fail with errors (UploadError, TransientFailure); anything else is a bug.
      (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    const overlapped = this.#window.length > 0;
    for (const other of this.#window) other.overlapped = true;
    this.#window.push({ piece, began: this.#settings.now(), overlapped, outcome });
  }

  /**
   * Takes in the oldest chunk request's answer. A failure lets the others
   * finish, then resumes from the server's word with retries; a gap left by
   * overlapping answers is closed the same way once none is out.
   * @throws UploadError as {@link #deliver} does.
   */
  async #settleOldest(): Promise<void> {
    const put = this.#window.shift();
    if (put === undefined) return;
    const outcome = await put.outcome;
    let failure: Error | undefined = 'error' in outcome ? outcome.error : undefined;
    if (!('error' in outcome)) failure = this.#takeAnswer(put, outcome);
    if (failure === undefined && (this.#window.length > 0 || this.#acknowledged >= this.#retained.end)) return;
    // Let the rest finish first: what they answer is kept, the first final refusal wins.
    for (const other of this.#window.splice(0)) {
      const result = await other.outcome;
      if ('error' in result) {
        if (!(failure instanceof UploadError) && result.error instanceof UploadError) failure = result.error;
        else failure ??= result.error;
      } else {
        other.overlapped = true;
        const notStored = this.#takeAnswer(other, result);
        if (!(failure instanceof UploadError) && notStored instanceof UploadError) failure = notStored;
      }
    }
    if (failure !== undefined && !(failure instanceof TransientFailure)) throw failure;
    if (failure === undefined && this.#acknowledged >= this.#retained.end) return;
    // Nothing is out now: the server's status is its whole word. A gap that
    // overlapping answers left is an anomaly (a restart, a failed sync) like
    // a lone request not stored, and is retried the same way.
    await this.#deliver(failure ?? new TransientFailure('not-stored', 'batch not stored'));
  }

  /**
   * Takes in one chunk answer (see {@link ChunkPut} on overlapping ones) and
   * sizes the next batches by the rate it shows.
   * @returns a TransientFailure if a lone request's bytes were not stored
   *   (a failed disk sync), an UploadError if the server lost durable bytes.
   */
  #takeAnswer(put: ChunkPut, { status, at }: { status: UploadStatus; at: number }): Error | undefined {
    const end = put.piece.start + put.piece.bytes.length;
    // The rate of one request: with others on the wire it shares the link, so
    // batches come out smaller by as much, which keeps each about as long.
    this.#adaptBatchSize(put.piece.bytes.length, at - put.began);
    if (put.overlapped) {
      this.#noteExpiry(status);
      this.#retained.release(status.durableOffset);
      this.#acknowledged = Math.max(this.#acknowledged, Math.min(status.offset, this.#retained.end));
    } else {
      try {
        this.#noteStatus(status);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
      // Not stored after all (a failed disk sync on the server): ask where to resume.
      if (status.offset < end) return new TransientFailure('not-stored', 'batch not stored');
    }
    if (this.#acknowledged > this.#reported) {
      this.#reported = this.#acknowledged;
      this.#settings.onProgress?.(this.#reported, this.#size);
    }
    return undefined;
  }

  /**
   * Turns the upload into a stored submission. A finalize answered
   * UPLOAD_INCOMPLETE (the server restarted since the last batch and lost
   * some) is retried after sending the lost bytes again.
   * @throws UploadError `rejected` if the answer is not this submission.
   */
  async #finalize(): Promise<void> {
    let incomplete = false;
    const done = (await this.#requests.withRetries(async () => {
      if (incomplete) {
        this.#noteStatus(await this.#fetchStatus());
        await this.#deliver();
      }
      try {
        return await this.#requests.call('POST', finalizeRoute(this.#id), null, {}, 'expired');
      } catch (error) {
        incomplete = error instanceof TransientFailure && error.code === 'UPLOAD_INCOMPLETE';
        throw error;
      }
    })) as { id?: unknown; size?: unknown } | null;
    if (done?.id !== this.#id || done.size !== this.#size)
      throw new UploadError('rejected', 'unexpected answer from the server');
  }

  /**
   * Sends the retained bytes from `acknowledged` until the server holds all
   * of `[0, retained.end)`, one request at a time. After a failure (or
   * given one that just happened, `failed`) it asks the server where to
   * resume, which after a server restart may be below bytes it had
   * acknowledged: those are sent again from the retained batches.
   * No chunk request may be on the wire meanwhile.
   */
  async #deliver(failed?: Error): Promise<void> {
    let first = failed;
    await this.#requests.withRetries(async (retry) => {
      if (first !== undefined) {
        const error = first;
        first = undefined;
        throw error;
      }
      if (retry) this.#noteStatus(await this.#fetchStatus());
      for (const piece of this.#retained.from(this.#acknowledged)) {
        // An answer in this loop may have made this batch durable: dropped, its buffer given
        // back for a new batch (batch-buffers.ts). rebatch takes buffers only when asked for
        // the next batch, never during this loop, but a view into a dropped batch is never sent.
        if (piece.start < this.#retained.start) continue;
        this.#put(piece);
        const put = this.#window.shift()!;
        const outcome = await put.outcome;
        if ('error' in outcome) throw outcome.error;
        const failure = this.#takeAnswer(put, outcome);
        if (failure !== undefined) throw failure;
      }
    });
  }

  /**
   * Waits until `incoming` more bytes fit under the cap on retained
   * ciphertext, polling the status with backoff; the server's checkpoints
   * (every few MiB or seconds) advance its `durableOffset`.
   * @throws UploadError `connection` if the polls run out with no batch made durable.
   */
  async #awaitRoomFor(incoming: number): Promise<void> {
    let polls = 0;
    while (this.#retained.size > 0 && this.#retained.size + incoming > this.#settings.maxRetained) {
      const delay = this.#settings.pollDelays[polls];
      if (delay === undefined) throw new UploadError('connection', 'server is not storing the upload');
      await this.#requests.pause(delay);
      const before = this.#retained.start;
      this.#noteStatus(await this.#requests.withRetries(() => this.#fetchStatus()));
      // The server restarted meanwhile and lost bytes: send them again.
      if (this.#acknowledged < this.#retained.end) await this.#deliver();
      polls = this.#retained.start > before ? 0 : polls + 1;
    }
  }

  /** Asks the server what it holds. */
  async #fetchStatus(): Promise<UploadStatus> {
    return parseStatus(await this.#requests.call('GET', uploadRoute(this.#id), null, {}, 'expired'));
  }

  /**
   * Takes in what the server reports: lets go of batches now durable and
   * notes where to resume.
   * @throws UploadError `rejected` if the server lost bytes it had called durable.
   */
  #noteStatus(status: UploadStatus): void {
    this.#noteExpiry(status);
    if (status.offset < this.#retained.start) throw new UploadError('rejected', 'server lost durable bytes');
    this.#retained.release(status.durableOffset);
    this.#acknowledged = Math.min(status.offset, this.#retained.end);
  }

  /**
   * Every answer restarts the server's idle timer: from now, the upload is
   * kept for what it says (or the fixed bound if it does not say).
   */
  #noteExpiry(status: UploadStatus): void {
    const now = this.#settings.now();
    if (status.expiresInSeconds === null) {
      this.#keptUntil.at = Math.max(this.#keptUntil.at, now + this.#settings.unknownExpiryMs);
      return;
    }
    this.#expiryKnown = true;
    this.#keptUntil.at = now + status.expiresInSeconds * 1000;
  }

  /**
   * The size of the batch about to be filled. Until the first answer gives
   * a rate, each batch is twice the one before: the first requests, sent
   * together, then end at different times, so the link is not left idle
   * while the next ones wait out their round trip together.
   */
  #nextBatchSize(): number {
    const size = this.#batchSize;
    if (!this.#rateKnown) this.#batchSize = Math.min(this.#settings.maxBatch, size * 2);
    return size;
  }

  /** Sizes the next batches to take about `targetSeconds` at the rate just measured. */
  #adaptBatchSize(bytes: number, elapsedMs: number): void {
    if (elapsedMs <= 0) return;
    this.#rateKnown = true;
    const { minBatch, maxBatch, targetSeconds } = this.#settings;
    const wanted = (bytes / (elapsedMs / 1000)) * targetSeconds;
    this.#batchSize = Math.min(maxBatch, Math.max(minBatch, Math.round(wanted / (64 * KIB)) * 64 * KIB));
  }
}

/**
 * Upload `ciphertext`, which must be exactly `size` bytes, and finalize it.
 *
 * @returns the stored submission's id and size.
 * @throws TypeError if `size` is not a positive safe integer, or the
 *   ciphertext is not exactly `size` bytes (nothing is then finalized).
 * @throws UploadError: `too-large`, `server-busy`, `rejected`, `expired`
 *   (the server no longer holds the upload: send again from the start),
 *   `manifest-changed` (encrypt again to the current manifest),
 *   `keys-expired`, `connection` (no answer for as long as the server keeps
 *   the upload), or `cancelled` (signal aborted): an {@link UploadCancelled}
 *   saying whether the server confirmed deleting its copy, or a plain
 *   UploadError if the server had not created the upload yet.
 * @throws whatever `ciphertext` throws (encryption or file read errors); the
 *   server's partial copy is then deleted, best effort.
 */
export async function uploadCiphertext(
  size: number,
  ciphertext: AsyncIterable<Uint8Array>,
  options: UploadOptions,
): Promise<{ id: string; size: number }> {
  if (!Number.isSafeInteger(size) || size <= 0) throw new TypeError('invalid upload size');
  const upload = await CiphertextUpload.create(size, options);
  return upload.send(ciphertext);
}
