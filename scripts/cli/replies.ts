/**
 * `sealdrop replies`: what became of the replies sent to a source: for each
 * mailbox, every reply the server holds, waiting to be read or deleted by
 * the source (which a source does once it has read it; the server keeps
 * a tombstone so a second push does not deliver it again). A mailbox is
 * named by a decrypted submission's folder or by its id.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { conversationLabel, isMailboxId } from '../../client/core/mailbox.js';
import { parseCommand, requiredString, type CommandSpec } from './args.js';
import { readDecryptedFolder, replyTarget, whyNoReply } from './conversation.js';
import { displaySafe, formatSize } from './display.js';
import { EDITOR_CONNECTION_OPTIONS, editorLogin } from './editor-client.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';

const SPEC: CommandSpec = {
  name: 'replies',
  summary:
    "Log in to the editor listener and list the replies in a source's mailbox: each reply's day, id, size and " +
    'whether it is waiting for the source or was deleted by it.',
  usage: '--server URL --access-key FILE [--passphrase-file FILE] FOLDER|MAILBOX...',
  options: {
    ...EDITOR_CONNECTION_OPTIONS,
  },
  positionals: true,
  details:
    'FOLDER is a submission folder made by sealdrop decrypt; MAILBOX is a mailbox id (32 hex digits, the first half\n' +
    'of a reply file name). A reply id is the second half of its outbox file name.',
};

/** The mailbox a command-line argument names: a folder if one is there, else a mailbox id. */
async function mailboxOf(argument: string, io: CliIo): Promise<string> {
  const folder = path.resolve(io.cwd, argument);
  const isFolder = await stat(folder).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    if (isMailboxId(argument)) return argument;
    throw new CliError(
      `${displaySafe(argument)} is neither a submission folder nor a mailbox id (32 hex digits)`,
      undefined,
      SPEC.name,
    );
  }
  const target = replyTarget((await readDecryptedFolder(folder)).manifest);
  if (target.kind !== 'mailbox') {
    throw new CliError(`${displaySafe(argument)} has no mailbox: ${whyNoReply(target)!}`, undefined, SPEC.name);
  }
  return target.mailbox;
}

/** `sealdrop replies`. */
export async function repliesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  // Checked before any file is read; editorLogin reads them again.
  requiredString(parsed, 'server', SPEC.name);
  requiredString(parsed, 'access-key', SPEC.name);
  if (parsed.positionals.length === 0)
    throw new UsageError('give a submission folder or mailbox id (see --help)', SPEC.name);
  const mailboxes: string[] = [];
  for (const argument of parsed.positionals) mailboxes.push(await mailboxOf(argument, io));
  const client = await editorLogin(parsed, io, SPEC.name);
  for (const [index, mailbox] of mailboxes.entries()) {
    const replies = await client.listReplies(mailbox);
    const waiting = replies.filter((reply) => reply.state === 'waiting').length;
    const lines = [
      `${displaySafe(parsed.positionals[index]!)}: conversation ${conversationLabel(mailbox)}, ` +
        `${replies.length} reply(ies), ${waiting} waiting, ${replies.length - waiting} deleted by the source`,
      ...replies.map((reply) =>
        reply.state === 'waiting'
          ? `  ${reply.day}  ${reply.id}  waiting (arrived that day, ${formatSize(reply.size)})`
          : `  ${reply.day}  ${reply.id}  deleted by the source that day`,
      ),
    ];
    io.stdout.write(lines.join('\n') + '\n');
  }
  return EXIT_OK;
}
