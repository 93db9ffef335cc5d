// Interoperability both ways with Debian's `age` binary (Go, the reference
// implementation). Sizes straddle the 64 KiB chunk boundary. typage, the
// other independent implementation, is age-typage.test.ts.
import { decrypt, encrypt } from '../../client/core/age.js';
import {
  formatIdentityFile,
  openIdentityFile,
  parseIdentityFile,
  sealIdentityFile,
} from '../../client/core/identity-file.js';
import { ScryptIdentity, ScryptRecipient } from '../../client/core/scrypt.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { makeWorkdir, run, runAgeWithPassphrase, type Workdir } from '../support/age-cli.js';
import { collect, JITLESS, patternBytes, sha256Hex, streamOf } from '../support/age-helpers.js';
import { requireTools } from '../support/required-tools.js';

// Without WebAssembly our ChaCha20 runs at about 1 MB/s: the
// multi-MiB case shrinks there, still spanning many chunks.
const LARGE = JITLESS ? 1024 * 1024 + 17 : 3 * 1024 * 1024 + 17;
const SIZES = [0, 1, 65535, 65536, 65537, 2 * 65536, LARGE];
const TEST_LOG_N = 10;

const withAge = requireTools(['age', 'age-keygen', 'script'], 'interop with the age binary');

let dir: Workdir;
let theirIdentityFile: string;
let theirIdentity: X25519Identity;
let ours: X25519Identity;

async function ourEncrypt(recipients: X25519Recipient[], plaintext: Uint8Array): Promise<Uint8Array> {
  return collect(encrypt(recipients, streamOf(plaintext, 40_000)));
}

async function ourDecrypt(identity: X25519Identity | ScryptIdentity, file: Uint8Array): Promise<Uint8Array> {
  const { plaintext } = await decrypt([identity], streamOf(file, 50_000));
  return collect(plaintext);
}

withAge.describe('age binary (Go reference implementation)', () => {
  beforeAll(async () => {
    await loadSodium();
    dir = makeWorkdir();
    run('age-keygen', ['-o', dir.path('their-key.txt')]);
    theirIdentityFile = dir.path('their-key.txt');
    [theirIdentity] = parseIdentityFile(Buffer.from(dir.read('their-key.txt')).toString('utf8')) as [X25519Identity];
    ours = X25519Identity.generate();
    dir.write('our-key.txt', formatIdentityFile(ours, new Date()));
  });

  afterAll(() => {
    dir.remove();
  });

  test('reads age-keygen identity files and derives the same recipient', () => {
    const text = Buffer.from(dir.read('their-key.txt')).toString('utf8');
    const publicKey = /# public key: (age1[a-z0-9]+)/.exec(text)?.[1];
    expect(theirIdentity.recipient().format()).toBe(publicKey);
    expect(Buffer.from(run('age-keygen', ['-y', theirIdentityFile])).toString()).toBe(`${publicKey!}\n`);
  });

  test('age-keygen -y accepts our identity file and derives our recipient', () => {
    expect(Buffer.from(run('age-keygen', ['-y', dir.path('our-key.txt')])).toString()).toBe(
      `${ours.recipient().format()}\n`,
    );
  });

  test.each(SIZES)('age -d opens what we encrypt (%i bytes, two recipients)', async (size) => {
    const plaintext = patternBytes(size, size + 1);
    const file = await ourEncrypt([ours.recipient(), theirIdentity.recipient()], plaintext);
    dir.write('ours.age', file);
    const opened = run('age', ['-d', '-i', theirIdentityFile, dir.path('ours.age')]);
    expect(await sha256Hex(opened)).toBe(await sha256Hex(plaintext));
    const openedWithOurKey = run('age', ['-d', '-i', dir.path('our-key.txt'), dir.path('ours.age')]);
    expect(await sha256Hex(openedWithOurKey)).toBe(await sha256Hex(plaintext));
  });

  test.each(SIZES)('we open what age -e encrypts (%i bytes)', async (size) => {
    const plaintext = patternBytes(size, size + 2);
    dir.write('plain.bin', plaintext);
    const single = run('age', ['-e', '-r', ours.recipient().format(), dir.path('plain.bin')]);
    expect(await sha256Hex(await ourDecrypt(ours, single))).toBe(await sha256Hex(plaintext));
    const multi = run('age', [
      '-e',
      '-r',
      theirIdentity.recipient().format(),
      '-r',
      ours.recipient().format(),
      dir.path('plain.bin'),
    ]);
    expect(await sha256Hex(await ourDecrypt(ours, multi))).toBe(await sha256Hex(plaintext));
    expect(await sha256Hex(await ourDecrypt(theirIdentity, multi))).toBe(await sha256Hex(plaintext));
  });

  test('age -d opens our passphrase-sealed identity file, and uses it with -i', async () => {
    const sealed = await sealIdentityFile(ours, 'correct horse battery staple', nodeScrypt, TEST_LOG_N);
    dir.write('our-key.age', sealed);
    expect(
      runAgeWithPassphrase(
        ['-d', '-o', dir.path('our-key.out'), dir.path('our-key.age')],
        'correct horse battery staple',
      ),
    ).toBe(0);
    const text = Buffer.from(dir.read('our-key.out')).toString('utf8');
    expect(parseIdentityFile(text).map((identity) => identity.format())).toEqual([ours.format()]);
    expect(text).toMatch(
      /^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: age1[a-z0-9]+\nAGE-SECRET-KEY-1[A-Z0-9]+\n$/,
    );

    // The editor's real workflow: age -d -i <sealed identity> <submission>.
    const plaintext = patternBytes(70_000, 9);
    dir.write('sub.age', await ourEncrypt([ours.recipient()], plaintext));
    const status = runAgeWithPassphrase(
      ['-d', '-i', dir.path('our-key.age'), '-o', dir.path('sub.out'), dir.path('sub.age')],
      'correct horse battery staple',
    );
    expect(status).toBe(0);
    expect(await sha256Hex(dir.read('sub.out'))).toBe(await sha256Hex(plaintext));

    // And a wrong passphrase is refused by age (so the check above is real).
    expect(runAgeWithPassphrase(['-d', '-o', dir.path('wrong.out'), dir.path('our-key.age')], 'wrong')).not.toBe(0);
  });

  test('we open age -p files (age default work factor 2^18) and age-keygen files sealed with age -p', async () => {
    const status = runAgeWithPassphrase(
      ['-p', '-o', dir.path('their-key.age'), theirIdentityFile],
      'hunter2 hunter2',
      2,
    );
    expect(status).toBe(0);
    const sealed = dir.read('their-key.age');
    expect(Buffer.from(sealed.subarray(0, 60)).toString('latin1')).toMatch(
      /^age-encryption\.org\/v1\n-> scrypt \S{22} 18\n/,
    );
    const identities = await openIdentityFile(sealed, () => 'hunter2 hunter2', nodeScrypt);
    expect(identities.map((identity) => identity.format())).toEqual([theirIdentity.format()]);
    const plain = await ourDecrypt(new ScryptIdentity('hunter2 hunter2', nodeScrypt), sealed);
    expect(plain).toEqual(dir.read('their-key.txt'));
  });

  test('age -d opens a file we seal to a passphrase at the default work factor', async () => {
    const plaintext = patternBytes(1000, 3);
    const file = await collect(encrypt([new ScryptRecipient('default factor', nodeScrypt)], streamOf(plaintext)));
    expect(Buffer.from(file.subarray(0, 60)).toString('latin1')).toMatch(/-> scrypt \S{22} 18\n/);
    dir.write('default.age', file);
    expect(runAgeWithPassphrase(['-d', '-o', dir.path('default.out'), dir.path('default.age')], 'default factor')).toBe(
      0,
    );
    expect(dir.read('default.out')).toEqual(plaintext);
  });
});
