/**
 * An upload the server dropped to make room for others starts again by
 * itself (issue 11), in Chromium, with a real eviction: the server takes one
 * upload at a time (`SEALDROP_MAX_CONCURRENT_UPLOADS=1`), the page's upload
 * sits idle while the proxy holds its next chunk, and
 * another client's new upload takes the slot. The held chunk is then
 * answered `410 UPLOAD_GONE`; the page says so, verifies the keys again,
 * encrypts afresh from the kept draft and sends it whole, with no action
 * from the source. What is stored opens with Debian `age`, and the dropped
 * upload leaves nothing behind.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatMessage } from '../../client/app/i18n/catalog.js';
import { requireTools } from '../support/required-tools.js';
import { compose, expectDelivered, openPage, send, waitUntilSent, type Submission } from './flow.js';
import {
  E2E_TOOLS,
  launchBrowser,
  listFiles,
  recordTexts,
  startPortal,
  storedSubmissions,
  testBytes,
  watchProblems,
  type Portal,
} from './support.js';

const MIB = 1024 * 1024;
const e2e = requireTools(E2E_TOOLS, 'an upload the server dropped, seen from the source page in Chromium');

e2e.describe('an upload the server dropped', () => {
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal({ SEALDROP_MAX_CONCURRENT_UPLOADS: '1' }), launchBrowser()]);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  /** A request straight to the server's source listener, as another client would send it. */
  function direct(route: string, init?: RequestInit): Promise<Response> {
    return fetch(new URL(route, portal.server.sourceUrl), init);
  }

  /** Another client creates an upload; with one slot, the server evicts the page's idle one to make room. */
  async function otherClientUpload(): Promise<string> {
    const manifest = (await (await direct('manifest.json')).json()) as { version: number };
    const created = await direct('api/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 1000, manifestVersion: manifest.version }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { id: string }).id;
  }

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    return { page, problems: watchProblems(page) };
  }

  test('evicted mid-upload: the page says so, encrypts again and sends, by itself; it arrives whole', async () => {
    const { page, problems } = await newPage();
    await openPage(page, portal, 'en');
    const submission: Submission = {
      message: `dropped mid-upload ${Date.now()}`,
      files: [{ name: 'evidence.bin', mimeType: 'application/octet-stream', buffer: testBytes(3 * MIB, 11) }],
      reply: false,
    };
    const before = storedSubmissions(portal);
    const firstRequest = portal.proxy.requests.length;
    const firstAnswer = portal.proxy.answers.length;
    await compose(page, submission);
    const release = portal.proxy.holdUploads();
    await send(page, false);
    await page.waitForFunction(() => (document.querySelector('progress')?.value ?? 0) > 0);
    const restartLine = await recordTexts(page, '#progress-restart');
    const firstPut = portal.proxy.requests.slice(firstRequest).find((line) => line.startsWith('PUT '));
    const droppedId = /^PUT \/api\/uploads\/([0-9a-f]{32})\?offset=0$/.exec(firstPut ?? '')?.[1];
    expect(droppedId).toBeDefined();

    // Idle (its next chunk held at the proxy), and the only upload: the one to give way.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const other = await otherClientUpload();
    expect((await direct(`api/uploads/${droppedId!}`)).status).toBe(410);
    // The other client finishes with its slot, so the page's new upload finds one free.
    expect((await direct(`api/uploads/${other}`, { method: 'DELETE' })).status).toBe(204);
    release();
    await waitUntilSent(page);

    expect(await restartLine()).toContain(formatMessage('en', 'progress.restarting.uploadDropped'));
    const answers = portal.proxy.answers.slice(firstAnswer);
    // The held chunk was the one refused; after it the page sent that id nothing at all:
    // no chunk, no finalize, and no clean-up DELETE (the server has already deleted it).
    // Two chunk requests may be on the wire at once: the other one held, sent before
    // the refusal came back, is refused too, and that is the only later answer.
    const refused = answers.findIndex((line) => line.startsWith(`410 PUT /api/uploads/${droppedId!}?`));
    expect(refused).toBeGreaterThanOrEqual(0);
    const later = answers.slice(refused + 1).filter((line) => line.includes(droppedId!));
    expect(later.length).toBeLessThanOrEqual(1);
    for (const line of later) expect(line).toMatch(new RegExp(`^410 PUT /api/uploads/${droppedId!}\\?`));
    const requests = portal.proxy.requests.slice(firstRequest);
    expect(requests.filter((line) => line.includes(droppedId!) && !line.startsWith('PUT '))).toEqual([]);
    expect(requests.filter((line) => line === 'POST /api/uploads')).toHaveLength(2);
    expect(requests.filter((line) => line.startsWith('PUT ') && line.endsWith('offset=0'))).toHaveLength(2);
    // The keys were fetched and verified again before encrypting anew: between the two creates.
    const creates = requests.flatMap((line, index) => (line === 'POST /api/uploads' ? [index] : []));
    expect(requests.slice(creates[0], creates[1])).toContain('GET /manifest.json');

    expectDelivered(portal, before, submission, null);
    expect(listFiles(path.join(portal.newsroom.dataDir, 'uploads'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 180_000);
});
