/**
 * A newsroom moving to hybrid post-quantum keys with the command line:
 * `editor keygen --pq` makes an age1pq1 identity sealed under the passphrase
 * (typage opens the sealed file and reads the identity), the manifest tools
 * refuse to mix hybrid and classic active editors and say which editors and
 * how to migrate, one `manifest rotate` replaces every editor at once,
 * `sealdrop decrypt` opens hybrid submissions with the sealed identity, and
 * `sealdrop reply` answers a conversation begun under classic keys.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Decrypter } from 'age-encryption';
import { decrypt } from '../../client/core/age.js';
import { parseHeader } from '../../client/core/header.js';
import { openIdentityFile } from '../../client/core/identity-file.js';
import { activeRecipients, parseManifest } from '../../client/core/manifest.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveReplyIdentities, deriveSourceKeys, replyRecipientFor } from '../../client/core/source-secret.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { readFileChunks } from '../../scripts/cli/file-chunks.js';
import {
  PASSPHRASE,
  makeEditorKeys,
  makeRoot,
  sealdrop,
  sealdropOk,
  tempDir,
  writeSubmission,
  type EditorFiles,
  type RunResult,
} from './support.js';

let dir: string;
let root: { key: string; pub: string };
let manifest: string;
let classic: { alice: EditorFiles; bob: EditorFiles };
let hybrid: { alice: EditorFiles; bob: EditorFiles; carol: EditorFiles };
const source = (): ReturnType<typeof deriveSourceKeys> => deriveSourceKeys(new Uint8Array(16).fill(42));
const NOW = new Date('2030-05-06T07:08:09Z');

/** `sealdrop reply` to a decrypted submission folder, under this file's signed manifest, into `outbox`. */
function replyTo(folder: string, messageFile: string, outbox: string): Promise<RunResult> {
  return sealdropOk([
    'reply',
    folder,
    '--message-file',
    messageFile,
    '--manifest',
    manifest,
    '--root-pub',
    root.pub,
    '--out',
    outbox,
  ]);
}

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir('sealdrop-cli-hybrid-');
  root = await makeRoot(dir);
  classic = { alice: await makeEditorKeys(dir, 'Alice'), bob: await makeEditorKeys(dir, 'Bob') };
  hybrid = {
    alice: await makeEditorKeys(dir, 'Alice', 'alice-pq', true),
    bob: await makeEditorKeys(dir, 'Bob', 'bob-pq', true),
    carol: await makeEditorKeys(dir, 'Carol', 'carol-pq', true),
  };
  manifest = path.join(dir, 'manifest.json');
  const at = { cwd: dir };
  await sealdropOk(
    ['manifest', 'add', '--root-pub', root.pub, '--editor', classic.alice.pub, '--editor', classic.bob.pub],
    at,
  );
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], at);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('keygen --pq: an age1pq1 public file and a sealed identity file typage opens', async () => {
  expect(hybrid.alice.recipient).toMatch(/^age1pq1[02-9ac-hj-np-z]+$/);
  const decrypter = new Decrypter();
  decrypter.addPassphrase(PASSPHRASE);
  const text = await decrypter.decrypt(await readFile(hybrid.alice.identity), 'text');
  const lines = text.split('\n');
  expect(lines[1]).toBe(`# public key: ${hybrid.alice.recipient}`);
  expect(lines[2]).toMatch(/^AGE-SECRET-KEY-PQ-1[0-9A-Z]+$/);
  expect(HybridIdentity.parse(lines[2]!).recipient().format()).toBe(hybrid.alice.recipient);
  const [identity] = await openIdentityFile(await readFile(hybrid.alice.identity), () => PASSPHRASE, nodeScrypt);
  expect(identity).toBeInstanceOf(HybridIdentity);
});

test('manifest add refuses a hybrid editor beside classic ones, naming the editors and the way out', async () => {
  const before = await readFile(manifest);
  const result = await sealdrop(['manifest', 'add', '--editor', hybrid.carol.pub], { cwd: dir });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(
    'active editors mix hybrid and classic recipients (classic (age1): Alice, Bob; hybrid (age1pq1): Carol)',
  );
  expect(result.stderr).toContain('sealdrop editor keygen --pq');
  expect(result.stderr).toContain('sealdrop manifest rotate');
  expect(await readFile(manifest)).toEqual(before);
});

test('rotating one editor at a time would mix: refused; rotating all at once migrates', async () => {
  const before = await readFile(manifest);
  const one = await sealdrop(['manifest', 'rotate', '--replaces', 'Alice', '--editor', hybrid.alice.pub], { cwd: dir });
  expect(one.code).not.toBe(0);
  expect(one.stderr).toContain('classic (age1): Bob; hybrid (age1pq1): Alice');
  expect(await readFile(manifest)).toEqual(before);
  const unpaired = await sealdrop(
    ['manifest', 'rotate', '--replaces', 'Alice', '--replaces', 'Bob', '--editor', hybrid.alice.pub],
    { cwd: dir },
  );
  expect(unpaired.stderr).toContain('give one --editor for each --replaces');

  const all = await sealdropOk(
    [
      'manifest',
      'rotate',
      '--replaces',
      'Alice',
      '--editor',
      hybrid.alice.pub,
      '--replaces',
      'Bob',
      '--editor',
      hybrid.bob.pub,
    ],
    { cwd: dir, now: NOW },
  );
  expect(all.stdout).toContain('Alice rotated (old keys retired as Alice (retired 2030-05-06))');
  expect(all.stdout).toContain('Bob rotated (old keys retired as Bob (retired 2030-05-06))');
  expect(all.stdout).toContain('version 2 (was 1; signature removed, sign again), 2 active, 2 retired editor(s)');
  const migrated = parseManifest(await readFile(manifest));
  expect(activeRecipients(migrated)).toEqual([hybrid.alice.recipient, hybrid.bob.recipient]);
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: dir });
  // Adding a classic editor to the hybrid newsroom is refused the same way.
  const late = await makeEditorKeys(dir, 'Dana');
  const mixed = await sealdrop(['manifest', 'add', '--editor', late.pub], { cwd: dir });
  expect(mixed.stderr).toContain('hybrid (age1pq1): Alice, Bob; classic (age1): Dana');
});

test('decrypt opens a hybrid submission with the sealed hybrid identity, and a classic one with the old key', async () => {
  const inbox = path.join(dir, 'inbox');
  await mkdir(inbox);
  await writeSubmission(
    [hybrid.alice.recipient, hybrid.bob.recipient],
    {
      message: 'a tip for the quantum age',
      files: [],
      reply: { recipient: source().replyRecipient, mailbox: source().mailboxId },
    },
    path.join(inbox, 'pq.age'),
  );
  const header = parseHeader(await readFile(path.join(inbox, 'pq.age')));
  expect(header.header.stanzas.map((stanza) => stanza.type)).toEqual(['mlkem768x25519', 'mlkem768x25519']);
  const read = path.join(dir, 'read');
  const result = await sealdropOk(['decrypt', '--identity', hybrid.bob.identity, '--out', read, inbox]);
  expect(result.stderr).not.toContain('error');
  expect(await readFile(path.join(read, 'pq', 'message.txt'), 'utf8')).toBe('a tip for the quantum age');

  const old = path.join(dir, 'inbox-old');
  await mkdir(old);
  await writeSubmission(
    [classic.alice.recipient, classic.bob.recipient],
    { message: 'before', files: [] },
    path.join(old, 'old.age'),
  );
  await sealdropOk(['decrypt', '--identity', classic.alice.identity, '--out', path.join(dir, 'read-old'), old]);
  expect(await readFile(path.join(dir, 'read-old', 'old', 'message.txt'), 'utf8')).toBe('before');
});

test("reply to a conversation begun under classic keys: the source's classic stanza, the editors' hybrid ones", async () => {
  const outbox = path.join(dir, 'outbox');
  const message = path.join(dir, 'reply.txt');
  await writeFile(message, 'we read it\n');
  const result = await replyTo(path.join(dir, 'read', 'pq'), message, outbox);
  expect(result.stdout).toContain('encrypted to: the source and 2 active editor(s) of manifest version 2');
  const [name] = await readdir(outbox);
  const file = path.join(outbox, name!);
  const { header } = parseHeader(await readFile(file));
  expect(header.stanzas.map((stanza) => stanza.type)).toEqual(['X25519', 'mlkem768x25519', 'mlkem768x25519']);
  const openWith = async (identities: Parameters<typeof decrypt>[0]): Promise<void> => {
    const { plaintext } = await decrypt(identities, readFileChunks(file), { aead: nodeAead });
    for await (const chunk of plaintext) expect(chunk).toBeInstanceOf(Uint8Array);
  };
  await openWith([X25519Identity.parse(source().replyIdentity)]);
  await openWith(await openIdentityFile(await readFile(hybrid.alice.identity), () => PASSPHRASE, nodeScrypt));
});

test('a submission from a hybrid page carries the hybrid reply recipient: the reply is all hybrid', async () => {
  const secret = new Uint8Array(16).fill(7);
  const keys = deriveSourceKeys(secret);
  const inbox = path.join(dir, 'inbox-pq-reply');
  await mkdir(inbox);
  await writeSubmission(
    [hybrid.alice.recipient, hybrid.bob.recipient],
    {
      message: 'write back safely',
      files: [],
      reply: { recipient: replyRecipientFor(secret, 'mlkem768x25519'), mailbox: keys.mailboxId },
    },
    path.join(inbox, 'asks.age'),
  );
  const read = path.join(dir, 'read-pq-reply');
  await sealdropOk(['decrypt', '--identity', hybrid.alice.identity, '--out', read, inbox]);
  const json = JSON.parse(await readFile(path.join(read, 'asks', 'submission.json'), 'utf8')) as {
    reply: { recipient: string };
  };
  expect(json.reply.recipient).toMatch(/^age1pq1/);
  const outbox = path.join(dir, 'outbox-pq');
  const message = path.join(dir, 'reply-pq.txt');
  await writeFile(message, 'we will protect you\n');
  await replyTo(path.join(read, 'asks'), message, outbox);
  const [name] = await readdir(outbox);
  const file = path.join(outbox, name!);
  expect(name!.startsWith(keys.mailboxId)).toBe(true);
  const { header } = parseHeader(await readFile(file));
  expect(header.stanzas.map((stanza) => stanza.type)).toEqual(['mlkem768x25519', 'mlkem768x25519', 'mlkem768x25519']);
  // What the page does with the words: both reply identities, the hybrid one opens it.
  const { plaintext } = await decrypt(deriveReplyIdentities(secret), readFileChunks(file), { aead: nodeAead });
  let bytes = 0;
  for await (const chunk of plaintext) bytes += chunk.length;
  expect(bytes).toBeGreaterThan(0);
  // The source's classic identity alone does not: nothing of this reply is classic.
  await expect(decrypt([X25519Identity.parse(keys.replyIdentity)], readFileChunks(file))).rejects.toMatchObject({
    code: 'no-identity-match',
  });
});
