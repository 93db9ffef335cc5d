// Recipient and identity encodings, the X25519 and scrypt stanza rules, and
// editors' identity files (plain and passphrase-sealed).
import { encodeBech32 } from '../../client/core/bech32.js';
import { AgeHeaderError, AgeKeyError, NoIdentityMatchError } from '../../client/core/errors.js';
import type { Stanza } from '../../client/core/header.js';
import {
  formatIdentityFile,
  MAX_IDENTITY_FILE_BYTES,
  openIdentityFile,
  parseIdentityFile,
  sealIdentityFile,
} from '../../client/core/identity-file.js';
import { DEFAULT_SCRYPT_LOG_N, ScryptIdentity, ScryptRecipient } from '../../client/core/scrypt.js';
import type { ScryptFunction } from '../../client/core/scrypt-function.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { withCode } from '../support/coded-errors.js';

// The example key pair from the age specification (age-encryption.org/v1).
const SPEC_IDENTITY = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX';
const SPEC_RECIPIENT = 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj';
const FILE_KEY = new Uint8Array(16).fill(0x42);

beforeAll(async () => {
  await loadSodium();
});

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return null;
}

describe('X25519 encodings', () => {
  test('the specification example: identity to recipient, and both round trip', () => {
    const identity = X25519Identity.parse(SPEC_IDENTITY);
    expect(identity.recipient().format()).toBe(SPEC_RECIPIENT);
    expect(identity.format()).toBe(SPEC_IDENTITY);
    expect(X25519Recipient.parse(SPEC_RECIPIENT).format()).toBe(SPEC_RECIPIENT);
    expect(String(X25519Recipient.parse(SPEC_RECIPIENT))).toBe(SPEC_RECIPIENT);
  });

  test('generated identities are distinct and round trip', () => {
    const a = X25519Identity.generate();
    const b = X25519Identity.generate();
    expect(a.format()).not.toBe(b.format());
    expect(X25519Identity.parse(a.format()).recipient().format()).toBe(a.recipient().format());
    expect(X25519Identity.fromSecretKey(new Uint8Array(32).fill(1)).format()).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(() => X25519Identity.fromSecretKey(new Uint8Array(31))).toThrow(TypeError);
    expect(() => X25519Recipient.fromPublicKey(new Uint8Array(33))).toThrow(TypeError);
  });

  test.each([
    ['lowercase identity', SPEC_IDENTITY.toLowerCase()],
    ['mixed case', SPEC_IDENTITY.slice(0, 20) + SPEC_IDENTITY.slice(20).toLowerCase()],
    ['bad checksum', SPEC_IDENTITY.slice(0, -1) + 'Y'],
    ['wrong prefix', encodeBech32('AGE-PLUGIN-FOO-', new Uint8Array(32).fill(9)).toUpperCase()],
    ['short key', encodeBech32('AGE-SECRET-KEY-', new Uint8Array(31).fill(9)).toUpperCase()],
    ['a recipient', SPEC_RECIPIENT],
    ['empty', ''],
  ])('refuses an identity: %s, without echoing it', (_name, text) => {
    const error = thrown(() => X25519Identity.parse(text));
    expect(error).toBeInstanceOf(AgeKeyError);
    expect(error).toMatchObject({ code: 'invalid-identity' });
    if (text.length > 10) expect((error as Error).message).not.toContain(text.slice(16, 40));
  });

  test.each([
    ['uppercase recipient', SPEC_RECIPIENT.toUpperCase()],
    ['bad checksum', SPEC_RECIPIENT.slice(0, -1) + 'q'],
    ['another prefix', encodeBech32('age1pq', new Uint8Array(32).fill(9))],
    ['an identity', SPEC_IDENTITY],
    ['short key', encodeBech32('age', new Uint8Array(31).fill(9))],
    ['long key', encodeBech32('age', new Uint8Array(33).fill(9))],
  ])('refuses a recipient: %s', (_name, text) => {
    expect(thrown(() => X25519Recipient.parse(text))).toBeInstanceOf(AgeKeyError);
    expect(thrown(() => X25519Recipient.parse(text))).toMatchObject({ code: 'invalid-recipient' });
  });
});

describe('X25519 stanzas', () => {
  test('wrap and unwrap; other types are ignored; a stanza for another key is "not for me"', () => {
    const identity = X25519Identity.generate();
    const [stanza] = identity.recipient().wrapFileKey(FILE_KEY) as [Stanza];
    expect(stanza.type).toBe('X25519');
    expect(stanza.args).toHaveLength(1);
    expect(stanza.body).toHaveLength(32);
    const grease: Stanza = { type: 'x25519', args: [], body: new Uint8Array(0) };
    expect(identity.unwrapFileKey([grease, stanza])).toEqual(FILE_KEY);
    expect(X25519Identity.generate().unwrapFileKey([grease, stanza])).toBeNull();
    expect(identity.unwrapFileKey([grease])).toBeNull();
  });

  test('malformed X25519 stanzas throw instead of being skipped', () => {
    const identity = X25519Identity.generate();
    const [good] = identity.recipient().wrapFileKey(FILE_KEY) as [Stanza];
    const variants: Stanza[] = [
      { ...good, args: [] },
      { ...good, args: [good.args[0]!, 'extra'] },
      { ...good, args: [good.args[0]!.slice(0, -1)] },
      { ...good, args: [good.args[0]! + 'A'] },
      { ...good, body: good.body.subarray(0, 31) },
      { ...good, body: new Uint8Array([...good.body, 0]) },
      // The all-zero point: the shared secret would be zero.
      { ...good, args: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] },
    ];
    for (const stanza of variants) {
      expect(thrown(() => identity.unwrapFileKey([stanza]))).toBeInstanceOf(AgeHeaderError);
      expect(thrown(() => identity.unwrapFileKey([stanza]))).toMatchObject({ code: 'invalid-stanza' });
    }
    // Refused even after a stanza that would have matched is already found later.
    expect(thrown(() => identity.unwrapFileKey([variants[1]!, good]))).toBeInstanceOf(AgeHeaderError);
  });

  test('wiping an identity makes it useless', () => {
    const identity = X25519Identity.generate();
    const stanzas = identity.recipient().wrapFileKey(FILE_KEY);
    identity.wipe();
    expect(identity.unwrapFileKey(stanzas)).toBeNull();
  });
});

describe('scrypt stanzas', () => {
  function countingScrypt(): { scrypt: ScryptFunction; calls: number[] } {
    const calls: number[] = [];
    return {
      calls,
      scrypt: (passphrase, salt, params) => {
        calls.push(params.logN);
        return nodeScrypt(passphrase, salt, params);
      },
    };
  }

  test('wrap and unwrap with the specified parameters', async () => {
    const { scrypt, calls } = countingScrypt();
    const [stanza] = (await new ScryptRecipient('pass', scrypt, 10).wrapFileKey(FILE_KEY)) as [Stanza];
    expect(stanza.type).toBe('scrypt');
    expect(stanza.args[1]).toBe('10');
    expect(Buffer.from(stanza.args[0]!, 'base64')).toHaveLength(16);
    expect(await new ScryptIdentity('pass', scrypt).unwrapFileKey([stanza])).toEqual(FILE_KEY);
    expect(await new ScryptIdentity('wrong', scrypt).unwrapFileKey([stanza])).toBeNull();
    expect(await new ScryptIdentity('pass', scrypt).unwrapFileKey([{ ...stanza, type: 'X25519' }])).toBeNull();
    expect(calls).toEqual([10, 10, 10]);
  });

  test('a work factor over the limit is refused before any scrypt work', async () => {
    const { scrypt, calls } = countingScrypt();
    const [stanza] = (await new ScryptRecipient('pass', nodeScrypt, 13).wrapFileKey(FILE_KEY)) as [Stanza];
    await expect(new ScryptIdentity('pass', scrypt, 12).unwrapFileKey([stanza])).rejects.toThrow(AgeHeaderError);
    await expect(new ScryptIdentity('pass', scrypt, 12).unwrapFileKey([stanza])).rejects.toThrow(
      withCode('work-factor-too-high'),
    );
    const absurd = { ...stanza, args: [stanza.args[0]!, '1'.repeat(400)] };
    await expect(new ScryptIdentity('pass', scrypt).unwrapFileKey([absurd])).rejects.toThrow(AgeHeaderError);
    expect(calls).toEqual([]);
  });

  test('malformed or accompanied scrypt stanzas are refused', async () => {
    const [stanza] = (await new ScryptRecipient('pass', nodeScrypt, 10).wrapFileKey(FILE_KEY)) as [Stanza];
    const identity = new ScryptIdentity('pass', nodeScrypt);
    const variants: Stanza[][] = [
      [stanza, stanza],
      [stanza, { type: 'grease', args: [], body: new Uint8Array(0) }],
      [{ ...stanza, args: [stanza.args[0]!] }],
      [{ ...stanza, args: [...stanza.args, 'x'] }],
      [{ ...stanza, args: [stanza.args[0]!, '010'] }],
      [{ ...stanza, args: [stanza.args[0]!, '0'] }],
      [{ ...stanza, args: [stanza.args[0]!, '+10'] }],
      [{ ...stanza, args: [stanza.args[0]!, '0xa'] }],
      [{ ...stanza, args: [stanza.args[0]!.slice(0, -2), '10'] }],
      [{ ...stanza, body: stanza.body.subarray(1) }],
    ];
    for (const stanzas of variants) {
      await expect(identity.unwrapFileKey(stanzas)).rejects.toThrow(AgeHeaderError);
      await expect(identity.unwrapFileKey(stanzas)).rejects.toThrow(withCode('invalid-stanza'));
    }
  });

  test('constructor arguments are validated', () => {
    expect(() => new ScryptRecipient('', nodeScrypt)).toThrow(TypeError);
    expect(() => new ScryptIdentity('', nodeScrypt)).toThrow(TypeError);
    expect(() => new ScryptRecipient('p', nodeScrypt, 0)).toThrow(RangeError);
    expect(() => new ScryptRecipient('p', nodeScrypt, 10.5)).toThrow(RangeError);
    expect(() => new ScryptIdentity('p', nodeScrypt, 31)).toThrow(RangeError);
  });
});

describe('identity files', () => {
  const created = new Date('2024-05-06T07:08:09.123Z');

  test('format is exactly what age-keygen writes', () => {
    const identity = X25519Identity.parse(SPEC_IDENTITY);
    expect(formatIdentityFile(identity, created)).toBe(
      `# created: 2024-05-06T07:08:09Z\n# public key: ${SPEC_RECIPIENT}\n${SPEC_IDENTITY}\n`,
    );
    expect(() => formatIdentityFile(identity, new Date(NaN))).toThrow(RangeError);
  });

  test('parse accepts comments, blank lines, CRLF and several keys', () => {
    const other = X25519Identity.generate();
    const text = `# a comment\n\n${SPEC_IDENTITY}\r\n#another\n${other.format()}\n\n`;
    expect(parseIdentityFile(text).map((identity) => identity.format())).toEqual([SPEC_IDENTITY, other.format()]);
  });

  test('parse refuses anything else, naming the line but not its content', () => {
    for (const text of [
      '',
      '# only a comment\n',
      `   \n${SPEC_IDENTITY}\n`,
      ` ${SPEC_IDENTITY}\n`,
      `${SPEC_IDENTITY} \n`,
      `${SPEC_RECIPIENT}\n`,
      `${SPEC_IDENTITY}\ngarbage\n`,
      SPEC_IDENTITY.toLowerCase(),
    ]) {
      const error = thrown(() => parseIdentityFile(text));
      expect(error).toBeInstanceOf(AgeKeyError);
      expect(error).toMatchObject({ code: 'invalid-identity-file' });
      expect((error as Error).message).not.toContain('GFPYYSJZ');
    }
    expect((thrown(() => parseIdentityFile(`# x\n${SPEC_IDENTITY}\nbad`)) as Error).message).toContain('line 3');
  });

  test('sealed files open with the passphrase; plain files never ask for it', async () => {
    const identity = X25519Identity.generate();
    const sealed = await sealIdentityFile(identity, 'editor pass', nodeScrypt, 10, created);
    expect(Buffer.from(sealed.subarray(0, 32)).toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);
    let asked = 0;
    const provider = (): string => {
      asked++;
      return 'editor pass';
    };
    const opened = await openIdentityFile(sealed, provider, nodeScrypt);
    expect(opened.map((id) => id.format())).toEqual([identity.format()]);
    expect(asked).toBe(1);
    const plain = new TextEncoder().encode(formatIdentityFile(identity, created));
    expect((await openIdentityFile(plain, provider, nodeScrypt)).map((id) => id.format())).toEqual([identity.format()]);
    expect(asked).toBe(1);
    await expect(openIdentityFile(sealed, () => 'wrong', nodeScrypt)).rejects.toThrow(NoIdentityMatchError);
  });

  test("the default work factor is age's (2^18)", async () => {
    const sealed = await sealIdentityFile(X25519Identity.generate(), 'p', nodeScrypt);
    expect(Buffer.from(sealed.subarray(0, 70)).toString('latin1')).toMatch(
      new RegExp(`-> scrypt \\S{22} ${DEFAULT_SCRYPT_LOG_N}\\n`),
    );
  });

  test('armored, oversized, non-UTF-8 and work-factor-bombed files are refused', async () => {
    const never = (): string => {
      throw new Error('must not ask');
    };
    await expect(
      openIdentityFile(new TextEncoder().encode('-----BEGIN AGE ENCRYPTED FILE-----\n'), never, nodeScrypt),
    ).rejects.toThrow(AgeKeyError);
    await expect(openIdentityFile(new Uint8Array(MAX_IDENTITY_FILE_BYTES + 1), never, nodeScrypt)).rejects.toThrow(
      AgeKeyError,
    );
    await expect(openIdentityFile(new Uint8Array(MAX_IDENTITY_FILE_BYTES + 1), never, nodeScrypt)).rejects.toThrow(
      withCode('identity-file-too-large'),
    );
    await expect(openIdentityFile(new Uint8Array([0xff, 0xfe, 0x0a]), never, nodeScrypt)).rejects.toThrow(AgeKeyError);
    const heavy = await sealIdentityFile(X25519Identity.generate(), 'p', nodeScrypt, 12);
    await expect(openIdentityFile(heavy, () => 'p', nodeScrypt, 11)).rejects.toThrow(AgeHeaderError);
    await expect(openIdentityFile(heavy, () => 'p', nodeScrypt, 11)).rejects.toThrow(withCode('work-factor-too-high'));
  });
});
