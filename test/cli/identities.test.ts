/**
 * `sealdrop decrypt` with several sealed identities under different
 * passphrases: one `--passphrase-file` per `--identity` in order (or one for
 * all), per-file prompts naming the file and its recipient, three tries at a
 * typed passphrase, and the warning for secret files other users can read.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { LOG_N, PASSPHRASE, makeEditorKeys, sealdrop, sealdropOk, tempDir, writeSubmission } from './support.js';

const OTHER_PASSPHRASE = 'a different passphrase for the new key';

let dir: string;
let oldKey: { identity: string; recipient: string };
let newKey: { identity: string; recipient: string };
let oldPass: string;
let newPass: string;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  oldKey = await makeEditorKeys(dir, 'Alice old', 'alice-old');
  await sealdropOk(['editor', 'keygen', '--name', 'Alice', '--prefix', 'alice', '--out', dir, ...LOG_N], {
    passphrases: [OTHER_PASSPHRASE],
  });
  const pub = JSON.parse(await readFile(path.join(dir, 'alice.pub.json'), 'utf8')) as { recipient: string };
  newKey = { identity: path.join(dir, 'alice-identity.age'), recipient: pub.recipient };
  oldPass = path.join(dir, 'old.pass');
  newPass = path.join(dir, 'new.pass');
  await writeFile(oldPass, `${PASSPHRASE}\n`, { mode: 0o600 });
  await writeFile(newPass, `${OTHER_PASSPHRASE}\n`, { mode: 0o600 });
  await writeSubmission([oldKey.recipient], { message: 'to the old key', files: [] }, path.join(dir, 'old.age'));
  await writeSubmission([newKey.recipient], { message: 'to the new key', files: [] }, path.join(dir, 'new.age'));
});

const identities = (): string[] => ['--identity', oldKey.identity, '--identity', newKey.identity];
const inputs = (): string[] => [path.join(dir, 'old.age'), path.join(dir, 'new.age')];

describe('decrypt with identities under different passphrases', () => {
  it('takes one --passphrase-file per --identity, in order', async () => {
    const out = path.join(dir, 'out-files');
    const result = await sealdrop([
      'decrypt',
      ...identities(),
      '--passphrase-file',
      oldPass,
      '--passphrase-file',
      newPass,
      '--out',
      out,
      ...inputs(),
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('message (14 B): to the old key');
    expect(result.stdout).toContain('message (14 B): to the new key');
    expect(result.stdout).toContain('decrypted 2 of 2 submission(s)');
    expect(result.prompts).toEqual([]);
  });

  it('fails on the identity whose passphrase file is wrong, naming it', async () => {
    const swapped = await sealdrop([
      'decrypt',
      ...identities(),
      '--passphrase-file',
      newPass,
      '--passphrase-file',
      oldPass,
      '--out',
      path.join(dir, 'out-swapped'),
      ...inputs(),
    ]);
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toBe(`sealdrop: ${oldKey.identity}: wrong passphrase\n`);
  });

  it('still takes one --passphrase-file for all identities', async () => {
    const result = await sealdrop([
      'decrypt',
      '--identity',
      oldKey.identity,
      '--passphrase-file',
      oldPass,
      '--out',
      path.join(dir, 'out-one'),
      path.join(dir, 'old.age'),
    ]);
    expect(result.code).toBe(0);
    const both = await sealdrop(['decrypt', ...identities(), '--passphrase-file', oldPass, '--out', dir, ...inputs()]);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe(`sealdrop: ${newKey.identity}: wrong passphrase\n`);
  });

  it('refuses a number of passphrase files that is neither one nor one per identity', async () => {
    const result = await sealdrop([
      'decrypt',
      '--identity',
      oldKey.identity,
      '--passphrase-file',
      oldPass,
      '--passphrase-file',
      newPass,
      '--out',
      dir,
      path.join(dir, 'old.age'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'sealdrop decrypt: 2 --passphrase-file for 1 --identity: give one for all, or one per --identity in the same order\n',
    );
  });

  it('asks for each sealed file by name and recipient, and retries a wrong passphrase twice', async () => {
    const result = await sealdrop(['decrypt', ...identities(), '--out', path.join(dir, 'out-typed'), ...inputs()], {
      passphrases: ['typo', PASSPHRASE, 'typo again', 'still wrong', OTHER_PASSPHRASE],
    });
    expect(result.stderr).toBe(
      'wrong passphrase for alice-old-identity.age, try again\n' +
        'wrong passphrase for alice-identity.age, try again\n' +
        'wrong passphrase for alice-identity.age, try again\n',
    );
    expect(result.code).toBe(0);
    expect(result.prompts.map((prompt) => prompt.prompt)).toEqual([
      `passphrase for alice-old-identity.age (${oldKey.recipient})`,
      `passphrase for alice-old-identity.age (${oldKey.recipient})`,
      `passphrase for alice-identity.age (${newKey.recipient})`,
      `passphrase for alice-identity.age (${newKey.recipient})`,
      `passphrase for alice-identity.age (${newKey.recipient})`,
    ]);
  });

  it('gives up after three wrong passphrases', async () => {
    const result = await sealdrop(['decrypt', ...identities(), '--out', dir, ...inputs()], { passphrases: ['nope'] });
    expect(result.code).toBe(1);
    expect(result.prompts).toHaveLength(3);
    expect(result.stderr.endsWith(`sealdrop: ${oldKey.identity}: wrong passphrase\n`)).toBe(true);
  });

  it('names only the file when no public file lies beside it', async () => {
    const lone = path.join(dir, 'lone.age');
    await writeFile(lone, await readFile(oldKey.identity), { mode: 0o600 });
    const result = await sealdrop(['decrypt', '--identity', lone, '--out', path.join(dir, 'out-lone'), inputs()[0]!]);
    expect(result.code).toBe(0);
    expect(result.prompts.map((prompt) => prompt.prompt)).toEqual(['passphrase for lone.age']);
  });
});

describe('secret files other users can read', () => {
  it('warns, in one line each, about a passphrase file and an identity file open to others', async () => {
    const exposedPass = path.join(dir, 'exposed.pass');
    await writeFile(exposedPass, `${PASSPHRASE}\n`);
    await chmod(exposedPass, 0o644);
    const exposedIdentity = path.join(dir, 'exposed-identity.age');
    await writeFile(exposedIdentity, await readFile(oldKey.identity));
    await chmod(exposedIdentity, 0o640);
    const result = await sealdrop([
      'decrypt',
      '--identity',
      exposedIdentity,
      '--passphrase-file',
      exposedPass,
      '--out',
      path.join(dir, 'out-exposed'),
      inputs()[0]!,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: identity file ${exposedIdentity} is open to other users (mode 640): chmod 600 it\n` +
        `warning: passphrase file ${exposedPass} is open to other users (mode 644): chmod 600 it\n`,
    );
  });

  it('says nothing about files only their owner can read', async () => {
    await chmod(oldKey.identity, 0o600);
    const result = await sealdrop([
      'decrypt',
      '--identity',
      oldKey.identity,
      '--passphrase-file',
      oldPass,
      '--out',
      path.join(dir, 'out-private'),
      inputs()[0]!,
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });
});
