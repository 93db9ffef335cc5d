/**
 * The text of a reply: from a file, from standard input (`-`), or typed in
 * the editor's `$VISUAL`/`$EDITOR` on a terminal, the way `git commit` asks
 * for a message. The editor's file is a fresh 0600 file in a private 0700
 * folder, removed afterwards whatever happens: the text is unencrypted
 * until `reply` seals it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSmallFile, readStreamBounded } from './files.js';
import { CliError, UsageError, type CliIo } from './io.js';

/** Longest reply text: a letter, not a document (send documents with --attach). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Uint8Array, where: string, command: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CliError(`${where} is not UTF-8 text`, undefined, command);
  }
}

/** Run the person's editor on `file`; resolves once it exits. */
function runEditor(editor: string, file: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Through the shell, as git does: EDITOR may carry arguments ("code --wait").
    const child = spawn('/bin/sh', ['-c', `${editor} "$@"`, editor, file], { stdio: 'inherit' });
    child.on('error', (error) => {
      reject(
        new CliError(
          `cannot start the editor: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          undefined,
          command,
        ),
      );
    });
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new CliError(`the editor exited with ${signal ?? `status ${code}`}: nothing written`, undefined, command),
        );
    });
  });
}

async function fromEditor(io: CliIo, command: string): Promise<string> {
  const editor = [io.env.VISUAL, io.env.EDITOR].find((value) => value !== undefined && value.trim() !== '') ?? 'vi';
  const folder = await mkdtemp(path.join(tmpdir(), 'sealdrop-reply-'));
  try {
    const file = path.join(folder, 'message.txt');
    await (await open(file, 'wx', 0o600)).close();
    await runEditor(editor, file, command);
    return decode(await readSmallFile(file, MAX_MESSAGE_BYTES), 'the message', command);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * The reply's text.
 * @param messageFile - `--message-file`: a file, `-` for standard input, or
 *   undefined to open the editor (only on a terminal).
 * @throws UsageError without --message-file and without a terminal;
 *   CliError if the text cannot be read, is too long or is not UTF-8.
 */
export async function readMessage(messageFile: string | undefined, io: CliIo, command: string): Promise<string> {
  if (messageFile === '-') {
    const bytes = await readStreamBounded(io.stdin.read(), MAX_MESSAGE_BYTES);
    if (bytes === null) throw new CliError(`the message is longer than ${MAX_MESSAGE_BYTES} bytes`, undefined, command);
    return decode(bytes, 'standard input', command);
  }
  if (messageFile !== undefined) {
    const file = path.resolve(io.cwd, messageFile);
    return decode(await readSmallFile(file, MAX_MESSAGE_BYTES), file, command);
  }
  if (!io.stdin.isTTY) {
    throw new UsageError(
      'give --message-file FILE, or --message-file - to read standard input (no terminal for $EDITOR)',
      command,
    );
  }
  return fromEditor(io, command);
}
