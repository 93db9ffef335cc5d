/**
 * Bech32 (BIP 173, the original checksum constant, not Bech32m) as age uses
 * it for `age1...` recipients and `AGE-SECRET-KEY-1...` identities.
 *
 * Unlike BIP 173, age places no 90-character limit on strings. Mixed case is
 * refused; the human-readable part is returned lowercased.
 */
import { CodedError } from './coded-error.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** Why a string is not Bech32 ({@link Bech32Error}). */
export type Bech32ErrorCode =
  /** Both upper- and lowercase letters. */
  | 'mixed-case'
  /** No `1` separator with a prefix before it and a checksum after it. */
  | 'invalid-separator'
  /** A prefix character outside printable ASCII. */
  | 'invalid-prefix'
  /** A data character outside the Bech32 alphabet. */
  | 'invalid-character'
  /** The checksum does not match: a typo or a changed character. */
  | 'invalid-checksum'
  /** Non-zero or excess padding bits: not the one encoding of its bytes. */
  | 'invalid-padding';

/** A string that is not valid Bech32. */
export class Bech32Error extends CodedError<Bech32ErrorCode> {
  override name = 'Bech32Error';
}

function polymod(values: readonly number[]): number {
  let checksum = 1;
  for (const value of values) {
    const top = checksum >>> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) checksum ^= GENERATORS[i]!;
  }
  return checksum;
}

function expandPrefix(prefix: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < prefix.length; i++) out.push(prefix.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < prefix.length; i++) out.push(prefix.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] {
  let accumulator = 0;
  let bits = 0;
  const out: number[] = [];
  const mask = (1 << to) - 1;
  for (const value of data) {
    accumulator = (accumulator << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((accumulator >>> bits) & mask);
    }
    accumulator &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((accumulator << (to - bits)) & mask);
  } else if (bits >= from || accumulator !== 0) {
    throw new Bech32Error('invalid-padding', 'invalid bech32 padding');
  }
  return out;
}

/** Encode `data` under the human-readable prefix, in lowercase. */
export function encodeBech32(prefix: string, data: Uint8Array): string {
  const lowerPrefix = prefix.toLowerCase();
  const words = convertBits(data, 8, 5, true);
  const checksum = polymod([...expandPrefix(lowerPrefix), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  let out = lowerPrefix + '1';
  for (const word of words) out += CHARSET[word]!;
  for (let i = 0; i < 6; i++) out += CHARSET[(checksum >>> (5 * (5 - i))) & 31]!;
  return out;
}

/**
 * Decode a Bech32 string.
 * @throws Bech32Error on mixed case, bad characters, bad checksum or bad
 *   padding, with the {@link Bech32ErrorCode} that says which.
 */
export function decodeBech32(text: string): { prefix: string; data: Uint8Array } {
  const lower = text.toLowerCase();
  if (text !== lower && text !== text.toUpperCase()) throw new Bech32Error('mixed-case', 'mixed-case bech32');
  const separator = lower.lastIndexOf('1');
  if (separator < 1 || separator + 7 > lower.length)
    throw new Bech32Error('invalid-separator', 'invalid bech32 separator');
  const prefix = lower.slice(0, separator);
  for (let i = 0; i < prefix.length; i++) {
    const code = prefix.charCodeAt(i);
    if (code < 33 || code > 126) throw new Bech32Error('invalid-prefix', 'invalid bech32 prefix');
  }
  const words: number[] = [];
  for (const char of lower.slice(separator + 1)) {
    const word = CHARSET.indexOf(char);
    if (word < 0) throw new Bech32Error('invalid-character', 'invalid bech32 character');
    words.push(word);
  }
  if (polymod([...expandPrefix(prefix), ...words]) !== 1)
    throw new Bech32Error('invalid-checksum', 'invalid bech32 checksum');
  return { prefix, data: Uint8Array.from(convertBits(words.slice(0, -6), 5, 8, false)) };
}
