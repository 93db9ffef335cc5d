/**
 * What a decrypted submission says about answering it, for every command of
 * the conversation workflow (decrypt, conversations, reply, replies): whether
 * the source wants replies, where they go (the reply recipient and mailbox
 * id from submission.json), and the conversation label editors group a
 * source's submissions by. A folder is one that `sealdrop decrypt` made.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { conversationLabel } from '../../client/core/mailbox.js';
import {
  MANIFEST_PATH,
  MAX_MANIFEST_SIZE,
  parseSubmissionManifest,
  SubmissionError,
  type SubmissionManifest,
} from '../../client/core/submission.js';
import { readSmallFile } from './files.js';
import { CliError } from './io.js';

/** Where a reply to a submission can go, if anywhere. */
export type ReplyTarget =
  /** The source asked for no reply. */
  | { readonly kind: 'none' }
  /** Sent from a page older than conversations: a reply recipient but no mailbox to deliver to. */
  | { readonly kind: 'no-mailbox'; readonly recipient: string }
  /** Can be answered: encrypt to `recipient`, deliver to `mailbox`. */
  | { readonly kind: 'mailbox'; readonly recipient: string; readonly mailbox: string; readonly label: string };

/** Where replies to this submission go, read from its manifest. */
export function replyTarget(manifest: SubmissionManifest): ReplyTarget {
  const { reply } = manifest;
  if (reply === null) return { kind: 'none' };
  if (reply.mailbox === undefined) return { kind: 'no-mailbox', recipient: reply.recipient };
  return {
    kind: 'mailbox',
    recipient: reply.recipient,
    mailbox: reply.mailbox,
    label: conversationLabel(reply.mailbox),
  };
}

/** Why a submission cannot be answered, as a sentence; null if it can. */
export function whyNoReply(target: ReplyTarget): string | null {
  switch (target.kind) {
    case 'none':
      return 'the source asked for no reply';
    case 'no-mailbox':
      return 'it was sent from a page older than reply mailboxes: it names a reply key but no mailbox to deliver to';
    case 'mailbox':
      return null;
  }
}

/** A submission folder as `decrypt` left it. */
export interface DecryptedFolder {
  readonly folder: string;
  readonly manifest: SubmissionManifest;
  /**
   * UTC day (`YYYY-MM-DD`) of submission.json's modification time: `pull`
   * stamps each file with the day the server received it and `decrypt`
   * carries that stamp over; a copy that did not keep file times shows the
   * day it was decrypted.
   */
  readonly day: string;
}

/**
 * Read a folder's submission.json, strictly, with the core's parser.
 * @throws CliError if the folder has none or it is not a valid submission manifest.
 */
export async function readDecryptedFolder(folder: string): Promise<DecryptedFolder> {
  const file = path.join(folder, MANIFEST_PATH);
  let stats;
  try {
    stats = await lstat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new CliError(`${folder} has no ${MANIFEST_PATH}: give a folder that sealdrop decrypt made`);
    }
    throw new CliError(`${file}: ${code ?? 'i/o error'}`);
  }
  if (!stats.isFile()) throw new CliError(`${file} is not a regular file`);
  let manifest: SubmissionManifest;
  try {
    manifest = parseSubmissionManifest(await readSmallFile(file, MAX_MANIFEST_SIZE));
  } catch (error) {
    if (error instanceof SubmissionError) throw new CliError(`${file}: not a sealdrop submission (${error.message})`);
    throw error;
  }
  return { folder, manifest, day: stats.mtime.toISOString().slice(0, 10) };
}
