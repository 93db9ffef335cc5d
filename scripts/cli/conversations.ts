/**
 * `sealdrop conversations DIR...`: the decrypted submissions under each DIR
 * (the folders `sealdrop decrypt --out DIR` made), grouped by conversation:
 * a source's follow-ups carry the mailbox of its first submission, so they
 * share its label. Offline; reads only submission.json and the start of
 * message.txt of each folder. Everything shown from a submission is made
 * display-safe: a stranger wrote it.
 */
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MESSAGE_PATH } from '../../client/core/submission.js';
import { parseCommand, type CommandSpec } from './args.js';
import { readDecryptedFolder, replyTarget, type DecryptedFolder } from './conversation.js';
import { displaySafe, formatSize, messagePreview } from './display.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';

const SPEC: CommandSpec = {
  name: 'conversations',
  summary:
    'List the decrypted submissions under each DIR (folders made by sealdrop decrypt --out DIR) grouped by ' +
    "conversation: a source's follow-ups share the label of its first submission. Offline.",
  usage: 'DIR...',
  options: {},
  positionals: true,
  details:
    'Each line: the day the server received the submission (kept by pull and decrypt), the folder to give ' +
    'sealdrop reply, its size and the first line of its message. Submissions that cannot be answered are listed last.',
};

/** How much of message.txt is read for the preview line. */
const PREVIEW_BYTES = 4096;
const PREVIEW_WIDTH = 72;

export interface Listed extends DecryptedFolder {
  /** The folder as the person typed it, joined with the submission's name: what to give `reply`. */
  readonly shown: string;
  readonly preview: string;
}

async function messageStart(folder: string): Promise<string> {
  let handle;
  try {
    handle = await open(path.join(folder, MESSAGE_PATH), 'r');
  } catch {
    return '(no message.txt)';
  }
  try {
    const buffer = Buffer.alloc(PREVIEW_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, PREVIEW_BYTES, 0);
    // Cut mid-character at the preview limit: a replacement character is fine there.
    return messagePreview(buffer.subarray(0, bytesRead).toString('utf8'), 1, PREVIEW_WIDTH)[0] ?? '(empty message)';
  } finally {
    await handle.close();
  }
}

/** The submission folders directly under `dir`; others are reported on stderr and left out. */
async function listFolders(dir: string, shownDir: string, io: CliIo): Promise<Listed[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (code ?? 'cannot read');
    throw new CliError(`${dir}: ${why}`, undefined, SPEC.name);
  }
  const out: Listed[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const folder = path.join(dir, entry.name);
    try {
      const read = await readDecryptedFolder(folder);
      out.push({ ...read, shown: path.join(shownDir, entry.name), preview: await messageStart(folder) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.stderr.write(`skipped: ${displaySafe(error.message)}\n`);
    }
  }
  return out;
}

function line(item: Listed): string {
  const { files } = item.manifest;
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const attached = files.length === 0 ? 'no files' : `${files.length} file(s), ${formatSize(bytes)}`;
  return `  ${item.day}  ${displaySafe(item.shown, 120)}  (${attached})  ${item.preview}`;
}

function byDayThenFolder(a: Listed, b: Listed): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0;
}

/** The listing: conversations by the day they began, then the submissions nobody can answer. */
export function formatConversations(items: readonly Listed[]): string {
  const conversations = new Map<string, Listed[]>();
  const noReply: Listed[] = [];
  const noMailbox: Listed[] = [];
  for (const item of items) {
    const target = replyTarget(item.manifest);
    if (target.kind === 'none') noReply.push(item);
    else if (target.kind === 'no-mailbox') noMailbox.push(item);
    else conversations.set(target.label, [...(conversations.get(target.label) ?? []), item]);
  }
  const groups = [...conversations.entries()].map(([label, members]) => ({
    label,
    members: members.sort(byDayThenFolder),
  }));
  groups.sort((a, b) => byDayThenFolder(a.members[0]!, b.members[0]!) || (a.label < b.label ? -1 : 1));
  const lines: string[] = [];
  for (const { label, members } of groups) {
    const first = members[0]!.day;
    const last = members[members.length - 1]!.day;
    const span = first === last ? first : `${first} to ${last}`;
    lines.push(`conversation ${label}: ${members.length} submission(s), ${span}`, ...members.map(line));
  }
  if (noMailbox.length > 0) {
    lines.push(
      `cannot be answered, sent before reply mailboxes: ${noMailbox.length} submission(s)`,
      ...noMailbox.sort(byDayThenFolder).map(line),
    );
  }
  if (noReply.length > 0) {
    lines.push(`no reply wanted: ${noReply.length} submission(s)`, ...noReply.sort(byDayThenFolder).map(line));
  }
  if (lines.length === 0) lines.push('no decrypted submissions');
  return lines.join('\n') + '\n';
}

/** `sealdrop conversations`. */
export async function conversationsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  if (parsed.positionals.length === 0)
    throw new UsageError('give the folder decrypt wrote into (see --help)', SPEC.name);
  const items: Listed[] = [];
  for (const dir of parsed.positionals) items.push(...(await listFolders(path.resolve(io.cwd, dir), dir, io)));
  io.stdout.write(formatConversations(items));
  return EXIT_OK;
}
