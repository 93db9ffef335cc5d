/**
 * `sealdrop reply`, offline: a reply to a decrypted submission is an age file
 * with exactly one X25519 stanza per active editor plus the source's; Debian's
 * `age -d` opens it with the identity `sealdrop source identity` derives from
 * the words, and GNU `tar` extracts the payload; every active editor (and no
 * retired one) can open it too. The text comes from a file, standard input or
 * $EDITOR; a submission that cannot be answered and a manifest that does not
 * verify are refused with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decrypt } from '../../client/core/age.js';
import { NoIdentityMatchError } from '../../client/core/errors.js';
import { openIdentityFile } from '../../client/core/identity-file.js';
import { readReply } from '../../client/core/reply.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, secretToMnemonic, type SourceKeys } from '../../client/core/source-secret.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { readFileChunks } from '../../scripts/cli/file-chunks.js';
import { runAgeWithPassphrase } from '../support/age-cli.js';
import { forgeArchive, forgeEntry } from '../support/tar-forge.js';
import { requireTools } from '../support/required-tools.js';
import {
  PASSPHRASE,
  encryptBytesToFile,
  listTree,
  makeEditorKeys,
  makeRoot,
  patternData,
  sealdrop,
  sealdropOk,
  tempDir,
  writeSubmission,
  type EditorFiles,
  type RunOptions,
  type RunResult,
} from './support.js';

const withAgeAndTar = requireTools(['age', 'tar'], "a reply opened with Debian's age and GNU tar");
const withAgeOnTerminal = requireTools(['age', 'script'], "a reply opened with an editor's sealed identity and age");

let dir: string;
let root: { key: string; pub: string };
let alice: EditorFiles;
let bob: EditorFiles;
let carol: EditorFiles;
let manifest: string;
let source: SourceKeys;
/** Submission folders made by `sealdrop decrypt`. */
let folders: { answerable: string; quiet: string; legacy: string };

const secret = new Uint8Array(16).map((_, i) => 200 - i * 7);
const words = (): string => secretToMnemonic(secret, 'ko');

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  root = await makeRoot(dir);
  alice = await makeEditorKeys(dir, 'Alice');
  bob = await makeEditorKeys(dir, 'Bob');
  carol = await makeEditorKeys(dir, 'Carol');
  manifest = path.join(dir, 'manifest.json');
  const at = { cwd: dir };
  await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', alice.pub, '--editor', bob.pub], at);
  await sealdropOk(['manifest', 'add', '--editor', carol.pub], at);
  await sealdropOk(['manifest', 'retire', '--name', 'Carol'], at);
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], at);

  source = deriveSourceKeys(secret);
  const inbox = path.join(dir, 'inbox');
  await mkdir(inbox);
  const to = [alice.recipient, bob.recipient];
  await writeSubmission(
    to,
    { message: 'a tip', files: [], reply: { recipient: source.replyRecipient, mailbox: source.mailboxId } },
    path.join(inbox, 'answerable.age'),
  );
  await writeSubmission(to, { message: 'no reply', files: [] }, path.join(inbox, 'quiet.age'));
  const legacyJson =
    JSON.stringify({
      format: 'sealdrop-submission',
      version: 1,
      message: 'message.txt',
      files: [],
      reply: { recipient: source.replyRecipient },
    }) + '\n';
  await encryptBytesToFile(
    to,
    forgeArchive([forgeEntry({ name: 'submission.json' }, legacyJson), forgeEntry({ name: 'message.txt' }, 'old')]),
    path.join(inbox, 'legacy.age'),
  );
  const read = path.join(dir, 'read');
  await sealdropOk(['decrypt', '--identity', alice.identity, '--out', read, inbox]);
  folders = {
    answerable: path.join(read, 'answerable'),
    quiet: path.join(read, 'quiet'),
    legacy: path.join(read, 'legacy'),
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let caseNumber = 0;

/** `sealdrop reply FOLDER ... --out <fresh outbox>` with the newsroom's signed manifest. */
async function reply(
  folder: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult & { outbox: string }> {
  caseNumber += 1;
  const outbox = path.join(dir, `outbox-${caseNumber}`);
  const result = await sealdrop(
    ['reply', folder, ...args, '--manifest', manifest, '--root-pub', root.pub, '--out', outbox],
    options,
  );
  return { ...result, outbox };
}

async function outboxFiles(outbox: string): Promise<string[]> {
  return readdir(outbox).catch(() => []);
}

/** The recipient stanza lines of an age file's header. */
async function stanzas(file: string): Promise<string[]> {
  const text = (await readFile(file)).toString('latin1');
  const header = text.slice(0, text.indexOf('\n--- '));
  return header.split('\n').filter((line) => line.startsWith('-> '));
}

/** Open a reply with an editor's sealed identity file, through the core's reader. */
async function openAsEditor(editor: EditorFiles, file: string): Promise<{ message: string; files: string[] }> {
  const identities = await openIdentityFile(await readFile(editor.identity), () => PASSPHRASE, nodeScrypt);
  const { plaintext } = await decrypt(identities, readFileChunks(file), { aead: nodeAead });
  let message = '';
  const files: string[] = [];
  for await (const part of readReply(plaintext)) {
    if (part.kind === 'message') {
      for await (const chunk of part.data) message += Buffer.from(chunk).toString('utf8');
    } else if (part.kind === 'file') {
      files.push(part.file.name);
      for await (const chunk of part.data) expect(chunk).toBeInstanceOf(Uint8Array);
    }
  }
  return { message, files };
}

describe('reply', () => {
  withAgeAndTar.it('writes a reply that age -d opens with the identity from the words, and tar extracts', async () => {
    const message = path.join(dir, 'message.txt');
    await writeFile(message, '안녕하세요. We read your tip.\n');
    const report = path.join(dir, 'report.pdf');
    const big = patternData(200 * 1024 + 3);
    const parts: Uint8Array[] = [];
    for await (const chunk of big.data()) parts.push(chunk);
    await writeFile(report, Buffer.concat(parts));
    const photo = path.join(dir, '사진 1.jpg');
    await writeFile(photo, 'jpeg bytes');
    const result = await reply(folders.answerable, ['--message-file', message, '--attach', report, '--attach', photo]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const names = await outboxFiles(result.outbox);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^${source.mailboxId}-[0-9a-f]{32}\\.age$`));
    const file = path.join(result.outbox, names[0]!);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(result.stdout).toContain(`reply written: ${file} (`);
    expect(result.stdout).toContain('  encrypted to: the source and 2 active editor(s) of manifest version 1\n');
    expect(result.stdout).toContain(`sealdrop push --server URL --access-key FILE ${result.outbox}\n`);

    // Exactly the active editors plus the source.
    const lines = await stanzas(file);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => /^-> X25519 [A-Za-z0-9+/]{43}$/.test(line))).toBe(true);

    // The source, with standard tools and the identity from its words.
    const identity = path.join(dir, 'source-identity.txt');
    await sealdropOk(['source', 'identity', '--out', identity], { stdin: words() });
    const opened = spawnSync('age', ['-d', '-i', identity, file], { maxBuffer: 64 * 1024 * 1024 });
    expect(opened.stderr.toString()).toBe('');
    expect(opened.status).toBe(0);
    const extracted = path.join(dir, 'extracted');
    await mkdir(extracted);
    const untarred = spawnSync('tar', ['-x', '-C', extracted], { input: opened.stdout });
    expect(untarred.stderr.toString()).toBe('');
    expect(untarred.status).toBe(0);
    expect(await listTree(extracted)).toEqual([
      'files/001-report.pdf',
      'files/002-사진_1.jpg',
      'message.txt',
      'reply.json',
    ]);
    expect(await readFile(path.join(extracted, 'message.txt'), 'utf8')).toBe('안녕하세요. We read your tip.\n');
    expect(await readFile(path.join(extracted, 'files/001-report.pdf'))).toEqual(await readFile(report));
    expect(JSON.parse(await readFile(path.join(extracted, 'reply.json'), 'utf8'))).toEqual({
      format: 'sealdrop-reply',
      version: 1,
      message: 'message.txt',
      files: [
        { path: 'files/001-report.pdf', name: 'report.pdf', size: big.size, type: 'application/pdf' },
        { path: 'files/002-사진_1.jpg', name: '사진 1.jpg', size: 10, type: 'image/jpeg' },
      ],
    });

    // Every active editor can read the newsroom's own reply; the retired one cannot.
    for (const editor of [alice, bob]) {
      expect(await openAsEditor(editor, file)).toEqual({
        message: '안녕하세요. We read your tip.\n',
        files: ['report.pdf', '사진 1.jpg'],
      });
    }
    await expect(openAsEditor(carol, file)).rejects.toBeInstanceOf(NoIdentityMatchError);
  });

  withAgeOnTerminal.it("opens with age and an active editor's own sealed identity file", async () => {
    const result = await reply(folders.answerable, ['--message-file', '-'], { stdin: 'for the newsroom too\n' });
    const [name] = await outboxFiles(result.outbox);
    const out = path.join(dir, 'editor-opened.tar');
    expect(
      runAgeWithPassphrase(['-d', '-i', bob.identity, '-o', out, path.join(result.outbox, name!)], PASSPHRASE),
    ).toBe(0);
    const listed = spawnSync('tar', ['-t', '-f', out], { encoding: 'utf8' });
    expect(listed.stdout).toBe('reply.json\nmessage.txt\n');
  });

  it('reads the text from standard input with --message-file -', async () => {
    const result = await reply(folders.answerable, ['--message-file', '-'], { stdin: 'piped text\n' });
    expect(result.code).toBe(0);
    const [name] = await outboxFiles(result.outbox);
    expect(await openAsEditor(alice, path.join(result.outbox, name!))).toEqual({
      message: 'piped text\n',
      files: [],
    });
  });

  it('opens $EDITOR on a private file on a terminal, and removes it after', async () => {
    const record = path.join(dir, 'editor-record.txt');
    const editor = path.join(dir, 'fake-editor.sh');
    await writeFile(
      editor,
      `#!/bin/sh\nprintf '%s %s\\n' "$1" "$(stat -c %a "$1")" > '${record}'\nprintf 'typed in the editor\\n' > "$1"\n`,
    );
    await chmod(editor, 0o700);
    const result = await reply(folders.answerable, [], { stdinTTY: true, env: { EDITOR: editor } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [tempFile, mode] = (await readFile(record, 'utf8')).trim().split(' ');
    expect(mode).toBe('600');
    await expect(stat(tempFile!)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.dirname(tempFile!))).rejects.toMatchObject({ code: 'ENOENT' });
    const [name] = await outboxFiles(result.outbox);
    expect((await openAsEditor(bob, path.join(result.outbox, name!))).message).toBe('typed in the editor\n');
  });

  it('writes nothing when the editor fails or leaves the message empty', async () => {
    const failing = await reply(folders.answerable, [], { stdinTTY: true, env: { EDITOR: 'false' } });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toBe('sealdrop reply: the editor exited with status 1: nothing written\n');
    expect(await outboxFiles(failing.outbox)).toEqual([]);
    const empty = await reply(folders.answerable, [], { stdinTTY: true, env: { VISUAL: 'true', EDITOR: 'false' } });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('sealdrop reply: empty message: nothing written\n');
    expect(await outboxFiles(empty.outbox)).toEqual([]);
  });

  it('needs --message-file without a terminal', async () => {
    const result = await reply(folders.answerable, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'sealdrop reply: give --message-file FILE, or --message-file - to read standard input (no terminal for $EDITOR)\n',
    );
  });

  it('refuses a submission whose source wants no reply, or that has no mailbox', async () => {
    const quiet = await reply(folders.quiet, ['--message-file', '-'], { stdin: 'hello' });
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe('sealdrop reply: this submission cannot be answered: the source asked for no reply\n');
    expect(await outboxFiles(quiet.outbox)).toEqual([]);
    const legacy = await reply(folders.legacy, ['--message-file', '-'], { stdin: 'hello' });
    expect(legacy.code).toBe(1);
    expect(legacy.stderr).toBe(
      'sealdrop reply: this submission cannot be answered: it was sent from a page older than reply mailboxes: ' +
        'it names a reply key but no mailbox to deliver to\n',
    );
    const notAFolder = await reply(dir, ['--message-file', '-'], { stdin: 'hello' });
    expect(notAFolder.stderr).toBe(
      `sealdrop: ${dir} has no submission.json: give a folder that sealdrop decrypt made\n`,
    );
  });

  it('refuses a manifest whose signature does not verify, an expired one and an unsigned one', async () => {
    const forged = path.join(dir, 'forged', 'manifest.json');
    await mkdir(path.dirname(forged));
    const text = await readFile(manifest, 'utf8');
    // Carol is made active again: a change the root did not sign.
    await writeFile(forged, text.replace('"retired"', '"active"'));
    await copyFile(`${manifest}.minisig`, `${forged}.minisig`);
    const bad = await sealdrop(
      [
        'reply',
        folders.answerable,
        '--message-file',
        '-',
        '--manifest',
        forged,
        '--root-pub',
        root.pub,
        '--out',
        path.join(dir, 'outbox-forged'),
      ],
      { stdin: 'hello' },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sealdrop: manifest refused \(signature\): /);
    expect(await outboxFiles(path.join(dir, 'outbox-forged'))).toEqual([]);

    const later = await reply(folders.answerable, ['--message-file', '-'], {
      stdin: 'hello',
      now: new Date(Date.now() + 400 * 86_400_000),
    });
    expect(later.code).toBe(1);
    expect(later.stderr).toBe('sealdrop: manifest refused (expired): manifest has expired\n');

    const unsigned = path.join(dir, 'unsigned.json');
    await copyFile(manifest, unsigned);
    const none = await sealdrop(
      [
        'reply',
        folders.answerable,
        '--message-file',
        '-',
        '--manifest',
        unsigned,
        '--root-pub',
        root.pub,
        '--out',
        path.join(dir, 'outbox-unsigned'),
      ],
      { stdin: 'hello' },
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `sealdrop reply: ${unsigned} is not signed (no unsigned.json.minisig beside it): use the manifest the admin signed\n`,
    );
  });

  it('refuses a missing attachment before asking for the text', async () => {
    const result = await reply(folders.answerable, ['--attach', path.join(dir, 'nope.pdf')], {
      stdinTTY: true,
      env: { EDITOR: 'false' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`sealdrop: --attach ${path.join(dir, 'nope.pdf')}: no such file\n`);
  });

  it('has help', async () => {
    const help = await sealdropOk(['reply', '--help']);
    expect(help.stdout).toMatch(/^usage: sealdrop reply FOLDER /);
    expect(help.stdout).toContain('--root-pub FILE');
  });
});
