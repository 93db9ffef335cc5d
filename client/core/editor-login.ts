/**
 * The editor login message: what an editor's access key signs to log in to
 * the editor listener (docs/API.md, "Login"). The server verifies it
 * and the command line produces it, so both take it from here.
 */
import { concatBytes, utf8 } from './bytes.js';
import { RANDOM_TOKEN_BYTES } from './wire-shapes.js';

/** Challenge size in bytes (43 base64url characters on the wire). */
export const CHALLENGE_BYTES = RANDOM_TOKEN_BYTES;

/**
 * Prefix of the signed message. Domain separation: the access key signs
 * nothing else with this prefix, so a signature made for another purpose can
 * never pass as a login, and a login signature is useless elsewhere.
 */
export const CHALLENGE_CONTEXT = 'sealdrop editor login v1\n';

/**
 * The exact bytes an editor signs for `challenge`: the context, then the
 * challenge's raw bytes.
 * @throws TypeError if the challenge is not {@link CHALLENGE_BYTES} long.
 */
export function challengeMessage(challenge: Uint8Array): Uint8Array {
  if (challenge.length !== CHALLENGE_BYTES) throw new TypeError('invalid login challenge length');
  return concatBytes(utf8(CHALLENGE_CONTEXT), challenge);
}
