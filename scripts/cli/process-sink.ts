/**
 * The process's stdout and stderr as the CLI's text sinks.
 *
 * When the reader of a pipe goes away (`sealdrop decrypt ... | head`),
 * Node's stream reports EPIPE as an unhandled 'error' event: a stack trace,
 * and the process ended in the middle of its work, with an extraction left
 * half written. Here the command runs to its end instead (what it writes to
 * disk is complete, or removed as after any failure) and only the output
 * nobody reads any more is dropped. Any other failure to write (a full disk
 * under `> log`) makes the exit status a failure and, for stdout, is
 * reported once on stderr (a failing stderr cannot report itself).
 */
import { EXIT_FAILURE, type TextSink } from './io.js';

/** What the two sinks share: whether a write failed for another reason than a closed pipe, and the exit status. */
export class ProcessOutput {
  #failed = false;
  #commandCode: number | null = null;

  /** `stream` as a sink that drops its text once its reader is gone. */
  sink(stream: NodeJS.WriteStream): TextSink {
    let open = true;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      open = false;
      if (error.code === 'EPIPE') return;
      this.#failed = true;
      this.#setExitCode();
      if (stream !== process.stderr && process.stderr.writable)
        process.stderr.write(`sealdrop: cannot write to standard output: ${error.code ?? 'error'}\n`);
    });
    return {
      write: (text) => {
        if (open) stream.write(text);
      },
      isTTY: stream.isTTY,
    };
  }

  /**
   * Set the process's exit status once the command is done: its own, or a
   * failure if its output could not be written (a write's error may come
   * after the command's end, and then changes the status still). A command
   * that failed keeps its own status (2 for usage, 130 for a cancelled prompt).
   */
  finish(commandCode: number): void {
    this.#commandCode = commandCode;
    this.#setExitCode();
  }

  #setExitCode(): void {
    if (this.#commandCode === null) return;
    process.exitCode = this.#failed && this.#commandCode === 0 ? EXIT_FAILURE : this.#commandCode;
  }
}
