/**
 * Rotation cannot strand a source's submission (issue 11), in Chromium: a
 * page opened before the newsroom retires its editor and adds a new one
 * (same count) encrypts to the new editor only; and a rotation while an
 * upload runs makes the server refuse its finalize (MANIFEST_CHANGED), the
 * page says so, verifies the new manifest, encrypts again from the kept
 * draft and sends, with no action from the source. Each stored file opens
 * with Debian `age` and the newest editor's identity, not a retired one's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatMessage } from '../../client/app/i18n/catalog.js';
import { accessPublicKeyText, generateAccessKey } from '../../client/core/access-key.js';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { signManifest, type KeyManifest } from '../../client/core/manifest.js';
import { parseSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { requireTools } from '../support/required-tools.js';
import { compose, openPage, send, waitUntilSent, type Submission } from './flow.js';
import {
  E2E_TOOLS,
  launchBrowser,
  recordTexts,
  startPortal,
  storedSubmissions,
  testBytes,
  watchProblems,
  type Portal,
} from './support.js';

const MIB = 1024 * 1024;
const e2e = requireTools(E2E_TOOLS, 'key rotation seen from the source page in Chromium');

/** An editor's identity file on disk, for `age -d -i`. */
interface EditorIdentity {
  readonly name: string;
  readonly file: string;
}

/** What `age -d -i identity file` prints, or null if it cannot decrypt. */
function ageDecrypt(identity: EditorIdentity, file: string): Buffer | null {
  const age = spawnSync('age', ['-d', '-i', identity.file, file], { maxBuffer: 64 * MIB });
  return age.status === 0 ? age.stdout : null;
}

e2e.describe('key rotation seen from the source page', () => {
  let portal: Portal;
  let browser: Browser;
  let demoEditor: EditorIdentity;
  /** The editor active before the latest rotation: the one that rotation retired. */
  let activeEditor: EditorIdentity;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser()]);
    demoEditor = { name: 'Demo Editor', file: portal.newsroom.identityFile };
    activeEditor = demoEditor;
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  /**
   * The admin's rotation, as docs/KEYS.md describes it: every active editor
   * retired, one new editor added (the count stays one), the next version
   * signed with the root key and published on the editor listener.
   */
  async function rotate(name: string): Promise<EditorIdentity> {
    const manifestRoute = new URL('api/manifest', portal.server.editorUrl).href;
    const served = await fetch(manifestRoute);
    expect(served.status).toBe(200);
    const current = JSON.parse(((await served.json()) as { manifest: string }).manifest) as KeyManifest;
    const identity = X25519Identity.generate();
    const file = path.join(portal.root, `${name.replace(/\W+/g, '-')}-identity.txt`);
    writeFileSync(file, formatIdentityFile(identity, new Date()), { mode: 0o600 });
    const next: KeyManifest = {
      ...current,
      version: current.version + 1,
      editors: [
        ...current.editors.map((editor) => ({ ...editor, status: 'retired' as const })),
        {
          name,
          recipient: identity.recipient().format(),
          accessKey: accessPublicKeyText(generateAccessKey(name)),
          status: 'active' as const,
        },
      ],
    };
    const rootKey = await parseSecretKeyFile(readFileSync(path.join(portal.root, 'secrets', 'root.key'), 'utf8'));
    const signed = signManifest(next, rootKey);
    const published = await fetch(manifestRoute, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: new TextDecoder().decode(signed.manifest), signature: signed.signature }),
    });
    expect(published.status).toBe(200);
    activeEditor = { name, file };
    return activeEditor;
  }

  /** The one submission stored since `before`. */
  function newSubmission(before: readonly string[]): string {
    const added = storedSubmissions(portal).filter((file) => !before.includes(file));
    expect(added).toHaveLength(1);
    return added[0]!;
  }

  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    return { page, problems: watchProblems(page) };
  }

  test('a page opened before a rotation encrypts to the new editor, not the retired one', async () => {
    const { page, problems } = await newPage();
    await openPage(page, portal, 'en');
    const newEditor = await rotate('New Editor');
    const submission: Submission = { message: `after rotation ${Date.now()}`, files: [], reply: false };
    const before = storedSubmissions(portal);
    await compose(page, submission);
    await send(page, false);
    await waitUntilSent(page);

    const stored = newSubmission(before);
    expect(ageDecrypt(newEditor, stored)).not.toBeNull();
    expect(ageDecrypt(demoEditor, stored)).toBeNull();
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  test('a rotation during the upload: the page encrypts again to the new keys and sends, by itself', async () => {
    const { page, problems } = await newPage();
    await openPage(page, portal, 'en');
    const submission: Submission = {
      message: `rotated mid-upload ${Date.now()}`,
      files: [{ name: 'evidence.bin', mimeType: 'application/octet-stream', buffer: testBytes(3 * MIB, 4) }],
      reply: false,
    };
    const before = storedSubmissions(portal);
    const firstRequest = portal.proxy.requests.length;
    await compose(page, submission);
    const releaseFirst = portal.proxy.holdUploads();
    await send(page, false);
    await page.waitForFunction(() => (document.querySelector('progress')?.value ?? 0) > 0);
    // Everything the restart line says while the page sends (it may pass quickly on loopback).
    const restartLine = await recordTexts(page, '#progress-restart');
    // Retired by this test's rotation (the first test's new editor), checked below.
    const retired = activeEditor;
    const newest = await rotate('Newest Editor');
    // The old upload goes on and is refused at finalize.
    releaseFirst();
    await waitUntilSent(page);
    expect(await restartLine()).toContain(formatMessage('en', 'progress.restarting.keysChanged'));

    const requests = portal.proxy.requests.slice(firstRequest);
    expect(requests.filter((line) => line === 'POST /api/uploads')).toHaveLength(2);
    // The page fetched the manifest again before encrypting anew: between the two creates.
    const creates = requests.flatMap((line, index) => (line === 'POST /api/uploads' ? [index] : []));
    expect(requests.slice(creates[0], creates[1])).toContain('GET /manifest.json');
    const stored = newSubmission(before);
    const plaintext = ageDecrypt(newest, stored);
    expect(plaintext).not.toBeNull();
    expect(plaintext!.includes(Buffer.from(submission.message))).toBe(true);
    expect(ageDecrypt(retired, stored)).toBeNull();
    expect(ageDecrypt(demoEditor, stored)).toBeNull();
    expect(problems).toEqual([]);
    await page.context().close();
  }, 180_000);
});
