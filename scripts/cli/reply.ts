/**
 * `sealdrop reply`: answer a decrypted submission, offline. The reply (the
 * core's reply payload: reply.json, message.txt, attached files, Padmé
 * padding) is age-encrypted to the source's reply recipient, named in the
 * submission, and to every active editor of the signed key manifest,
 * verified here against the root public key, so that the newsroom can read
 * its own replies later. The source's recipient is whichever the submission
 * carries, classic (`age1...`) or hybrid (`age1pq1...`, from a page that saw
 * a hybrid manifest); the editors' are the manifest's. The result goes into an outbox folder as
 * `<mailbox>-<reply>.age`, to be carried to the online machine and delivered
 * with `sealdrop push`. Nothing here touches the network.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { encrypt } from '../../client/core/age.js';
import {
  activeRecipients,
  manifestRecipientKind,
  SIGNATURE_SUFFIX,
  type KeyManifest,
} from '../../client/core/manifest.js';
import { buildReply } from '../../client/core/reply.js';
import { SubmissionError } from '../../client/core/submission.js';
import { TarError } from '../../client/core/tar-header.js';
import { parseRecipient, recipientKind } from '../../client/core/recipients.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { optionalString, parseCommand, requiredString, stringList, type CommandSpec } from './args.js';
import { openAttachments } from './attachments.js';
import { readDecryptedFolder, replyTarget, whyNoReply } from './conversation.js';
import { PROGRESS_THRESHOLD_BYTES } from './decrypt.js';
import { formatSize } from './display.js';
import { exists } from './files.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';
import { readRootPublicKey } from './key-files.js';
import { readVerifiedManifest } from './manifest-signing.js';
import { readMessage } from './message-input.js';
import { newReplyId, replyFileName, writeOutboxFile } from './outbox.js';
import { Progress } from './progress.js';

const SPEC: CommandSpec = {
  name: 'reply',
  summary:
    'Write a reply to a decrypted submission, offline: encrypted to the source and to every active editor of the ' +
    'signed manifest (verified against the root public key), into OUTBOX as <mailbox>-<reply>.age for sealdrop push.',
  usage: 'FOLDER [--message-file FILE|-] [--attach FILE]... --manifest FILE --root-pub FILE --out OUTBOX',
  options: {
    'message-file': {
      type: 'string',
      value: 'FILE',
      description: 'the text of the reply (UTF-8); - reads standard input; without it, $EDITOR opens on a terminal',
    },
    attach: { type: 'string', multiple: true, value: 'FILE', description: 'a file to send with the reply' },
    manifest: {
      type: 'string',
      value: 'FILE',
      description: 'the signed key manifest (FILE and FILE.minisig): its active editors can read the reply too',
    },
    'root-pub': { type: 'string', value: 'FILE', description: 'root public key (root.pub), to verify the manifest' },
    out: { type: 'string', value: 'OUTBOX', description: 'outbox folder for the reply file (created if missing)' },
  },
  positionals: true,
  details:
    'FOLDER is a submission folder made by sealdrop decrypt (it holds submission.json). A submission whose source\n' +
    'wants no reply, or sent from a page older than reply mailboxes, cannot be answered. The outbox holds only\n' +
    'ciphertext: carry it to the online machine and run sealdrop push.',
};

/** Replies larger than this are refused by a server with the default limit (SEALDROP_REPLY_MAX_BYTES). */
const DEFAULT_SERVER_REPLY_LIMIT = 64 * 1024 * 1024;

async function* counted(source: AsyncIterable<Uint8Array>, progress: Progress | null): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    progress?.advance(chunk.length);
    yield chunk;
  }
}

async function verifiedManifest(file: string, rootPubFile: string, io: CliIo): Promise<KeyManifest> {
  const root = await readRootPublicKey(rootPubFile);
  if (!(await exists(file + SIGNATURE_SUFFIX))) {
    throw new CliError(
      `${file} is not signed (no ${path.basename(file)}${SIGNATURE_SUFFIX} beside it): use the manifest the admin signed`,
      undefined,
      SPEC.name,
    );
  }
  return readVerifiedManifest(file, file + SIGNATURE_SUFFIX, root, { now: io.now() });
}

/** A failure while reading attachments and encrypting, as one line. */
function describeWriteFailure(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof TarError) {
    return new CliError('an attached file changed size while it was read: nothing written', undefined, SPEC.name);
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string')
    return new CliError(`cannot write the reply (${code}): nothing written`, undefined, SPEC.name);
  throw error;
}

/** `sealdrop reply`. */
export async function replyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  if (parsed.positionals.length !== 1) {
    throw new UsageError('give exactly one submission folder (made by sealdrop decrypt)', SPEC.name);
  }
  const folder = path.resolve(io.cwd, parsed.positionals[0]!);
  const manifestFile = path.resolve(io.cwd, requiredString(parsed, 'manifest', SPEC.name));
  const rootPubFile = path.resolve(io.cwd, requiredString(parsed, 'root-pub', SPEC.name));
  const outbox = path.resolve(io.cwd, requiredString(parsed, 'out', SPEC.name));
  const messageFile = optionalString(parsed, 'message-file', SPEC.name);

  // Everything that can be refused is checked before the editor opens.
  const target = replyTarget((await readDecryptedFolder(folder)).manifest);
  if (target.kind !== 'mailbox') {
    throw new CliError(`this submission cannot be answered: ${whyNoReply(target)!}`, undefined, SPEC.name);
  }
  const manifest = await verifiedManifest(manifestFile, rootPubFile, io);
  const editors = activeRecipients(manifest);
  const attachments = await openAttachments(stringList(parsed, 'attach').map((file) => path.resolve(io.cwd, file)));
  await mkdir(outbox, { recursive: true, mode: 0o700 });

  const message = await readMessage(messageFile, io, SPEC.name);
  if (message.trim() === '' && (messageFile === undefined || attachments.length === 0)) {
    throw new CliError('empty message: nothing written', undefined, SPEC.name);
  }
  let built;
  try {
    built = buildReply({ message, files: attachments });
  } catch (error) {
    if (error instanceof SubmissionError) throw new CliError(`cannot attach: ${error.message}`, undefined, SPEC.name);
    throw error;
  }
  // The source's stanza first: the server's reply check knows it may be of the other kind (envelope-check.ts).
  const recipients = [target.recipient, ...editors].map((recipient) => parseRecipient(recipient));
  const name = replyFileName({ mailbox: target.mailbox, reply: newReplyId() });
  const progress =
    built.plaintextSize >= PROGRESS_THRESHOLD_BYTES ? new Progress(io.stderr, 'reply', built.plaintextSize) : null;
  let written: { file: string; size: number };
  try {
    written = await writeOutboxFile(
      outbox,
      name,
      encrypt(recipients, counted(built.stream, progress), { aead: nodeAead }),
    );
    progress?.finish();
  } catch (error) {
    progress?.finish('failed');
    throw describeWriteFailure(error);
  }

  // A migration reply (envelope-check.ts accepts it): the editors should know what it is worth.
  const classicSourceStanza =
    recipientKind(target.recipient) === 'x25519' && manifestRecipientKind(manifest) === 'mlkem768x25519';
  const attached = built.manifest.files.reduce((sum, file) => sum + file.size, 0);
  io.stdout.write(
    `reply written: ${written.file} (${formatSize(written.size)})\n` +
      `  conversation: ${target.label}\n` +
      `  encrypted to: the source and ${editors.length} active editor(s) of manifest version ${manifest.version}\n` +
      `  message: ${formatSize(Buffer.byteLength(message, 'utf8'))}, files: ${built.manifest.files.length}` +
      (built.manifest.files.length > 0 ? ` (${formatSize(attached)})` : '') +
      '\n' +
      (classicSourceStanza
        ? "  note: the source's stanza is classic (X25519), so this reply is only as strong as X25519: the " +
          'conversation began before the move to hybrid keys; a follow-up from the source carries its hybrid recipient\n'
        : '') +
      (written.size > DEFAULT_SERVER_REPLY_LIMIT
        ? `  note: larger than the default server limit (${formatSize(DEFAULT_SERVER_REPLY_LIMIT)}): push may refuse it\n`
        : '') +
      `next: carry ${outbox} to the online machine and run\n` +
      `  sealdrop push --server URL --access-key FILE ${outbox}\n`,
  );
  return EXIT_OK;
}
