/**
 * `sealdrop decrypt` on honest submissions: extraction, summary, identities
 * (sealed, plain age-keygen, several, rotated), never overwriting, folders as
 * input, progress, and clear per-submission errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { requireTools } from '../support/required-tools.js';
import {
  PASSPHRASE,
  listTree,
  makeEditorKeys,
  patternData,
  sealdrop,
  sealdropOk,
  tempDir,
  writeSubmission,
  type EditorFiles,
} from './support.js';

const withAgeKeygen = requireTools(['age-keygen'], 'plain age-keygen identity files');

let dir: string;
let alice: EditorFiles;
let aliceOld: EditorFiles;
let inputs: string;

const bigFile = patternData(300 * 1024 + 7);

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  inputs = path.join(dir, 'inputs');
  await mkdir(inputs);
  alice = await makeEditorKeys(dir, 'Alice');
  aliceOld = await makeEditorKeys(dir, 'Alice old', 'alice-old');
  await writeSubmission(
    [alice.recipient],
    {
      message: '\u001b[2JFirst line of the tip\n\nsecond line\u202E\nthird\nfourth',
      files: [
        { name: '보고서 최종.pdf', type: 'application/pdf', size: bigFile.size, data: bigFile.data() },
        {
          name: 'evil\u001b]0;title\u0007.txt',
          type: 'text/plain',
          size: 5,
          data: [new TextEncoder().encode('hello')],
        },
      ],
      reply: { recipient: aliceOld.recipient, mailbox: '0123456789abcdef0123456789abcdef' },
    },
    path.join(inputs, 'first.age'),
  );
  await writeSubmission([aliceOld.recipient], { message: 'old key', files: [] }, path.join(inputs, 'old.age'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decrypt', () => {
  it('extracts a submission and prints a safe summary', async () => {
    const out = path.join(dir, 'out1');
    const result = await sealdropOk([
      'decrypt',
      '--identity',
      alice.identity,
      '--out',
      out,
      path.join(inputs, 'first.age'),
    ]);
    // The recipient comes from alice.pub.json beside the sealed file.
    expect(result.prompts).toEqual([{ prompt: `passphrase for alice-identity.age (${alice.recipient})` }]);
    expect(await listTree(out)).toEqual([
      'first/files/001-보고서_최종.pdf',
      'first/files/002-evil_0_title_.txt',
      'first/message.txt',
      'first/submission.json',
    ]);
    expect(await readFile(path.join(out, 'first/files/001-보고서_최종.pdf'))).toEqual(await collect(bigFile.data()));
    expect(await readFile(path.join(out, 'first/message.txt'), 'utf8')).toBe(
      '\u001b[2JFirst line of the tip\n\nsecond line\u202E\nthird\nfourth',
    );
    expect(JSON.parse(await readFile(path.join(out, 'first/submission.json'), 'utf8'))).toMatchObject({
      format: 'sealdrop-submission',
    });
    const summary = result.stdout;
    expect(summary).toContain(`opened with: alice-identity.age (${alice.recipient})`);
    expect(summary).toContain('message (54 B): ?[2JFirst line of the tip\n           second line?\n           third\n');
    expect(summary).not.toContain('fourth');
    expect(summary).toContain(`reply: possible, to ${aliceOld.recipient}`);
    expect(summary).toContain('files: 2, 300.0 KiB');
    expect(summary).toContain('files/001-보고서_최종.pdf  300.0 KiB  "보고서 최종.pdf"  application/pdf');
    expect(summary).toContain('"evil?]0;title?.txt"');
    // No control character from the submission reaches the terminal.
    // eslint-disable-next-line no-control-regex
    expect(summary).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/u);
    expect(summary).toMatch(/decrypted 1 of 1 submission\(s\)\n$/);
  });

  it('never overwrites: a second run extracts into a new folder', async () => {
    const out = path.join(dir, 'out2');
    const input = path.join(inputs, 'old.age');
    await sealdropOk(['decrypt', '--identity', aliceOld.identity, '--out', out, input]);
    await writeFile(path.join(out, 'old', 'message.txt.note'), 'mine');
    await sealdropOk(['decrypt', '--identity', aliceOld.identity, '--out', out, input]);
    expect(await listTree(out)).toEqual([
      'old-2/message.txt',
      'old-2/submission.json',
      'old/message.txt',
      'old/message.txt.note',
      'old/submission.json',
    ]);
  });

  it('tries every identity, old keys included, and takes folders as input', async () => {
    const out = path.join(dir, 'out3');
    const result = await sealdropOk(
      ['decrypt', '--identity', alice.identity, '--identity', aliceOld.identity, '--out', out, inputs],
      { passphrases: [PASSPHRASE] },
    );
    expect(result.prompts).toHaveLength(2);
    expect(result.stdout).toContain(`opened with: alice-old-identity.age (${aliceOld.recipient})`);
    expect(result.stdout).toContain(`opened with: alice-identity.age (${alice.recipient})`);
    expect(result.stdout).toContain('decrypted 2 of 2 submission(s)');
  });

  it('reports submissions for other keys and carries on, exiting 1', async () => {
    const out = path.join(dir, 'out4');
    const result = await sealdrop([
      'decrypt',
      '--identity',
      aliceOld.identity,
      '--out',
      out,
      path.join(inputs, 'first.age'),
      path.join(inputs, 'old.age'),
      path.join(inputs, 'missing.age'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: ${path.join(inputs, 'first.age')}: not encrypted to any of the given identities; nothing kept\n`,
    );
    expect(result.stderr).toContain(`error: ${path.join(inputs, 'missing.age')}: no such file; nothing kept\n`);
    expect(result.stdout).toContain('decrypted 1 of 3 submission(s), 2 failed');
    expect(await listTree(out)).toEqual(['old/message.txt', 'old/submission.json']);
  });

  withAgeKeygen.it('accepts plain age-keygen identity files', async () => {
    const keyFile = path.join(dir, 'plain.txt');
    const generated = spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
    expect(generated.status).toBe(0);
    const recipient = /age1[0-9a-z]+/.exec(generated.stderr)![0];
    const input = path.join(dir, 'plain.age');
    await writeSubmission([recipient], { message: 'plain', files: [] }, input);
    const result = await sealdropOk(['decrypt', '--identity', keyFile, '--out', path.join(dir, 'out5'), input]);
    expect(result.prompts).toHaveLength(0);
    expect(result.stdout).toContain(`opened with: plain.txt (${recipient})`);
  });

  it('explains a wrong passphrase in one line, after the last of three tries', async () => {
    const result = await sealdrop(
      ['decrypt', '--identity', alice.identity, '--out', path.join(dir, 'out6'), path.join(inputs, 'old.age')],
      {
        passphrases: ['nope'],
      },
    );
    expect(result.code).toBe(1);
    expect(result.prompts).toHaveLength(3);
    expect(result.stderr).toBe(
      'wrong passphrase for alice-identity.age, try again\n'.repeat(2) +
        `sealdrop: ${alice.identity}: wrong passphrase\n`,
    );
  });

  it('shows progress for large submissions', async () => {
    const data = patternData(9 * 1024 * 1024);
    const input = path.join(dir, 'large.age');
    await writeSubmission(
      [alice.recipient],
      { message: 'large', files: [{ name: 'a.bin', type: '', size: data.size, data: data.data() }] },
      input,
    );
    const result = await sealdropOk(['decrypt', '--identity', alice.identity, '--out', path.join(dir, 'out7'), input]);
    expect(result.stderr).toMatch(/^large\.age: 9\.3 MiB \/ 9\.3 MiB 100%, [0-9.]+ [KMG]iB\/s done\n$/);
  });

  it('needs identities, an output folder and inputs', async () => {
    expect((await sealdrop(['decrypt', '--out', dir, 'x.age'])).code).toBe(2);
    expect((await sealdrop(['decrypt', '--identity', alice.identity, 'x.age'])).stderr).toContain('--out is required');
    expect((await sealdrop(['decrypt', '--identity', alice.identity, '--out', dir])).stderr).toContain(
      'no input files',
    );
    const help = await sealdropOk(['decrypt', '--help']);
    expect(help.stdout).toMatch(/^usage: sealdrop decrypt --identity FILE/);
  });
});
