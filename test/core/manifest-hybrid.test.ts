// Hybrid post-quantum editors in the key manifest (client/core/manifest.ts):
// `age1pq1...` recipients are accepted in their canonical spelling, and the
// one rule that a manifest's active editors are all hybrid or all classic,
// with its own code and a message that names the editors.
import { encodeBase64 } from '../../client/core/base64.js';
import {
  checkManifestEditor,
  ManifestError,
  manifestRecipientKind,
  MAX_ACTIVE_EDITORS,
  MAX_ACTIVE_HYBRID_EDITORS,
  MAX_MANIFEST_BYTES,
  parseManifest,
  serializeManifest,
  signManifest,
  verifyManifest,
  type KeyManifest,
  type ManifestEditor,
} from '../../client/core/manifest.js';
import { formatKeyId, generateKeyPair, type MinisignKeyPair } from '../../client/core/minisign.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';

let root: MinisignKeyPair;
/** Generating ML-KEM keys is the slow part: a pool, reused. */
let hybridPool: string[];

beforeAll(async () => {
  await loadSodium();
  root = generateKeyPair();
  hybridPool = Array.from({ length: MAX_ACTIVE_HYBRID_EDITORS + 1 }, () =>
    HybridIdentity.generate().recipient().format(),
  );
});

function entry(name: string, recipient: string, status: ManifestEditor['status'] = 'active'): ManifestEditor {
  return { name, recipient, accessKey: encodeBase64(sodium().crypto_sign_keypair().publicKey, true), status };
}

const classic = (): string => X25519Identity.generate().recipient().format();

function manifestOf(editors: ManifestEditor[]): KeyManifest {
  return {
    format: 'sealdrop-key-manifest',
    formatVersion: 1,
    version: 3,
    issued: '2025-01-01T00:00:00Z',
    expires: '2025-07-01T00:00:00Z',
    rootKeyId: formatKeyId(root.publicKey.keyId),
    editors,
  };
}

function refusal(run: () => unknown): ManifestError {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

test('an all-hybrid manifest signs, verifies and round-trips; its kind is mlkem768x25519', () => {
  const manifest = manifestOf([entry('Kim', hybridPool[0]!), entry('Lee', hybridPool[1]!)]);
  const { manifest: bytes, signature } = signManifest(manifest, root.secretKey);
  const verified = verifyManifest(bytes, signature, root.publicKey, { now: new Date('2025-02-01T00:00:00Z') });
  expect(verified).toEqual(manifest);
  expect(parseManifest(serializeManifest(manifest))).toEqual(manifest);
  expect(manifestRecipientKind(verified)).toBe('mlkem768x25519');
  expect(manifestRecipientKind(manifestOf([entry('Kim', classic())]))).toBe('x25519');
});

test('the public file entry takes a hybrid recipient, only in its canonical lowercase spelling', () => {
  expect(checkManifestEditor(entry('Kim', hybridPool[0]!)).recipient).toBe(hybridPool[0]);
  const upper = refusal(() => checkManifestEditor(entry('Kim', hybridPool[0]!.toUpperCase())));
  expect(upper).toMatchObject({ code: 'malformed', message: 'recipient must be an age1 or age1pq1 recipient' });
  const cut = refusal(() => checkManifestEditor(entry('Kim', hybridPool[0]!.slice(0, -1))));
  expect(cut.code).toBe('malformed');
});

test('active editors of both kinds: refused with mixed-recipients, naming each side', () => {
  const mixed = manifestOf([entry('Kim', hybridPool[0]!), entry('Lee', classic()), entry('Park', classic())]);
  for (const run of [() => serializeManifest(mixed), () => signManifest(mixed, root.secretKey)]) {
    const error = refusal(run);
    expect(error.code).toBe('mixed-recipients');
    expect(error.message).toBe(
      'active editors mix hybrid and classic recipients (hybrid (age1pq1): Kim; classic (age1): Lee, Park): ' +
        'every active editor must be of one kind',
    );
  }
  // The same bytes built by hand are refused by the parser too (what a server or page reads).
  const text = JSON.stringify(mixed, null, 2) + '\n';
  expect(refusal(() => parseManifest(new TextEncoder().encode(text))).code).toBe('mixed-recipients');
});

test('retired editors may be of the other kind: the rotation that migrates a newsroom leaves them listed', () => {
  const migrated = manifestOf([
    entry('Kim (retired 2025-01-01)', classic(), 'retired'),
    entry('Kim', hybridPool[0]!),
    entry('Lee', hybridPool[1]!),
  ]);
  expect(parseManifest(serializeManifest(migrated))).toEqual(migrated);
  expect(manifestRecipientKind(migrated)).toBe('mlkem768x25519');
  const rolledBack = manifestOf([entry('Old', hybridPool[2]!, 'retired'), entry('Kim', classic())]);
  expect(manifestRecipientKind(rolledBack)).toBe('x25519');
});

test('the bounds leave room for a reply: 63 classic and 41 hybrid active editors, plus the source stanza', () => {
  expect(MAX_ACTIVE_EDITORS).toBe(63);
  expect(MAX_ACTIVE_HYBRID_EDITORS).toBe(41);
});

test('no more active hybrid editors than one age header can carry stanzas for', () => {
  const editors = hybridPool.map((recipient, i) => entry(`Editor ${i + 1}`, recipient));
  expect(serializeManifest(manifestOf(editors.slice(0, MAX_ACTIVE_HYBRID_EDITORS))).length).toBeGreaterThan(0);
  expect(refusal(() => serializeManifest(manifestOf(editors)))).toMatchObject({
    code: 'malformed',
    message: 'too many active hybrid editors for one age header',
  });
  // A retired one over the bound is fine: it gets no stanza.
  const retired = editors.map((editor, i) => (i === 0 ? { ...editor, status: 'retired' as const } : editor));
  expect(serializeManifest(manifestOf(retired)).length).toBeGreaterThan(0);
});

test('a manifest over MAX_MANIFEST_BYTES is refused when serialized and signed, retired entries counted', () => {
  // A hybrid entry is about 2.1 kB: 130 of them, all but one retired, are over 256 KiB.
  const retired = Array.from({ length: 130 }, (_, i) =>
    entry(
      `Retired ${i + 1}`,
      i < hybridPool.length ? hybridPool[i]! : HybridIdentity.generate().recipient().format(),
      'retired',
    ),
  );
  const editors = [entry('Kim', classic()), ...retired];
  const expected = /^manifest too large: \d+ bytes, the most a reader accepts is 262144 \(retired entries count\)$/;
  for (const run of [
    () => serializeManifest(manifestOf(editors)),
    () => signManifest(manifestOf(editors), root.secretKey),
  ]) {
    const error = refusal(run);
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(expected);
  }
  expect(MAX_MANIFEST_BYTES).toBe(262144);
  // Fewer retired entries: under the bound, and it signs.
  expect(signManifest(manifestOf(editors.slice(0, 100)), root.secretKey).manifest.length).toBeLessThanOrEqual(
    MAX_MANIFEST_BYTES,
  );
});
