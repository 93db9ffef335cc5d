/**
 * The offline side of conversations: `decrypt` says which conversation a
 * submission belongs to (or why it cannot be answered), `conversations`
 * groups a source's first submission with its follow-ups by day, and
 * `source identity` derives the reply identity from the 12 words exactly as
 * the core does, in English and Korean, never from the command line.
 */
import { mkdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { conversationLabel } from '../../client/core/mailbox.js';
import { loadSodium } from '../../client/core/sodium.js';
import {
  deriveSourceKeys,
  generateSourceSecret,
  secretToMnemonic,
  type SourceKeys,
} from '../../client/core/source-secret.js';
import { forgeArchive, forgeEntry } from '../support/tar-forge.js';
import {
  encryptBytesToFile,
  makeEditorKeys,
  sealdrop,
  sealdropOk,
  tempDir,
  writeSubmission,
  type EditorFiles,
} from './support.js';

let dir: string;
let alice: EditorFiles;
let inputs: string;
let read: string;
let first: SourceKeys;
let second: SourceKeys;
let decryptOutput: string;

function reply(keys: SourceKeys): { recipient: string; mailbox: string } {
  return { recipient: keys.replyRecipient, mailbox: keys.mailboxId };
}

/** Write a submission and date it as `pull` does: 00:00 UTC of the day it arrived. */
async function arrived(name: string, day: string, write: (file: string) => Promise<void>): Promise<void> {
  const file = path.join(inputs, `${name}.age`);
  await write(file);
  const time = new Date(`${day}T00:00:00Z`);
  await utimes(file, time, time);
}

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  inputs = path.join(dir, 'inbox');
  read = path.join(dir, 'read');
  await mkdir(inputs);
  alice = await makeEditorKeys(dir, 'Alice');
  first = deriveSourceKeys(generateSourceSecret());
  second = deriveSourceKeys(generateSourceSecret());
  const to = [alice.recipient];
  await arrived('tip', '2024-03-01', (file) =>
    writeSubmission(to, { message: 'First tip\nmore', files: [], reply: reply(first) }, file),
  );
  await arrived('other', '2024-03-02', (file) =>
    writeSubmission(to, { message: '\n  다른 제보\u001b[31m', files: [], reply: reply(second) }, file),
  );
  await arrived('quiet', '2024-03-03', (file) => writeSubmission(to, { message: 'no reply please', files: [] }, file));
  // A page older than conversations: a reply recipient without a mailbox.
  const legacyJson =
    JSON.stringify(
      {
        format: 'sealdrop-submission',
        version: 1,
        message: 'message.txt',
        files: [],
        reply: { recipient: first.replyRecipient },
      },
      null,
      2,
    ) + '\n';
  await arrived('legacy', '2024-03-04', (file) =>
    encryptBytesToFile(
      to,
      forgeArchive([
        forgeEntry({ name: 'submission.json' }, legacyJson),
        forgeEntry({ name: 'message.txt' }, 'old page'),
      ]),
      file,
    ),
  );
  await arrived('follow-up', '2024-03-05', (file) =>
    writeSubmission(
      to,
      {
        message: 'Follow-up',
        files: [{ name: 'a.txt', type: 'text/plain', size: 5, data: [new TextEncoder().encode('hello')] }],
        reply: reply(first),
      },
      file,
    ),
  );
  decryptOutput = (await sealdropOk(['decrypt', '--identity', alice.identity, '--out', read, inputs])).stdout;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The summary block `decrypt` printed for one input. */
function summaryOf(name: string): string {
  const start = decryptOutput.indexOf(`${path.join(inputs, name)}.age -> `);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = decryptOutput.indexOf(`\n${inputs}`, start + 1);
  return decryptOutput.slice(start, next < 0 ? undefined : next);
}

describe('decrypt and conversations', () => {
  it('decrypt shows the conversation of a submission that can be answered', () => {
    const label = conversationLabel(first.mailboxId);
    expect(label).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(summaryOf('tip')).toContain(`  conversation: ${label}\n`);
    expect(summaryOf('follow-up')).toContain(`  conversation: ${label}\n`);
    expect(summaryOf('tip')).toContain(
      `  reply: possible, to ${first.replyRecipient} (sealdrop reply ${path.join(read, 'tip')} ...)\n`,
    );
    expect(summaryOf('other')).toContain(`  conversation: ${conversationLabel(second.mailboxId)}\n`);
  });

  it('decrypt says why a submission cannot be answered', () => {
    expect(summaryOf('quiet')).toContain('  reply: not possible: the source asked for no reply\n');
    expect(summaryOf('quiet')).not.toContain('conversation:');
    expect(summaryOf('legacy')).toContain(
      '  reply: not possible: it was sent from a page older than reply mailboxes: it names a reply key but no ' +
        'mailbox to deliver to\n',
    );
    expect(summaryOf('legacy')).not.toContain('conversation:');
  });

  it('decrypt keeps the day a submission arrived on its submission.json', async () => {
    expect((await stat(path.join(read, 'follow-up', 'submission.json'))).mtime.toISOString()).toBe(
      '2024-03-05T00:00:00.000Z',
    );
  });

  it('conversations groups a first submission with its follow-up, by day', async () => {
    await mkdir(path.join(read, 'notes'));
    const result = await sealdropOk(['conversations', read]);
    const shown = (name: string): string => path.join(read, name);
    expect(result.stdout).toBe(
      `conversation ${conversationLabel(first.mailboxId)}: 2 submission(s), 2024-03-01 to 2024-03-05\n` +
        `  2024-03-01  ${shown('tip')}  (no files)  First tip\n` +
        `  2024-03-05  ${shown('follow-up')}  (1 file(s), 5 B)  Follow-up\n` +
        `conversation ${conversationLabel(second.mailboxId)}: 1 submission(s), 2024-03-02\n` +
        `  2024-03-02  ${shown('other')}  (no files)  다른 제보?[31m\n` +
        'cannot be answered, sent before reply mailboxes: 1 submission(s)\n' +
        `  2024-03-04  ${shown('legacy')}  (no files)  old page\n` +
        'no reply wanted: 1 submission(s)\n' +
        `  2024-03-03  ${shown('quiet')}  (no files)  no reply please\n`,
    );
    expect(result.stderr).toBe(
      `skipped: ${shown('notes')} has no submission.json: give a folder that sealdrop decrypt made\n`,
    );
  });

  it('conversations needs a folder, and says so for an empty one', async () => {
    expect((await sealdrop(['conversations'])).code).toBe(2);
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    expect((await sealdropOk(['conversations', empty])).stdout).toBe('no decrypted submissions\n');
    const missing = await sealdrop(['conversations', path.join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`sealdrop conversations: ${path.join(dir, 'nope')}: no such folder\n`);
  });
});

describe('source identity', () => {
  const secret = new Uint8Array(16).map((_, i) => i * 17 + 3);
  const keys = (): SourceKeys => deriveSourceKeys(secret);

  function identityLines(keysFor: SourceKeys): string {
    return (
      '# sealdrop reply identity, derived from the 12 words: it opens every reply to them, keep it secret\n' +
      `# conversation: ${conversationLabel(keysFor.mailboxId)}\n` +
      `# public key: ${keysFor.replyRecipient}\n` +
      `${keysFor.replyIdentity}\n`
    );
  }

  it('derives the identity from English words on standard input, as the core does', async () => {
    const words = secretToMnemonic(secret, 'en');
    const result = await sealdropOk(['source', 'identity'], { stdin: `${words.toUpperCase()}\n` });
    expect(result.stdout).toBe(identityLines(keys()));
    expect(keys().replyIdentity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
    expect(result.prompts).toEqual([]);
  });

  it('takes Korean words in any normalisation form and spacing', async () => {
    const words = secretToMnemonic(secret, 'ko').normalize('NFD').split(' ').join('\t\n  ');
    const result = await sealdropOk(['source', 'identity'], { stdin: words });
    expect(result.stdout).toBe(identityLines(keys()));
  });

  it('asks for the words without echo on a terminal', async () => {
    const words = secretToMnemonic(secret, 'ko');
    const result = await sealdropOk(['source', 'identity'], { stdinTTY: true, passphrases: [words] });
    expect(result.prompts).toEqual([{ prompt: 'the 12 words (not shown as you type)' }]);
    expect(result.stdout).toBe(identityLines(keys()));
  });

  it('writes an identity file that is never overwritten, mode 0600', async () => {
    const file = path.join(dir, 'reply-key.txt');
    const words = secretToMnemonic(secret, 'en');
    const result = await sealdropOk(['source', 'identity', '--out', file], { stdin: words });
    expect(result.stdout).toContain(`reply identity written to ${file}`);
    expect(await readFile(file, 'utf8')).toBe(identityLines(keys()));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await sealdrop(['source', 'identity', '--out', file], { stdin: words });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`sealdrop: ${file}: already exists (not overwritten)\n`);
  });

  it('names the position of a wrong word, never the word', async () => {
    const words = secretToMnemonic(secret, 'en').split(' ');
    words[4] = 'zzzxq';
    const wrong = await sealdrop(['source', 'identity'], { stdin: words.join(' ') });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('sealdrop source identity: word 5 is not in the english word list\n');
    const short = await sealdrop(['source', 'identity'], { stdin: words.slice(0, 11).join(' ') });
    expect(short.stderr).toBe('sealdrop source identity: expected 12 words, got 11\n');
    const swapped = secretToMnemonic(secret, 'en').split(' ');
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    const checksum = await sealdrop(['source', 'identity'], { stdin: swapped.join(' ') });
    expect(checksum.code).toBe(1);
    expect(checksum.stderr).toContain('the words do not fit together');
    expect(checksum.stdout).toBe('');
  });

  it('refuses words on the command line without repeating them', async () => {
    const words = secretToMnemonic(secret, 'en').split(' ');
    const result = await sealdrop(['source', 'identity', ...words]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'sealdrop source identity: the words are read from standard input, never from the command line (which ' +
        'shell history keeps): run it without them and type them, or pipe them in\n',
    );
    expect(result.stdout).toBe('');
  });
});
