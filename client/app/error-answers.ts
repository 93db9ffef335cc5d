/**
 * What the page reads from a server's refusal: the registry code in its JSON
 * body and how long `Retry-After` asks it to wait. Shared by the uploader
 * (upload-errors.ts) and the mailbox client (mailbox-client.ts), which each
 * decide what a code means for them.
 */

/** The longest wait a `Retry-After` may impose: a source should not stare at a frozen screen. */
const MAX_RETRY_AFTER_MS = 60_000;

/** The `error.code` string of a JSON error body, or null if there is none. */
export async function errorCodeOf(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}

/** `Retry-After` in milliseconds (at most a minute), or null if absent or not a positive number of seconds. */
export function retryAfterMs(response: Response): number | null {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : null;
}
