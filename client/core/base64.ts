/**
 * Base64 as age and minisign use it: the standard alphabet (RFC 4648 §4).
 * age writes it without padding and requires canonical encodings; minisign
 * writes it with padding. Decoding is strict in both modes: no whitespace,
 * no stray characters, no non-zero trailing bits.
 */
import { CodedError } from './coded-error.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Why a string is not canonical base64 ({@link Base64Error}). */
export type Base64ErrorCode =
  /** A length no canonical encoding has (with padding: not a multiple of 4). */
  | 'invalid-length'
  /** A character outside the standard alphabet, misplaced padding or whitespace. */
  | 'invalid-character'
  /** Non-zero unused low bits: not the one encoding of its bytes. */
  | 'non-canonical';

/** A string that is not canonical base64 in the mode asked for. */
export class Base64Error extends CodedError<Base64ErrorCode> {
  override name = 'Base64Error';
}

export function encodeBase64(bytes: Uint8Array, padded: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + (padded ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + (padded ? '=' : '');
  }
  return out;
}

/** @throws Base64Error on any non-canonical input, with the {@link Base64ErrorCode} that says why. */
export function decodeBase64(text: string, padded: boolean): Uint8Array {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) throw new Base64Error('invalid-length', 'invalid base64 length');
    if (text.endsWith('==')) body = text.slice(0, -2);
    else if (text.endsWith('=')) body = text.slice(0, -1);
  }
  if (body.length % 4 === 1) throw new Base64Error('invalid-length', 'invalid base64 length');
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const digit = code < 128 ? LOOKUP[code]! : -1;
    if (digit < 0) throw new Base64Error('invalid-character', 'invalid base64 character');
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
  }
  // Canonical encodings leave the unused low bits zero.
  if ((value & ((1 << bits) - 1)) !== 0) throw new Base64Error('non-canonical', 'non-canonical base64');
  return out;
}
