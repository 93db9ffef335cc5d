/**
 * The conversation workflow against the real server on loopback: a source
 * submits asking for replies; the editor pulls, decrypts, writes a reply
 * offline and pushes it; the source's mailbox holds exactly the outbox
 * file; pushing again stores nothing twice; the editor sees whether the
 * source deleted it; a follow-up groups with the first submission; a reply
 * the server refuses is reported with the server's code and exit status 1.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeMailboxCapability, conversationLabel } from '../../client/core/mailbox.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, generateSourceSecret, type SourceKeys } from '../../client/core/source-secret.js';
import { EditorClient, parseServerUrl } from '../../scripts/cli/editor-client.js';
import { readFileChunks } from '../../scripts/cli/file-chunks.js';
import { newReplyId } from '../../scripts/cli/outbox.js';
import { runOnlyIf } from '../support/required-tools.js';
import {
  PASSPHRASE,
  encryptBytesToFile,
  makeEditorKeys,
  makeRoot,
  patternData,
  sealdrop,
  sealdropOk,
  startServer,
  submit,
  tempDir,
  type EditorFiles,
  type RunningServer,
} from './support.js';

/** The server's reply size limit in this test: small, so one reply can exceed it. */
const MAX_REPLY_BYTES = 1024 * 1024;

let dir: string;
let server: RunningServer;
let root: { key: string; pub: string };
let alice: EditorFiles;
let bob: EditorFiles;
let source: SourceKeys;
let manifest: string;
let read: string;

beforeAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await loadSodium();
  dir = await tempDir();
  const keys = path.join(dir, 'keys');
  await mkdir(keys);
  root = await makeRoot(dir);
  alice = await makeEditorKeys(dir, 'Alice');
  bob = await makeEditorKeys(dir, 'Bob');
  manifest = path.join(dir, 'manifest.json');
  await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', alice.pub, '--editor', bob.pub], {
    cwd: dir,
  });
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: dir });
  await copyFile(root.pub, path.join(keys, 'root.pub'));
  await copyFile(manifest, path.join(keys, 'manifest.json'));
  await copyFile(`${manifest}.minisig`, path.join(keys, 'manifest.json.minisig'));
  server = await startServer(keys, path.join(dir, 'data'), { maxReplyBytes: MAX_REPLY_BYTES });
  source = deriveSourceKeys(generateSourceSecret());
  await submit(
    server.sourceUrl,
    { message: 'first tip', files: [], reply: { recipient: source.replyRecipient, mailbox: source.mailboxId } },
    dir,
  );
  read = path.join(dir, 'read');
  // Bob pulls first: --delete removes a submission only once every active editor has it.
  await sealdropOk(['pull', '--server', server.editorUrl, '--access-key', bob.access, '--out', 'inbox-bob'], {
    cwd: dir,
  });
  await sealdropOk(['pull', '--server', server.editorUrl, '--access-key', alice.access, '--out', 'inbox', '--delete'], {
    cwd: dir,
  });
  await sealdropOk(['decrypt', '--identity', alice.identity, '--out', read, 'inbox'], { cwd: dir });
}, 60_000);
afterAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** The one submission folder decrypt made so far. */
async function firstFolder(): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const [name] = (await readdir(read)).sort();
  return path.join(read, name!);
}

async function writeReply(outbox: string, text: string, ...extra: string[]): Promise<string> {
  const result = await sealdropOk(
    [
      'reply',
      await firstFolder(),
      '--message-file',
      '-',
      ...extra,
      '--manifest',
      manifest,
      '--root-pub',
      root.pub,
      '--out',
      outbox,
    ],
    { stdin: text },
  );
  return /^reply written: (\S+) \(/.exec(result.stdout)![1]!;
}

const push = (...outboxes: string[]): ReturnType<typeof sealdrop> =>
  sealdrop(['push', '--server', server.editorUrl, '--access-key', bob.access, ...outboxes]);

/** What the source's page asks: the mailbox, by its capability in the body. */
async function sourceMailbox(): Promise<{ id: string; day: string; size: number }[]> {
  const response = await fetch(`${server.sourceUrl}/api/mailbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ capability: encodeMailboxCapability(source.mailboxCapability) }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { replies: { id: string; day: string; size: number }[] }).replies;
}

async function sourceFetch(id: string): Promise<Buffer> {
  const response = await fetch(`${server.sourceUrl}/api/mailbox/reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ capability: encodeMailboxCapability(source.mailboxCapability), id }),
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const replyIdOf = (file: string): string => path.basename(file, '.age').split('-')[1]!;

const withFetch = runOnlyIf(
  typeof WebAssembly !== 'undefined',
  'push and replies against the server',
  "Node's fetch needs WebAssembly (llhttp), which node --jitless lacks",
);

withFetch.describe('push and replies', () => {
  let delivered: string;

  it('delivers a reply to the source mailbox, byte for byte', async () => {
    const outbox = path.join(dir, 'outbox');
    delivered = await writeReply(outbox, 'Thank you. Can you tell us more?\n');
    const result = await push(outbox);
    expect(result.code).toBe(0);
    const where = `${delivered} (conversation ${conversationLabel(source.mailboxId)}, `;
    expect(result.stdout).toContain(`delivered: ${where}`);
    expect(result.stdout).toMatch(/pushed 1 new reply\(ies\), 0 already delivered\n$/);
    expect(result.stderr).toContain('logged in as Bob; 1 reply file(s), 1 to send');
    const listed = await sourceMailbox();
    expect(listed.map((reply) => reply.id)).toEqual([replyIdOf(delivered)]);
    expect(await sourceFetch(replyIdOf(delivered))).toEqual(await readFile(delivered));
  });

  it('pushing twice stores once and says already delivered', async () => {
    const outbox = path.dirname(delivered);
    const again = await push(outbox);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already delivered: ${delivered} (`);
    expect(again.stdout).toContain(': waiting for the source\n');
    expect(again.stdout).toMatch(/pushed 0 new reply\(ies\), 1 already delivered\n$/);
    // The server's own idempotence, when the listing is not consulted first.
    const client = await EditorClient.loginWithKeyFile(parseServerUrl(server.editorUrl), bob.access, () =>
      Promise.resolve(PASSPHRASE),
    );
    const size = (await readFile(delivered)).length;
    const answer = await client.putReply(source.mailboxId, replyIdOf(delivered), readFileChunks(delivered), size);
    expect(answer).toMatchObject({ outcome: 'already', reply: { id: replyIdOf(delivered), state: 'waiting', size } });
    expect(await sourceMailbox()).toHaveLength(1);
  });

  it('replies lists the mailbox, and shows a reply the source deleted', async () => {
    const folder = await firstFolder();
    const before = await sealdropOk(['replies', '--server', server.editorUrl, '--access-key', alice.access, folder]);
    const label = conversationLabel(source.mailboxId);
    expect(before.stdout).toMatch(
      new RegExp(
        `^${folder}: conversation ${label}, 1 reply\\(ies\\), 1 waiting, 0 deleted by the source\n` +
          `  \\d{4}-\\d\\d-\\d\\d  ${replyIdOf(delivered)}  waiting \\(arrived that day, [0-9.]+ KiB\\)\n$`,
      ),
    );
    const deleted = await fetch(`${server.sourceUrl}/api/mailbox/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        capability: encodeMailboxCapability(source.mailboxCapability),
        id: replyIdOf(delivered),
      }),
    });
    expect(deleted.status).toBe(204);
    const after = await sealdropOk([
      'replies',
      '--server',
      server.editorUrl,
      '--access-key',
      alice.access,
      source.mailboxId,
    ]);
    expect(after.stdout).toContain(`${source.mailboxId}: conversation ${label}, 1 reply(ies), 0 waiting, 1 deleted`);
    expect(after.stdout).toContain(`  ${replyIdOf(delivered)}  deleted by the source that day\n`);
    // Pushing the deleted reply again does not bring it back.
    const again = await push(path.dirname(delivered));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(': read and deleted by the source\n');
    expect(await sourceMailbox()).toEqual([]);
  });

  it('reports a refused reply with the server code, delivers the rest, and exits 1', async () => {
    const outbox = path.join(dir, 'outbox-mixed');
    const good = await writeReply(outbox, 'second reply');
    // Encrypted to the source alone: the editors could not read it, and the server refuses that.
    const wrong = path.join(outbox, `${source.mailboxId}-${newReplyId()}.age`);
    await encryptBytesToFile([source.replyRecipient], new Uint8Array(1024), wrong);
    // Larger than this server's limit once encrypted.
    const big = patternData(MAX_REPLY_BYTES + 1);
    const attachment = path.join(dir, 'big.bin');
    const parts: Uint8Array[] = [];
    for await (const part of big.data()) parts.push(part);
    await writeFile(attachment, Buffer.concat(parts));
    const tooLarge = await writeReply(outbox, 'with a big file', '--attach', attachment);
    await writeFile(path.join(outbox, 'notes.txt'), 'not a reply');

    const result = await push(outbox);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`delivered: ${good} (`);
    expect(result.stderr).toContain(
      `refused: ${wrong} (conversation ${conversationLabel(source.mailboxId)}, 1.2 KiB): server refused: `,
    );
    expect(result.stderr).toMatch(/refused: .* \(WRONG_RECIPIENTS\)\n/);
    expect(result.stderr).toContain(`refused: ${tooLarge} (`);
    expect(result.stderr).toMatch(/refused: .* \(REPLY_TOO_LARGE\)\n/);
    expect(result.stderr).toContain(`skipped: ${path.join(outbox, 'notes.txt')}: not a reply file (`);
    expect(result.stdout).toMatch(
      /pushed 1 new reply\(ies\), 0 already delivered, 2 refused, 1 other file\(s\) skipped\n$/,
    );
    expect((await sourceMailbox()).map((reply) => reply.id)).toEqual([replyIdOf(good)]);
  });

  it('a follow-up from the source groups with its first submission', async () => {
    await submit(
      server.sourceUrl,
      { message: 'follow-up', files: [], reply: { recipient: source.replyRecipient, mailbox: source.mailboxId } },
      dir,
    );
    await submit(server.sourceUrl, { message: 'someone else', files: [] }, dir);
    await sealdropOk(['pull', '--server', server.editorUrl, '--access-key', alice.access, '--out', 'inbox2'], {
      cwd: dir,
    });
    await sealdropOk(['decrypt', '--identity', alice.identity, '--out', read, 'inbox2'], { cwd: dir });
    const listing = (await sealdropOk(['conversations', read])).stdout;
    const label = conversationLabel(source.mailboxId);
    expect(listing).toMatch(new RegExp(`^conversation ${label}: 2 submission\\(s\\), `));
    const group = listing.split('\n').slice(1, 3).join('\n');
    expect(group).toContain('first tip');
    expect(group).toContain('follow-up');
    expect(listing).toMatch(/no reply wanted: 1 submission\(s\)\n {2}\S+ {2}\S+ {2}\(no files\) {2}someone else\n$/);
  });

  it('needs outboxes, and says when none holds a reply', async () => {
    const none = path.join(dir, 'empty-outbox');
    await mkdir(none);
    const result = await push(none);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('sealdrop push: no reply files to push\n');
    expect((await push()).code).toBe(2);
  });
});
