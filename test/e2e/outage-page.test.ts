/**
 * Cancel, quick exit and long outages tell the truth (issue 10), in
 * Chromium, behind a link proxy that plays a slow Tor circuit: chunk bodies
 * trickle, a request the browser gives up on stays open at the server for a
 * while (the server learns late that the circuit is gone), and the link can
 * go dark. Cancel leaves nothing on the server and the page says "deleted"
 * only after the server's answer; quick exit's last DELETE is honoured with a
 * chunk still in flight; an outage with more failed tries than the old
 * fixed schedule allowed (11, about 3.5 minutes) is waited out with a
 * countdown and "Try now", and the upload resumes where it stopped.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatMessage } from '../../client/app/i18n/catalog.js';
import { requireTools } from '../support/required-tools.js';
import { compose, expectDelivered, openPage, send, waitUntilSent, type Submission } from './flow.js';
import {
  E2E_TOOLS,
  eventually,
  launchBrowser,
  LinkProxy,
  listFiles,
  startPortal,
  storedSubmissions,
  testBytes,
  type Portal,
} from './support.js';

const MIB = 1024 * 1024;
const e2e = requireTools(E2E_TOOLS, 'cancel, quick exit and outages on the source page in Chromium');

e2e.describe('cancel, quick exit and outages on the source page', () => {
  let portal: Portal;
  let browser: Browser;
  let link: LinkProxy;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser()]);
    link = await LinkProxy.start(portal.url);
  }, 120_000);

  afterAll(async () => {
    await link.close();
    await browser.close();
    await portal.close();
  });

  beforeEach(() => {
    link.bytesPerSecond = Number.POSITIVE_INFINITY;
    link.down = false;
  });

  /** Files of unfinished uploads on the server. */
  function uploadsOnServer(): string[] {
    return listFiles(path.join(portal.newsroom.dataDir, 'uploads'));
  }

  async function openThroughLink(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await openPage(page, { ...portal, url: link.url }, 'en');
    return page;
  }

  /** Starts sending `size` bytes on a slow link and waits until a chunk after the first is on its way. */
  async function sendSlowly(page: Page, size: number): Promise<void> {
    link.bytesPerSecond = 256 * 1024;
    await compose(page, { message: `slow ${Date.now()}`, files: [fileOf(size)], reply: false });
    await send(page, false);
    await page.waitForFunction(() => (document.querySelector('progress')?.value ?? 0) > 0, null, { timeout: 30_000 });
    await eventually(
      () => link.chunksInFlight,
      (count) => count > 0,
      10_000,
    );
  }

  function fileOf(size: number): Submission['files'][number] {
    return { name: 'evidence.bin', mimeType: 'application/octet-stream', buffer: testBytes(size, 7) };
  }

  test('cancel on a slow link deletes the upload, and the page says so only after the server confirmed', async () => {
    const page = await openThroughLink();
    const before = storedSubmissions(portal);
    await sendSlowly(page, 4 * MIB);
    expect(uploadsOnServer()).not.toEqual([]);
    // Until the server answers, the page says it is cancelling, and claims nothing. Read in the
    // same task as the click: on a loaded machine the answer can come before a second round trip.
    const noticeAtClick = await page.evaluate(() => {
      document.querySelector<HTMLButtonElement>('#cancel')!.click();
      return document.querySelector('#progress-notice')?.textContent ?? null;
    });
    expect(noticeAtClick).toBe(formatMessage('en', 'progress.cancelling'));
    await page.waitForSelector('#cancelled-outcome', { timeout: 90_000 });
    expect(await page.textContent('#cancelled-outcome')).toBe(formatMessage('en', 'cancelled.deleted'));
    expect(link.deleteAnswers.some((status) => status === 204 || status === 404 || status === 410)).toBe(true);
    expect(uploadsOnServer()).toEqual([]);
    expect(storedSubmissions(portal)).toEqual(before);
    await page.context().close();
  }, 120_000);

  test('quick exit with a chunk in flight: its DELETE is honoured and nothing is left on the server', async () => {
    const page = await openThroughLink();
    await sendSlowly(page, 4 * MIB);
    expect(uploadsOnServer()).not.toEqual([]);
    await page.click('.exit-button');
    await eventually(uploadsOnServer, (files) => files.length === 0, 15_000);
    expect(link.deleteAnswers.at(-1)).toBe(204);
    await page.context().close();
  }, 120_000);

  test('a long outage: a countdown and "Try now", more failed tries than the old limit, then it resumes', async () => {
    const page = await openThroughLink();
    const submission: Submission = { message: `outage ${Date.now()}`, files: [fileOf(3 * MIB)], reply: false };
    const before = storedSubmissions(portal);
    const firstRequest = portal.proxy.requests.length;
    await compose(page, submission);
    await send(page, false);
    await page.waitForFunction(() => (document.querySelector('progress')?.value ?? 0) > 0, null, { timeout: 30_000 });
    link.down = true;
    await page.waitForSelector('#try-now:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#progress-notice')).toMatch(
      /^The connection dropped\. Reconnecting: next try in \d+ s\./,
    );
    // No stale rate or time left while reconnecting.
    expect(await page.textContent('#progress-rate')).toBe('');
    // 15 failed tries in a row, each started at once with "Try now".
    for (let tries = 0; tries < 15; tries++) {
      const refused = link.refused;
      await page.click('#try-now');
      await eventually(
        () => link.refused,
        (count) => count > refused,
        15_000,
      );
      await page.waitForSelector('#try-now:not([hidden])', { timeout: 15_000 });
    }
    // Still reconnecting, never "did not reach the newsroom".
    expect(await page.$('#try-again')).toBeNull();
    expect(await page.textContent('#progress-notice')).toMatch(/next try in \d+ s|reconnect now/);
    link.down = false;
    await page.click('#try-now');
    await waitUntilSent(page);
    expectDelivered(portal, before, submission, null);
    // Resumed where it stopped: one upload, its start sent once.
    const requests = portal.proxy.requests.slice(firstRequest);
    expect(requests.filter((line) => line === 'POST /api/uploads')).toHaveLength(1);
    expect(requests.filter((line) => line.startsWith('PUT ') && line.endsWith('offset=0'))).toHaveLength(1);
    await page.context().close();
  }, 180_000);
});
