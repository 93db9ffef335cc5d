/**
 * scrypt, as an injected dependency.
 *
 * age's passphrase stanzas and minisign's encrypted secret keys both use
 * scrypt, which the standard libsodium build lacks and which the browser
 * never needs (sources never open passphrase files). The Node side supplies
 * an implementation over node:crypto (client/core-node/node-scrypt.ts).
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly logN: number;
  /** Block size r. */
  readonly r: number;
  /** Parallelism p. */
  readonly p: number;
  /** Output length in bytes. */
  readonly length: number;
}

export type ScryptFunction = (passphrase: Uint8Array, salt: Uint8Array, params: ScryptParams) => Promise<Uint8Array>;
