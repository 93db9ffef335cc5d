// Identity files holding hybrid post-quantum identities (client/core/identity-file.ts):
// formatted as `age-keygen -pq` writes them, parsed alongside X25519 lines
// into core identities, sealed under a passphrase and opened again, and
// interoperable with typage, which generates and reads the same text.
import { Decrypter, Encrypter, generateHybridIdentity, identityToRecipient } from 'age-encryption';
import { decrypt, encrypt } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import {
  formatIdentityFile,
  hasHybridIdentity,
  openIdentityFile,
  parseIdentityFile,
  sealIdentityFile,
} from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { collect, patternBytes, streamOf } from '../support/age-helpers.js';

const CREATED = new Date('2026-03-04T05:06:07Z');
let hybrid: HybridIdentity;
let classic: X25519Identity;

beforeAll(async () => {
  await loadSodium();
  hybrid = HybridIdentity.generate();
  classic = X25519Identity.generate();
});

async function opens(identities: Parameters<typeof decrypt>[0], file: Uint8Array): Promise<Uint8Array> {
  const { plaintext } = await decrypt(identities, streamOf(file));
  return collect(plaintext);
}

test('formats a hybrid identity as age-keygen -pq does', () => {
  expect(formatIdentityFile(hybrid, CREATED)).toBe(
    `# created: 2026-03-04T05:06:07Z\n# public key: ${hybrid.recipient().format()}\n${hybrid.format()}\n`,
  );
  expect(hybrid.recipient().format()).toMatch(/^age1pq1[02-9ac-hj-np-z]+$/);
});

test('parses hybrid and X25519 lines into core identities, in file order, CRLF or LF', () => {
  const text = `${formatIdentityFile(hybrid, CREATED)}\r\n# another\r\n${classic.format()}\r\n`;
  const [first, second, ...rest] = parseIdentityFile(text);
  expect(rest).toEqual([]);
  expect(first).toBeInstanceOf(HybridIdentity);
  expect(second).toBeInstanceOf(X25519Identity);
  expect(first!.format()).toBe(hybrid.format());
  expect(second!.format()).toBe(classic.format());
});

test('hasHybridIdentity tells whether libsodium is needed', () => {
  expect(hasHybridIdentity(formatIdentityFile(hybrid, CREATED))).toBe(true);
  expect(hasHybridIdentity(`# x\r\n${hybrid.format()}\r\n`)).toBe(true);
  expect(hasHybridIdentity(formatIdentityFile(classic, CREATED))).toBe(false);
  // The public key comment names age1pq1 but holds no secret.
  expect(hasHybridIdentity(`# public key: ${hybrid.recipient().format()}\n${classic.format()}\n`)).toBe(false);
});

test.each<[string, (line: string) => string]>([
  ['lowercase', (line) => line.toLowerCase()],
  ['a changed checksum', (line) => line.slice(0, -1) + (line.endsWith('Q') ? 'P' : 'Q')],
  ['cut short', (line) => line.slice(0, -5)],
  ['a classic prefix', (line) => line.replace('AGE-SECRET-KEY-PQ-1', 'AGE-SECRET-KEY-1')],
])('a hybrid line with %s is refused by its line number, never its content', (_name, damage) => {
  const text = `# created: x\n${classic.format()}\n${damage(hybrid.format())}\n`;
  let caught: unknown;
  try {
    parseIdentityFile(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({
    code: 'invalid-identity-file',
    message: 'invalid identity on line 3 of identity file',
  });
});

test('sealed under a passphrase and opened again, the identity decrypts what was encrypted to it', async () => {
  const sealed = await sealIdentityFile(hybrid, 'correct horse', nodeScrypt, 10, CREATED);
  const identities = await openIdentityFile(sealed, () => 'correct horse', nodeScrypt);
  expect(identities.map((identity) => identity.format())).toEqual([hybrid.format()]);
  const plaintext = patternBytes(70_000, 9);
  const file = await collect(encrypt([hybrid.recipient()], streamOf(plaintext)));
  expect(await opens(identities, file)).toEqual(plaintext);
  await expect(openIdentityFile(sealed, () => 'wrong', nodeScrypt)).rejects.toMatchObject({
    code: 'no-identity-match',
  });
});

test('typage: its hybrid identity file opens here, and its key reads what we encrypt', async () => {
  const theirs = await generateHybridIdentity();
  const text = `# created: 2026-01-01T00:00:00Z\n# public key: ${await identityToRecipient(theirs)}\n${theirs}\n`;
  const [parsed] = await openIdentityFile(utf8(text), () => 'unused', nodeScrypt);
  expect(parsed!.recipient().format()).toBe(await identityToRecipient(theirs));

  const plaintext = patternBytes(100_000, 3);
  const ours = await collect(encrypt([parsed!.recipient()], streamOf(plaintext)));
  const decrypter = new Decrypter();
  decrypter.addIdentity(theirs);
  expect(await decrypter.decrypt(ours)).toEqual(plaintext);

  const encrypter = new Encrypter();
  encrypter.addRecipient(hybrid.recipient().format());
  const file = await encrypter.encrypt(plaintext);
  const sealed = await sealIdentityFile(hybrid, 'pass', nodeScrypt, 10);
  expect(await opens(await openIdentityFile(sealed, () => 'pass', nodeScrypt), file)).toEqual(plaintext);
});
