/**
 * The core's {@link ScryptFunction} implemented with node:crypto.
 *
 * client/core-node/ holds Node.js implementations of the core's pluggable
 * primitives, for the CLI and the tests; it is never bundled into the page.
 */
import { scrypt } from 'node:crypto';
import type { ScryptFunction, ScryptParams } from '../core/scrypt-function.js';

/**
 * scrypt needs 128·N·r bytes for its main buffer plus 128·r·p for B; Node's
 * default `maxmem` (32 MiB) refuses age's default work factor (logN 18), so
 * the limit is set from the parameters, with headroom.
 */
function memoryNeeded({ logN, r, p }: ScryptParams): number {
  return 128 * r * (2 ** logN + p + 2) + 1024 * 1024;
}

export const nodeScrypt: ScryptFunction = (passphrase, salt, params) =>
  new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      params.length,
      { N: 2 ** params.logN, r: params.r, p: params.p, maxmem: memoryNeeded(params) },
      (error, key) => {
        if (error) reject(error);
        else resolve(new Uint8Array(key.buffer, key.byteOffset, key.length));
      },
    );
  });
