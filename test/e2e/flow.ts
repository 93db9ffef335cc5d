/**
 * What a person does on the page, as reusable steps, and the checks every
 * end-to-end submission ends with (age + tar round trip, no plaintext on the
 * server's disk, no trace on the device, no console error or CSP violation).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { rootFingerprint } from '../../client/core/manifest.js';
import { parsePublicKeyFile } from '../../client/core/minisign.js';
import { deriveSourceKeys, mnemonicToSecret } from '../../client/core/source-secret.js';
import { decryptAndExtract, deviceTraces, filesContaining, storedSubmissions, type Portal } from './support.js';

export interface TestFile {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

export interface Submission {
  readonly message: string;
  readonly files: readonly TestFile[];
  readonly reply: boolean;
}

/** Open the page and wait until the signed key list is verified. */
export async function openPage(page: Page, portal: Portal, language: 'en' | 'ko'): Promise<void> {
  await page.goto(`${portal.url}?lang=${language}`);
  await page.waitForSelector('.keys .ok', { timeout: 30_000 });
  await page.waitForSelector('#send:not([disabled])');
}

/** Fill in the form: message, files, reply choice. */
export async function compose(page: Page, submission: Submission): Promise<void> {
  await page.fill('#message', submission.message);
  if (submission.files.length > 0)
    await page.setInputFiles(
      '#files',
      submission.files.map((file) => ({ ...file })),
    );
  if (submission.reply) await page.check('#reply');
}

/**
 * Press send (and, for replies, confirm the words were written down).
 * @returns the 12 words shown, or null without replies.
 */
export async function send(page: Page, reply: boolean): Promise<string[] | null> {
  await page.click('#send');
  if (!reply) return null;
  await page.waitForSelector('#secret-words li');
  const words = await page.locator('#secret-words li').allTextContents();
  await page.check('#secret-confirm');
  await page.click('#secret-send');
  return words;
}

export async function waitUntilSent(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForSelector('#send-again', { timeout });
}

/** Samples the server's data folder for plaintext while a send runs. */
export function watchForPlaintext(portal: Portal, needles: readonly Uint8Array[]): { stop: () => string[] } {
  const found = new Set<string>();
  const scan = (): void => {
    for (const file of filesContaining(portal.newsroom.dataDir, needles)) found.add(file);
  };
  const timer = setInterval(scan, 100);
  return {
    stop: () => {
      clearInterval(timer);
      scan();
      return [...found];
    },
  };
}

/** Byte strings that only the plaintext contains. */
export function plaintextNeedles(submission: Submission): Uint8Array[] {
  const needles: Uint8Array[] = [Buffer.from(submission.message.slice(0, 24)), Buffer.from('sealdrop-submission')];
  for (const file of submission.files) {
    if (file.buffer.length >= 64)
      needles.push(file.buffer.subarray(file.buffer.length >> 1, (file.buffer.length >> 1) + 64));
    needles.push(Buffer.from(file.name));
  }
  return needles;
}

interface SubmissionJson {
  files: { path: string; name: string; size: number; type: string }[];
  reply: { recipient: string; mailbox: string } | null;
}

/**
 * Decrypt the one new submission with Debian `age`, extract it with `tar`
 * and compare every byte with what was sent.
 */
export function expectDelivered(
  portal: Portal,
  before: readonly string[],
  submission: Submission,
  words: string[] | null,
): void {
  const added = storedSubmissions(portal).filter((file) => !before.includes(file));
  expect(added).toHaveLength(1);
  const folder = decryptAndExtract(portal, added[0]!);
  expect(readFileSync(path.join(folder, 'message.txt'), 'utf8')).toBe(submission.message);
  const manifest = JSON.parse(readFileSync(path.join(folder, 'submission.json'), 'utf8')) as SubmissionJson;
  expect(manifest.files.map((file) => [file.name, file.size, file.type])).toEqual(
    submission.files.map((file) => [file.name, file.buffer.length, file.mimeType]),
  );
  for (const [index, file] of submission.files.entries()) {
    expect(readFileSync(path.join(folder, manifest.files[index]!.path)).equals(file.buffer)).toBe(true);
  }
  if (words === null) {
    expect(manifest.reply).toBeNull();
  } else {
    expect(words).toHaveLength(12);
    // The words shown are the secret whose reply key went into submission.json.
    const { secret } = mnemonicToSecret(words.join(' '));
    const keys = deriveSourceKeys(secret);
    expect(manifest.reply).toEqual({ recipient: keys.replyRecipient, mailbox: keys.mailboxId });
  }
}

/** The page left nothing on the device and put nothing secret in its URL. */
export async function expectNoTraces(page: Page, words: string[] | null): Promise<void> {
  expect(await deviceTraces(page)).toEqual({
    cookies: 0,
    localStorage: 0,
    sessionStorage: 0,
    indexedDB: 0,
    caches: 0,
    serviceWorkers: 0,
  });
  const url = decodeURIComponent(page.url());
  for (const word of words ?? []) expect(url).not.toContain(word);
}

/** The fingerprint on screen is the one of the root key the newsroom publishes. */
export async function expectFingerprint(page: Page, portal: Portal): Promise<void> {
  const key = parsePublicKeyFile(readFileSync(portal.newsroom.rootPublicKeyFile, 'utf8'));
  expect(await page.locator('#fingerprint').textContent()).toBe(rootFingerprint(key));
}
