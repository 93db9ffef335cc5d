/**
 * The browser run's stand-in for client/core-node/node-scrypt.ts: the page
 * hands scrypt to the driver (run-core-suites.ts), which runs that very
 * module, node:crypto's. The page itself never runs scrypt in production
 * (sources never open passphrase files), and the Node runs use the same
 * native scrypt, so the suites' work factors (age's default 2^18 included)
 * cost there what they cost in Node, not minutes of pure JavaScript.
 */
import { Buffer } from 'buffer';
import type { ScryptFunction, ScryptParams } from '../../../client/core/scrypt-function.js';

/** The name the driver exposes its scrypt under (page.exposeFunction); base64 in and out. */
export const HOST_SCRYPT = 'sealdropHostScrypt';

type HostScrypt = (passphrase: string, salt: string, params: ScryptParams) => Promise<string>;

/** @throws Error if the page was not opened by the driver, which provides the function */
export const nodeScrypt: ScryptFunction = async (passphrase, salt, params) => {
  const host = (window as unknown as Record<string, HostScrypt | undefined>)[HOST_SCRYPT];
  if (host === undefined)
    throw new Error(`${HOST_SCRYPT} is missing: open this page with test/browser/run-core-suites.ts`);
  const key = await host(Buffer.from(passphrase).toString('base64'), Buffer.from(salt).toString('base64'), params);
  return new Uint8Array(Buffer.from(key, 'base64'));
};
