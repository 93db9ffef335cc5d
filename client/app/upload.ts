/**
 * Resumable upload of one ciphertext to the source listener (docs/API.md):
 * create an upload of the exact size, PUT it in batches at explicit offsets,
 * then finalize. A dropped connection is retried with backoff; before each
 * retry the server is asked how many bytes it holds (`GET`), and sending
 * resumes from there, so nothing starts over.
 *
 * The server acknowledges bytes before they are durable, and after a crash it
 * may report an offset below what it acknowledged. Ciphertext cannot be made
 * again (encryption is randomized), so every batch is kept from the server's
 * `durableOffset` on ({@link RetainedBatches}) and sent again if needed.
 *
 * Memory is bounded by the retained batches (at most
 * {@link UploadOptions.maxRetainedBytes}, 32 MiB by default; sending waits for
 * the server's checkpoints when full) plus the next batch, encrypted while the
 * current one uploads: about 40 MiB whatever the size.
 * No DOM: it runs in the encryption worker and under Node in tests.
 */
import { RetainedBatches } from './retained-batches.js';
import { CodedError } from '../core/coded-error.js';

/** The subset of `fetch` the uploader uses (injectable for tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type UploadErrorCode =
  /** Over the server's submission size limit. */
  | 'too-large'
  /** The server has no room or too many uploads in progress. */
  | 'server-busy'
  /** The server refused the upload (bad envelope, unexpected answer). */
  | 'rejected'
  /** The connection failed and every retry failed too. */
  | 'connection'
  /** The server no longer knows the upload (expired or deleted). */
  | 'expired'
  /** The caller aborted. */
  | 'cancelled';

/** The upload did not complete; `code` says why in terms the page can explain. */
export class UploadError extends CodedError<UploadErrorCode> {
  override name = 'UploadError';
}

export interface UploadOptions {
  /** Base URL of the source listener; `api/uploads` is resolved against it. */
  readonly baseUrl: string;
  readonly fetch?: FetchLike;
  readonly signal?: AbortSignal;
  /** Called once the server has assigned the upload id. */
  readonly onCreated?: (id: string) => void;
  /** Called after each batch the server has acknowledged, with the bytes acknowledged so far. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called when a request failed and a retry is scheduled. */
  readonly onRetry?: () => void;
  /**
   * Waits between consecutive failed attempts; when they run out the upload
   * fails with `connection`. Default: 1, 2, 4, 8, 15, then 30 s six times
   * (about 3.5 minutes without a single success).
   */
  readonly retryDelaysMs?: readonly number[];
  /** Smallest and largest batch (one PUT); default 64 KiB and 8 MiB. */
  readonly minBatchBytes?: number;
  readonly maxBatchBytes?: number;
  /** First batch size; default 256 KiB. */
  readonly initialBatchBytes?: number;
  /** Batches are sized to take about this long at the measured rate; default 4 s. */
  readonly targetBatchSeconds?: number;
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
}

const KIB = 1024;
const MIB = 1024 * KIB;
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000, 30000, 30000];
const DEFAULT_DURABLE_POLL_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 30000];
/** Never wait longer than this for a server's Retry-After. */
const MAX_RETRY_AFTER_MS = 60_000;

/** An attempt failed in a way worth retrying (network, proxy, busy, rate limit). */
class TransientFailure extends Error {
  override name = 'TransientFailure';
  readonly retryAfterMs: number | null;

  constructor(message: string, retryAfterMs: number | null = null) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * UPLOAD_INCOMPLETE comes only from finalize: the server restarted and lost
 * acknowledged bytes after the last batch; the retry sends them again first.
 */
const TRANSIENT_CODES = new Set(['CHUNK_INCOMPLETE', 'UPLOAD_BUSY', 'RATE_LIMITED', 'INTERNAL', 'UPLOAD_INCOMPLETE']);
const TOO_LARGE_CODES = new Set(['SUBMISSION_TOO_LARGE', 'BODY_TOO_LARGE']);
const BUSY_CODES = new Set(['QUOTA_EXCEEDED', 'TOO_MANY_UPLOADS']);

async function errorCodeOf(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}

function retryAfterMs(response: Response): number | null {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : null;
}

/**
 * Turn an HTTP failure into a retry or a final UploadError. A proxy in the
 * way (Tor, a reverse proxy) may answer 502/503/504 without our JSON body;
 * those are retried.
 */
async function failureOf(response: Response, notFound: UploadErrorCode): Promise<Error> {
  const code = await errorCodeOf(response);
  if (code !== null && TRANSIENT_CODES.has(code)) return new TransientFailure(code, retryAfterMs(response));
  if (code === null && (response.status >= 500 || response.status === 429) && response.status !== 507) {
    return new TransientFailure(`http ${response.status}`, retryAfterMs(response));
  }
  if (code !== null && TOO_LARGE_CODES.has(code)) return new UploadError('too-large', 'submission too large for this server');
  if (code !== null && BUSY_CODES.has(code)) return new UploadError('server-busy', 'server cannot take uploads now');
  if (code === 'CHUNK_TOO_LARGE') return new UploadError('rejected', 'chunk too large');
  if (response.status === 404) return new UploadError(notFound, 'upload not found');
  return new UploadError('rejected', `server refused the upload (${code ?? `http ${response.status}`})`);
}

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
  return { id: status.id, offset: status.offset, durableOffset: status.durableOffset };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new UploadError('cancelled', 'upload cancelled'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new UploadError('cancelled', 'upload cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Regroup a byte stream into batches whose sizes `nextSize` decides, one
 * fresh buffer each (the source's chunks may be reused or wiped after they
 * are handed over). The last batch may be shorter.
 */
export async function* rebatch(
  source: AsyncIterable<Uint8Array>,
  nextSize: () => number,
): AsyncGenerator<Uint8Array<ArrayBuffer>, void, undefined> {
  let buffer = new Uint8Array(nextSize());
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
        buffer = new Uint8Array(nextSize());
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/**
 * Upload `ciphertext`, which must be exactly `size` bytes, and finalize it.
 *
 * @returns the stored submission's id and size.
 * @throws UploadError: `too-large`, `server-busy`, `rejected`, `expired`,
 *   `connection` (retries exhausted) or `cancelled` (signal aborted; the
 *   server's copy is deleted, best effort).
 * @throws whatever `ciphertext` throws (encryption or file read errors); the
 *   server's partial copy is then deleted, best effort.
 */
export async function uploadCiphertext(
  size: number,
  ciphertext: AsyncIterable<Uint8Array>,
  options: UploadOptions,
): Promise<{ id: string; size: number }> {
  if (!Number.isSafeInteger(size) || size <= 0) throw new TypeError('invalid upload size');
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const signal = options.signal;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const minBatch = options.minBatchBytes ?? 64 * KIB;
  const maxBatch = options.maxBatchBytes ?? 8 * KIB * KIB;
  const targetSeconds = options.targetBatchSeconds ?? 4;
  const now = options.now ?? (() => performance.now());
  const maxRetained = options.maxRetainedBytes ?? 32 * MIB;
  const pollDelays = options.durablePollDelaysMs ?? DEFAULT_DURABLE_POLL_DELAYS_MS;
  const url = (path: string): string => new URL(path, options.baseUrl).href;
  let batchSize = Math.min(Math.max(options.initialBatchBytes ?? 256 * KIB, minBatch), maxBatch);

  const checkAborted = (): void => {
    if (signal?.aborted === true) throw new UploadError('cancelled', 'upload cancelled');
  };

  /** One request; network errors become TransientFailure, HTTP errors are classified. */
  async function call(method: string, path: string, body: BodyInit | null, headers: Record<string, string>, notFound: UploadErrorCode): Promise<unknown> {
    checkAborted();
    let response: Response;
    try {
      response = await fetchFn(url(path), { method, body, headers, signal: signal ?? null, credentials: 'omit', cache: 'no-store' });
    } catch (error) {
      checkAborted();
      throw new TransientFailure(error instanceof Error ? error.name : 'network error');
    }
    if (!response.ok) throw await failureOf(response, notFound);
    if (response.status === 204) return null;
    try {
      return (await response.json()) as unknown;
    } catch {
      // The body was cut off: the request may or may not have taken effect.
      throw new TransientFailure('truncated response');
    }
  }

  /** Run `attempt` until it succeeds, a final error occurs, or retries run out. */
  async function withRetries<T>(attempt: (retry: boolean) => Promise<T>): Promise<T> {
    let failures = 0;
    for (;;) {
      try {
        return await attempt(failures > 0);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const delay = delays[failures];
        if (delay === undefined) throw new UploadError('connection', 'connection lost');
        failures += 1;
        options.onRetry?.();
        await sleep(error.retryAfterMs ?? delay, signal);
      }
    }
  }

  const json = { 'content-type': 'application/json' };
  // A retried create after a lost answer may leave an orphan upload; the
  // server expires it. It cannot be avoided without a client-chosen id.
  const created = parseStatus(
    await withRetries(() => call('POST', 'api/uploads', JSON.stringify({ size }), json, 'rejected')),
  );
  const id = created.id;
  if (!/^[0-9a-f]{32}$/.test(id)) throw new UploadError('rejected', 'unexpected answer from the server');
  options.onCreated?.(id);
  const uploadPath = `api/uploads/${id}`;

  const octets = { 'content-type': 'application/octet-stream' };
  /** Sent and not yet durable on the server: `[retained.start, retained.end)`. */
  const retained = new RetainedBatches();
  /** Bytes the server holds contiguously from 0, as far as we know. */
  let acknowledged = 0;

  /**
   * Takes in what the server reports: lets go of batches now durable and
   * notes where to resume.
   * @throws UploadError `rejected` if the server lost bytes it had called durable.
   */
  function noteStatus(status: UploadStatus): void {
    if (status.offset < retained.start) throw new UploadError('rejected', 'server lost durable bytes');
    retained.release(status.durableOffset);
    acknowledged = Math.min(status.offset, retained.end);
  }

  const fetchStatus = async (): Promise<UploadStatus> => parseStatus(await call('GET', uploadPath, null, {}, 'expired'));

  function adaptBatchSize(bytes: number, elapsedMs: number): void {
    if (elapsedMs <= 0) return;
    const wanted = (bytes / (elapsedMs / 1000)) * targetSeconds;
    batchSize = Math.min(maxBatch, Math.max(minBatch, Math.round(wanted / (64 * KIB)) * 64 * KIB));
  }

  /**
   * Sends the retained bytes from `acknowledged` until the server holds all
   * of `[0, retained.end)`. After a failure it asks the server where to
   * resume, which after a server restart may be below bytes it had
   * acknowledged: those are sent again from the retained batches.
   */
  async function deliver(): Promise<void> {
    await withRetries(async (retry) => {
      if (retry) noteStatus(await fetchStatus());
      for (const piece of retained.from(acknowledged)) {
        const began = now();
        const status = parseStatus(await call('PUT', `${uploadPath}?offset=${piece.start}`, piece.bytes, octets, 'expired'));
        noteStatus(status);
        // Not stored after all (a failed disk sync on the server): ask where to resume.
        if (status.offset < piece.start + piece.bytes.length) throw new TransientFailure('batch not stored');
        adaptBatchSize(piece.bytes.length, now() - began);
      }
    });
  }

  /**
   * Waits until `incoming` more bytes fit under the cap on retained
   * ciphertext, polling the status with backoff; the server's checkpoints
   * (every few MiB or seconds) advance its `durableOffset`.
   * @throws UploadError `connection` if the polls run out with no batch made durable.
   */
  async function awaitRoomFor(incoming: number): Promise<void> {
    let polls = 0;
    while (retained.size > 0 && retained.size + incoming > maxRetained) {
      const delay = pollDelays[polls];
      if (delay === undefined) throw new UploadError('connection', 'server is not storing the upload');
      await sleep(delay, signal);
      const before = retained.start;
      noteStatus(await withRetries(fetchStatus));
      // The server restarted meanwhile and lost bytes: send them again.
      if (acknowledged < retained.end) await deliver();
      polls = retained.start > before ? 0 : polls + 1;
    }
  }

  const batches = rebatch(ciphertext, () => batchSize);
  try {
    let next = batches.next();
    for (;;) {
      const result = await next;
      if (result.done === true) break;
      const batch = result.value;
      if (retained.end + batch.length > size) throw new TypeError('ciphertext longer than its declared size');
      // Encrypt the next batch while this one is on the wire.
      next = batches.next();
      next.catch(() => undefined);
      await awaitRoomFor(batch.length);
      retained.add(batch);
      await deliver();
      options.onProgress?.(retained.end, size);
    }
    if (retained.end !== size) throw new TypeError('ciphertext shorter than its declared size');
    let incomplete = false;
    const done = (await withRetries(async () => {
      // The server restarted since the last batch and lost some: send them again.
      if (incomplete) {
        noteStatus(await fetchStatus());
        await deliver();
      }
      try {
        return await call('POST', `${uploadPath}/finalize`, null, {}, 'expired');
      } catch (error) {
        incomplete = error instanceof TransientFailure && error.message === 'UPLOAD_INCOMPLETE';
        throw error;
      }
    })) as {
      id?: unknown;
      size?: unknown;
    } | null;
    if (done?.id !== id || done.size !== size) throw new UploadError('rejected', 'unexpected answer from the server');
    return { id, size };
  } catch (error) {
    await batches.return().catch(() => undefined);
    // Leave nothing half-written behind; the server would expire it anyway.
    await fetchFn(url(uploadPath), { method: 'DELETE', credentials: 'omit', cache: 'no-store' }).catch(() => undefined);
    throw error;
  }
}
