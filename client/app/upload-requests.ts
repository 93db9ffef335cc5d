/**
 * The uploader's requests to the source listener: one HTTP request with the
 * page's fixed settings (no credentials, no cache, the caller's abort
 * signal), the retry loop with backoff around a step, abortable waits that
 * "try now" can cut short, and the delete that waits for the server's word.
 * Network errors and cut-off answers become {@link TransientFailure}; HTTP
 * errors are classified by {@link failureOf}.
 */
import { failureOf, TransientFailure, UploadError, type UploadErrorCode } from './upload-errors.js';

/** The subset of `fetch` the uploader uses (injectable for tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RequestSettings {
  /** Base URL of the source listener; routes are resolved against it. */
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly signal: AbortSignal | undefined;
  /**
   * Waits between consecutive failed attempts of one step, in order; the
   * last one repeats. An empty list means no retries.
   */
  readonly retryDelaysMs: readonly number[];
  /**
   * Until when, on {@link now}'s clock, a retry is worth making: while the
   * server still keeps the upload. A step whose next try would start later
   * fails with `connection`.
   */
  readonly retryUntil: () => number;
  readonly now: () => number;
  /** Called when a request failed and a retry is scheduled in `nextTryInMs`. */
  readonly onRetry: ((nextTryInMs: number) => void) | undefined;
  /** Lets the source cut the wait before the next retry short. */
  readonly retryNow: RetryNow | undefined;
}

/**
 * "Try now": ends the wait before the next retry at once. The page's button
 * fires it (through the worker); the upload's waits listen to it.
 */
export class RetryNow {
  #wake: (() => void) | null = null;

  /** Ends the wait in progress, if there is one; otherwise does nothing. */
  fire(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Makes `wake` the wait that {@link fire} ends; `null` when the wait is over. */
  listen(wake: (() => void) | null): void {
    this.#wake = wake;
  }
}

/** Answers to a DELETE that mean nothing of the upload is left on the server. */
const GONE_STATUSES: ReadonlySet<number> = new Set([204, 404, 410]);

/** Requests of one upload, sharing its settings and abort signal. */
export class UploadRequests {
  readonly #settings: RequestSettings;

  constructor(settings: RequestSettings) {
    this.#settings = settings;
  }

  /** @throws UploadError `cancelled` once the signal is aborted. */
  #checkAborted(): void {
    if (this.#settings.signal?.aborted === true) throw new UploadError('cancelled', 'upload cancelled');
  }

  /**
   * One request; answers `null` for a 204, else the JSON body.
   * @param notFound what a 404 means for this request (see {@link failureOf}).
   * @throws TransientFailure for a network error, a retryable answer or a cut-off body.
   * @throws UploadError for a final refusal, or `cancelled`.
   */
  async call(
    method: string,
    path: string,
    body: BodyInit | null,
    headers: Record<string, string>,
    notFound: UploadErrorCode,
  ): Promise<unknown> {
    this.#checkAborted();
    let response: Response;
    try {
      response = await this.#settings.fetch(this.#url(path), {
        method,
        body,
        headers,
        signal: this.#settings.signal ?? null,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      this.#checkAborted();
      throw new TransientFailure('network', error instanceof Error ? error.name : 'network error');
    }
    if (!response.ok) throw await failureOf(response, notFound);
    if (response.status === 204) return null;
    try {
      return (await response.json()) as unknown;
    } catch {
      // The body was cut off: the request may or may not have taken effect.
      throw new TransientFailure('truncated', 'truncated response');
    }
  }

  /**
   * Runs `attempt` until it succeeds, a final error occurs, or the next try
   * would come after {@link RequestSettings.retryUntil}; `retry` tells the
   * attempt whether one failed before it.
   * @throws UploadError `connection` when retrying is no longer worth it, `cancelled` on abort.
   * @throws whatever non-transient error `attempt` throws.
   */
  async withRetries<T>(attempt: (retry: boolean) => Promise<T>): Promise<T> {
    const { retryDelaysMs, retryUntil, now } = this.#settings;
    let failures = 0;
    for (;;) {
      try {
        return await attempt(failures > 0);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const scheduled = retryDelaysMs[Math.min(failures, retryDelaysMs.length - 1)];
        const delay = error.retryAfterMs ?? scheduled;
        if (scheduled === undefined || delay === undefined || now() + delay > retryUntil())
          throw new UploadError('connection', 'connection lost');
        failures += 1;
        this.#settings.onRetry?.(delay);
        await this.pause(delay);
      }
    }
  }

  /**
   * Waits `ms`, or less if the signal aborts.
   * @throws UploadError `cancelled` on abort.
   */
  pause(ms: number): Promise<void> {
    const { signal, retryNow } = this.#settings;
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new UploadError('cancelled', 'upload cancelled'));
        return;
      }
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        retryNow?.listen(null);
      };
      const onAbort = (): void => {
        finish();
        reject(new UploadError('cancelled', 'upload cancelled'));
      };
      const timer = setTimeout(() => {
        finish();
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      retryNow?.listen(() => {
        finish();
        resolve();
      });
    });
  }

  /**
   * Deletes what the server holds at `path`, best effort: never throws, and
   * is sent even after an abort (the signal is not attached).
   */
  async discard(path: string): Promise<void> {
    await this.#delete(path).catch(() => undefined);
  }

  /**
   * Deletes what the server holds at `path` and waits for its word: 204, or
   * 404/410 (nothing there). Anything else (no answer, a chunk the server is
   * still settling, a proxy error) is tried again after each of `delaysMs`;
   * the abort signal is not attached, since this is what a cancel does.
   * @returns whether the server confirmed that nothing is left. Never throws.
   */
  async deleteConfirmed(path: string, delaysMs: readonly number[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const status = await this.#delete(path).catch(() => null);
      if (status !== null && GONE_STATUSES.has(status)) return true;
      const delay = delaysMs[attempt];
      if (delay === undefined) return false;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One DELETE, without the abort signal; answers the status. */
  async #delete(path: string): Promise<number> {
    const response = await this.#settings.fetch(this.#url(path), {
      method: 'DELETE',
      credentials: 'omit',
      cache: 'no-store',
    });
    // The body (an error's JSON) is not needed; let the connection go.
    await response.body?.cancel().catch(() => undefined);
    return response.status;
  }

  #url(path: string): string {
    return new URL(path, this.#settings.baseUrl).href;
  }
}
