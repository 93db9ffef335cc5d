/**
 * The page fetches the worker's set-up files and hands them over
 * (client/app/early-fetch.ts): each handed-over answer serves only the first
 * request for its URL, so the manifest verified again when a send starts
 * again comes from the network; a file the page could not fetch is fetched
 * by the worker, and fails the same way if it still cannot be.
 */
import { answersFromPage, fetchSetUpFiles } from '../../client/app/early-fetch.js';
import type { SetUpFile } from '../../client/app/protocol.js';
import { SET_UP_REQUEST } from '../../client/app/trust.js';

function recordingFetch(answer: (url: string, call: number) => Promise<Response>): {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: { url: string; init: RequestInit }[];
} {
  const calls: { url: string; init: RequestInit }[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      return answer(url, calls.length);
    },
  };
}

const body = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;

describe('fetchSetUpFiles (the page)', () => {
  it('asks for every file at once, without cookies or cache, and keeps status and body', async () => {
    const network = recordingFetch((url) =>
      Promise.resolve(new Response(`bytes of ${url}`, { status: url.endsWith('pin.json') ? 404 : 200 })),
    );
    const files = fetchSetUpFiles(network.fetch, ['http://x/root.pub', 'http://x/pin.json']);
    expect(network.calls).toEqual([
      { url: 'http://x/root.pub', init: SET_UP_REQUEST },
      { url: 'http://x/pin.json', init: SET_UP_REQUEST },
    ]);
    const answers = await files;
    expect(answers.map(({ url, status }) => ({ url, status }))).toEqual([
      { url: 'http://x/root.pub', status: 200 },
      { url: 'http://x/pin.json', status: 404 },
    ]);
    expect(new TextDecoder().decode(answers[0]!.body)).toBe('bytes of http://x/root.pub');
  });

  it('leaves out a file whose request failed, and never rejects', async () => {
    const network = recordingFetch((url) =>
      url.endsWith('root.pub') ? Promise.reject(new TypeError('network down')) : Promise.resolve(new Response('ok')),
    );
    const answers = await fetchSetUpFiles(network.fetch, ['http://x/root.pub', 'http://x/manifest.json']);
    expect(answers.map((answer) => answer.url)).toEqual(['http://x/manifest.json']);
  });
});

describe('answersFromPage (the worker)', () => {
  it('waits for the page, answers the first request with its file, and later ones from the network', async () => {
    const network = recordingFetch((url, call) => Promise.resolve(new Response(`${url} #${call}`)));
    let handOver: (files: readonly SetUpFile[]) => void = () => undefined;
    const fetch = answersFromPage(
      network.fetch,
      ['http://x/manifest.json'],
      new Promise((resolve) => {
        handOver = resolve;
      }),
    );
    const first = fetch('http://x/manifest.json', SET_UP_REQUEST);
    handOver([{ url: 'http://x/manifest.json', status: 200, body: body('from the page') }]);
    expect(await (await first).text()).toBe('from the page');
    expect(network.calls).toHaveLength(0);
    expect(await (await fetch('http://x/manifest.json', SET_UP_REQUEST)).text()).toBe('http://x/manifest.json #1');
    expect(await (await fetch('http://x/other', SET_UP_REQUEST)).text()).toBe('http://x/other #2');
  });

  it("keeps the page's status, so a missing file fails set-up as a 404", async () => {
    const network = recordingFetch(() => Promise.resolve(new Response('network')));
    const fetch = answersFromPage(
      network.fetch,
      ['http://x/pin.json'],
      Promise.resolve([{ url: 'http://x/pin.json', status: 404, body: body('') }]),
    );
    expect((await fetch('http://x/pin.json', SET_UP_REQUEST)).status).toBe(404);
    expect(network.calls).toHaveLength(0);
  });

  it('asks the network itself for a file the page could not fetch, and fails as that request fails', async () => {
    const network = recordingFetch(() => Promise.reject(new TypeError('network down')));
    const fetch = answersFromPage(network.fetch, ['http://x/root.pub'], Promise.resolve([]));
    // Nobody asked yet: the rejection must not be an unhandled one meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(fetch('http://x/root.pub', SET_UP_REQUEST)).rejects.toThrow('network down');
    expect(network.calls).toEqual([{ url: 'http://x/root.pub', init: SET_UP_REQUEST }]);
  });

  it.each([204, 205, 304, 0, 101, 199, 600, 200.5])(
    'asks the network itself when the page hands over status %p, which no Response can carry with a body',
    async (status) => {
      const network = recordingFetch(() => Promise.resolve(new Response('from the network')));
      const fetch = answersFromPage(
        network.fetch,
        ['http://x/manifest.json'],
        Promise.resolve([{ url: 'http://x/manifest.json', status, body: body('') }]),
      );
      const answer = await fetch('http://x/manifest.json', SET_UP_REQUEST);
      expect(await answer.text()).toBe('from the network');
      expect(network.calls).toEqual([{ url: 'http://x/manifest.json', init: SET_UP_REQUEST }]);
    },
  );

  it('uses a handed-over answer at the edges of the range it accepts', async () => {
    const network = recordingFetch(() => Promise.resolve(new Response('from the network')));
    const fetch = answersFromPage(
      network.fetch,
      ['http://x/a', 'http://x/b'],
      Promise.resolve([
        { url: 'http://x/a', status: 200, body: body('a') },
        { url: 'http://x/b', status: 599, body: body('b') },
      ]),
    );
    expect((await fetch('http://x/a', SET_UP_REQUEST)).status).toBe(200);
    expect((await fetch('http://x/b', SET_UP_REQUEST)).status).toBe(599);
    expect(network.calls).toHaveLength(0);
  });
});
