// Interoperability both ways with typage (the npm `age-encryption` package),
// an independent age implementation that needs no child process, so this
// suite also runs in the browser (test/browser/). Sizes straddle the 64 KiB
// chunk boundary. The Go reference binary is age-interop.test.ts.
import { Decrypter, Encrypter } from 'age-encryption';
import { decrypt, encrypt } from '../../client/core/age.js';
import { parseIdentityFile, sealIdentityFile } from '../../client/core/identity-file.js';
import { ScryptIdentity } from '../../client/core/scrypt.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity, type X25519Recipient } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { collect, JITLESS, patternBytes, sha256Hex, streamOf } from '../support/age-helpers.js';

// Without WebAssembly our ChaCha20 (and typage's) run at about 1 MB/s: the
// multi-MiB case shrinks there, still spanning many chunks.
const LARGE = JITLESS ? 1024 * 1024 + 17 : 3 * 1024 * 1024 + 17;
const SIZES = [0, 1, 65535, 65536, 65537, 2 * 65536, LARGE];
const TEST_LOG_N = 10;

let ours: X25519Identity;
/** A second recipient, so multi-recipient headers are exercised both ways. */
let theirs: X25519Identity;

beforeAll(async () => {
  await loadSodium();
  ours = X25519Identity.generate();
  theirs = X25519Identity.generate();
});

async function ourEncrypt(recipients: X25519Recipient[], plaintext: Uint8Array): Promise<Uint8Array> {
  return collect(encrypt(recipients, streamOf(plaintext, 40_000)));
}

async function ourDecrypt(identity: X25519Identity | ScryptIdentity, file: Uint8Array): Promise<Uint8Array> {
  const { plaintext } = await decrypt([identity], streamOf(file, 50_000));
  return collect(plaintext);
}

describe('age-encryption (typage, npm)', () => {
  test.each(SIZES)('typage decrypts what we encrypt (%i bytes)', async (size) => {
    const plaintext = patternBytes(size, size + 3);
    const file = await ourEncrypt([theirs.recipient(), ours.recipient()], plaintext);
    const decrypter = new Decrypter();
    decrypter.addIdentity(ours.format());
    expect(await sha256Hex(await decrypter.decrypt(file))).toBe(await sha256Hex(plaintext));
  });

  test.each(SIZES)('we decrypt what typage encrypts (%i bytes, one and two recipients)', async (size) => {
    const plaintext = patternBytes(size, size + 4);
    const single = new Encrypter();
    single.addRecipient(ours.recipient().format());
    expect(await sha256Hex(await ourDecrypt(ours, await single.encrypt(plaintext)))).toBe(await sha256Hex(plaintext));
    const multi = new Encrypter();
    multi.addRecipient(theirs.recipient().format());
    multi.addRecipient(ours.recipient().format());
    const file = await multi.encrypt(plaintext);
    expect(await sha256Hex(await ourDecrypt(ours, file))).toBe(await sha256Hex(plaintext));
    expect(await sha256Hex(await ourDecrypt(theirs, file))).toBe(await sha256Hex(plaintext));
  });

  test('passphrase files both ways', async () => {
    const plaintext = patternBytes(70_000, 5);
    const encrypter = new Encrypter();
    encrypter.setPassphrase('typage passphrase');
    encrypter.setScryptWorkFactor(TEST_LOG_N);
    const sealedByThem = await encrypter.encrypt(plaintext);
    expect(await ourDecrypt(new ScryptIdentity('typage passphrase', nodeScrypt), sealedByThem)).toEqual(plaintext);

    const sealed = await sealIdentityFile(ours, 'typage passphrase', nodeScrypt, TEST_LOG_N);
    const decrypter = new Decrypter();
    decrypter.addPassphrase('typage passphrase');
    expect(await decrypter.decrypt(sealed, 'text')).toBe(
      new TextDecoder().decode(await ourDecrypt(new ScryptIdentity('typage passphrase', nodeScrypt), sealed)),
    );
    expect(parseIdentityFile(await decrypter.decrypt(sealed, 'text'))[0]!.format()).toBe(ours.format());
  });
});
