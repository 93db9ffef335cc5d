/**
 * What every command receives from the shell around it: where to write, how
 * to ask for a passphrase, and the clock. Commands never touch `process`
 * directly, so tests run them in-process with captured output and scripted
 * passphrases, and the entry point wires the real terminal.
 */

/** A place to write text: stdout or stderr. */
export interface TextSink {
  write(text: string): void;
  /** True when a person is watching (a terminal): progress may redraw one line. */
  readonly isTTY: boolean;
}

/** How a passphrase is asked for. */
export interface PassphraseRequest {
  /** Shown to the person, e.g. `passphrase for editor.age`. */
  readonly prompt: string;
  /** Ask twice and require both to match (when a new secret is being protected). */
  readonly confirm?: boolean;
}

/**
 * Supplies passphrases: the terminal (no echo) or a `--passphrase-file`.
 * @throws CliError if none can be obtained (no terminal, cancelled).
 */
export type PassphraseSource = (request: PassphraseRequest) => Promise<string>;

/** Where a command may read piped input from: standard input. */
export interface InputSource {
  /** True when a person is typing (a terminal), not a pipe or file. */
  readonly isTTY: boolean;
  /** The bytes, read once, to the end. */
  read(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Used unless the command line names a `--passphrase-file`. */
  readonly passphrase: PassphraseSource;
  /** Standard input: words piped to `source identity`, a message piped to `reply --message-file -`. */
  readonly stdin: InputSource;
  /** The environment a command may consult: `VISUAL` and `EDITOR` for `reply`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** Working directory that relative paths resolve against. */
  readonly cwd: string;
}

/**
 * A failure to report as one line on stderr, with a non-zero exit status:
 * `sealdrop <command>: <message>` when it names the command, else
 * `sealdrop: <message>`.
 */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  /** The command the failure belongs to (`decrypt`, `manifest add`), if the line should name it. */
  readonly command: string | undefined;

  constructor(message: string, exitCode: number = EXIT_FAILURE, command?: string) {
    super(message);
    this.exitCode = exitCode;
    this.command = command;
  }
}

/** The command line itself is wrong (unknown option, missing argument). */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string, command?: string) {
    super(message, EXIT_USAGE, command);
  }
}

/** The one line a {@link CliError} is reported as. */
export function cliErrorLine(error: CliError): string {
  return error.command === undefined ? `sealdrop: ${error.message}` : `sealdrop ${error.command}: ${error.message}`;
}

/** Everything worked. */
export const EXIT_OK = 0;
/** Something failed: bad input, wrong passphrase, refused submission, server error. */
export const EXIT_FAILURE = 1;
/** The command line could not be understood. */
export const EXIT_USAGE = 2;
/** The person cancelled a prompt (Ctrl-C), as shells report SIGINT. */
export const EXIT_CANCELLED = 130;
