/**
 * The no-WebAssembly page's X-Wing file failing to load (a network error on
 * `xwing-nowasm.js`) is reported as what it is, KemUnavailableError, through
 * HPKE (client/core/hpke.ts) and the hybrid recipient: never as an invalid
 * key (encapsulation) or a stanza not for us (decapsulation). Its own file:
 * it serves sodium() from the noble stand-in, without libsodium.
 */
import { XWing } from '@noble/post-quantum/hybrid.js';
import { KemUnavailableError, XWING_KEM } from '../../client/core/hpke.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { HybridIdentity, HybridRecipient } from '../../client/core/mlkem768x25519.js';
import { installSodiumStandIn } from '../../client/core/sodium.js';
import { NOBLE_XWING_GLOBAL } from '../../client/app/noble-xwing-loader.js';
import { nobleXWing } from '../../client/app/noble-xwing.js';
import noble from '../../client/app/sodium-noble.js';

const scope = globalThis as Record<string, unknown>;
const publicKey = XWing.getPublicKey(new Uint8Array(32).fill(7));

beforeAll(() => {
  installSodiumStandIn({
    crypto_kem_xwing_enc: noble.crypto_kem_xwing_enc.bind(noble),
    crypto_kem_xwing_dec: noble.crypto_kem_xwing_dec.bind(noble),
    randombytes_buf: noble.randombytes_buf.bind(noble),
  });
});

afterEach(() => {
  delete scope.importScripts;
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

test('a failed load is KemUnavailableError with its cause, not an invalid key or a null decapsulation', () => {
  const network = new Error('NetworkError');
  scope.importScripts = (): void => {
    throw network;
  };
  const encapsulating = thrown(() => XWING_KEM.encapsulate(publicKey));
  expect(encapsulating).toBeInstanceOf(KemUnavailableError);
  expect(encapsulating).toMatchObject({
    message: 'X-Wing is not available: xwing-nowasm.js did not load',
    cause: network,
  });
  expect(thrown(() => XWING_KEM.decapsulate(new Uint8Array(1120), new Uint8Array(32)))).toBeInstanceOf(
    KemUnavailableError,
  );
  const recipient = HybridRecipient.fromPublicKey(publicKey);
  expect(thrown(() => recipient.wrapFileKey(new Uint8Array(16)))).toBeInstanceOf(KemUnavailableError);
  // Reading: not "invalid stanza", which would call a good reply damaged.
  const stanza = {
    type: 'mlkem768x25519',
    args: [encodeBase64(new Uint8Array(1120).fill(9), false)],
    body: new Uint8Array(32),
  };
  const identity = HybridIdentity.fromSeed(new Uint8Array(32).fill(7));
  expect(thrown(() => identity.unwrapFileKey([stanza]))).toBeInstanceOf(KemUnavailableError);
});

test('once loaded, a refused key is still a TypeError', () => {
  scope.importScripts = (): void => {
    scope[NOBLE_XWING_GLOBAL] = nobleXWing;
  };
  expect(XWING_KEM.encapsulate(publicKey).enc).toHaveLength(1120);
  const lowOrder = publicKey.slice();
  lowOrder.fill(0, 1184);
  const overModulus = publicKey.slice();
  overModulus[0] = 0xff;
  overModulus[1] = 0xff;
  for (const key of [lowOrder, overModulus]) {
    expect(thrown(() => XWING_KEM.encapsulate(key))).toMatchObject({
      name: 'TypeError',
      message: 'invalid X-Wing public key',
    });
  }
});
