// The key constructors keep a copy of the bytes they are given, whatever kind
// of Uint8Array those are: a Buffer's slice() is a view of the same memory, so
// a "copy" made with slice() would be zeroed when the caller wipes its own
// array, as deriveReplyIdentities does with the scalar it derived.
import { HybridIdentity, HybridRecipient } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';

/** An array whose slice() is a view, as Buffer's is (Buffer itself is not in the browser runs). */
class ViewSlicing extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end);
  }
}

function viewSlicing(bytes: Uint8Array): ViewSlicing {
  const array = new ViewSlicing(bytes.length);
  array.set(bytes);
  return array;
}

beforeAll(async () => {
  await loadSodium();
});

test('the view-slicing array behaves as a Buffer does: its slice() shares the bytes', () => {
  const array = viewSlicing(new Uint8Array([1, 2, 3]));
  const sliced = array.slice();
  array.fill(0);
  expect([...sliced]).toEqual([0, 0, 0]);
});

function patterned(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => i + 1);
}

test.each([
  ['X25519Identity.fromSecretKey', (bytes: Uint8Array) => X25519Identity.fromSecretKey(bytes)],
  ['HybridIdentity.fromSeed', (bytes: Uint8Array) => HybridIdentity.fromSeed(bytes)],
])('%s keeps its own copy: wiping the caller’s array leaves the key whole', (_name, make) => {
  const expected = make(patterned(32)).format();
  const given = viewSlicing(patterned(32));
  const identity = make(given);
  given.fill(0);
  expect(identity.format()).toBe(expected);
});

test('X25519Recipient and HybridRecipient keep their own copies of a public key', () => {
  const classic = X25519Identity.generate().recipient().format();
  const hybrid = HybridIdentity.generate().recipient().format();
  const classicKey = viewSlicing(X25519Recipient.parse(classic).publicKey);
  const hybridKey = viewSlicing(HybridRecipient.parse(hybrid).publicKey);
  const classicCopy = X25519Recipient.fromPublicKey(classicKey);
  const hybridCopy = HybridRecipient.fromPublicKey(hybridKey);
  classicKey.fill(0);
  hybridKey.fill(0);
  expect(classicCopy.format()).toBe(classic);
  expect(hybridCopy.format()).toBe(hybrid);
});
