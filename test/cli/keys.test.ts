/**
 * The offline key workflow through the commands: root init, editor keygen,
 * manifest add/retire/rotate/sign/verify/show, with interop against Debian's
 * `age` (our sealed identity and access key files open with `age -d`) and
 * `minisign` (our root key signs, our manifests verify with `minisign -V`).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIdentityFile } from '../../client/core/identity-file.js';
import { parseManifest } from '../../client/core/manifest.js';
import { loadSodium } from '../../client/core/sodium.js';
import { runAgeWithPassphrase } from '../support/age-cli.js';
import { minisign } from '../support/minisign-cli.js';
import { requireTools } from '../support/required-tools.js';
import {
  LOG_N,
  PASSPHRASE,
  listTree,
  makeEditorKeys,
  makeRoot,
  sealdrop,
  sealdropOk,
  tempDir,
  type EditorFiles,
} from './support.js';

const withAge = requireTools(['age', 'script'], 'sealed key files against `age -d`');
const withMinisign = requireTools(['minisign'], 'signing with the minisign binary');

let dir: string;
let root: { key: string; pub: string; fingerprint: string };
let alice: EditorFiles;
let bob: EditorFiles;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  root = await makeRoot(dir);
  alice = await makeEditorKeys(dir, 'Alice Kim');
  bob = await makeEditorKeys(dir, '김지우', 'jiwoo');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifestFile = (): string => path.join(dir, 'manifest.json');
const read = async (file: string): Promise<string> => readFile(file, 'utf8');

describe('root init', () => {
  it('writes minisign key files with owner-only secret and prints the fingerprint', async () => {
    expect(root.fingerprint).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
    expect(await read(root.key)).toMatch(/^untrusted comment: .*\n[A-Za-z0-9+/=]+\n$/);
    expect(await read(root.pub)).toMatch(/^untrusted comment: minisign public key [0-9A-F]{1,16}\n/);
    const { stat } = await import('node:fs/promises');
    expect((await stat(root.key)).mode & 0o777).toBe(0o600);
    const again = await sealdropOk(['root', 'fingerprint', '--root-pub', root.pub]);
    expect(again.stdout).toContain(root.fingerprint);
  });

  it('asks for a confirmed passphrase and never overwrites', async () => {
    const result = await sealdrop(['root', 'init', '--out', dir, ...LOG_N]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/root\.key: already exists \(not overwritten\)\n$/);
    const other = await tempDir();
    const created = await sealdropOk(['root', 'init', '--out', other, ...LOG_N]);
    expect(created.prompts).toEqual([{ prompt: 'new passphrase for the root key', confirm: true }]);
    await rm(other, { recursive: true });
  });

  withMinisign.it('signs with the standard minisign tool, using the same passphrase', async () => {
    const message = path.join(dir, 'note.txt');
    await writeFile(message, 'hello');
    const signed = minisign(['-S', '-s', root.key, '-m', message, '-t', 'test'], `${PASSPHRASE}\n`);
    expect(signed.status).toBe(0);
    expect(minisign(['-V', '-p', root.pub, '-m', message]).status).toBe(0);
  });
});

describe('editor keygen', () => {
  it('writes a sealed identity, a sealed access key and a public file', async () => {
    expect(await listTree(dir)).toEqual(
      expect.arrayContaining([
        'alice-kim-identity.age',
        'alice-kim-access.age',
        'alice-kim.pub.json',
        'jiwoo.pub.json',
      ]),
    );
    const pub = JSON.parse(await read(alice.pub)) as Record<string, unknown>;
    expect(Object.keys(pub)).toEqual(['format', 'formatVersion', 'name', 'recipient', 'accessKey']);
    expect(pub.name).toBe('Alice Kim');
    expect(await read(alice.identity)).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);
  });

  withAge.it('sealed files open with the standard `age -d`', async () => {
    const out = path.join(dir, 'opened.txt');
    expect(runAgeWithPassphrase(['-d', '-o', out, alice.identity], PASSPHRASE)).toBe(0);
    const text = await read(out);
    expect(text).toMatch(/^# created: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\n# public key: age1/);
    expect(parseIdentityFile(text)[0]!.recipient().format()).toBe(alice.recipient);
    const access = path.join(dir, 'access.json');
    expect(runAgeWithPassphrase(['-d', '-o', access, alice.access], PASSPHRASE)).toBe(0);
    expect(JSON.parse(await read(access))).toMatchObject({ format: 'sealdrop-editor-access-key', name: 'Alice Kim' });
    await rm(out);
    await rm(access);
  });

  it('refuses a bad name, a missing name and an unreadable passphrase file', async () => {
    const bad = await sealdrop(['editor', 'keygen', '--name', 'evil\u202Ename', '--out', dir, ...LOG_N]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('sealdrop: invalid editor: editor name has control characters\n');
    const missing = await sealdrop(['editor', 'keygen', '--out', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name is required');
    const other = await tempDir();
    const unreadable = await sealdrop([
      'editor',
      'keygen',
      '--name',
      'X',
      '--out',
      other,
      '--passphrase-file',
      path.join(other, 'none'),
    ]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('cannot read passphrase file none');
    expect(await listTree(other)).toEqual([]);
    await rm(other, { recursive: true });
  });
});

describe('manifest', () => {
  withMinisign.it('adds editors, signs, and verifies with sealdrop and with minisign -V', async () => {
    const missingRoot = await sealdrop(['manifest', 'add', '--manifest', manifestFile(), '--editor', alice.pub]);
    expect(missingRoot.code).toBe(2);
    await sealdropOk([
      'manifest',
      'add',
      '--manifest',
      manifestFile(),
      '--root-pub',
      root.pub,
      '--editor',
      alice.pub,
      '--editor',
      bob.pub,
    ]);
    const draft = parseManifest(new Uint8Array(await readFile(manifestFile())));
    expect(draft.version).toBe(1);
    expect(draft.editors.map((editor) => [editor.name, editor.status])).toEqual([
      ['Alice Kim', 'active'],
      ['김지우', 'active'],
    ]);
    const signed = await sealdropOk([
      'manifest',
      'sign',
      '--manifest',
      manifestFile(),
      '--root-key',
      root.key,
      '--valid-days',
      '30',
    ]);
    expect(signed.stdout).toMatch(/signed manifest\.json: version 1, expires/);
    expect(signed.prompts).toHaveLength(1);
    const verified = await sealdropOk(['manifest', 'verify', '--manifest', manifestFile(), '--root-pub', root.pub]);
    expect(verified.stdout).toMatch(/^valid: version 1, .*2 active, 0 retired/);
    const tool = minisign(['-V', '-H', '-p', root.pub, '-m', manifestFile()]);
    expect(tool.status).toBe(0);
    expect(tool.stdout).toMatch(/Trusted comment: sealdrop-key-manifest version=1 expires=/);
    const shown = await sealdropOk(['manifest', 'show', '--manifest', manifestFile(), '--root-pub', root.pub]);
    expect(shown.stdout).toContain(`signature: valid (root fingerprint ${root.fingerprint})`);
    expect(shown.stdout).toContain(alice.recipient);
    expect(shown.stdout).not.toContain('WARNING');
  });

  it('manifest show warns from --warn-days (default 14) before the expiry, and once it has expired', async () => {
    const json = await sealdropOk(['manifest', 'show', '--manifest', manifestFile(), '--json']);
    const { expires, version } = parseManifest(new TextEncoder().encode(json.stdout));
    const before = (days: number): Date => new Date(Date.parse(expires) - days * 86_400_000);
    const show = (now: Date, ...extra: string[]) =>
      sealdropOk(['manifest', 'show', '--manifest', manifestFile(), ...extra], { now });
    expect((await show(before(15))).stdout).not.toContain('WARNING');
    expect((await show(before(10))).stdout).toContain(
      `  WARNING: manifest version ${version} expires in 10 days (${expires}): sign and publish a new one\n`,
    );
    expect((await show(before(10), '--warn-days', '5')).stdout).not.toContain('WARNING');
    expect((await show(before(20), '--warn-days', '30')).stdout).toContain('expires in 20 days');
    expect((await show(before(-1), '--warn-days', '0')).stdout).toContain(
      `  WARNING: manifest version ${version} expired ${expires}: sources cannot submit until a new manifest is ` +
        'signed and published\n',
    );
    const bad = await sealdrop(['manifest', 'show', '--manifest', manifestFile(), '--warn-days', 'soon']);
    expect(bad.code).toBe(2);
  });

  it('bumps the version on the first edit after signing and on re-signing', async () => {
    const before = await sealdropOk(['manifest', 'show', '--manifest', manifestFile(), '--json']);
    const v1 = parseManifest(new TextEncoder().encode(before.stdout)).version;
    const carol = await makeEditorKeys(dir, 'Carol');
    const added = await sealdropOk(['manifest', 'add', '--manifest', manifestFile(), '--editor', carol.pub]);
    expect(added.stdout).toContain(`version ${v1 + 1} (was ${v1}; signature removed, sign again)`);
    const retired = await sealdropOk(['manifest', 'retire', '--manifest', manifestFile(), '--name', 'carol']);
    expect(retired.stdout).toContain(`version ${v1 + 1} (unsigned)`);
    const unsigned = await sealdrop(['manifest', 'verify', '--manifest', manifestFile(), '--root-pub', root.pub]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('manifest.json.minisig: no such file');
    await sealdropOk(['manifest', 'sign', '--manifest', manifestFile(), '--root-key', root.key]);
    const resigned = await sealdropOk([
      'manifest',
      'sign',
      '--manifest',
      manifestFile(),
      '--root-key',
      root.key,
      '--expires',
      '2099-01-01',
    ]);
    expect(resigned.stdout).toContain(`version ${v1 + 2}, expires 2099-01-01T00:00:00Z`);
  });

  it('refuses an older version, an expired manifest and a wrong root', async () => {
    const current = parseManifest(new Uint8Array(await readFile(manifestFile()))).version;
    const rollback = await sealdrop([
      'manifest',
      'verify',
      '--manifest',
      manifestFile(),
      '--root-pub',
      root.pub,
      '--min-version',
      String(current + 1),
    ]);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toBe('sealdrop: manifest refused (rollback): manifest is older than one already seen\n');
    const expired = await sealdrop([
      'manifest',
      'verify',
      '--manifest',
      manifestFile(),
      '--root-pub',
      root.pub,
      '--at',
      '2099-01-02',
    ]);
    expect(expired.stderr).toContain('(expired)');
    const otherDir = await tempDir();
    const other = await makeRoot(otherDir);
    const wrong = await sealdrop(['manifest', 'verify', '--manifest', manifestFile(), '--root-pub', other.pub]);
    expect(wrong.stderr).toContain('(wrong-root)');
    const wrongSign = await sealdrop(['manifest', 'sign', '--manifest', manifestFile(), '--root-key', other.key]);
    expect(wrongSign.code).toBe(1);
    expect(wrongSign.stderr).toContain('is not the root key this manifest names');
    await rm(otherDir, { recursive: true });
  });

  it('rotates an editor to new keys under the same name', async () => {
    const newDir = await tempDir();
    const alice2 = await makeEditorKeys(newDir, 'Alice Kim');
    const rotated = await sealdropOk(
      ['manifest', 'rotate', '--manifest', manifestFile(), '--replaces', 'Alice Kim', '--editor', alice2.pub],
      {
        now: new Date('2030-05-06T07:08:09Z'),
      },
    );
    expect(rotated.stdout).toContain('old keys retired as Alice Kim (retired 2030-05-06)');
    const manifest = parseManifest(new Uint8Array(await readFile(manifestFile())));
    expect(manifest.editors.filter((editor) => editor.status === 'active').map((editor) => editor.recipient)).toEqual([
      bob.recipient,
      alice2.recipient,
    ]);
    const duplicate = await sealdrop(['manifest', 'add', '--manifest', manifestFile(), '--editor', alice2.pub]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('an editor named Alice Kim is already listed (active)');
    await rm(newDir, { recursive: true });
  });

  it('refuses to retire the last active editor', async () => {
    const soloDir = await tempDir();
    const solo = await makeEditorKeys(soloDir, 'Solo');
    const file = path.join(soloDir, 'm.json');
    await sealdropOk(['manifest', 'add', '--manifest', file, '--root-pub', root.pub, '--editor', solo.pub]);
    const result = await sealdrop(['manifest', 'retire', '--manifest', file, '--name', 'Solo']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('refusing to retire the last active editor');
    await rm(soloDir, { recursive: true });
  });

  it('reports a wrong root key passphrase in one line', async () => {
    const result = await sealdrop(['manifest', 'sign', '--manifest', manifestFile(), '--root-key', root.key], {
      passphrases: ['wrong'],
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`sealdrop: ${root.key}: wrong passphrase or corrupted secret key\n`);
  });
});
