/**
 * The Tor Browser "Safer" path: Chromium with `--js-flags=--jitless`, which
 * removes WebAssembly and the JIT. The page must pick the no-WebAssembly
 * worker (noble instead of libsodium), and what it sends must decrypt with
 * Debian `age`. Sizes stay small: this path encrypts at about 1 MB/s.
 */
import type { Browser } from 'playwright-core';
import {
  compose,
  expectDelivered,
  expectFingerprint,
  expectNoTraces,
  openPage,
  plaintextNeedles,
  send,
  waitUntilSent,
  watchForPlaintext,
  type Submission,
} from './flow.js';
import {
  E2E_TOOLS,
  launchBrowser,
  startPortal,
  storedSubmissions,
  testBytes,
  watchProblems,
  type Portal,
} from './support.js';
import { requireTools } from '../support/required-tools.js';

const e2e = requireTools(E2E_TOOLS, 'the source page in Chromium without WebAssembly');

e2e.describe('source page in Chromium without WebAssembly (--jitless)', () => {
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser({ jitless: true })]);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  test('a Korean message, a 1 MiB file and an empty file decrypt with age', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const submission: Submission = {
      message: `WebAssembly 없이 보내는 제보입니다. ${Date.now()}`,
      files: [
        { name: '사진.jpg', mimeType: 'image/jpeg', buffer: testBytes(1024 * 1024 + 7, 5) },
        { name: 'empty.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(0) },
      ],
      reply: true,
    };
    const before = storedSubmissions(portal);
    await openPage(page, portal, 'ko');
    expect(await page.evaluate(() => typeof WebAssembly)).toBe('undefined');
    await expectFingerprint(page, portal);
    await compose(page, submission);
    const watch = watchForPlaintext(portal, plaintextNeedles(submission));
    const words = await send(page, true);
    await waitUntilSent(page, 120_000);
    expect(watch.stop()).toEqual([]);

    expectDelivered(portal, before, submission, words);
    await expectNoTraces(page, words);
    expect(portal.proxy.requests).toContain('GET /worker-nowasm.js');
    expect(portal.proxy.requests).not.toContain('GET /worker.js');
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
