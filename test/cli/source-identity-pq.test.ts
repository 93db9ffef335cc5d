/**
 * `sealdrop source identity --pq`: the source's hybrid post-quantum reply
 * identity from the 12 words, as the core derives it (the X-Wing seed under
 * `sealdrop/v2/reply-identity-mlkem768x25519`), in an identity file that opens
 * a hybrid reply with our decrypt and with typage; classic stays the default,
 * because age 1.1 (Debian 12) refuses a file holding a hybrid identity.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Decrypter } from 'age-encryption';
import { decrypt } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import { openIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium } from '../../client/core/sodium.js';
import {
  deriveHybridReplyIdentity,
  deriveSourceKeys,
  replyRecipientFor,
  secretToMnemonic,
} from '../../client/core/source-secret.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { formatReplyIdentityFile } from '../../scripts/cli/source-identity.js';
import { readFileChunks } from '../../scripts/cli/file-chunks.js';
import { requireTools } from '../support/required-tools.js';
import { collect } from '../support/age-helpers.js';
import { encryptBytesToFile, makeEditorKeys, sealdrop, sealdropOk, tempDir, type EditorFiles } from './support.js';

const withAge = requireTools(['age'], 'age 1.1 refusing a hybrid identity file');

const secret = new Uint8Array(16).map((_, i) => i * 29 + 5);
const words = (): string => secretToMnemonic(secret, 'en');
const REPLY = 'We read your tip. Can you send the second page?\n';

let dir: string;
let editor: EditorFiles;
/** A hybrid reply: to the source's hybrid recipient and a hybrid editor, as `sealdrop reply` seals it. */
let hybridReply: string;
/** A classic reply: to the source's classic recipient and a classic editor. */
let classicReply: string;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir('sealdrop-cli-source-pq-');
  editor = await makeEditorKeys(dir, 'Alice', 'alice-pq', true);
  hybridReply = path.join(dir, 'hybrid-reply.age');
  await encryptBytesToFile([replyRecipientFor(secret, 'mlkem768x25519'), editor.recipient], utf8(REPLY), hybridReply);
  classicReply = path.join(dir, 'classic-reply.age');
  const classicEditor = await makeEditorKeys(dir, 'Bob');
  await encryptBytesToFile(
    [deriveSourceKeys(secret).replyRecipient, classicEditor.recipient],
    utf8(REPLY),
    classicReply,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectedHybridFile(): string {
  const identity = deriveHybridReplyIdentity(secret);
  try {
    return formatReplyIdentityFile(
      identity.format(),
      identity.recipient().format(),
      deriveSourceKeys(secret).mailboxId,
    );
  } finally {
    identity.wipe();
  }
}

async function openWithOurDecrypt(identityFile: string, reply: string): Promise<string> {
  const identities = await openIdentityFile(
    await readFile(identityFile),
    () => {
      throw new Error('a plain identity file needs no passphrase');
    },
    nodeScrypt,
  );
  const { plaintext } = await decrypt(identities, readFileChunks(reply), { aead: nodeAead });
  return new TextDecoder().decode(await collect(plaintext));
}

test('--pq prints the hybrid reply identity the core derives from the words, with its age1pq1 public key', async () => {
  const result = await sealdropOk(['source', 'identity', '--pq'], { stdin: words() });
  expect(result.stdout).toBe(expectedHybridFile());
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines[2]).toBe(`# public key: ${replyRecipientFor(secret, 'mlkem768x25519')}`);
  expect(lines[3]).toMatch(/^AGE-SECRET-KEY-PQ-1[0-9A-Z]+$/);
  // Exactly one identity: never the classic one beside it (age 1.1 would refuse the whole file).
  expect(lines.filter((line) => line.startsWith('AGE-SECRET-KEY-'))).toHaveLength(1);
});

test('without --pq the file stays classic', async () => {
  const result = await sealdropOk(['source', 'identity'], { stdin: words() });
  expect(result.stdout).toContain(`\n${deriveSourceKeys(secret).replyIdentity}\n`);
  expect(result.stdout).not.toContain('AGE-SECRET-KEY-PQ-1');
  expect(result.stdout).not.toContain('age1pq1');
});

test('--pq --out: mode 0600; our decrypt and typage open a hybrid reply with it, not a classic one', async () => {
  const file = path.join(dir, 'reply-key-pq.txt');
  const result = await sealdropOk(['source', 'identity', '--pq', '--out', file], { stdin: words() });
  expect(result.stdout).toContain(`reply identity written to ${file}`);
  expect(result.stdout).toContain(`open a reply with: age -d -i ${file} REPLY.age | tar x (age >= 1.3)\n`);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const text = await readFile(file, 'utf8');
  expect(text).toBe(expectedHybridFile());

  expect(await openWithOurDecrypt(file, hybridReply)).toBe(REPLY);
  await expect(openWithOurDecrypt(file, classicReply)).rejects.toMatchObject({ code: 'no-identity-match' });

  // typage, an independent implementation: the identity line as age-keygen -pq writes it.
  const typage = new Decrypter();
  typage.addIdentity(text.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-PQ-1'))!);
  expect(await typage.decrypt(await readFile(hybridReply), 'text')).toBe(REPLY);
});

withAge.it(
  'age 1.1 refuses the --pq file (why it is not the default) and opens a classic reply with the default one',
  async () => {
    const version = spawnSync('age', ['--version'], { encoding: 'utf8' }).stdout.trim();
    const pqFile = path.join(dir, 'age-pq.txt');
    const classicFile = path.join(dir, 'age-classic.txt');
    await sealdropOk(['source', 'identity', '--pq', '--out', pqFile], { stdin: words() });
    await sealdropOk(['source', 'identity', '--out', classicFile], { stdin: words() });
    const classic = spawnSync('age', ['-d', '-i', classicFile, classicReply], { encoding: 'utf8' });
    expect(classic.status).toBe(0);
    expect(classic.stdout).toBe(REPLY);
    const hybrid = spawnSync('age', ['-d', '-i', pqFile, hybridReply], { encoding: 'utf8' });
    if (/^v?1\.[0-2]\./.test(version)) {
      expect(hybrid.status).not.toBe(0);
      expect(hybrid.stdout).toBe('');
    } else {
      // age >= 1.3 reads hybrid identities natively.
      expect(hybrid.status).toBe(0);
      expect(hybrid.stdout).toBe(REPLY);
    }
  },
);

test('--pq still reads the words from standard input only', async () => {
  const result = await sealdrop(['source', 'identity', '--pq', ...words().split(' ')]);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toContain(words().split(' ').slice(0, 2).join(' '));
});
