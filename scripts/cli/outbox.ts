/**
 * The outbox: a folder of replies written offline by `sealdrop reply` and
 * carried to the online machine for `sealdrop push`. A reply's file name
 * says where it goes and names it, `<mailboxId>-<replyId>.age`, so the push
 * needs nothing but the folder, and pushing the same file twice addresses
 * the same reply (the server stores it once).
 */
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { toHex } from '../../client/core/bytes.js';
import { isMailboxId, isReplyId } from '../../client/core/mailbox.js';
import { sodium } from '../../client/core/sodium.js';

/** Where a reply file goes, from its name. */
export interface ReplyAddress {
  readonly mailbox: string;
  readonly reply: string;
}

const REPLY_FILE_NAME = /^([0-9a-f]{32})-([0-9a-f]{32})\.age$/;

/** The shape of a reply file's name, for messages. */
export const REPLY_FILE_SHAPE = '<mailbox>-<reply>.age, 32 hex digits each';

/** `<mailboxId>-<replyId>.age`. @throws TypeError if either is not 32 lowercase hex digits. */
export function replyFileName(address: ReplyAddress): string {
  if (!isMailboxId(address.mailbox) || !isReplyId(address.reply)) throw new TypeError('invalid reply address');
  return `${address.mailbox}-${address.reply}.age`;
}

/** The address a reply file's name gives, or null if it is not such a name. */
export function parseReplyFileName(name: string): ReplyAddress | null {
  const match = REPLY_FILE_NAME.exec(name);
  return match === null ? null : { mailbox: match[1]!, reply: match[2]! };
}

/** A fresh reply id: 16 random bytes as hex, so two replies never share a name. Requires libsodium loaded. */
export function newReplyId(): string {
  return toHex(sodium().randombytes_buf(16));
}

/**
 * Write a reply into the outbox durably and atomically: into a hidden
 * temporary file (0600), fsynced, then renamed to `name` and the folder
 * fsynced, so the outbox never holds a partial reply under a reply's name
 * (push would carry it). The temporary file is removed on failure.
 * @returns the final path and its size.
 * @throws whatever reading `chunks` or writing throws.
 */
export async function writeOutboxFile(
  outbox: string,
  name: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ file: string; size: number }> {
  const file = path.join(outbox, name);
  const temporary = path.join(outbox, `.${name}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  let size = 0;
  try {
    try {
      for await (const chunk of chunks) {
        await handle.write(chunk);
        size += chunk.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const directory = await open(outbox, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return { file, size };
}
