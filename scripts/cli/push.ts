/**
 * `sealdrop push`: deliver the replies in outbox folders (written offline by
 * `sealdrop reply`) to their mailboxes on the editor listener. Each file's
 * name, `<mailbox>-<reply>.age`, is its address; its bytes stream from disk
 * with a declared length. Delivery is idempotent: the server stores a reply
 * id once, and a reply it already holds (or that the source has read and
 * deleted) is not sent again, so an interrupted push is finished by running
 * it again. The outbox files are left in place: they are ciphertext, and the
 * listing (`sealdrop replies`) says what became of them.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseCommand, requiredString, type CommandSpec } from './args.js';
import { conversationLabel } from '../../client/core/mailbox.js';
import { displaySafe, formatSize } from './display.js';
import { EDITOR_CONNECTION_OPTIONS, EditorApiError, editorLogin, type RemoteReply } from './editor-client.js';
import { readFileChunks } from './file-chunks.js';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './io.js';
import { parseReplyFileName, REPLY_FILE_SHAPE, type ReplyAddress } from './outbox.js';
import { Progress } from './progress.js';

const SPEC: CommandSpec = {
  name: 'push',
  summary:
    'Log in to the editor listener with your access key and deliver every reply file (<mailbox>-<reply>.age, ' +
    'written by sealdrop reply) in each OUTBOX to its mailbox. Pushing again sends nothing twice.',
  usage: '--server URL --access-key FILE [--passphrase-file FILE] OUTBOX...',
  options: {
    ...EDITOR_CONNECTION_OPTIONS,
  },
  positionals: true,
  details:
    'OUTBOX is a folder (every reply file in it) or one reply file. Each file is reported as delivered, already\n' +
    "delivered (waiting for the source, or read and deleted by it) or refused with the server's reason; the exit\n" +
    'status is 1 if any was refused or failed. Other files are reported and skipped. The files are kept.',
};

interface ReplyFile extends ReplyAddress {
  readonly file: string;
  readonly size: number;
}

/** The reply files among the inputs, in name order; anything else is reported on stderr. */
async function collectReplyFiles(
  inputs: readonly string[],
  io: CliIo,
): Promise<{ files: ReplyFile[]; skipped: number }> {
  const files: ReplyFile[] = [];
  let skipped = 0;
  const skip = (file: string, why: string): void => {
    skipped += 1;
    io.stderr.write(`skipped: ${displaySafe(file)}: ${why}\n`);
  };
  const consider = async (file: string): Promise<void> => {
    const address = parseReplyFileName(path.basename(file));
    if (address === null) {
      skip(file, `not a reply file (${REPLY_FILE_SHAPE})`);
      return;
    }
    const stats = await stat(file);
    if (stats.isFile()) files.push({ ...address, file, size: stats.size });
    else skip(file, 'not a regular file');
  };
  for (const input of inputs) {
    let stats;
    try {
      stats = await stat(input);
    } catch (error) {
      throw new CliError(
        `${input}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : 'cannot read'}`,
        undefined,
        SPEC.name,
      );
    }
    if (!stats.isDirectory()) {
      await consider(input);
      continue;
    }
    for (const name of (await readdir(input)).sort()) await consider(path.join(input, name));
  }
  return { files, skipped };
}

async function* counted(source: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    progress.advance(chunk.length);
    yield chunk;
  }
}

function stateText(reply: RemoteReply): string {
  return reply.state === 'waiting' ? 'waiting for the source' : 'read and deleted by the source';
}

/** `sealdrop push`. */
export async function pushCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  // Checked before any file is read; editorLogin reads them again.
  requiredString(parsed, 'server', SPEC.name);
  requiredString(parsed, 'access-key', SPEC.name);
  if (parsed.positionals.length === 0)
    throw new UsageError('give the outbox folder(s) to push (see --help)', SPEC.name);
  const { files, skipped } = await collectReplyFiles(
    parsed.positionals.map((input) => path.resolve(io.cwd, input)),
    io,
  );
  if (files.length === 0) throw new CliError('no reply files to push', undefined, SPEC.name);
  const client = await editorLogin(parsed, io, SPEC.name);

  // What each mailbox already holds: a reply delivered before is not sent again.
  const held = new Map<string, RemoteReply[]>();
  for (const mailbox of new Set(files.map((file) => file.mailbox)))
    held.set(mailbox, await client.listReplies(mailbox));
  const heldBefore = (file: ReplyFile): RemoteReply | undefined =>
    held
      .get(file.mailbox)!
      .find((reply) => reply.id === file.reply && (reply.state === 'deleted' || reply.size === file.size));
  const todo = files.filter((file) => heldBefore(file) === undefined);
  const total = todo.reduce((sum, file) => sum + file.size, 0);
  io.stderr.write(
    `logged in as ${client.editorName}; ${files.length} reply file(s), ${todo.length} to send (${formatSize(total)})\n`,
  );
  const progress = new Progress(io.stderr, 'push', total);
  const counts = { delivered: 0, already: 0, refused: 0, failed: 0 };
  for (const item of files) {
    const where = `${item.file} (conversation ${conversationLabel(item.mailbox)}, ${formatSize(item.size)})`;
    const before = heldBefore(item);
    if (before !== undefined) {
      counts.already += 1;
      io.stdout.write(`already delivered: ${where}: ${stateText(before)}\n`);
      continue;
    }
    try {
      const chunks = counted(readFileChunks(item.file), progress);
      const { outcome, reply } = await client.putReply(item.mailbox, item.reply, chunks, item.size);
      counts[outcome] += 1;
      io.stdout.write(
        outcome === 'delivered' ? `delivered: ${where}\n` : `already delivered: ${where}: ${stateText(reply)}\n`,
      );
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      const refused = error instanceof EditorApiError;
      counts[refused ? 'refused' : 'failed'] += 1;
      io.stderr.write(`${refused ? 'refused' : 'failed'}: ${where}: ${error.message}\n`);
    }
  }
  if (total > 0) progress.finish();
  const problems = counts.refused + counts.failed;
  io.stdout.write(
    `pushed ${counts.delivered} new reply(ies), ${counts.already} already delivered` +
      (counts.refused > 0 ? `, ${counts.refused} refused` : '') +
      (counts.failed > 0 ? `, ${counts.failed} failed (run push again)` : '') +
      (skipped > 0 ? `, ${skipped} other file(s) skipped` : '') +
      '\n',
  );
  return problems > 0 ? EXIT_FAILURE : EXIT_OK;
}
