/**
 * The uploader's requests to the source listener: one HTTP request with the
 * page's fixed settings (no credentials, no cache, the caller's abort
 * signal), the retry loop with backoff around a step, and abortable waits.
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
  /** Waits between consecutive failed attempts of one step; when they run out the step fails with `connection`. */
  readonly retryDelaysMs: readonly number[];
  /** Called when a request failed and a retry is scheduled. */
  readonly onRetry: (() => void) | undefined;
}

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
   * Runs `attempt` until it succeeds, a final error occurs, or the retry
   * delays run out; `retry` tells the attempt whether one failed before it.
   * @throws UploadError `connection` when the delays run out, `cancelled` on abort.
   * @throws whatever non-transient error `attempt` throws.
   */
  async withRetries<T>(attempt: (retry: boolean) => Promise<T>): Promise<T> {
    let failures = 0;
    for (;;) {
      try {
        return await attempt(failures > 0);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        const delay = this.#settings.retryDelaysMs[failures];
        if (delay === undefined) throw new UploadError('connection', 'connection lost');
        failures += 1;
        this.#settings.onRetry?.();
        await this.pause(error.retryAfterMs ?? delay);
      }
    }
  }

  /**
   * Waits `ms`, or less if the signal aborts.
   * @throws UploadError `cancelled` on abort.
   */
  pause(ms: number): Promise<void> {
    const signal = this.#settings.signal;
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
   * Deletes what the server holds at `path`, best effort: never throws, and
   * is sent even after an abort (the signal is not attached).
   */
  async discard(path: string): Promise<void> {
    await this.#settings
      .fetch(this.#url(path), { method: 'DELETE', credentials: 'omit', cache: 'no-store' })
      .catch(() => undefined);
  }

  #url(path: string): string {
    return new URL(path, this.#settings.baseUrl).href;
  }
}
