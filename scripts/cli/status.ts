/**
 * `sealdrop status`: what an admin checks on a running server, from the
 * editor listener (`GET /api/status`, any active editor's login): submissions
 * and replies waiting, how many of the stored submissions each active editor
 * has downloaded, the storage quota, and the manifest's version and expiry,
 * with the same warning the server logs (client/core/manifest-expiry.ts).
 */
import { describeManifestExpiry } from '../../client/core/manifest-expiry.js';
import { isRecord } from '../../client/core/json-shape.js';
import { parseCommand, type CommandSpec } from './args.js';
import { displaySafe, formatSize } from './display.js';
import { EDITOR_CONNECTION_OPTIONS, editorLogin } from './editor-client.js';
import { CliError, EXIT_OK, type CliIo } from './io.js';

const SPEC: CommandSpec = {
  name: 'status',
  summary:
    "Log in to the editor listener and show the server's state: submissions and replies waiting, how many " +
    'submissions each active editor has pulled, the storage quota, and the manifest version and expiry.',
  usage: '--server URL --access-key FILE [--passphrase-file FILE] [--proxy URL]',
  options: { ...EDITOR_CONNECTION_OPTIONS },
};

/** The status answer, checked: the server is trusted with counts, not with what reaches the terminal. */
export interface ServerStatus {
  readonly submissions: {
    readonly waiting: number;
    readonly bytes: number;
    /** How many expire on each day, earliest first. */
    readonly expiring: readonly { readonly day: string; readonly count: number }[];
  };
  readonly replies: { readonly waiting: number };
  readonly editors: readonly { readonly name: string; readonly pulled: number }[];
  readonly quota: { readonly usedBytes: number; readonly limitBytes: number };
  readonly manifest: {
    readonly version: number;
    readonly expires: string;
    readonly expired: boolean;
    readonly daysLeft: number;
    readonly warning: boolean;
  };
}

function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new CliError('invalid');
  return value;
}

/**
 * Reads a status answer.
 * @throws CliError if it is not one.
 */
export function parseServerStatus(body: unknown): ServerStatus {
  try {
    if (!isRecord(body)) throw new CliError('invalid');
    const { submissions, replies, editors, quota, manifest } = body;
    if (!isRecord(submissions) || !isRecord(replies) || !isRecord(quota) || !isRecord(manifest)) {
      throw new CliError('invalid');
    }
    if (!Array.isArray(editors)) throw new CliError('invalid');
    const { version, expires, expired, daysLeft, warning } = manifest;
    if (
      typeof expires !== 'string' ||
      Number.isNaN(Date.parse(expires)) ||
      typeof expired !== 'boolean' ||
      typeof warning !== 'boolean' ||
      typeof daysLeft !== 'number' ||
      !Number.isSafeInteger(daysLeft)
    ) {
      throw new CliError('invalid');
    }
    if (!Array.isArray(submissions.expiring)) throw new CliError('invalid');
    const expiring = (submissions.expiring as unknown[]).map((entry) => {
      if (!isRecord(entry) || typeof entry.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(entry.day)) {
        throw new CliError('invalid');
      }
      return { day: entry.day, count: count(entry.count) };
    });
    return {
      submissions: { waiting: count(submissions.waiting), bytes: count(submissions.bytes), expiring },
      replies: { waiting: count(replies.waiting) },
      editors: (editors as unknown[]).map((editor) => {
        if (!isRecord(editor) || typeof editor.name !== 'string') throw new CliError('invalid');
        return { name: editor.name, pulled: count(editor.pulled) };
      }),
      quota: { usedBytes: count(quota.usedBytes), limitBytes: count(quota.limitBytes) },
      manifest: { version: count(version), expires, expired, daysLeft, warning },
    };
  } catch (error) {
    if (error instanceof CliError) throw new CliError('the server sent an invalid status answer');
    throw error;
  }
}

/** The report, as `sealdrop status` prints it (docs/CLI.md shows one). */
export function formatStatus(status: ServerStatus): string {
  const { submissions, replies, editors, quota, manifest } = status;
  const percent = quota.limitBytes === 0 ? 0 : (100 * quota.usedBytes) / quota.limitBytes;
  const lines = [
    `submissions waiting: ${submissions.waiting} (${formatSize(submissions.bytes)})`,
    ...(submissions.expiring.length === 0
      ? []
      : [`  expiring:          ${submissions.expiring.map(({ day, count: n }) => `${day} (${n})`).join(', ')}`]),
    `replies waiting:     ${replies.waiting}`,
    `storage quota:       ${formatSize(quota.usedBytes)} used of ${formatSize(quota.limitBytes)} (${percent.toFixed(1)}%)`,
    'active editors, submissions pulled:',
  ];
  const names = editors.map((editor) => displaySafe(editor.name, 64));
  const width = Math.max(0, ...names.map((name) => name.length));
  editors.forEach((editor, index) => {
    lines.push(`  ${names[index]!.padEnd(width)}  ${editor.pulled} of ${submissions.waiting}`);
  });
  const expiry = { expired: manifest.expired, daysLeft: manifest.daysLeft, warn: manifest.warning };
  const line = describeManifestExpiry(manifest.version, manifest.expires, expiry);
  lines.push(manifest.warning ? `warning: ${line}` : line);
  return lines.join('\n') + '\n';
}

/** `sealdrop status`. */
export async function statusCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  const client = await editorLogin(parsed, io, SPEC.name);
  const status = parseServerStatus(await client.status());
  io.stdout.write(formatStatus(status));
  return EXIT_OK;
}
