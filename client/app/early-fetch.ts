/**
 * The worker's set-up files, fetched before the worker can ask for them.
 * At start the worker needs the root key and its pin, then the signed
 * manifest and its signature (trust.ts). Asked for by the worker, they leave
 * only once its script has arrived and run: over Tor (about 300 ms a round
 * trip) that is a round trip after the largest download of the page. So the
 * page asks for all four as soon as its own script runs
 * ({@link fetchSetUpFiles}), while the worker's script is still on its way,
 * and hands the answers to the worker in a `set-up-files` message
 * ({@link answersFromPage}). They are public, same-origin files, the same
 * bytes the worker would fetch; the worker verifies them exactly as before.
 *
 * Each early answer serves the first request for its URL only; every later
 * request (the manifest verified again when a send starts again) goes to the
 * network. A file the page could not fetch is fetched by the worker itself,
 * so a failure fails set-up exactly as it would have.
 * No DOM: it runs in the page, the worker and under Node in tests.
 */
import type { SetUpFile } from './protocol.js';
import { SET_UP_REQUEST } from './set-up-files.js';
import type { FetchLike } from './upload-requests.js';

/**
 * Whether `new Response(body, { status })` accepts the status with a body:
 * 200-599 and not a null-body status (204, 205, 304); the constructor throws
 * a RangeError for anything else. The page's fetch only ever sees such
 * statuses, but a message is data: one that does not fit is not used.
 */
function canCarryBody(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 599 && ![204, 205, 304].includes(status);
}

/**
 * A fetch that answers the first request for each URL of `early` with that
 * answer, and every other request with `fetchFn`.
 */
function firstAnswersFrom(fetchFn: FetchLike, early: ReadonlyMap<string, Promise<Response>>): FetchLike {
  const pending = new Map(early);
  for (const answer of pending.values()) {
    // Handled by whoever asks for it; not an unhandled rejection meanwhile.
    answer.catch(() => undefined);
  }
  return (url, requestInit) => {
    const answer = pending.get(url);
    if (answer === undefined) return fetchFn(url, requestInit);
    pending.delete(url);
    return answer;
  };
}

/**
 * The page's side: fetches every URL now and resolves to the answers that
 * arrived, bodies read; a request that failed is left out (the worker then
 * asks itself). Never rejects.
 */
export async function fetchSetUpFiles(fetchFn: FetchLike, urls: readonly string[]): Promise<SetUpFile[]> {
  const answers = await Promise.all(
    urls.map(async (url): Promise<SetUpFile | null> => {
      try {
        const response = await fetchFn(url, SET_UP_REQUEST);
        return { url, status: response.status, body: await response.arrayBuffer() };
      } catch {
        return null;
      }
    }),
  );
  return answers.filter((answer): answer is SetUpFile => answer !== null);
}

/**
 * The worker's side: a fetch whose first request for each of `urls` waits
 * for the page's `set-up-files` message (`handedOver`) and answers with the
 * file the page fetched, or, if the page has none for that URL, with
 * `fetchFn` (the same request, made by the worker). A handed-over status no
 * Response can carry with a body (204, 205, 304, or outside 200-599) counts
 * as none: the worker fetches that file itself.
 */
export function answersFromPage(
  fetchFn: FetchLike,
  urls: readonly string[],
  handedOver: Promise<readonly SetUpFile[]>,
): FetchLike {
  const early = new Map<string, Promise<Response>>();
  for (const url of urls) {
    early.set(
      url,
      handedOver.then((files) => {
        const file = files.find((candidate) => candidate.url === url && canCarryBody(candidate.status));
        return file === undefined ? fetchFn(url, SET_UP_REQUEST) : new Response(file.body, { status: file.status });
      }),
    );
  }
  return firstAnswersFrom(fetchFn, early);
}
