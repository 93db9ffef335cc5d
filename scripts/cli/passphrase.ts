/**
 * Passphrases: typed on the terminal without echo, or read from a file for
 * automation (`--passphrase-file`). Never taken from arguments or the
 * environment, where other users (ps, /proc) and shell history would see them,
 * and never written to any log.
 */
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type tty from 'node:tty';
import { MAX_PASSPHRASE_BYTES } from '../../client/core/minisign-secret-key.js';
import { warnIfExposed } from './file-exposure.js';
import { CliError, EXIT_CANCELLED, type CliIo, type PassphraseRequest, type PassphraseSource } from './io.js';
/** A passphrase file is a line, not a document. */
const MAX_PASSPHRASE_FILE_BYTES = 4096;

/**
 * Check a passphrase that will protect a new key, by minisign's rules: at
 * most {@link MAX_PASSPHRASE_BYTES} of UTF-8, no NUL, CR or LF.
 * @throws CliError if it is empty, too long, or contains NUL, CR or LF.
 */
export function checkNewPassphrase(passphrase: string): string {
  if (passphrase === '') throw new CliError('empty passphrase');
  if (/[\0\r\n]/.test(passphrase)) throw new CliError('passphrase contains a line break or NUL');
  if (Buffer.byteLength(passphrase, 'utf8') > MAX_PASSPHRASE_BYTES)
    throw new CliError(`passphrase longer than ${MAX_PASSPHRASE_BYTES} bytes`);
  return passphrase;
}

/**
 * Read a passphrase file: its first line, without the line end. The same
 * passphrase answers every prompt of the command.
 * @throws CliError if the file cannot be read, is too large or is empty.
 */
export async function readPassphraseFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliError(
      `cannot read passphrase file ${path.basename(file)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if (bytes.length > MAX_PASSPHRASE_FILE_BYTES) throw new CliError('passphrase file too large');
  const text = bytes.toString('utf8');
  bytes.fill(0);
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (line === '') throw new CliError('passphrase file is empty');
  return line;
}

/**
 * The passphrase source a command uses: the file if one was named (read once,
 * with a warning on stderr if other users can read it), else the io's (terminal).
 */
export function passphraseSource(io: CliIo, passphraseFile: string | undefined): PassphraseSource {
  if (passphraseFile === undefined) return io.passphrase;
  const file = path.resolve(io.cwd, passphraseFile);
  let cached: Promise<string> | undefined;
  return () =>
    (cached ??= (async () => {
      await warnIfExposed(file, 'passphrase file', io.stderr);
      return readPassphraseFile(file);
    })());
}

interface Terminal {
  readonly input: tty.ReadStream;
  readonly output: NodeJS.WritableStream;
  close(): void;
}

/**
 * stdin if it is a terminal, else the controlling terminal (/dev/tty), as ssh and gpg do.
 * node:tty (and the node:net under it) loads only here: every command's start-up
 * pays for what this module imports, and most never ask for a passphrase.
 */
async function openTerminal(): Promise<Terminal> {
  if (process.stdin.isTTY) return { input: process.stdin, output: process.stderr, close: () => undefined };
  const { ReadStream, WriteStream } = await import('node:tty');
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw new CliError('no terminal to ask for a passphrase: use --passphrase-file');
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      output.destroy();
      try {
        closeSync(fd);
      } catch {
        // Already closed by the streams.
      }
    },
  };
}

/**
 * Read one line in raw mode, echoing nothing. Ctrl-C or Ctrl-D cancels.
 * `leftover` carries what was typed after the line end (typed ahead, or
 * pasted in one piece) to the next prompt.
 */
function readHidden(terminal: Terminal, prompt: string, leftover: { text: string }): Promise<string> {
  const { input, output } = terminal;
  // Echo off before the prompt appears, so nothing typed in reply is ever echoed.
  input.setRawMode(true);
  output.write(`${prompt}: `);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: CliError | null): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error === null) resolve(typed);
      else reject(error);
    };
    /** @returns true once the line is finished (or cancelled). */
    const consume = (text: string): boolean => {
      const chars = Array.from(text);
      for (let i = 0; i < chars.length; i++) {
        const char = chars[i]!;
        if (char === '\r' || char === '\n') {
          // A CRLF pair ends one line, not two.
          const next = char === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1;
          leftover.text = chars.slice(next).join('');
          finish(null);
          return true;
        }
        if (char === '\u0003' || (char === '\u0004' && typed === '')) {
          finish(new CliError('cancelled', EXIT_CANCELLED));
          return true;
        }
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else if (char === '\u0015') typed = '';
        else if (char >= ' ') typed += char;
      }
      return false;
    };
    const onData = (data: Buffer): void => {
      consume(data.toString('utf8'));
    };
    const pending = leftover.text;
    leftover.text = '';
    if (consume(pending)) return;
    input.on('data', onData);
    input.resume();
  });
}

/**
 * Ask on the terminal without echo (twice if `confirm`).
 * @throws CliError if there is no terminal, the person cancels, or the two entries differ.
 */
export const terminalPassphrase: PassphraseSource = async (request: PassphraseRequest) => {
  const terminal = await openTerminal();
  try {
    const leftover = { text: '' };
    const first = await readHidden(terminal, request.prompt, leftover);
    if (request.confirm === true) {
      const second = await readHidden(terminal, `${request.prompt} (again)`, leftover);
      if (second !== first) throw new CliError('passphrases do not match');
    }
    return first;
  } finally {
    terminal.close();
  }
};
