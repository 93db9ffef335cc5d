/**
 * The three functions of jest-message-util that `expect` calls to show the
 * stack of an unexpected error in a failure message, for the browser run;
 * the real module reads source files from disk to print code frames.
 */
const STACK_LINE = /^\s*at .*|^\s*\S*@\S+:\d+:\d+\s*$/;

export function separateMessageFromStack(content: string): { message: string; stack: string } {
  const lines = content.split('\n');
  const firstFrame = lines.findIndex((line) => STACK_LINE.test(line));
  if (firstFrame === -1) return { message: content, stack: '' };
  return { message: lines.slice(0, firstFrame).join('\n'), stack: lines.slice(firstFrame).join('\n') };
}

export function formatStackTrace(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `      ${line.trim()}`)
    .join('\n');
}

export function formatExecError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
