/**
 * `sealdrop decrypt` against hostile submissions: each is refused with a
 * clear message, nothing is written outside the output folder, and nothing
 * of the refused submission is kept (its partial output is removed).
 * Archives are forged byte by byte (test/support/tar-forge.ts), then
 * properly encrypted, so the age layer is valid and the attack is in the
 * plaintext; ciphertext attacks (tamper, truncate) are on real submissions.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { forgeArchive, forgeEntry, type ForgedHeader } from '../support/tar-forge.js';
import { encryptBytesToFile, listTree, patternData, sealdrop, tempDir, writeSubmission } from './support.js';

let dir: string;
let keyFile: string;
let recipient: string;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  keyFile = path.join(dir, 'key.txt');
  const generated = spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
  if (generated.status === 0) {
    recipient = /age1[0-9a-z]+/.exec(generated.stderr)![0];
  } else {
    // Without age-keygen: make a plain identity file with our own keygen's format.
    const { X25519Identity } = await import('../../client/core/x25519.js');
    const { formatIdentityFile } = await import('../../client/core/identity-file.js');
    const identity = X25519Identity.generate();
    await writeFile(keyFile, formatIdentityFile(identity, new Date()));
    recipient = identity.recipient().format();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ManifestFile {
  path: string;
  name: string;
  size: number;
  type: string;
}

function submissionJson(files: ManifestFile[]): string {
  return (
    JSON.stringify({ format: 'sealdrop-submission', version: 1, message: 'message.txt', files, reply: null }, null, 2) +
    '\n'
  );
}

/** A forged plaintext: submission.json and message.txt as an honest browser writes them, then `entries`. */
function forgedSubmission(files: ManifestFile[], entries: Uint8Array[], endMarker = true): Uint8Array {
  return forgeArchive(
    [
      forgeEntry({ name: 'submission.json' }, submissionJson(files)),
      forgeEntry({ name: 'message.txt' }, 'hello editor'),
      ...entries,
    ],
    endMarker,
  );
}

const oneFile: ManifestFile[] = [{ path: 'files/001-a.txt', name: 'a.txt', size: 4, type: 'text/plain' }];

/** Decrypt one input into a fresh `out` under a fresh case folder; returns what happened. */
async function attempt(
  name: string,
  write: (file: string) => Promise<void>,
): Promise<{ code: number; stderr: string; tree: string[]; caseTree: string[] }> {
  const caseDir = path.join(dir, name);
  await mkdir(caseDir);
  const input = path.join(caseDir, `${name}.age`);
  await write(input);
  const out = path.join(caseDir, 'out');
  const result = await sealdrop(['decrypt', '--identity', keyFile, '--out', out, input]);
  return { code: result.code, stderr: result.stderr, tree: await listTree(out), caseTree: await listTree(caseDir) };
}

async function expectRefused(name: string, plaintext: Uint8Array, reason: RegExp): Promise<void> {
  const outcome = await attempt(name, (file) => encryptBytesToFile([recipient], plaintext, file));
  expect(outcome.code).toBe(1);
  expect(outcome.stderr).toMatch(reason);
  expect(outcome.stderr).toMatch(/; nothing kept\n$/);
  expect(outcome.stderr.split('\n')).toHaveLength(2);
  // Nothing kept inside, nothing written beside (the case folder holds only the input).
  expect(outcome.tree).toEqual([]);
  expect(outcome.caseTree).toEqual([`${name}.age`]);
}

describe('hostile archives are refused and leave nothing behind', () => {
  it('accepts the honest forged baseline (so the cases below test what they claim)', async () => {
    const outcome = await attempt('baseline', (file) =>
      encryptBytesToFile(
        [recipient],
        forgedSubmission(oneFile, [forgeEntry({ name: 'files/001-a.txt' }, 'data')]),
        file,
      ),
    );
    expect(outcome.stderr).toBe('');
    expect(outcome.tree).toEqual(['baseline/files/001-a.txt', 'baseline/message.txt', 'baseline/submission.json']);
  });

  const entryCases: [string, ForgedHeader, RegExp][] = [
    ['traversal', { name: '../../evil.txt' }, /refused archive \(parent segment/],
    ['traversal-in-prefix', { prefix: 'files/../..', name: 'evil.txt' }, /refused archive/],
    ['absolute', { name: '/tmp/sealdrop-evil.txt' }, /refused archive \(.*absolute.*\)/],
    ['symlink', { name: 'files/001-a.txt', type: '2', linkname: '/etc/passwd' }, /refused archive/],
    ['hardlink', { name: 'files/001-a.txt', type: '1', linkname: 'message.txt' }, /refused archive/],
    ['char-device', { name: 'files/001-a.txt', type: '3' }, /refused archive/],
    ['block-device', { name: 'files/001-a.txt', type: '4' }, /refused archive/],
    ['fifo', { name: 'files/001-a.txt', type: '6' }, /refused archive/],
    ['control-characters', { name: 'files/001-a\u001b[31m.txt' }, /refused archive/],
    ['pax-header', { name: 'files/001-a.txt', type: 'x' }, /refused archive/],
  ];
  it.each(entryCases)('%s', async (name, header, reason) => {
    await expectRefused(name, forgedSubmission(oneFile, [forgeEntry(header, 'data')]), reason);
  });

  it('an entry whose declared size is larger than its data', async () => {
    const header = forgeEntry({ name: 'files/001-a.txt', size: '00000100000\0' }, 'data');
    await expectRefused(
      'oversized',
      forgedSubmission([{ ...oneFile[0]!, size: 0o100000 }], [header], false),
      /refused archive \(truncated/,
    );
  });

  it('an archive with more files than the format allows', async () => {
    const files = Array.from({ length: 9_999 }, (_, i) => ({
      path: `files/${String(i + 1).padStart(3, '0')}-a`,
      name: 'a',
      size: 0,
      type: 'text/plain',
    }));
    await expectRefused(
      'huge-count',
      forgedSubmission(files, []),
      /not a valid sealdrop submission \(invalid file list/,
    );
  });

  it('a manifest that does not match the archive', async () => {
    await expectRefused(
      'mismatch',
      forgedSubmission(oneFile, [forgeEntry({ name: 'files/001-b.txt' }, 'data')]),
      /not a valid sealdrop submission/,
    );
  });

  it('data after the end of the archive', async () => {
    const plaintext = forgedSubmission(oneFile, [forgeEntry({ name: 'files/001-a.txt' }, 'data')]);
    const trailing = new Uint8Array(plaintext.length + 512);
    trailing.set(plaintext);
    trailing[plaintext.length + 10] = 1;
    await expectRefused('trailing', trailing, /refused archive/);
  });
});

describe('damaged ciphertext is refused and its partial output removed', () => {
  const large = patternData(1024 * 1024);

  async function honest(file: string): Promise<void> {
    await writeSubmission(
      [recipient],
      { message: 'tip', files: [{ name: 'doc.pdf', type: 'application/pdf', size: large.size, data: large.data() }] },
      file,
    );
  }

  it('a truncated file', async () => {
    const outcome = await attempt('truncated', async (file) => {
      await honest(file);
      const bytes = await readFile(file);
      await writeFile(file, bytes.subarray(0, bytes.length - 1000));
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(
      /ciphertext tampered with or truncated \(payload truncated or tampered with\); nothing kept\n$/,
    );
    expect(outcome.tree).toEqual([]);
  });

  it('a file cut at a chunk boundary', async () => {
    const outcome = await attempt('cut', async (file) => {
      await honest(file);
      const bytes = await readFile(file);
      // Keep the header and exactly eight sealed chunks: every chunk opens, but none is final.
      const headerEnd = bytes.indexOf('\n---') + 1;
      const headerLength = bytes.indexOf(10, headerEnd) + 1;
      await writeFile(file, bytes.subarray(0, headerLength + 16 + 8 * (65536 + 16)));
    });
    expect(outcome.stderr).toMatch(/ciphertext tampered with or truncated/);
    expect(outcome.tree).toEqual([]);
  });

  it('a flipped bit in the middle of the payload', async () => {
    const outcome = await attempt('tampered', async (file) => {
      await honest(file);
      const bytes = await readFile(file);
      bytes[Math.floor(bytes.length * 0.7)]! ^= 0x01;
      await writeFile(file, bytes);
    });
    expect(outcome.stderr).toMatch(
      /ciphertext tampered with or truncated \(payload chunk tampered with\); nothing kept\n$/,
    );
    expect(outcome.tree).toEqual([]);
  });

  it('a changed header', async () => {
    const outcome = await attempt('header', async (file) => {
      await honest(file);
      const bytes = await readFile(file);
      const mac = bytes.indexOf('\n---') + 5;
      // Any base64 letter is canonical in the MAC's first place: the line still
      // parses, so the only possible refusal is the MAC check itself.
      bytes[mac] = bytes[mac] === 0x41 ? 0x42 : 0x41;
      await writeFile(file, bytes);
    });
    expect(outcome.stderr).toMatch(/header authentication failed: the file was altered; nothing kept\n$/);
    expect(outcome.stderr).not.toContain('not a valid age file');
    expect(outcome.tree).toEqual([]);
  });

  it('garbage instead of an age file', async () => {
    const outcome = await attempt('garbage', (file) => writeFile(file, 'not age at all\n'));
    expect(outcome.stderr).toMatch(/not a valid age file/);
    expect(outcome.tree).toEqual([]);
  });
});

describe('the output folder is never followed out', () => {
  it('a link where the submission folder would go is left alone', async () => {
    const caseDir = path.join(dir, 'link');
    const elsewhere = path.join(caseDir, 'elsewhere');
    const out = path.join(caseDir, 'out');
    await mkdir(elsewhere, { recursive: true });
    await mkdir(out);
    await symlink(elsewhere, path.join(out, 'sub'));
    const input = path.join(caseDir, 'sub.age');
    await writeSubmission([recipient], { message: 'm', files: [] }, input);
    const result = await sealdrop(['decrypt', '--identity', keyFile, '--out', out, input]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`-> ${path.join(out, 'sub-2')}`);
    expect(await listTree(elsewhere)).toEqual([]);
  });
});
