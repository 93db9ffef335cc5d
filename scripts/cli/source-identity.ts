/**
 * `sealdrop source identity`: the reply identity from a source's 12 words
 * (docs/PROTOCOL.md "Keys" §3), as an age identity file, so that
 * `age -d -i FILE reply.age | tar x` opens a reply with standard tools. For
 * the source itself, and for an editor checking a reply it wrote; the words
 * decrypt every reply to that source, so both treat the output as the words.
 *
 * A conversation's replies go to the reply recipient its submission carried:
 * the classic one (`age1...`), or the hybrid post-quantum one (`age1pq1...`)
 * when the newsroom's manifest was hybrid. `--pq` writes the hybrid identity
 * instead of the classic one; never both in one file, and classic by default,
 * because age before 1.3 (Debian 12 ships 1.1.1) refuses a whole identity
 * file that holds an `AGE-SECRET-KEY-PQ-1` line, so it would open neither.
 *
 * The words come from standard input, never the command line: arguments end
 * up in shell history and are visible to every user through `ps`. On a
 * terminal they are typed without echo, like a passphrase.
 */
import path from 'node:path';
import { conversationLabel } from '../../client/core/mailbox.js';
import {
  deriveHybridReplyIdentity,
  deriveSourceKeys,
  mnemonicToSecret,
  SourceSecretError,
} from '../../client/core/source-secret.js';
import { wipe } from '../../client/core/bytes.js';
import { flag, optionalString, parseCommand, type CommandSpec } from './args.js';
import { readStreamBounded, writeNewFile } from './files.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';

const SPEC: CommandSpec = {
  name: 'source identity',
  summary:
    'Print the reply identity (an age identity, AGE-SECRET-KEY-1..., or with --pq the hybrid AGE-SECRET-KEY-PQ-1...) ' +
    "derived from a source's 12 words, read from " +
    'standard input (typed without echo on a terminal), so that `age -d -i FILE reply.age | tar x` opens a reply.',
  usage: '[--pq] [--out FILE] < WORDS',
  options: {
    pq: {
      type: 'boolean',
      description:
        'the hybrid post-quantum reply identity (AGE-SECRET-KEY-PQ-1...) instead of the classic one, for a ' +
        'conversation whose submission carried an age1pq1... reply recipient (sent to a hybrid newsroom); it opens ' +
        'with age >= 1.3 or typage, while age 1.1 (Debian 12) refuses the whole file',
    },
    out: {
      type: 'string',
      value: 'FILE',
      description: 'write the identity file here (mode 0600, never overwritten) instead of standard output',
    },
  },
  // Accepted only to refuse them without echoing them back (see below).
  positionals: true,
  details:
    'The words are English or Korean, separated by any whitespace. The identity opens every reply to that source:\n' +
    'keep it as secret as the words, and delete the file when done. Offline; nothing is sent anywhere.\n' +
    "A reply goes to the recipient its conversation's submission carried: `sealdrop decrypt` shows it (age1... is\n" +
    'classic, age1pq1... hybrid). Classic is the default because age before 1.3 refuses an identity file that holds\n' +
    'a hybrid identity; with --pq, use age >= 1.3 (`age -d -i FILE`) or typage.',
};

/** Twelve words, however they are spelled or spaced, are far shorter than this. */
const MAX_WORDS_BYTES = 4096;

async function readWords(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) return io.passphrase({ prompt: 'the 12 words (not shown as you type)' });
  const bytes = await readStreamBounded(io.stdin.read(), MAX_WORDS_BYTES);
  if (bytes === null) throw new CliError('standard input is too long for 12 words', undefined, SPEC.name);
  try {
    return new TextDecoder().decode(bytes);
  } finally {
    wipe(bytes);
  }
}

/** The identity file: age-keygen's layout, comments first, so `age -i` reads it as it is. */
export function formatReplyIdentityFile(identity: string, recipient: string, mailboxId: string): string {
  return (
    '# sealdrop reply identity, derived from the 12 words: it opens every reply to them, keep it secret\n' +
    `# conversation: ${conversationLabel(mailboxId)}\n` +
    `# public key: ${recipient}\n` +
    `${identity}\n`
  );
}

/** `sealdrop source identity`. */
export async function sourceIdentityCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      'the words are read from standard input, never from the command line (which shell history keeps): ' +
        'run it without them and type them, or pipe them in',
      SPEC.name,
    );
  }
  const out = optionalString(parsed, 'out', SPEC.name);
  let secret: Uint8Array;
  try {
    ({ secret } = mnemonicToSecret(await readWords(io)));
  } catch (error) {
    // The core's messages name a position, never a word.
    if (error instanceof SourceSecretError) throw new CliError(error.message, undefined, SPEC.name);
    throw error;
  }
  let keys: ReturnType<typeof deriveSourceKeys>;
  let text: string;
  // Wiped however the derivation ends (a hybrid key needs libsodium, which may fail to load).
  try {
    keys = deriveSourceKeys(secret);
    wipe(keys.mailboxCapability);
    if (flag(parsed, 'pq')) {
      const hybrid = deriveHybridReplyIdentity(secret);
      try {
        text = formatReplyIdentityFile(hybrid.format(), hybrid.recipient().format(), keys.mailboxId);
      } finally {
        hybrid.wipe();
      }
    } else {
      text = formatReplyIdentityFile(keys.replyIdentity, keys.replyRecipient, keys.mailboxId);
    }
  } finally {
    wipe(secret);
  }
  if (out === undefined) {
    io.stdout.write(text);
    return EXIT_OK;
  }
  const file = path.resolve(io.cwd, out);
  await writeNewFile(file, text, 0o600);
  io.stdout.write(
    `reply identity written to ${file} (conversation ${conversationLabel(keys.mailboxId)})\n` +
      `open a reply with: age -d -i ${out} REPLY.age | tar x${flag(parsed, 'pq') ? ' (age >= 1.3)' : ''}\n`,
  );
  return EXIT_OK;
}
