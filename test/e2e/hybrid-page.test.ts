/**
 * A newsroom with a hybrid post-quantum manifest, in a real Chromium, with
 * and without WebAssembly: the admin moves the demo newsroom to one
 * `editor keygen --pq` editor (docs/KEYS.md, "Moving to hybrid keys"), the
 * source submits a file through the real page, the stored file holds one
 * `mlkem768x25519` stanza and nothing classic, and the editor's `sealdrop
 * pull` + `sealdrop decrypt` open it with the sealed hybrid identity; the
 * submission carries the source's hybrid reply recipient, the editor's
 * reply (all hybrid stanzas) is pushed, and the page reads it with the words.
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { parseHeader } from '../../client/core/header.js';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX, signManifest, type KeyManifest } from '../../client/core/manifest.js';
import { parseSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { mnemonicToSecret, replyRecipientFor } from '../../client/core/source-secret.js';
import { makeEditorKeys, sealdropOk, type EditorFiles } from '../cli/support.js';
import { requireTools } from '../support/required-tools.js';
import { compose, openPage, send, waitUntilSent, type Submission } from './flow.js';
import {
  E2E_TOOLS,
  launchBrowser,
  startPortal,
  storedSubmissions,
  testBytes,
  watchProblems,
  type Portal,
} from './support.js';

const e2e = requireTools(E2E_TOOLS, 'a hybrid (post-quantum) newsroom on the source page in Chromium');

/**
 * The admin's move to hybrid keys: every active editor retired, one hybrid
 * editor added, the next version signed with the root key, published on the
 * editor listener and copied into the keys folder (where `sealdrop reply` reads it).
 */
async function moveToHybrid(portal: Portal): Promise<EditorFiles> {
  const keysDir = path.join(portal.root, 'hybrid-editor');
  await mkdir(keysDir);
  const editor = await makeEditorKeys(keysDir, 'Hybrid Editor', 'hybrid', true);
  const manifestRoute = new URL('api/manifest', portal.server.editorUrl).href;
  const served = await fetch(manifestRoute);
  expect(served.status).toBe(200);
  const current = JSON.parse(((await served.json()) as { manifest: string }).manifest) as KeyManifest;
  const publicKeys = JSON.parse(await readFile(editor.pub, 'utf8')) as { recipient: string; accessKey: string };
  const next: KeyManifest = {
    ...current,
    version: current.version + 1,
    editors: [
      ...current.editors.map((entry) => ({ ...entry, status: 'retired' as const })),
      { name: editor.name, recipient: publicKeys.recipient, accessKey: publicKeys.accessKey, status: 'active' },
    ],
  };
  const rootKey = await parseSecretKeyFile(await readFile(path.join(portal.root, 'secrets', 'root.key'), 'utf8'));
  const signed = signManifest(next, rootKey);
  const published = await fetch(manifestRoute, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ manifest: new TextDecoder().decode(signed.manifest), signature: signed.signature }),
  });
  expect(published.status).toBe(200);
  await writeFile(path.join(portal.newsroom.keysDir, MANIFEST_FILE_NAME), signed.manifest);
  await writeFile(path.join(portal.newsroom.keysDir, MANIFEST_FILE_NAME + SIGNATURE_SUFFIX), signed.signature);
  return editor;
}

e2e.describe.each([
  ['with WebAssembly', false],
  ['without WebAssembly (--jitless)', true],
])('a hybrid newsroom on the source page in Chromium %s', (_name, jitless) => {
  let portal: Portal;
  let browser: Browser;
  let editor: EditorFiles;

  beforeAll(async () => {
    [portal, browser] = await Promise.all([startPortal(), launchBrowser({ jitless })]);
    editor = await moveToHybrid(portal);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await portal.close();
  });

  test('a tip with a file: hybrid stanzas only, opened by sealdrop decrypt; the hybrid reply read with the words', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const file = testBytes(300 * 1024 + 5, 13);
    const submission: Submission = {
      message: `a tip no quantum computer will read ${Date.now()}`,
      files: [{ name: 'ledger.pdf', mimeType: 'application/pdf', buffer: file }],
      reply: true,
    };
    const before = storedSubmissions(portal);
    await openPage(page, portal, 'en');
    if (jitless) expect(await page.evaluate(() => typeof WebAssembly)).toBe('undefined');
    await compose(page, submission);
    const words = (await send(page, true))!;
    await waitUntilSent(page, 120_000);

    // On the server: one stanza, for the one active editor, of the hybrid type.
    const added = storedSubmissions(portal).filter((stored) => !before.includes(stored));
    expect(added).toHaveLength(1);
    const { header } = parseHeader(await readFile(added[0]!));
    expect(header.stanzas.map((stanza) => [stanza.type, stanza.args.length])).toEqual([['mlkem768x25519', 1]]);

    // The editor: pull with the new access key, decrypt offline with the sealed hybrid identity.
    const desk = path.join(portal.root, `desk-${jitless ? 'nowasm' : 'wasm'}`);
    const online = ['--server', portal.server.editorUrl, '--access-key', editor.access];
    await sealdropOk(['pull', ...online, '--out', path.join(desk, 'inbox')]);
    const inbox = (await readdir(path.join(desk, 'inbox'))).filter((name) => name.endsWith('.age'));
    expect(inbox).toHaveLength(1);
    const decrypted = path.join(desk, 'read');
    await sealdropOk([
      'decrypt',
      '--identity',
      editor.identity,
      '--out',
      decrypted,
      path.join(desk, 'inbox', inbox[0]!),
    ]);
    const [folder] = await readdir(decrypted);
    const read = path.join(decrypted, folder!);
    expect(await readFile(path.join(read, 'message.txt'), 'utf8')).toBe(submission.message);
    const json = JSON.parse(await readFile(path.join(read, 'submission.json'), 'utf8')) as {
      files: { path: string }[];
      reply: { recipient: string; mailbox: string };
    };
    expect((await readFile(path.join(read, json.files[0]!.path))).equals(file)).toBe(true);
    // The page sent the hybrid reply recipient of the words it showed.
    const { secret } = mnemonicToSecret(words.join(' '));
    expect(json.reply.recipient).toBe(replyRecipientFor(secret, 'mlkem768x25519'));

    // The reply: encrypted to the source's hybrid key and the editor's, pushed, read on the page.
    const answer = 'Received. Your reply key is post-quantum too.';
    const outbox = path.join(desk, 'outbox');
    await sealdropOk(
      [
        'reply',
        read,
        '--message-file',
        '-',
        '--manifest',
        path.join(portal.newsroom.keysDir, MANIFEST_FILE_NAME),
        '--root-pub',
        portal.newsroom.rootPublicKeyFile,
        '--out',
        outbox,
      ],
      { stdin: answer },
    );
    const [replyFile] = await readdir(outbox);
    const replyHeader = parseHeader(await readFile(path.join(outbox, replyFile!)));
    expect(replyHeader.header.stanzas.map((stanza) => stanza.type)).toEqual(['mlkem768x25519', 'mlkem768x25519']);
    expect((await sealdropOk(['push', ...online, outbox])).stdout).toContain('pushed 1 new reply(ies)');

    await page.goto(`${portal.url}?lang=en`);
    await page.click('#read-replies');
    await page.fill('#words', words.join(' '));
    await page.click('#words-open');
    await page.waitForSelector('.reply', { timeout: 90_000 });
    expect(await page.locator('.reply-message').allTextContents()).toEqual([answer]);
    expect(portal.proxy.requests).toContain(jitless ? 'GET /worker-nowasm.js' : 'GET /worker.js');
    // ML-KEM in JavaScript is its own file, loaded only by the no-WebAssembly worker of a hybrid page.
    const xwingLoads = portal.proxy.requests.filter((request) => /^GET \/xwing-nowasm\.js(\?|$)/.test(request));
    expect(xwingLoads.length > 0).toBe(jitless);
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);
});
