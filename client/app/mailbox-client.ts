/**
 * The source listener's mailbox routes (docs/API.md), as the encryption
 * worker calls them: list the replies waiting, fetch one reply's ciphertext,
 * delete one. The capability travels only in the JSON body of a POST, never
 * in a path, query or header that a proxy would log. An unknown mailbox and
 * an empty one answer alike (`[]`), so this client cannot tell them apart
 * either.
 *
 * Requests that get no usable answer (a dropped connection, a proxy's 5xx, a
 * server asking to wait) are retried with backoff; every other failure is a
 * {@link MailboxError} whose code the worker turns into what the page says.
 * No DOM: it runs in the worker and under Node in tests.
 */
import { isApiErrorCode, type ApiErrorCode } from '../core/api-errors.js';
import { CodedError } from '../core/coded-error.js';
import { encodeMailboxCapability, isReplyId } from '../core/mailbox.js';
import type { FetchLike } from './upload-requests.js';
import { errorCodeOf, retryAfterMs } from './error-answers.js';

/** `POST {capability}`: the replies waiting. */
export const MAILBOX_ROUTE = 'api/mailbox';
/** `POST {capability, id}`: one reply's age file. */
export const MAILBOX_REPLY_ROUTE = 'api/mailbox/reply';
/** `POST {capability, id}`: delete one reply. */
export const MAILBOX_DELETE_ROUTE = 'api/mailbox/delete';

export type MailboxErrorCode =
  /** No usable answer, after every retry. */
  | 'connection'
  /** The server kept asking to wait (rate limit, overload), after every retry. */
  | 'busy'
  /** No such reply (it was deleted or expired since the list was fetched). */
  | 'not-found'
  /** An error answer this client does not expect: a refused body, an unknown code. */
  | 'refused'
  /** A success whose body is not the documented shape, or a reply larger than listed. */
  | 'malformed'
  /** A reply's body stopped before its end: worth fetching again from the start. */
  | 'cut-off'
  /** The caller aborted. */
  | 'cancelled';

/** A mailbox request failed; `code` says why. Messages never hold the capability. */
export class MailboxError extends CodedError<MailboxErrorCode> {
  override name = 'MailboxError';
}

/** A reply as the list names it. */
export interface ListedReply {
  /** 32 lowercase hex digits. */
  readonly id: string;
  /** UTC day of arrival, `YYYY-MM-DD`. */
  readonly day: string;
  /** Bytes of the age file. */
  readonly size: number;
}

export interface MailboxClientOptions {
  /** Base URL of the source listener; the routes are resolved against it. */
  readonly baseUrl: string;
  /** The 32-byte capability (encoded at once; the caller wipes its bytes). */
  readonly capability: Uint8Array;
  readonly fetch?: FetchLike;
  readonly signal?: AbortSignal;
  /** Waits between failed attempts of one request; when they run out it fails. Default: 1, 2, 4, 8, 15 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Called when a request failed and a retry is scheduled. */
  readonly onRetry?: () => void;
}

/** Why an attempt is worth repeating. */
class TransientFailure extends Error {
  override name = 'TransientFailure';

  constructor(
    readonly busy: boolean,
    readonly retryAfterMs: number | null,
  ) {
    super(busy ? 'server busy' : 'no usable answer');
  }
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Codes that mean "try again later", and those that mean "the server failed this once". */
const BUSY_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['RATE_LIMITED']);
const RETRY_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['INTERNAL']);

/**
 * What a failed answer means: a 404 is `not-found`; a busy or failing
 * server, or a proxy's bare 5xx or 429, is worth retrying; anything else is
 * `refused`.
 */
async function failureOf(response: Response): Promise<MailboxError | TransientFailure> {
  const text = await errorCodeOf(response);
  const code = isApiErrorCode(text) ? text : null;
  if (code !== null && BUSY_CODES.has(code)) return new TransientFailure(true, retryAfterMs(response));
  if (code !== null && RETRY_CODES.has(code)) return new TransientFailure(false, retryAfterMs(response));
  if (text === null && (response.status >= 500 || response.status === 429))
    return new TransientFailure(response.status === 429 || response.status === 503, retryAfterMs(response));
  if (response.status === 404) return new MailboxError('not-found', 'no such reply');
  return new MailboxError('refused', `server refused the request (${text ?? `http ${response.status}`})`);
}

/**
 * The replies of a list answer, checked: ids and days of the documented
 * shape, sizes as safe integers, no id twice.
 * @throws MailboxError `malformed` otherwise.
 */
export function parseReplyList(value: unknown): ListedReply[] {
  const malformed = (): MailboxError => new MailboxError('malformed', 'unexpected mailbox list');
  if (typeof value !== 'object' || value === null) throw malformed();
  const replies = (value as { replies?: unknown }).replies;
  if (!Array.isArray(replies)) throw malformed();
  const seen = new Set<string>();
  return replies.map((entry: unknown): ListedReply => {
    if (typeof entry !== 'object' || entry === null) throw malformed();
    const { id, day, size } = entry as Record<string, unknown>;
    if (!isReplyId(id) || seen.has(id)) throw malformed();
    if (typeof day !== 'string' || !DAY.test(day)) throw malformed();
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw malformed();
    seen.add(id);
    return { id, day, size };
  });
}

/** One mailbox, opened with its capability. */
export class MailboxClient {
  readonly #baseUrl: string;
  readonly #capability: string;
  readonly #fetch: FetchLike;
  readonly #signal: AbortSignal | undefined;
  readonly #retryDelaysMs: readonly number[];
  readonly #onRetry: (() => void) | undefined;

  /** @throws TypeError if the capability is not 32 bytes. */
  constructor(options: MailboxClientOptions) {
    this.#baseUrl = options.baseUrl;
    this.#capability = encodeMailboxCapability(options.capability);
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#signal = options.signal;
    this.#retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#onRetry = options.onRetry;
  }

  /**
   * The replies waiting, as the server orders them (newest day first).
   * @throws MailboxError `connection`, `busy`, `refused`, `malformed`, `cancelled`.
   */
  async list(): Promise<ListedReply[]> {
    const response = await this.#post(MAILBOX_ROUTE, {});
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new MailboxError('malformed', 'unexpected mailbox list');
    }
    return parseReplyList(body);
  }

  /**
   * One reply's age file, as it arrives. The request is retried until it is
   * answered; a body cut off afterwards throws `cut-off` from the stream
   * (the caller fetches again from the start: decryption cannot resume).
   * @param size the listed size: a longer body is `malformed`.
   * @throws MailboxError `not-found`, `connection`, `busy`, `refused`, `cancelled`;
   *   from the stream `cut-off`, `malformed` or `cancelled`.
   */
  async fetchReply(id: string, size: number): Promise<AsyncGenerator<Uint8Array, void, undefined>> {
    const response = await this.#post(MAILBOX_REPLY_ROUTE, { id });
    const body = response.body;
    if (body === null) throw new MailboxError('malformed', 'reply without a body');
    return this.#readBody(body.getReader(), size);
  }

  /**
   * One reply's age file twice over (the body teed): `chunks` as they arrive,
   * to read and count, and `kept`, the same bytes gathered by the browser
   * itself into a Blob (`Response.blob()`: no copy through JavaScript, and
   * held in blob storage rather than the worker's heap). Read `chunks` to its
   * end; `kept` resolves once the whole body is in.
   * @param size the listed size: a longer body is `malformed`, a shorter one `cut-off`.
   * @throws MailboxError as {@link fetchReply}; `kept` rejects with `cut-off`,
   *   `malformed` or `cancelled`.
   */
  async fetchKeptReply(
    id: string,
    size: number,
  ): Promise<{ chunks: AsyncGenerator<Uint8Array, void, undefined>; kept: Promise<Blob> }> {
    const response = await this.#post(MAILBOX_REPLY_ROUTE, { id });
    const body = response.body;
    if (body === null) throw new MailboxError('malformed', 'reply without a body');
    const [read, keep] = body.tee();
    const kept = new Response(keep).blob().then(
      (blob) => {
        if (blob.size > size) throw new MailboxError('malformed', 'reply larger than listed');
        if (blob.size < size) throw new MailboxError('cut-off', 'reply cut off');
        return blob;
      },
      () => {
        this.#checkAborted();
        throw new MailboxError('cut-off', 'reply cut off');
      },
    );
    // Whoever reads `chunks` sees the same failure first; this one may go unawaited.
    kept.catch(() => undefined);
    return { chunks: this.#readBody(read.getReader(), size), kept };
  }

  /**
   * Delete a reply. A reply already gone (404) counts as deleted: either
   * way the server holds it no more.
   * @throws MailboxError `connection`, `busy`, `refused`, `cancelled`.
   */
  async delete(id: string): Promise<void> {
    try {
      const response = await this.#post(MAILBOX_DELETE_ROUTE, { id });
      if (response.status !== 204)
        throw new MailboxError('malformed', `unexpected answer to delete (${response.status})`);
    } catch (error) {
      if (error instanceof MailboxError && error.code === 'not-found') return;
      throw error;
    }
  }

  async *#readBody(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    size: number,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    let received = 0;
    try {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch {
          this.#checkAborted();
          throw new MailboxError('cut-off', 'reply cut off');
        }
        if (result.done) return;
        received += result.value.length;
        if (received > size) throw new MailboxError('malformed', 'reply larger than listed');
        yield result.value;
      }
    } finally {
      // Stops the download if the reader gave up early (a reply that does not decrypt).
      await reader.cancel().catch(() => undefined);
    }
  }

  /** A POST with the capability in its JSON body, retried until it gets an answer it can act on. */
  async #post(route: string, fields: Record<string, string>): Promise<Response> {
    const body = JSON.stringify({ capability: this.#capability, ...fields });
    for (let failures = 0; ; failures++) {
      try {
        return await this.#attempt(route, body);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const delay = this.#retryDelaysMs[failures];
        if (delay === undefined)
          throw new MailboxError(error.busy ? 'busy' : 'connection', error.busy ? 'server busy' : 'connection lost');
        this.#onRetry?.();
        await this.#pause(error.retryAfterMs ?? delay);
      }
    }
  }

  async #attempt(route: string, body: string): Promise<Response> {
    this.#checkAborted();
    let response: Response;
    try {
      response = await this.#fetch(new URL(route, this.#baseUrl).href, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        signal: this.#signal ?? null,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      this.#checkAborted();
      throw new TransientFailure(false, null);
    }
    if (!response.ok) throw await failureOf(response);
    return response;
  }

  #checkAborted(): void {
    if (this.#signal?.aborted === true) throw new MailboxError('cancelled', 'cancelled');
  }

  #pause(ms: number): Promise<void> {
    const signal = this.#signal;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new MailboxError('cancelled', 'cancelled'));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
