import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from '../../client/core/base64.js';
import { encodeBech32 } from '../../client/core/bech32.js';
import {
  activeAccessKeys,
  activeEditors,
  activeRecipients,
  checkManifestEditor,
  ManifestError,
  manifestTrustedComment,
  parseManifest,
  rootFingerprint,
  serializeManifest,
  signManifest,
  verifyManifest,
  type KeyManifest,
  type ManifestEditor,
  type ManifestErrorCode,
} from '../../client/core/manifest.js';
import { formatKeyId, formatPublicKeyFile, generateKeyPair, type MinisignKeyPair } from '../../client/core/minisign.js';
import { formatSignature, parseSignature, signMessage } from '../../client/core/minisign-signature.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { formatRfc3339Seconds } from '../../client/core/time.js';
import { minisign, Scratch } from '../support/minisign-cli.js';
import { requireTools } from '../support/required-tools.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;
const withMinisign = requireTools(['minisign'], 'manifests against the minisign binary');
const withB2sum = requireTools(['sh', 'sed', 'base64', 'b2sum'], 'the root fingerprint against b2sum');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let root: MinisignKeyPair;
let scratch: Scratch;

function recipientFrom(seed: Uint8Array): string {
  return encodeBech32('age', sodium().crypto_scalarmult_base(seed));
}

function editor(name: string, status: ManifestEditor['status'] = 'active'): ManifestEditor {
  const s = sodium();
  return {
    name,
    recipient: recipientFrom(s.randombytes_buf(32)),
    accessKey: encodeBase64(s.crypto_sign_keypair().publicKey, true),
    status,
  };
}

/** Changes the final Bech32 character to a different valid one, so the checksum must fail. */
function corruptLastCharacter(text: string): string {
  return text.slice(0, -1) + (text.endsWith('q') ? 'p' : 'q');
}

function sampleManifest(overrides: Partial<KeyManifest> = {}): KeyManifest {
  return {
    format: 'sealdrop-key-manifest',
    formatVersion: 1,
    version: 7,
    issued: '2025-01-01T00:00:00Z',
    expires: '2025-07-01T00:00:00Z',
    rootKeyId: formatKeyId(root.publicKey.keyId),
    editors: [editor('Kim Ji-woo'), editor('Alex'), editor('Old Key', 'retired')],
    ...overrides,
  };
}

const during = new Date('2025-03-01T12:00:00Z');

function expectCode(run: () => unknown, code: ManifestErrorCode): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).code).toBe(code);
    return;
  }
  throw new Error(`expected ManifestError ${code}`);
}

beforeAll(async () => {
  await loadSodium();
  root = generateKeyPair();
  scratch = new Scratch();
});

afterAll(() => {
  scratch.remove();
});

describe('canonical form', () => {
  test('is fixed-order two-space JSON with a trailing newline', () => {
    const manifest: KeyManifest = {
      format: 'sealdrop-key-manifest',
      formatVersion: 1,
      version: 1,
      issued: '2025-01-01T00:00:00Z',
      expires: '2025-04-01T00:00:00Z',
      rootKeyId: '8E0662539792A49A',
      editors: [
        {
          status: 'active',
          accessKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
          recipient: 'age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj',
          name: '김지우',
        },
      ],
    };
    expect(decoder.decode(serializeManifest(manifest))).toBe(
      [
        '{',
        '  "format": "sealdrop-key-manifest",',
        '  "formatVersion": 1,',
        '  "version": 1,',
        '  "issued": "2025-01-01T00:00:00Z",',
        '  "expires": "2025-04-01T00:00:00Z",',
        '  "rootKeyId": "8E0662539792A49A",',
        '  "editors": [',
        '    {',
        '      "name": "김지우",',
        '      "recipient": "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",',
        '      "accessKey": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",',
        '      "status": "active"',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('serialize/parse round-trips any valid manifest', () => {
    const name = fc
      .string({ minLength: 1, maxLength: 20, unit: 'grapheme' })
      .filter((s) => s === s.trim() && s === s.normalize('NFC') && !/[\p{C}\p{Zl}\p{Zp}]/u.test(s));
    const editorArb = fc.record({
      name,
      recipient: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => encodeBech32('age', b)),
      accessKey: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => encodeBase64(b, true)),
      status: fc.constantFrom('active' as const, 'retired' as const),
    });
    const second = 1000;
    const manifestArb = fc
      .record({
        version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        issuedS: fc.integer({ min: 0, max: 4_000_000_000 }),
        lifetimeS: fc.integer({ min: 1, max: 400_000_000 }),
        rootKeyId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(formatKeyId),
        editors: fc.uniqueArray(editorArb, {
          minLength: 1,
          maxLength: 6,
          selector: (e) => e.name.toLowerCase(),
        }),
      })
      .map(({ version, issuedS, lifetimeS, rootKeyId, editors }): KeyManifest => ({
        format: 'sealdrop-key-manifest',
        formatVersion: 1,
        version,
        issued: formatRfc3339Seconds(new Date(issuedS * second)),
        expires: formatRfc3339Seconds(new Date((issuedS + lifetimeS) * second)),
        rootKeyId,
        editors: [{ ...editors[0]!, status: 'active' }, ...editors.slice(1)],
      }));
    fc.assert(
      fc.property(manifestArb, (manifest) => {
        const bytes = serializeManifest(manifest);
        expect(parseManifest(bytes)).toEqual(manifest);
        expect(serializeManifest(parseManifest(bytes))).toEqual(bytes);
      }),
      { numRuns },
    );
  });
});

describe('parseManifest refuses', () => {
  function withText(edit: (text: string) => string): Uint8Array {
    return encoder.encode(edit(decoder.decode(serializeManifest(sampleManifest()))));
  }
  function withValue(
    edit: (value: Record<string, unknown> & { editors: Record<string, unknown>[] }) => void,
  ): Uint8Array {
    const value = JSON.parse(decoder.decode(serializeManifest(sampleManifest()))) as Record<string, unknown> & {
      editors: Record<string, unknown>[];
    };
    edit(value);
    return encoder.encode(JSON.stringify(value, null, 2) + '\n');
  }

  test.each<[string, () => Uint8Array]>([
    ['an unknown top-level field', () => withValue((v) => (v.extra = 1))],
    ['an unknown editor field', () => withValue((v) => (v.editors[0]!.email = 'x@example.org'))],
    ['a missing field', () => withValue((v) => delete v.expires)],
    ['another format', () => withValue((v) => (v.format = 'something-else'))],
    ['format version 2', () => withValue((v) => (v.formatVersion = 2))],
    ['a string version', () => withValue((v) => (v.version = '7'))],
    ['version 0', () => withValue((v) => (v.version = 0))],
    ['a fractional version', () => withValue((v) => (v.version = 1.5))],
    ['an unsafe version', () => withValue((v) => (v.version = 2 ** 53))],
    ['milliseconds in a date', () => withValue((v) => (v.issued = '2025-01-01T00:00:00.000Z'))],
    ['a time zone offset', () => withValue((v) => (v.issued = '2025-01-01T09:00:00+09:00'))],
    ['an impossible date', () => withValue((v) => (v.expires = '2025-02-30T00:00:00Z'))],
    ['expires equal to issued', () => withValue((v) => (v.expires = v.issued))],
    ['expires before issued', () => withValue((v) => (v.expires = '2024-12-31T23:59:59Z'))],
    ['a lowercase root key id', () => withValue((v) => (v.rootKeyId = (v.rootKeyId as string).toLowerCase()))],
    ['a short root key id', () => withValue((v) => (v.rootKeyId = 'ABCDEF'))],
    ['editors not an array', () => withValue((v) => (v.editors = {} as never))],
    ['no editors', () => withValue((v) => (v.editors = []))],
    [
      'no active editor',
      () =>
        withValue((v) => {
          v.editors.forEach((e) => (e.status = 'retired'));
        }),
    ],
    [
      // 64 stanzas is an age header's most, and a reply carries one per editor plus the source's.
      'more active editors than a reply header may carry stanzas',
      () => withValue((v) => (v.editors = Array.from({ length: 64 }, (_, i) => ({ ...editor(`Editor ${i}`) })))),
    ],
    ['an unknown status', () => withValue((v) => (v.editors[0]!.status = 'suspended'))],
    [
      'a recipient with another prefix',
      () => withValue((v) => (v.editors[0]!.recipient = encodeBech32('agex', new Uint8Array(32)))),
    ],
    ['a short recipient', () => withValue((v) => (v.editors[0]!.recipient = encodeBech32('age', new Uint8Array(31))))],
    [
      'an uppercase recipient',
      () => withValue((v) => (v.editors[0]!.recipient = (v.editors[0]!.recipient as string).toUpperCase())),
    ],
    [
      'a recipient with a bad checksum',
      () => withValue((v) => (v.editors[0]!.recipient = corruptLastCharacter(v.editors[0]!.recipient as string))),
    ],
    [
      'an identity instead of a recipient',
      () =>
        withValue((v) => (v.editors[0]!.recipient = encodeBech32('AGE-SECRET-KEY-', new Uint8Array(32)).toUpperCase())),
    ],
    ['a short access key', () => withValue((v) => (v.editors[0]!.accessKey = encodeBase64(new Uint8Array(31), true)))],
    [
      'an unpadded access key',
      () => withValue((v) => (v.editors[0]!.accessKey = (v.editors[0]!.accessKey as string).replace('=', ''))),
    ],
    ['a hex access key', () => withValue((v) => (v.editors[0]!.accessKey = '00'.repeat(32)))],
    ['duplicate names (case-insensitive)', () => withValue((v) => (v.editors[1]!.name = 'KIM JI-WOO'))],
    ['duplicate recipients', () => withValue((v) => (v.editors[2]!.recipient = v.editors[0]!.recipient))],
    ['duplicate access keys', () => withValue((v) => (v.editors[2]!.accessKey = v.editors[1]!.accessKey))],
    ['an empty name', () => withValue((v) => (v.editors[0]!.name = ''))],
    ['a name with a newline', () => withValue((v) => (v.editors[0]!.name = 'Kim\nAdmin'))],
    ['a name with an escape', () => withValue((v) => (v.editors[0]!.name = 'Kim\u001b[31m'))],
    ['a name with a bidi override', () => withValue((v) => (v.editors[0]!.name = 'Kim\u202eooL'))],
    ['a name with a zero-width space', () => withValue((v) => (v.editors[0]!.name = 'Al\u200bex'))],
    ['a name with surrounding spaces', () => withValue((v) => (v.editors[0]!.name = ' Kim '))],
    ['a decomposed (NFD) name', () => withValue((v) => (v.editors[0]!.name = '김지우'.normalize('NFD')))],
    ['a name that is a number', () => withValue((v) => (v.editors[0]!.name = 5))],
    ['non-canonical indentation', () => withText((t) => t.replaceAll('  ', '    '))],
    ['compact JSON', () => withText((t) => JSON.stringify(JSON.parse(t)) + '\n')],
    ['a missing trailing newline', () => withText((t) => t.trimEnd())],
    ['CRLF line ends', () => withText((t) => t.replaceAll('\n', '\r\n'))],
    [
      'reordered fields',
      () =>
        withValue((v) => {
          const version = v.version;
          delete v.version;
          v.version = version;
        }),
    ],
    ['a duplicate JSON key', () => withText((t) => t.replace('"version": 7,', '"version": 7,\n  "version": 8,'))],
    ['a byte-order mark', () => withText((t) => `\ufeff${t}`)],
    ['a JSON array', () => encoder.encode('[]\n')],
    ['not JSON', () => encoder.encode('version=7\n')],
    ['invalid UTF-8', () => Uint8Array.from([0x7b, 0xff, 0x7d, 0x0a])],
  ])('%s', (_name, bytes) => {
    expectCode(() => parseManifest(bytes()), 'malformed');
  });

  test('serializeManifest refuses invalid manifests too', () => {
    expectCode(() => serializeManifest(sampleManifest({ version: -1 })), 'malformed');
  });
});

describe('signing and verification', () => {
  withMinisign.test('minisign -V verifies a signed manifest and shows the trusted comment', () => {
    const manifest = sampleManifest();
    const signed = signManifest(manifest, root.secretKey);
    scratch.write('manifest.json', signed.manifest);
    scratch.write('manifest.json.minisig', signed.signature);
    scratch.write('root.pub', formatPublicKeyFile(root.publicKey));
    const result = minisign(['-V', '-H', '-p', scratch.path('root.pub'), '-m', scratch.path('manifest.json')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `Trusted comment: sealdrop-key-manifest version=7 expires=2025-07-01T00:00:00Z root=${formatKeyId(root.publicKey.keyId)}`,
    );
    expect(verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: during })).toEqual(manifest);
  });

  withMinisign.test('a manifest signed by minisign -S with the right trusted comment verifies', () => {
    minisign(['-G', '-W', '-p', scratch.path('cli.pub'), '-s', scratch.path('cli.key')]);
    const cliRoot = minisignPublicKey(scratch.read('cli.pub'));
    const manifest = sampleManifest({ rootKeyId: formatKeyId(cliRoot.keyId) });
    scratch.write('cli-manifest.json', serializeManifest(manifest));
    const signed = minisign([
      '-S',
      '-s',
      scratch.path('cli.key'),
      '-m',
      scratch.path('cli-manifest.json'),
      '-t',
      manifestTrustedComment(manifest),
    ]);
    expect(signed.status).toBe(0);
    const verified = verifyManifest(
      scratch.readBytes('cli-manifest.json'),
      scratch.read('cli-manifest.json.minisig'),
      cliRoot,
      { now: during },
    );
    expect(verified).toEqual(manifest);
  });

  describe('refusals', () => {
    let signed: { manifest: Uint8Array; signature: string };
    beforeAll(() => {
      signed = signManifest(sampleManifest(), root.secretKey);
    });

    test('a changed manifest byte', () => {
      const changed = signed.manifest.slice();
      changed[40]! ^= 1;
      expectCode(() => verifyManifest(changed, signed.signature, root.publicKey, { now: during }), 'signature');
    });

    test('a truncated manifest', () => {
      expectCode(
        () => verifyManifest(signed.manifest.subarray(0, 100), signed.signature, root.publicKey, { now: during }),
        'signature',
      );
    });

    test('a changed trusted comment', () => {
      const changed = signed.signature.replace('version=7', 'version=9');
      expectCode(() => verifyManifest(signed.manifest, changed, root.publicKey, { now: during }), 'signature');
    });

    test('a changed untrusted comment still verifies', () => {
      const changed = signed.signature.replace(/^untrusted comment: .*$/m, 'untrusted comment: edited by anyone');
      expect(verifyManifest(signed.manifest, changed, root.publicKey, { now: during }).version).toBe(7);
    });

    test('a signature by another key', () => {
      const other = generateKeyPair();
      const bySomeoneElse = signManifest(
        sampleManifest({ rootKeyId: formatKeyId(other.publicKey.keyId) }),
        other.secretKey,
      );
      expectCode(
        () => verifyManifest(bySomeoneElse.manifest, bySomeoneElse.signature, root.publicKey, { now: during }),
        'wrong-root',
      );
    });

    test('a signature by another key claiming the root key id', () => {
      const other = generateKeyPair();
      const forged = signMessage(
        signed.manifest,
        { keyId: root.secretKey.keyId, secretKey: other.secretKey.secretKey },
        {
          trustedComment: manifestTrustedComment(sampleManifest()),
        },
      );
      expectCode(() => verifyManifest(signed.manifest, forged, root.publicKey, { now: during }), 'signature');
    });

    test('a manifest naming another root key id, even when signed by the root', () => {
      const manifest = sampleManifest({ rootKeyId: '0123456789ABCDEF' });
      expectCode(() => signManifest(manifest, root.secretKey), 'wrong-root');
      const bytes = serializeManifest(manifest);
      const signature = signMessage(bytes, root.secretKey, { trustedComment: manifestTrustedComment(manifest) });
      expectCode(() => verifyManifest(bytes, signature, root.publicKey, { now: during }), 'wrong-root');
    });

    test('a trusted comment that does not describe the manifest', () => {
      const signature = signMessage(signed.manifest, root.secretKey, {
        trustedComment: manifestTrustedComment(sampleManifest({ version: 8 })),
      });
      expectCode(() => verifyManifest(signed.manifest, signature, root.publicKey, { now: during }), 'trusted-comment');
    });

    test('an expired manifest, and one at the exact expiry second', () => {
      const expiry = new Date('2025-07-01T00:00:00Z');
      expectCode(() => verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: expiry }), 'expired');
      expectCode(
        () =>
          verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: new Date('2026-01-01T00:00:00Z') }),
        'expired',
      );
      const justBefore = new Date(expiry.getTime() - 1);
      expect(verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: justBefore }).version).toBe(7);
    });

    test('a device clock more than a day behind issued', () => {
      const lagging = new Date('2024-12-30T23:59:59Z');
      expectCode(
        () => verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: lagging }),
        'not-yet-valid',
      );
      const slightlyBehind = new Date('2024-12-31T06:00:00Z');
      expect(verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: slightlyBehind }).version).toBe(
        7,
      );
    });

    test('a rolled-back version', () => {
      expectCode(
        () => verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: during, minimumVersion: 8 }),
        'rollback',
      );
      expect(
        verifyManifest(signed.manifest, signed.signature, root.publicKey, { now: during, minimumVersion: 7 }).version,
      ).toBe(7);
    });

    test('a legacy-format signature', () => {
      const parsed = parseSignature(signed.signature);
      const legacy = formatSignature(parsed).split('\n');
      const packed = decodeBase64(legacy[1]!, true);
      packed.set(encoder.encode('Ed'), 0);
      legacy[1] = encodeBase64(packed, true);
      expectCode(
        () => verifyManifest(signed.manifest, legacy.join('\n'), root.publicKey, { now: during }),
        'malformed',
      );
    });

    test.each([
      ['malformed base64', (s: string) => s.replace(/\n[A-Za-z0-9+/]/, '\n%')],
      ['a truncated signature file', (s: string) => s.slice(0, s.length / 2)],
      ['an empty signature file', () => ''],
    ])('%s', (_name, mangle) => {
      expectCode(
        () => verifyManifest(signed.manifest, mangle(signed.signature), root.publicKey, { now: during }),
        'malformed',
      );
    });
  });
});

describe('checkManifestEditor', () => {
  const valid = (): Record<string, unknown> => ({ ...editor('Alice') });

  test('returns a plain copy of a valid entry, in the canonical field order', () => {
    const entry = JSON.parse(
      JSON.stringify({ status: 'retired', accessKey: valid().accessKey, recipient: valid().recipient, name: 'Bob' }),
    ) as unknown;
    const checked = checkManifestEditor(entry);
    expect(Object.keys(checked)).toEqual(['name', 'recipient', 'accessKey', 'status']);
    expect(checked.status).toBe('retired');
  });

  test.each<[string, (entry: Record<string, unknown>) => unknown]>([
    ['an extra field', (entry) => ({ ...entry, email: 'x@example.org' })],
    ['a missing field', (entry) => Object.fromEntries(Object.entries(entry).filter(([key]) => key !== 'status'))],
    ['a __proto__ member', (entry) => JSON.parse(JSON.stringify(entry).replace('{', '{"__proto__":{},')) as unknown],
    [
      'a status found only on the prototype',
      (entry) => {
        const inherits = Object.create({ status: entry.status }) as Record<string, unknown>;
        for (const key of ['name', 'recipient', 'accessKey']) inherits[key] = entry[key];
        return inherits;
      },
    ],
    ['an uppercase recipient', (entry) => ({ ...entry, recipient: (entry.recipient as string).toUpperCase() })],
    ['a name with a bidi override', (entry) => ({ ...entry, name: 'Al\u202eice' })],
    ['a 31-byte access key', (entry) => ({ ...entry, accessKey: encodeBase64(new Uint8Array(31), true) })],
    ['an unknown status', (entry) => ({ ...entry, status: 'paused' })],
    ['not an object', () => ['Alice']],
  ])('refuses %s', (_what, mangle) => {
    let error: unknown = null;
    try {
      checkManifestEditor(mangle(valid()));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).code).toBe('malformed');
  });
});

describe('helpers', () => {
  test('activeEditors lists the active entries in manifest order', () => {
    const manifest = sampleManifest();
    expect(activeEditors(manifest)).toEqual(manifest.editors.filter((entry) => entry.status === 'active'));
    expect(activeEditors(manifest).map((entry) => entry.name)).toEqual([
      manifest.editors[0]!.name,
      manifest.editors[1]!.name,
    ]);
  });

  test('activeRecipients and activeAccessKeys list only active editors', () => {
    const manifest = sampleManifest();
    expect(activeRecipients(manifest)).toEqual([manifest.editors[0]!.recipient, manifest.editors[1]!.recipient]);
    expect(activeAccessKeys(manifest)).toEqual([
      decodeBase64(manifest.editors[0]!.accessKey, true),
      decodeBase64(manifest.editors[1]!.accessKey, true),
    ]);
  });

  withB2sum.test('rootFingerprint is b2sum -l 128 of the decoded public key, grouped', () => {
    scratch.write('fp.pub', formatPublicKeyFile(root.publicKey));
    const b2sum = spawnSync('sh', ['-c', `sed -n 2p '${scratch.path('fp.pub')}' | base64 -d | b2sum -l 128`], {
      encoding: 'utf8',
    }).stdout.split(' ')[0]!;
    const fingerprint = rootFingerprint(root.publicKey);
    expect(fingerprint).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
    expect(fingerprint.replaceAll(' ', '').toLowerCase()).toBe(b2sum);
  });
});

function minisignPublicKey(text: string): MinisignKeyPair['publicKey'] {
  const line = text.split('\n')[1]!;
  const bytes = decodeBase64(line, true);
  return { keyId: bytes.slice(2, 10), publicKey: bytes.slice(10) };
}
