/**
 * The `sealdrop` command dispatcher: finds the command, runs it, and turns
 * every failure into one line on stderr and an exit status. No stack traces:
 * the people using this are editors, not developers, and a trace could carry
 * paths or values they did not mean to paste into a chat.
 */
import { loadSodium } from '../../client/core/sodium.js';
import { CliError, cliErrorLine, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

/** A command's entry: arguments after its name, the shell around it, the exit status. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

interface Entry {
  readonly run: Command;
  readonly summary: string;
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
  decrypt: {
    run: lazy(() => import('./decrypt.js'), 'decryptCommand'),
    summary: 'decrypt and safely extract submissions (offline)',
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
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout.write(overview());
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    const found = find(argv);
    if (found === null) {
      const group = Object.keys(COMMANDS).filter((name) => name.startsWith(`${argv[0] ?? ''} `));
      const hint =
        group.length > 0 ? `: use one of ${group.map((name) => `"${name}"`).join(', ')}` : ' (see sealdrop --help)';
      io.stderr.write(
        `sealdrop: unknown command "${(argv[0] ?? '').slice(0, 40)}${argv[1] !== undefined && group.length > 0 ? ` ${argv[1].slice(0, 40)}` : ''}"${hint}\n`,
      );
      return EXIT_USAGE;
    }
    await loadSodium();
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
