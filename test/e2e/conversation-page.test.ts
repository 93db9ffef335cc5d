/**
 * A whole conversation in a real headless Chromium, in Korean, with
 * WebAssembly and without (`--js-flags=--jitless`, Tor Browser Safer): the
 * source sends a tip asking for replies, making new words until one has a
 * North Korean spelling, and copies its 12 words from the page; the editor,
 * with the real `sealdrop` commands, pulls, decrypts, writes three replies
 * offline (one with a file whose name is markup and a bidi override, one
 * whose attachment is then damaged on the server's disk) and pushes them;
 * the source comes back, types its words with the keyboard alone (first
 * swapped, then in North Korean spelling as NFD Hangul with line breaks),
 * reads the replies (text shown, attachments decrypted only on save), saves
 * the file after its reply checked to the end, is told plainly that the
 * damaged one could not be opened (nothing downloaded), writes back, deletes
 * one reply and then all; the editor pulls the follow-up and sees it in the same
 * conversation. The server's disk holds no capability and no plaintext; the
 * browser keeps nothing; every screen passes axe-core and fits a 360 px phone screen.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatMessage } from '../../client/app/i18n/catalog.js';
import { KOREAN_ALIASES } from '../../client/core/korean-spelling.js';
import { conversationLabel, encodeMailboxCapability } from '../../client/core/mailbox.js';
import { deriveSourceKeys, mnemonicToSecret } from '../../client/core/source-secret.js';
import { sanitizeFileName } from '../../client/core/tar-paths.js';
import { requireTools } from '../support/required-tools.js';
import { accessibilityViolations } from './accessibility.js';
import { layoutProblems } from './layout.js';
import { EditorDesk } from './editor-desk.js';
import { compose, expectDelivered, expectNoTraces, openPage, waitUntilSent, type Submission } from './flow.js';
import {
  E2E_TOOLS,
  filesContaining,
  launchBrowser,
  screenshotPath,
  startPortal,
  storedSubmissions,
  testBytes,
  watchProblems,
  type Portal,
} from './support.js';

const e2e = requireTools(E2E_TOOLS, 'a conversation on the source page in Chromium');

/**
 * A file name an attacker might hand an editor: markup and a bidi override
 * (a file on the editor's disk cannot hold a `/`; core tests cover paths).
 */
const HOSTILE_NAME = '보고서 <img src=x onerror=alert(1)>\u202Etxt.exe';
const FIRST_REPLY = '제보 고맙습니다. 문서의 두 번째 쪽도 보내 주실 수 있나요?\n기다리겠습니다.';
const SECOND_REPLY = '<img src=x onerror=alert(1)> 두 번째 답장입니다.';
const DAMAGED_REPLY = '세 번째 답장: 첨부 파일이 서버에서 손상됩니다.';

/** The stored ciphertext of reply `id` under the server's data directory (`mailboxes/<mailbox>/<id>.age`). */
function storedReplyFile(dataDir: string, id: string): string {
  const root = path.join(dataDir, 'mailboxes');
  for (const mailbox of readdirSync(root)) {
    if (readdirSync(path.join(root, mailbox)).includes(`${id}.age`)) return path.join(root, mailbox, `${id}.age`);
  }
  throw new Error(`no stored reply ${id}`);
}

/**
 * The words with two neighbours swapped, choosing a pair whose swap the
 * 4-bit checksum catches (one swap in 16 happens to pass it).
 */
function swapCaughtByChecksum(words: readonly string[]): string[] {
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === words[i + 1]) continue;
    const swapped = [...words];
    [swapped[i], swapped[i + 1]] = [words[i + 1]!, words[i]!];
    try {
      mnemonicToSecret(swapped.join(' '));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'checksum') return swapped;
    }
  }
  throw new Error('no swap of neighbours fails the checksum');
}

/** List word (as the page shows it, NFC) → its North Korean spelling. */
const NORTH_SPELLING: ReadonlyMap<string, string> = new Map(
  KOREAN_ALIASES.map(({ word, alias }) => [word.normalize('NFC'), alias.normalize('NFC')]),
);

/** The words as a North-schooled source may write them: every word with a North Korean spelling in it. */
function inNorthSpelling(words: readonly string[]): string[] {
  return words.map((word) => NORTH_SPELLING.get(word.normalize('NFC')) ?? word);
}

async function shownWords(page: Page): Promise<string[]> {
  return page.locator('#secret-words li').allTextContents();
}

/**
 * On the secret screen: press "make new words" until the 12 words hold one
 * with a North Korean spelling (about 43% of secrets do), so the words can
 * be typed back in that spelling; this also exercises the button. Confirms
 * and sends.
 * @returns the words finally shown, and how many times new ones were made.
 */
async function sendWithNorthSpelledWord(page: Page): Promise<{ words: string[]; renewals: number }> {
  await page.waitForSelector('#secret-words li');
  let words = await shownWords(page);
  let renewals = 0;
  while (!words.some((word) => NORTH_SPELLING.has(word.normalize('NFC')))) {
    if (renewals === 40) throw new Error('40 new secrets without a word that has a North Korean spelling');
    await page.click('#secret-renew');
    const before = words.join(' ');
    await page.waitForFunction((old) => {
      const shown = Array.from(document.querySelectorAll('#secret-words li')).map((li) => li.textContent);
      return shown.length === 12 && shown.join(' ') !== old;
    }, before);
    words = await shownWords(page);
    renewals += 1;
  }
  await page.check('#secret-confirm');
  await page.click('#secret-send');
  return { words, renewals };
}

/** A screenshot of the screen as the source sees it, for people to review (test-output/screenshots). */
async function shot(page: Page, name: string, jitless: boolean): Promise<void> {
  await page.screenshot({ path: screenshotPath(`conversation-${name}-ko${jitless ? '-nowasm' : ''}`), fullPage: true });
}

async function focusedText(page: Page): Promise<{ tag: string; text: string; id: string }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return { tag: element?.tagName ?? '', text: element?.textContent ?? '', id: element?.id ?? '' };
  });
}

e2e.describe.each([
  ['with WebAssembly', false],
  ['without WebAssembly (--jitless)', true],
])('a conversation on the source page in Chromium %s, in Korean', (_name, jitless) => {
  let portal: Portal;
  let browser: Browser;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser({ jitless })]);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  test('tip, replies read with the words, a file saved, a follow-up in the same conversation, deletes', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watchProblems(page);

    // The first tip, asking for replies.
    const tip: Submission = { message: `첫 제보입니다. ${Date.now()}`, files: [], reply: true };
    const beforeTip = storedSubmissions(portal);
    await openPage(page, portal, 'ko');
    await compose(page, tip);
    await page.click('#send');
    await page.waitForSelector('#secret-words li');
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    const { words, renewals } = await sendWithNorthSpelledWord(page);
    if (renewals > 0) console.info(`made new words ${renewals} time(s) to get one with a North Korean spelling`);
    await waitUntilSent(page, 120_000);
    expectDelivered(portal, beforeTip, tip, words);
    const keys = deriveSourceKeys(mnemonicToSecret(words.join(' ')).secret);

    // The editor pulls and decrypts offline, sees the conversation, answers twice.
    const desk = await EditorDesk.open(portal);
    const label = conversationLabel(keys.mailboxId);
    const first = await desk.pullAndDecrypt();
    expect(first.folders).toHaveLength(1);
    expect(first.report).toContain(`conversation: ${label}`);
    const attachment = testBytes(200_000, 7);
    const firstId = await desk.reply(first.folders[0]!, FIRST_REPLY, [{ name: HOSTILE_NAME, bytes: attachment }]);
    const secondId = await desk.reply(first.folders[0]!, SECOND_REPLY, []);
    const damagedId = await desk.reply(first.folders[0]!, DAMAGED_REPLY, [
      { name: 'damaged.bin', bytes: testBytes(300_000, 9) },
    ]);
    const pushed = await desk.push();
    expect(pushed).toContain('pushed 3 new reply(ies)');
    // Pushing again stores nothing twice.
    expect(await desk.push()).toContain('pushed 0 new reply(ies), 3 already delivered');
    // One bit flipped in its last STREAM chunk, past the text: the disk, not the editor, damaged it.
    const damagedFile = storedReplyFile(portal.newsroom.dataDir, damagedId);
    const stored = readFileSync(damagedFile);
    stored[stored.length - 30]! ^= 1;
    writeFileSync(damagedFile, stored);

    // The source comes back, keyboard only.
    await page.goto(`${portal.url}?lang=ko`);
    await page.waitForSelector('#read-replies');
    expect(await page.textContent('#read-replies')).toBe(formatMessage('ko', 'returning.button'));
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    await page.focus('#read-replies');
    // The worker loads the word lists while the source types, not after "open" (a round trip over Tor).
    const wordLists = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/words.js'), {
      timeout: 30_000,
    });
    await page.keyboard.press('Enter');
    await page.waitForSelector('#words');
    expect((await wordLists).status()).toBe(200);
    expect(await focusedText(page)).toMatchObject({ tag: 'H2', text: formatMessage('ko', 'words.heading') });
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    expect(await page.getAttribute('#words', 'autocomplete')).toBe('off');
    expect(await page.getAttribute('#words', 'spellcheck')).toBe('false');
    expect(await page.locator('#words').evaluate((field) => field.closest('form'))).toBeNull();
    await page.keyboard.press('Tab');
    expect((await focusedText(page)).id).toBe('words');
    // Two words swapped: the checksum catches it, and the message names no word.
    const swapped = swapCaughtByChecksum(words);
    await page.keyboard.insertText(swapped.join(' '));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect((await focusedText(page)).id).toBe('words-open');
    await page.keyboard.press('Enter');
    const problem = page.locator('#words-problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toBe(formatMessage('ko', 'words.error.checksum'));
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    await shot(page, '1-words-problem', jitless);
    // The text equals the fixed catalog message (above), so it cannot echo a typed word;
    // a plain "contains none of the words" check would fail whenever the draw includes
    // a list word the message itself uses (단어, 순서).
    // Focus went back to the field; type them again as a North-schooled source may write
    // them (North Korean spelling: 래일 for 내일, 수자 for 숫자 …), decomposed Hangul, one per line.
    expect((await focusedText(page)).id).toBe('words');
    const northern = inNorthSpelling(words);
    expect(northern).not.toEqual(words);
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(northern.join('\n').normalize('NFD'));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.reply', { timeout: 60_000 });
    expect(await focusedText(page)).toMatchObject({ tag: 'H2', text: formatMessage('ko', 'mailbox.heading') });
    expect(await page.locator('#words').count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    await shot(page, '2-mailbox', jitless);

    // All three replies, as text (the damaged one's too: its text is intact); the hostile name is a name, not markup.
    expect(await page.locator('.reply').count()).toBe(3);
    const messages = await page.locator('.reply-message').allTextContents();
    expect(messages.sort()).toEqual([FIRST_REPLY, SECOND_REPLY, DAMAGED_REPLY].sort());
    expect(await page.locator('.reply img, .reply b, .reply script').count()).toBe(0);
    const withFile = page.locator('.reply', {
      has: page.locator('.reply-message', { hasText: FIRST_REPLY.slice(0, 10) }),
    });
    // The name as text, its bidi override shown as `?` so `…txt.exe` cannot pass for `…exe.txt`.
    expect(await withFile.locator('bdi.file-name').allTextContents()).toEqual([HOSTILE_NAME.replace('\u202E', '?')]);
    expect(await page.locator('#save-warning').textContent()).toContain('이 기기');
    expect(await withFile.locator('.files-check').textContent()).toBe(formatMessage('ko', 'mailbox.files.onSave'));
    const downloads: string[] = [];
    page.on('download', (download) => downloads.push(download.suggestedFilename()));

    // Prepared (its reply decrypted again and checked to the end), then saved under the sanitized archive name, byte for byte.
    await withFile.locator('.files button').click();
    await withFile.locator('.file-save').waitFor({ timeout: 60_000 });
    expect(await withFile.locator('.file-status').textContent()).toBe(formatMessage('ko', 'mailbox.file.checked'));
    expect(await accessibilityViolations(page)).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), withFile.locator('.file-save').click()]);
    expect(download.suggestedFilename()).toBe(sanitizeFileName(HOSTILE_NAME, 0).slice('files/'.length));
    expect(readFileSync(await download.path()).equals(Buffer.from(attachment))).toBe(true);

    // The damaged attachment: refused at save, said plainly, never offered, nothing downloaded.
    const damaged = page.locator('.reply', { has: page.locator('.reply-message', { hasText: DAMAGED_REPLY }) });
    await damaged.locator('.files button').click();
    await damaged.locator('.file-failure').waitFor({ timeout: 60_000 });
    expect(await damaged.locator('.file-failure').textContent()).toBe(formatMessage('ko', 'mailbox.file.damaged'));
    expect(await damaged.locator('.file-save, .files button').count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    await shot(page, '2b-file-damaged', jitless);
    expect(downloads).toEqual([sanitizeFileName(HOSTILE_NAME, 0).slice('files/'.length)]);

    // Writing back: no new words, the same conversation.
    const beforeFollowUp = storedSubmissions(portal);
    await page.click('#write-back');
    await page.waitForSelector('#back-to-mailbox');
    expect(await focusedText(page)).toMatchObject({ tag: 'H2', text: formatMessage('ko', 'followUp.heading') });
    expect(await page.locator('#reply').count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    const followUp: Submission = { message: `두 번째 쪽을 보냅니다. ${Date.now()}`, files: [], reply: true };
    await page.fill('#message', followUp.message);
    await page.click('#send');
    await page.waitForSelector('#back-to-mailbox', { timeout: 120_000 });
    // The same 12 words' reply recipient and mailbox, so editors see one conversation.
    expectDelivered(portal, beforeFollowUp, followUp, words);
    await page.click('#back-to-mailbox');
    await page.waitForSelector('.reply');

    // Delete one: asked first, said done only once the server has deleted it.
    await page.click(`#delete-${secondId}`);
    expect((await focusedText(page)).id).toBe('confirm-delete-yes');
    await page.keyboard.press('Enter');
    await page.locator('#delete-notice').waitFor();
    expect(await page.textContent('#delete-notice')).toBe(formatMessage('ko', 'mailbox.deleted.one'));
    const states = await desk.replies(first.folders[0]!);
    expect(states).toContain(`${firstId}  waiting`);
    expect(states).toContain(`${secondId}  deleted by the source`);
    // Then all.
    await page.click('#delete-all');
    await page.click('#confirm-delete-all-yes');
    await page.locator('#mailbox-empty').waitFor();
    expect(await page.textContent('#mailbox-empty')).toBe(formatMessage('ko', 'mailbox.empty'));
    await shot(page, '3-mailbox-empty', jitless);
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    expect(await desk.replies(first.folders[0]!)).toContain('3 reply(ies), 0 waiting, 3 deleted by the source');

    // The editor pulls the follow-up: the same conversation as the first tip.
    const second = await desk.pullAndDecrypt();
    expect(second.folders).toHaveLength(1);
    expect(second.report).toContain(`conversation: ${label}`);
    expect(readFileSync(path.join(second.folders[0]!, 'message.txt'), 'utf8')).toBe(followUp.message);
    const conversations = await desk.conversations();
    expect(conversations).toContain(`conversation ${label}: 2 submission(s)`);

    // The server holds no capability and no plaintext of the replies or the follow-up.
    const needles = [
      Buffer.from(encodeMailboxCapability(keys.mailboxCapability)),
      Buffer.from(FIRST_REPLY.slice(0, 12)),
      Buffer.from(followUp.message.slice(0, 12)),
      Buffer.from(keys.replyIdentity),
    ];
    expect(filesContaining(portal.newsroom.dataDir, needles)).toEqual([]);

    // Closing the mailbox: back to the first screen, nothing on the device.
    await page.click('#mailbox-close');
    await page.waitForSelector('#read-replies');
    await expectNoTraces(page, words);
    expect(problems).toEqual([]);
    expect(portal.proxy.requests).toContain(jitless ? 'GET /worker-nowasm.js' : 'GET /worker.js');
    // The capability only ever in bodies: no mailbox request path names anything but the route.
    expect(
      portal.proxy.requests
        .filter((line) => line.includes('/api/mailbox'))
        .every((line) => /^POST \/api\/mailbox(\/reply|\/delete)?$/.test(line)),
    ).toBe(true);
    await context.close();
  }, 300_000);
});
