/**
 * What a reply mailbox is called on the wire and on an editor's screen.
 *
 * A source's mailbox has three names, all derived from its 12 words
 * (source-secret.ts, docs/PROTOCOL.md "Keys" §3.2): the capability, which
 * only the source can compute and which proves the right to read; the id, a
 * one-way function of the capability that the server stores and editors
 * address replies to; and the conversation label, a short one-way function
 * of the id that editors use to group a source's submissions.
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { utf8 } from './bytes.js';
import { hkdfSha256 } from './hkdf.js';

/** Bytes in a mailbox capability. */
export const MAILBOX_CAPABILITY_BYTES = 32;

/** 128 bits as 32 lowercase hex digits, like submission ids: safe in a file name. */
const HEX_ID = /^[0-9a-f]{32}$/;
/** 32 bytes as unpadded standard base64: 43 characters. */
const CAPABILITY_TEXT = /^[A-Za-z0-9+/]{43}$/;
const LABEL_CONVERSATION = 'sealdrop/v1/conversation-label';
const LABEL_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** Whether `value` is a mailbox id (32 lowercase hex digits). */
export function isMailboxId(value: unknown): value is string {
  return typeof value === 'string' && HEX_ID.test(value);
}

/** Whether `value` is a reply id (32 lowercase hex digits, chosen at random by the editor's `reply`). */
export function isReplyId(value: unknown): value is string {
  return typeof value === 'string' && HEX_ID.test(value);
}

/** The capability as it travels in a request body: unpadded standard base64, 43 characters. */
export function encodeMailboxCapability(capability: Uint8Array): string {
  if (capability.length !== MAILBOX_CAPABILITY_BYTES) throw new TypeError('mailbox capability must be 32 bytes');
  return encodeBase64(capability, false);
}

/** The capability's bytes, or null for anything that is not exactly a canonical 43-character encoding. */
export function decodeMailboxCapability(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || !CAPABILITY_TEXT.test(value)) return null;
  try {
    return decodeBase64(value, false);
  } catch {
    return null;
  }
}

/**
 * The conversation a mailbox id belongs to, as editors see it: `xxxx-xxxx`,
 * 8 base32 characters (40 bits) of HKDF-SHA-256(mailboxId, info
 * `sealdrop/v1/conversation-label`). Short enough to say aloud or write in a
 * note; one-way, so a label in a note does not name the mailbox to the server.
 * @throws TypeError if `mailboxId` is not a mailbox id.
 */
export function conversationLabel(mailboxId: string): string {
  if (!isMailboxId(mailboxId)) throw new TypeError('invalid mailbox id');
  const bytes = hkdfSha256(utf8(mailboxId), new Uint8Array(0), utf8(LABEL_CONVERSATION), 5);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += LABEL_ALPHABET[(value >>> bits) & 31]!;
    }
  }
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
