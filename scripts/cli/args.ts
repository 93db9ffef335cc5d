/**
 * Command-line parsing for every command, over node:util `parseArgs`: one
 * declarative spec per command gives both the parser and its `--help` text,
 * so the two cannot drift apart.
 */
import { parseArgs } from 'node:util';
import { UsageError, type CliIo } from './io.js';

/** One `--option`. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** May be given several times (collected in order). */
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `FILE`. */
  readonly value?: string;
  readonly description: string;
  /** Left out of `--help` (test-only knobs); documented in docs/CLI.md. */
  readonly hidden?: boolean;
}

/** A command: its name, what it does, its options and positional arguments. */
export interface CommandSpec {
  /** Full name as typed, e.g. `manifest add`. */
  readonly name: string;
  readonly summary: string;
  /**
   * Usage line after the command name, e.g. `--out DIR INPUT...`; options it
   * leaves out are added by {@link usageLine}.
   */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether positional arguments are allowed. */
  readonly positionals?: boolean;
  /** Extra paragraphs for `--help`. */
  readonly details?: string;
}

/** Parsed options: strings, booleans or lists of strings, by option name. */
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface ParsedCommand {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
}

/** The option an argument of a usage line names (`[--out` -> `out`), or null for a value or positional. */
function optionNamed(token: string): string | null {
  const match = /^\[*--([a-z0-9-]+)/.exec(token);
  return match === null ? null : match[1]!;
}

/**
 * The usage line after the command name: the spec's `usage`, completed with
 * `[--name VALUE]` for every shown option it does not mention (options
 * shared by several commands, such as the editor listener's, are added in one
 * place and appear everywhere), placed after the last option it names, so
 * positional arguments stay at the end. The line can therefore never omit an
 * option the parser accepts.
 */
export function usageLine(spec: CommandSpec): string {
  const tokens = spec.usage.split(' ').filter((token) => token !== '');
  const named = new Set(tokens.map(optionNamed).filter((name) => name !== null));
  const missing = Object.entries(spec.options)
    .filter(([name, option]) => option.hidden !== true && !named.has(name))
    .map(([name, option]) => `[--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}]`);
  let at = 0;
  tokens.forEach((token, index) => {
    const name = optionNamed(token);
    if (name === null) return;
    // A string option's value follows it (`--out DIR`, `[--expires DATE]`).
    const takesValue = spec.options[name]?.type === 'string' && !token.endsWith(']');
    at = Math.min(tokens.length, index + (takesValue ? 2 : 1));
  });
  tokens.splice(at, 0, ...missing);
  return tokens.join(' ');
}

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`usage: sealdrop ${spec.name} ${usageLine(spec)}`.trimEnd(), '', spec.summary, ''];
  const shown = Object.entries(spec.options).filter(([, option]) => option.hidden !== true);
  const labels = shown.map(
    ([name, option]) => `--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`,
  );
  const width = Math.max(6, ...labels.map((label) => label.length));
  lines.push('options:');
  shown.forEach(([, option], index) => {
    const repeat = option.multiple === true ? ' (repeatable)' : '';
    lines.push(`  ${labels[index]!.padEnd(width)}  ${option.description}${repeat}`);
  });
  lines.push(`  ${'--help'.padEnd(width)}  show this help`);
  if (spec.details !== undefined) lines.push('', spec.details);
  return lines.join('\n') + '\n';
}

/**
 * Parse a command's arguments, or print its help.
 * @returns `null` when `--help` was asked for (the help is already written).
 * @throws UsageError for unknown options, missing option values, or
 *   positional arguments where none are allowed.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[], io: CliIo): ParsedCommand | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(helpText(spec));
    return null;
  }
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = option.multiple === true ? { type: option.type, multiple: true } : { type: option.type };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: spec.positionals === true,
      strict: true,
    });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    if (error instanceof TypeError) {
      // parseArgs' messages name the option; the trailing advice about `--` is noise here.
      const message = error.message.split('. ')[0]!.replace(/^Unknown option/, 'unknown option');
      throw new UsageError(`${message.charAt(0).toLowerCase()}${message.slice(1)} (see --help)`, spec.name);
    }
    throw error;
  }
}

/**
 * A string option that must be present.
 * @throws UsageError if it is missing or empty.
 */
export function requiredString(parsed: ParsedCommand, name: string, command: string): string {
  const value = parsed.values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required (see --help)`, command);
  return value;
}

/**
 * A string option that may be absent.
 * @throws UsageError if it is given empty.
 */
export function optionalString(parsed: ParsedCommand, name: string, command: string): string | undefined {
  const value = parsed.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`, command);
  return value;
}

/** A repeatable string option, in order (empty if absent). */
export function stringList(parsed: ParsedCommand, name: string): string[] {
  const value = parsed.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

/** A boolean flag. */
export function flag(parsed: ParsedCommand, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * A whole-number option within bounds.
 * @throws UsageError if it is not a decimal integer in `min..max`.
 */
export function integerOption(
  parsed: ParsedCommand,
  name: string,
  command: string,
  bounds: { min: number; max: number },
): number | undefined {
  const text = optionalString(parsed, name, command);
  if (text === undefined) return undefined;
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`--${name} must be a whole number from ${bounds.min} to ${bounds.max}`, command);
  }
  return value;
}
