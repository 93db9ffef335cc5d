/**
 * `sealdrop pull`: download new submissions from the editor listener into a
 * folder, resumably. Each download goes to `<id>.age.part` (continued with an
 * HTTP Range request if a previous run was interrupted); once complete it is
 * verified (exact listed size, then the core's keyless envelope check, the
 * server's own: a well-formed header of X25519 stanzas, a payload length
 * STREAM framing can produce), flushed to disk, stamped with the day the
 * server received it (00:00 UTC) and linked to `<id>.age` (the folder fsynced). Then, and only
 * then, the server is told this editor has the submission (the record that
 * lets a delete go ahead once every active editor has theirs).
 * With `--delete`, a submission is deleted on the server only if every active
 * editor has downloaded it; the others are kept, and each line says for whom.
 * The files stay ciphertext: carry them to the offline machine and run
 * `sealdrop decrypt` there.
 */
import { link, mkdir, open, stat, truncate, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EnvelopeError } from '../../client/core/envelope-check.js';
import { checkEnvelopeFile } from '../../client/core-node/envelope-file.js';
import { flag, parseCommand, requiredString, type CommandSpec } from './args.js';
import { displaySafe, formatSize } from './display.js';
import {
  EDITOR_CONNECTION_OPTIONS,
  EditorApiError,
  editorLogin,
  type EditorClient,
  type RemoteSubmission,
} from './editor-client.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type CliIo } from './io.js';
import { Progress } from './progress.js';

const SPEC: CommandSpec = {
  name: 'pull',
  summary:
    'Log in to the editor listener with your access key and download new submissions (ciphertext) into --out, ' +
    'resuming interrupted downloads and verifying each, and tell the server you have them. With --delete, ' +
    'submissions every active editor has downloaded are deleted on the server.',
  usage: '--server URL --access-key FILE --out DIR [--delete] [--passphrase-file FILE]',
  options: {
    ...EDITOR_CONNECTION_OPTIONS,
    out: { type: 'string', value: 'DIR', description: 'folder for <id>.age files (created if missing)' },
    delete: {
      type: 'boolean',
      description: 'delete on the server what every active editor has downloaded (the rest is kept, and said why)',
    },
  },
  details:
    'Prints one line per submission on the server: id, day, size, what happened, who of the active editors has\n' +
    'downloaded it, and the day from which the server deletes it (retention). To delete a submission that not\n' +
    'everyone has, use `sealdrop delete --even-if-not-pulled-by-all ID`.',
};

const PART_SUFFIX = '.part';

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Check a downloaded file's envelope by the core's keyless rules, the
 * server's own (client/core/envelope-check.ts): the header parses within its
 * limits, its stanzas are all X25519 or all mlkem768x25519 stanzas, and the
 * payload length is valid STREAM framing. Neither the number of recipients nor
 * their kind is checked: both were the manifest's when the file was uploaded,
 * and a newsroom may have rotated or moved to hybrid keys since.
 * @throws CliError if not.
 */
export async function verifyEnvelope(file: string, size: number): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await checkEnvelopeFile(handle, size);
  } catch (error) {
    if (error instanceof EnvelopeError) throw new CliError(`not a valid age file (${error.message})`);
    throw error;
  } finally {
    await handle.close();
  }
}

function contentRangeStart(response: Response, size: number): number | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (match === null || Number(match[3]) !== size || Number(match[2]) !== size - 1) return null;
  return Number(match[1]);
}

/** fsync a folder, so names linked into it survive a crash. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Download one submission into `<id>.age.part`, continuing what is there. */
async function download(client: EditorClient, item: RemoteSubmission, part: string, progress: Progress): Promise<void> {
  let offset = (await sizeOf(part)) ?? 0;
  if (offset > item.size) {
    await truncate(part, 0);
    offset = 0;
  }
  progress.advance(offset);
  if (offset === item.size) return;
  const response = await client.download(item.id, offset);
  if (response.status === 200) {
    // Whole file (first attempt, or a server that ignored the range): start over.
    progress.advance(-offset);
    offset = 0;
  } else if (contentRangeStart(response, item.size) !== offset) {
    throw new CliError(`${item.id}: the server answered a different range`);
  }
  const handle = await open(part, offset === 0 ? 'w' : 'a', 0o600);
  try {
    if (response.body === null) throw new CliError(`${item.id}: empty answer`);
    for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)) {
      const bytes = chunk as Buffer;
      offset += bytes.length;
      if (offset > item.size) throw new CliError(`${item.id}: the server sent more than the listed size`);
      await handle.write(bytes);
      progress.advance(bytes.length);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (offset !== item.size)
    throw new CliError(`${item.id}: download incomplete (${offset} of ${item.size} bytes); run pull again to resume`);
}

/**
 * Delete a submission every active editor has downloaded. The server decides
 * again: if an editor was added since the listing, it refuses, and the
 * submission is kept.
 * @returns whether it was deleted.
 * @throws EditorApiError for other refusals; CliError.
 */
async function removeIfAllHaveIt(client: EditorClient, id: string): Promise<boolean> {
  try {
    await client.remove(id);
    return true;
  } catch (error) {
    if (error instanceof EditorApiError && error.code === 'NOT_PULLED_BY_ALL') return false;
    throw error;
  }
}

/** Editor names as the server sent them, made safe to show, comma-separated. */
export function editorNames(list: readonly string[]): string {
  return list.map((name) => displaySafe(name, 64)).join(', ');
}

/**
 * One submission's line: `<id>  <day>  <size>  <action>; downloaded by A, B; not yet by C; expires <day>`.
 * Names come from the server's manifest and are shown through {@link displaySafe}.
 */
export function describeSubmission(item: RemoteSubmission, action: string): string {
  return (
    `${item.id}  ${item.day}  ${formatSize(item.size)}  ${action}` +
    `; downloaded by ${item.downloadedBy.length > 0 ? editorNames(item.downloadedBy) : 'nobody yet'}` +
    (item.notDownloadedBy.length > 0
      ? `; not yet by ${editorNames(item.notDownloadedBy)}`
      : '; by every active editor') +
    `; expires ${item.expires}`
  );
}

/** `sealdrop pull`. */
export async function pullCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  const outDir = path.resolve(io.cwd, requiredString(parsed, 'out', SPEC.name));
  const deleteAfter = flag(parsed, 'delete');
  const client = await editorLogin(parsed, io, SPEC.name);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const listed = await client.list();

  // Already complete locally: not downloaded again, but verified, confirmed, and with --delete maybe deleted.
  const plan: { item: RemoteSubmission; final: string; have: boolean }[] = [];
  for (const item of listed) {
    const final = path.join(outDir, `${item.id}.age`);
    const have = await sizeOf(final);
    plan.push({ item, final, have: have !== null });
    if (have !== null && have !== item.size) {
      throw new CliError(`${final} exists with a different size than on the server; move it away and pull again`);
    }
  }
  const todo = plan.filter((entry) => !entry.have);
  const total = todo.reduce((sum, entry) => sum + entry.item.size, 0);
  io.stderr.write(
    `logged in as ${client.editorName}; ${listed.length} submission(s) on the server, ${todo.length} new (${formatSize(total)})\n`,
  );
  const progress = new Progress(io.stderr, 'pull', total);
  let failed = 0;
  let pulled = 0;
  let deleted = 0;
  let kept = 0;
  const lines: string[] = [];
  for (const { item, final, have } of plan) {
    const part = final + PART_SUFFIX;
    try {
      if (!have) {
        await download(client, item, part, progress);
        await verifyEnvelope(part, item.size);
        // The day the server received it, as the server stamps its own copy:
        // `decrypt` carries it over and `conversations` orders by it.
        const day = new Date(`${item.day}T00:00:00Z`);
        await utimes(part, day, day);
        // link + unlink rather than rename: never replaces a file that appeared meanwhile.
        await link(part, final);
        await unlink(part);
        // The new name must survive a crash before the server hears we have it (and may delete its copy).
        await syncDirectory(outDir);
        pulled += 1;
      } else {
        await verifyEnvelope(final, item.size);
      }
      // Only a verified copy on this disk counts as downloaded.
      const current = item.downloadedBy.includes(client.editorName) ? item : await client.confirmDownloaded(item.id);
      let action = have ? 'already here' : 'new';
      if (deleteAfter) {
        if (current.notDownloadedBy.length === 0 && (await removeIfAllHaveIt(client, item.id))) {
          deleted += 1;
          action += ', deleted on the server';
        } else {
          kept += 1;
          action += ', kept on the server';
        }
      }
      lines.push(describeSubmission(current, action));
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failed += 1;
      io.stderr.write(`error: ${item.id}: ${error.message}\n`);
    }
  }
  if (total > 0) progress.finish();
  for (const line of lines) io.stdout.write(`${line}\n`);
  io.stdout.write(
    `pulled ${pulled} new submission(s) into ${outDir}` +
      (plan.length - todo.length > 0 ? `, ${plan.length - todo.length} already here` : '') +
      (deleteAfter ? `, ${deleted} deleted on the server` : '') +
      (kept > 0 ? `, ${kept} kept (not yet downloaded by every active editor)` : '') +
      `${failed > 0 ? `, ${failed} failed` : ''}\n`,
  );
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}
