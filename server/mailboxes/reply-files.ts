/**
 * The names of the files in one mailbox directory,
 * `<dataDir>/mailboxes/<mailboxId>/`, and how a directory listing reads back:
 *
 *   <replyId>.age            a reply waiting for the source (age ciphertext as pushed)
 *   <replyId>.deleted        empty tombstone: the source deleted this reply
 *   <replyId>.age.tmp        a reply being received
 *   <replyId>.deleted.tmp    a tombstone being written
 *
 * Reply and mailbox ids are 32 lowercase hex digits (client/core/mailbox.ts),
 * checked before any name is built, so a name can never be a path. Every
 * other name is ignored: the store only ever touches what it wrote.
 */
import { isReplyId } from '../../client/core/mailbox.js';

const REPLY_SUFFIX = '.age';
const TOMBSTONE_SUFFIX = '.deleted';
const TEMPORARY_SUFFIX = '.tmp';

/** The ciphertext of a waiting reply. */
export function replyFileName(replyId: string): string {
  return checked(replyId) + REPLY_SUFFIX;
}

/** The tombstone a source's delete leaves, so a second push of the reply is not stored again. */
export function tombstoneFileName(replyId: string): string {
  return checked(replyId) + TOMBSTONE_SUFFIX;
}

/** The sibling a file is written under before it is renamed into place. */
export function temporaryFileName(finalName: string): string {
  return finalName + TEMPORARY_SUFFIX;
}

function checked(replyId: string): string {
  if (!isReplyId(replyId)) throw new TypeError('invalid reply id');
  return replyId;
}

/** What a mailbox directory holds, by reply id. */
export interface MailboxListing {
  /** Ids with a `.age` file (a tombstone may also exist after a crash mid-delete). */
  readonly replies: ReadonlySet<string>;
  /** Ids with a `.deleted` tombstone. */
  readonly tombstones: ReadonlySet<string>;
  /** `.tmp` files: writes a crash or a refusal left behind. */
  readonly temporary: readonly string[];
}

/** Sorts a directory's names into replies, tombstones and temporary files. */
export function readListing(names: readonly string[]): MailboxListing {
  const replies = new Set<string>();
  const tombstones = new Set<string>();
  const temporary: string[] = [];
  for (const name of names) {
    if (name.endsWith(TEMPORARY_SUFFIX)) {
      const target = name.slice(0, -TEMPORARY_SUFFIX.length);
      if (idOf(target, REPLY_SUFFIX) !== null || idOf(target, TOMBSTONE_SUFFIX) !== null) temporary.push(name);
      continue;
    }
    const reply = idOf(name, REPLY_SUFFIX);
    if (reply !== null) replies.add(reply);
    const tombstone = idOf(name, TOMBSTONE_SUFFIX);
    if (tombstone !== null) tombstones.add(tombstone);
  }
  return { replies, tombstones, temporary };
}

function idOf(name: string, suffix: string): string | null {
  if (!name.endsWith(suffix)) return null;
  const id = name.slice(0, -suffix.length);
  return isReplyId(id) ? id : null;
}
