/**
 * Small documents sealed under a passphrase (client/core/sealed-document.ts):
 * the one bounded reader and writer behind identity files and access keys.
 */
import { NoIdentityMatchError } from '../../client/core/errors.js';
import {
  isSealedDocument,
  MAX_SEALED_DOCUMENT_BYTES,
  openSealedDocument,
  sealDocument,
  SealedDocumentError,
} from '../../client/core/sealed-document.js';
import { loadSodium } from '../../client/core/sodium.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';

const LOG_N = 10;
const PASSPHRASE = 'correct horse battery staple';

beforeAll(async () => {
  await loadSodium();
});

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return null;
}

describe('sealDocument and openSealedDocument', () => {
  it('round trip, as an age scrypt file', async () => {
    const document = new TextEncoder().encode('{"format":"example"}\n');
    const sealed = await sealDocument(document, PASSPHRASE, nodeScrypt, LOG_N);
    expect(isSealedDocument(sealed)).toBe(true);
    expect(new TextDecoder().decode(sealed.subarray(0, 32))).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);
    expect(await openSealedDocument(sealed, PASSPHRASE, nodeScrypt)).toEqual(document);
  });

  it('refuse a wrong passphrase as "not for me"', async () => {
    const sealed = await sealDocument(new Uint8Array([1, 2, 3]), PASSPHRASE, nodeScrypt, LOG_N);
    await expect(openSealedDocument(sealed, 'wrong', nodeScrypt)).rejects.toThrow(NoIdentityMatchError);
  });

  it('seal only what they can open again: the sealed file must fit the limit', async () => {
    const fits = new Uint8Array(MAX_SEALED_DOCUMENT_BYTES - 1024).fill(7);
    const sealed = await sealDocument(fits, PASSPHRASE, nodeScrypt, LOG_N);
    expect(sealed.length).toBeLessThanOrEqual(MAX_SEALED_DOCUMENT_BYTES);
    expect(await openSealedDocument(sealed, PASSPHRASE, nodeScrypt)).toEqual(fits);

    // Under the limit as plaintext, over it once sealed (header, nonce, tags).
    const tooBigSealed = await refusal(
      sealDocument(new Uint8Array(MAX_SEALED_DOCUMENT_BYTES - 16), PASSPHRASE, nodeScrypt, LOG_N),
    );
    expect(tooBigSealed).toBeInstanceOf(SealedDocumentError);
    expect((tooBigSealed as SealedDocumentError).code).toBe('too-large');
    const tooBig = await refusal(
      sealDocument(new Uint8Array(MAX_SEALED_DOCUMENT_BYTES + 1), PASSPHRASE, nodeScrypt, LOG_N),
    );
    expect((tooBig as SealedDocumentError).code).toBe('too-large');
  });

  it('refuse a file over the limit before deriving any key', async () => {
    const sealed = await sealDocument(new Uint8Array(10), PASSPHRASE, nodeScrypt, LOG_N);
    const oversized = new Uint8Array(MAX_SEALED_DOCUMENT_BYTES + 1);
    oversized.set(sealed);
    let derived = 0;
    const counting: typeof nodeScrypt = (...args) => {
      derived++;
      return nodeScrypt(...args);
    };
    const error = await refusal(openSealedDocument(oversized, PASSPHRASE, counting));
    expect(error).toBeInstanceOf(SealedDocumentError);
    expect((error as SealedDocumentError).code).toBe('too-large');
    expect(derived).toBe(0);
  });
});

describe('isSealedDocument', () => {
  it('tells the binary age header from plain text', () => {
    expect(isSealedDocument(new TextEncoder().encode('age-encryption.org/v1\n'))).toBe(true);
    expect(isSealedDocument(new TextEncoder().encode('# created: 2025-01-01T00:00:00Z\n'))).toBe(false);
    expect(isSealedDocument(new TextEncoder().encode('age-encryption.org'))).toBe(false);
    expect(isSealedDocument(new TextEncoder().encode('-----BEGIN AGE ENCRYPTED FILE-----\n'))).toBe(false);
    expect(isSealedDocument(new Uint8Array(0))).toBe(false);
  });
});
