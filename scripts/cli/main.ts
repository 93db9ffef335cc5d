/**
 * The `sealdrop` command dispatcher: finds the command, runs it, and turns
 * every failure into one line on stderr and an exit status. No stack traces:
 * the people using this are editors, not developers, and a trace could carry
 * paths or values they did not mean to paste into a chat.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSodium } from '../../client/core/sodium.js';
import { installNativeHashes } from '../../client/core-node/native-hashes.js';
import { installNativeSodium } from '../../client/core-node/native-sodium.js';
import { CliError, cliErrorLine, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

/** A command's entry: arguments after its name, the shell around it, the exit status. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

interface Entry {
  readonly run: Command;
  readonly summary: string;
  /**
   * Runs on node:crypto's stand-ins for libsodium (client/core-node/native-sodium.ts)
   * instead of loading libsodium first: its WebAssembly costs about half of
   * Node's own start-up again (docs/BENCHMARKS.md, "Offline decryption"). What needs
   * more (a hybrid identity's KEM) loads libsodium itself when it comes to it.
   * HMAC and HKDF then come from node:crypto too (client/core-node/native-hashes.ts).
   */
  readonly native?: true;
}

/**
 * A command whose module loads on first use: start-up is part of every
 * command's time, and `sealdrop decrypt` on an offline machine need not
 * compile the network and manifest code.
 */
function lazy<Name extends string>(load: () => Promise<Record<Name, Command>>, name: Name): Command {
  return async (argv, io) => (await load())[name](argv, io);
}

const root = (): Promise<typeof import('./root.js')> => import('./root.js');
const manifest = (): Promise<typeof import('./manifest-commands.js')> => import('./manifest-commands.js');
const signing = (): Promise<typeof import('./manifest-signing.js')> => import('./manifest-signing.js');

/** Every command by its full name (one or two words). */
export const COMMANDS: Readonly<Record<string, Entry>> = {
  'root init': { run: lazy(root, 'rootInit'), summary: 'create the newsroom root signing key (admin, offline)' },
  'root fingerprint': { run: lazy(root, 'rootFingerprintCommand'), summary: "print a root public key's fingerprint" },
  'editor keygen': {
    run: lazy(() => import('./editor.js'), 'editorKeygen'),
    summary: "create an editor's identity, access key and public file",
  },
  'manifest add': { run: lazy(manifest, 'manifestAdd'), summary: 'add editors to the key manifest' },
  'manifest retire': { run: lazy(manifest, 'manifestRetire'), summary: 'retire editors in the key manifest' },
  'manifest rotate': { run: lazy(manifest, 'manifestRotate'), summary: "replace an editor's keys in the key manifest" },
  'manifest sign': {
    run: lazy(signing, 'manifestSign'),
    summary: 'sign the key manifest with the root key (admin, offline)',
  },
  'manifest verify': {
    run: lazy(signing, 'manifestVerify'),
    summary: 'verify a signed manifest: signature, expiry, version',
  },
  'manifest show': { run: lazy(signing, 'manifestShow'), summary: 'print a key manifest' },
  publish: {
    run: lazy(() => import('./publish.js'), 'publishCommand'),
    summary: 'upload a signed manifest to the server',
  },
  pull: {
    run: lazy(() => import('./pull.js'), 'pullCommand'),
    summary: 'download new submissions (ciphertext) from the server',
  },
  delete: {
    run: lazy(() => import('./delete.js'), 'deleteCommand'),
    summary: 'delete submissions on the server (only what every active editor has downloaded, unless forced)',
  },
  decrypt: {
    run: lazy(() => import('./decrypt.js'), 'decryptCommand'),
    summary: 'decrypt and safely extract submissions (offline)',
    native: true,
  },
  conversations: {
    run: lazy(() => import('./conversations.js'), 'conversationsCommand'),
    summary: 'list decrypted submissions grouped by conversation (offline)',
  },
  reply: {
    run: lazy(() => import('./reply.js'), 'replyCommand'),
    summary: 'write an encrypted reply to a submission into an outbox (offline)',
  },
  push: {
    run: lazy(() => import('./push.js'), 'pushCommand'),
    summary: "deliver an outbox's replies to the sources' mailboxes",
  },
  replies: {
    run: lazy(() => import('./replies.js'), 'repliesCommand'),
    summary: "list a source's mailbox: replies waiting or deleted by the source",
  },
  status: {
    run: lazy(() => import('./status.js'), 'statusCommand'),
    summary: "show the server's state: waiting submissions and replies, pulls per editor, quota, manifest expiry",
  },
  'source identity': {
    run: lazy(() => import('./source-identity.js'), 'sourceIdentityCommand'),
    summary: "print the reply identity from a source's 12 words (read from stdin), for age -d",
  },
};

/** The top-level help. */
export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return (
    'usage: sealdrop COMMAND [OPTIONS]\n\n' +
    'Sealdrop for editors and admins: keys, the signed key manifest, pulling and decrypting submissions,\n' +
    'and conversations with sources (reply, push).\n\n' +
    `commands:\n${lines.join('\n')}\n\n` +
    'Run `sealdrop COMMAND --help` for its options. Exit status: 0 success, 1 failure, 2 usage error.\n'
  );
}

/** The commands of a group (`root`, `editor`, `manifest`, `source`): the names that start with `group `. */
export function groupCommands(group: string): string[] {
  return Object.keys(COMMANDS).filter((name) => name.startsWith(`${group} `));
}

/** The help of a group: its commands and what each does. */
export function groupOverview(group: string): string {
  const names = groupCommands(group);
  const width = Math.max(...names.map((name) => name.length));
  const lines = names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]!.summary}`);
  return (
    `usage: sealdrop ${group} COMMAND [OPTIONS]\n\n` +
    `commands:\n${lines.join('\n')}\n\n` +
    `Run \`sealdrop ${group} COMMAND --help\` for its options.\n`
  );
}

/**
 * The version in the package.json this file was built from: the nearest one
 * above it named `sealdrop` (the source tree, dist/ and an installed package
 * all have it there), so it cannot disagree with what was released.
 */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const text = readFileSync(path.join(dir, 'package.json'), 'utf8');
      const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (parsed.name === 'sealdrop' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // No package.json here (or not ours): look further up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

const HELP_FLAGS = new Set(['--help', '-h']);

function find(argv: readonly string[]): { entry: Entry; rest: readonly string[] } | null {
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  if (argv.length >= 2 && COMMANDS[two] !== undefined) return { entry: COMMANDS[two], rest: argv.slice(2) };
  const one = COMMANDS[argv[0] ?? ''];
  return one === undefined ? null : { entry: one, rest: argv.slice(1) };
}

/**
 * Run the command line `argv` (without `node` and the script).
 * @returns the exit status; never throws.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    if (argv[0] === '--version') {
      io.stdout.write(`sealdrop ${packageVersion()}\n`);
      return EXIT_OK;
    }
    // `sealdrop help CMD` is `sealdrop CMD --help`.
    if (argv[0] === 'help' && argv.length > 1) return await runCli([...argv.slice(1), '--help'], io);
    if (argv.length === 0 || HELP_FLAGS.has(argv[0]!) || argv[0] === 'help') {
      io.stdout.write(overview());
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    const found = find(argv);
    if (found === null && groupCommands(argv[0]!).length > 0 && (argv.length === 1 || HELP_FLAGS.has(argv[1]!))) {
      // A group alone is asking what it holds; exit 2 unless help was asked for, like `sealdrop` alone.
      io.stdout.write(groupOverview(argv[0]!));
      return argv.length === 1 ? EXIT_USAGE : EXIT_OK;
    }
    if (found === null) {
      const group = groupCommands(argv[0] ?? '');
      const hint =
        group.length > 0 ? `: use one of ${group.map((name) => `"${name}"`).join(', ')}` : ' (see sealdrop --help)';
      io.stderr.write(
        `sealdrop: unknown command "${(argv[0] ?? '').slice(0, 40)}${argv[1] !== undefined && group.length > 0 ? ` ${argv[1].slice(0, 40)}` : ''}"${hint}\n`,
      );
      return EXIT_USAGE;
    }
    if (found.entry.native === true) {
      installNativeSodium();
      installNativeHashes();
    } else {
      await loadSodium();
    }
    return await found.entry.run(found.rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`${cliErrorLine(error)}\n`);
      return error.exitCode;
    }
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`sealdrop: unexpected ${name}: ${message.split('\n')[0]!}\n`);
    return EXIT_FAILURE;
  }
}
