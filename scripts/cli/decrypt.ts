/**
 * `sealdrop decrypt`: offline, streaming decryption of submissions with any
 * of the given identities, each extracted safely into a fresh folder.
 *
 * Pipeline per input, in bounded memory whatever its size:
 *   file -> age decrypt (Node's native ChaCha20-Poly1305; on worker threads
 *   for large inputs on machines with 3 or more cores: decryptWorkers) -> readSubmission
 *   (hostile-input-safe ustar reader, cross-checked with submission.json)
 *   -> SubmissionFolder (fresh folder, exclusive creates, no links).
 * A failing submission (wrong keys, tampering, truncation, hostile archive)
 * is reported, its partial output removed, and the next input processed; the
 * exit status is non-zero if any failed.
 */
import { mkdir, readdir, stat, utimes } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { decrypt, type Identity } from '../../client/core/age.js';
import { CodedError } from '../../client/core/coded-error.js';
import {
  AgeError,
  AgeHeaderError,
  AgeKeyError,
  AgeMacError,
  AgePayloadError,
  NoIdentityMatchError,
} from '../../client/core/errors.js';
import { openIdentityFile, type FileIdentity } from '../../client/core/identity-file.js';
import { encodePayloadManifest } from '../../client/core/payload.js';
import {
  MANIFEST_PATH,
  MESSAGE_PATH,
  readSubmission,
  SubmissionError,
  type SubmissionManifest,
} from '../../client/core/submission.js';
import { TarError } from '../../client/core/tar-header.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { parallelPayloadOpener, PayloadWorkers } from '../../client/core-node/parallel-stream.js';
import { parseCommand, requiredString, stringList, type CommandSpec } from './args.js';
import { replyTarget, whyNoReply } from './conversation.js';
import { displaySafe, formatSize, messagePreview } from './display.js';
import { SubmissionFolder, createFreshDirectory } from './extract.js';
import { warnIfExposed } from './file-exposure.js';
import { readFileChunks } from './file-chunks.js';
import { MAX_KEY_FILE_BYTES, readSmallFile } from './files.js';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, type CliIo, type PassphraseSource } from './io.js';
import { IDENTITY_FILE_SUFFIX, PUBLIC_FILE_SUFFIX, readEditorPublicFile } from './key-files.js';
import { passphraseSource } from './passphrase.js';
import { Progress } from './progress.js';

const SPEC: CommandSpec = {
  name: 'decrypt',
  summary:
    'Decrypt submissions with any of the given identities and extract each into its own new folder under --out. ' +
    'Never overwrites anything; a submission that fails (wrong key, tampering, truncation, hostile archive) is ' +
    'reported and its partial output removed.',
  usage: '--identity FILE [--identity FILE...] [--passphrase-file FILE...] --out DIR INPUT...',
  options: {
    identity: {
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: 'age identity file, passphrase-sealed or plain (age-keygen); old keys too',
    },
    out: { type: 'string', value: 'DIR', description: 'folder to extract into (created if missing)' },
    'passphrase-file': {
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: 'passphrase for sealed identity files (instead of the terminal): one for all, or one per --identity',
    },
  },
  positionals: true,
  details:
    'INPUT is a submission file (.age) or a folder, whose *.age files are all decrypted.\n' +
    'Without --passphrase-file, each sealed identity file asks for its own passphrase (3 tries).',
};

/** Inputs at least this large show progress. */
export const PROGRESS_THRESHOLD_BYTES = 8 * 1024 * 1024;
/**
 * Read buffers reused in turn (see file-chunks.ts). Safe for the age
 * decryptor with pieces of at least one sealed chunk: it opens (or copies)
 * each chunk before reading the next, so it holds at most two pieces.
 */
export const FILE_READ_RING = 4;
/**
 * Inputs at least this large are opened on {@link DECRYPT_WORKERS} worker
 * threads (if any) while this thread reads, checks the archive and writes;
 * smaller ones on this thread alone: starting a worker costs about
 * 0.07 s of CPU, which a smaller input does not win back (measured: see
 * docs/BENCHMARKS.md, "Offline decryption").
 */
export const PARALLEL_THRESHOLD_BYTES = 64 * 1024 * 1024;
/**
 * Worker threads opening the payload of a large input, for a machine with
 * `cores` cores: two cores are left to this thread (archive checks, writes)
 * and libuv's pool (the kernel's read and write copies), the rest, at most
 * two, open chunks. On 2 cores that is none: measured per thread for
 * 512 MiB on a quiet machine (docs/BENCHMARKS.md), one thread took 1.31 s
 * (0.73 s on this thread beside 0.58 s on the pool), one worker 1.53 s and
 * two 1.45 s: moving the cipher to a worker adds messages and copies (1.64 s
 * of CPU instead of 1.31) and no core is free to absorb them. Machines with
 * more cores were not measured.
 */
export function decryptWorkers(cores: number): number {
  return Math.max(0, Math.min(2, cores - 2));
}
/** {@link decryptWorkers} for this machine. */
export const DECRYPT_WORKERS = decryptWorkers(availableParallelism());
/**
 * Plaintext pieces (about 1 MiB each) pulled before a piece's buffer is
 * reused (see parallel-stream.ts). What holds pieces here: the tar reader
 * (the piece being read), SubmissionFolder.writeFile (a batch of at least
 * 1 MiB being gathered and one being written: at most four pieces); the
 * preview keeps copies. Twice that, for a margin.
 */
export const PLAINTEXT_REUSE_AFTER = 10;
/** How much of the message is kept for the summary preview. */
const PREVIEW_BYTES = 4096;

/** Tries at a passphrase typed on the terminal; a passphrase file gets one. */
export const TERMINAL_PASSPHRASE_ATTEMPTS = 3;

/** An identity and where it came from, for "which key opened it". */
export interface LabelledIdentity {
  readonly identity: FileIdentity;
  /** e.g. `alice-identity.age (age1...)`. */
  readonly label: string;
}

/** An identity file to open and how to get its passphrase if it is sealed. */
export interface IdentityFileSource {
  readonly file: string;
  readonly passphrase: PassphraseSource;
  /** How many passphrases to try before giving up: {@link TERMINAL_PASSPHRASE_ATTEMPTS} on a terminal, else 1. */
  readonly attempts: number;
}

/**
 * The recipient of a sealed identity file, readable without its passphrase
 * from the public file `editor keygen` wrote beside it (`NAME-identity.age`
 * and `NAME.pub.json`), so a prompt can say which key it is asking for.
 * @returns null if there is no such file or it is not a valid public file.
 */
async function recipientBeside(file: string): Promise<string | null> {
  const base = path.basename(file);
  if (!base.endsWith(IDENTITY_FILE_SUFFIX)) return null;
  const pub = path.join(path.dirname(file), `${base.slice(0, -IDENTITY_FILE_SUFFIX.length)}${PUBLIC_FILE_SUFFIX}`);
  try {
    return (await readEditorPublicFile(pub)).recipient;
  } catch {
    return null;
  }
}

async function openOne(source: IdentityFileSource, io: CliIo): Promise<{ identities: FileIdentity[]; label: string }> {
  const { file } = source;
  await warnIfExposed(file, 'identity file', io.stderr);
  const bytes = await readSmallFile(file, MAX_KEY_FILE_BYTES);
  for (let attempt = 1; ; attempt++) {
    try {
      const identities = await openIdentityFile(
        bytes,
        async () => {
          const recipient = await recipientBeside(file);
          const shown = recipient === null ? path.basename(file) : `${path.basename(file)} (${recipient})`;
          return source.passphrase({ prompt: `passphrase for ${shown}` });
        },
        nodeScrypt,
      );
      return { identities, label: path.basename(file) };
    } catch (error) {
      if (error instanceof NoIdentityMatchError) {
        if (attempt < source.attempts) {
          io.stderr.write(`wrong passphrase for ${path.basename(file)}, try again\n`);
          continue;
        }
        throw new CliError(`${file}: wrong passphrase`);
      }
      if (error instanceof AgeError) throw new CliError(`${file}: ${error.message}`);
      throw error;
    }
  }
}

/**
 * Open every identity file, asking for a passphrase only for sealed ones.
 * Warns (stderr) about identity files other users can read. Requires
 * libsodium loaded, or node:crypto's stand-ins (client/core-node/native-sodium.ts):
 * a hybrid identity file then loads libsodium itself.
 * @throws CliError naming the file that cannot be opened (after the last
 *   attempt at its passphrase); the identities opened so far are wiped.
 */
export async function openIdentities(sources: readonly IdentityFileSource[], io: CliIo): Promise<LabelledIdentity[]> {
  const out: LabelledIdentity[] = [];
  try {
    for (const source of sources) {
      const { identities, label } = await openOne(source, io);
      for (const identity of identities) out.push({ identity, label: `${label} (${identity.recipient().format()})` });
    }
    return out;
  } catch (error) {
    for (const { identity } of out) identity.wipe();
    throw error;
  }
}

/**
 * Pair identity files with passphrase sources: none given, the terminal for
 * each (with retries); one, that passphrase for all; else one per identity,
 * in order.
 * @throws UsageError if the counts match none of these.
 */
export function identitySources(
  identityFiles: readonly string[],
  passphraseFiles: readonly string[],
  io: CliIo,
): IdentityFileSource[] {
  if (passphraseFiles.length > 1 && passphraseFiles.length !== identityFiles.length) {
    throw new UsageError(
      `${passphraseFiles.length} --passphrase-file for ${identityFiles.length} --identity: ` +
        'give one for all, or one per --identity in the same order',
      SPEC.name,
    );
  }
  if (passphraseFiles.length === 0) {
    return identityFiles.map((file) => ({ file, passphrase: io.passphrase, attempts: TERMINAL_PASSPHRASE_ATTEMPTS }));
  }
  const shared = passphraseFiles.length === 1 ? passphraseSource(io, passphraseFiles[0]) : null;
  return identityFiles.map((file, index) => ({
    file,
    passphrase: shared ?? passphraseSource(io, passphraseFiles[index]),
    attempts: 1,
  }));
}

/** What a decrypted submission held, for the summary. */
export interface SubmissionSummary {
  readonly input: string;
  readonly folder: string;
  readonly openedWith: string;
  readonly manifest: SubmissionManifest;
  readonly messageSize: number;
  readonly preview: string[];
}

async function expandInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(input)).isDirectory();
    } catch {
      out.push(input); // reported per input, like any other unreadable one
      continue;
    }
    if (!isDirectory) {
      out.push(input);
      continue;
    }
    const names = (await readdir(input)).filter((name) => name.endsWith('.age') && !name.startsWith('.')).sort();
    out.push(...names.map((name) => path.join(input, name)));
  }
  return out;
}

function folderName(input: string): string {
  const base = path.basename(input).replace(/\.age$/, '');
  return base === '' || base === '.' || base === '..' || base.startsWith('.') ? 'submission' : base;
}

/** A one-line reason for a failed submission. */
export function describeFailure(error: unknown): string {
  if (error instanceof NoIdentityMatchError) return 'not encrypted to any of the given identities';
  if (error instanceof AgeMacError) return 'header authentication failed: the file was altered';
  if (error instanceof AgePayloadError) return `ciphertext tampered with or truncated (${error.message})`;
  if (error instanceof AgeKeyError || error instanceof AgeHeaderError) return `not a valid age file (${error.message})`;
  if (error instanceof TarError) return `refused archive (${error.message})`;
  if (error instanceof SubmissionError) return `not a valid sealdrop submission (${error.message})`;
  if (error instanceof CliError) return error.message;
  // Core errors carry codes too; only the file system's are i/o errors.
  const code = error instanceof CodedError ? undefined : (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return code === 'ENOENT' ? 'no such file' : `i/o error (${code})`;
  throw error;
}

async function* counted(
  source: AsyncIterable<Uint8Array>,
  progress: Progress | null,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    progress?.advance(chunk.length);
    yield chunk;
  }
}

async function* keepPreview(
  data: AsyncIterable<Uint8Array>,
  kept: Uint8Array[],
): AsyncGenerator<Uint8Array, void, undefined> {
  let keptBytes = 0;
  for await (const chunk of data) {
    if (keptBytes < PREVIEW_BYTES) {
      kept.push(chunk.slice(0, PREVIEW_BYTES - keptBytes));
      keptBytes += Math.min(chunk.length, PREVIEW_BYTES - keptBytes);
    }
    yield chunk;
  }
}

function previewOf(kept: Uint8Array[]): string[] {
  // Cut mid-character at the preview limit: a replacement character is fine there.
  return messagePreview(Buffer.concat(kept).toString('utf8'));
}

/** How {@link decryptSubmission} opens the payload. */
export interface DecryptOptions {
  /**
   * The payload's worker threads: running ones (used if the input is of
   * {@link PARALLEL_THRESHOLD_BYTES} or more), a number to start for this
   * input, or 0 for this thread alone. Default: {@link DECRYPT_WORKERS}
   * started for a large input, none for a small one.
   */
  readonly workers?: number | PayloadWorkers;
}

/** What opens an input's payload, as {@link DecryptOptions.workers} says. */
function payloadWorkers(requested: number | PayloadWorkers | undefined, large: boolean): number | PayloadWorkers {
  if (typeof requested === 'number') return requested;
  if (!large) return 0;
  return requested ?? DECRYPT_WORKERS;
}

/**
 * Decrypt and extract one submission into a fresh folder under `outDir`.
 * @throws whatever went wrong (after removing the partial folder): age,
 *   tar, submission or file-system errors; see {@link describeFailure}.
 */
export async function decryptSubmission(
  input: string,
  identities: readonly LabelledIdentity[],
  outDir: string,
  io: CliIo,
  options: DecryptOptions = {},
): Promise<SubmissionSummary> {
  const { size, mtime } = await stat(input);
  const workers = payloadWorkers(options.workers, size >= PARALLEL_THRESHOLD_BYTES);
  const progress = size >= PROGRESS_THRESHOLD_BYTES ? new Progress(io.stderr, path.basename(input), size) : null;
  let folder: SubmissionFolder | null = null;
  const chunks = readFileChunks(input, { ring: FILE_READ_RING });
  try {
    const opened = await decrypt(
      identities.map((entry) => entry.identity as Identity),
      counted(chunks, progress),
      workers !== 0
        ? { openPayload: parallelPayloadOpener({ workers, reuseAfter: PLAINTEXT_REUSE_AFTER }) }
        : { aead: nodeAead },
    );
    const openedWith = identities.find((entry) => entry.identity === opened.identity)?.label ?? 'unknown identity';
    folder = new SubmissionFolder(await createFreshDirectory(outDir, folderName(input)));
    let manifest: SubmissionManifest | null = null;
    let messageSize = 0;
    const kept: Uint8Array[] = [];
    for await (const part of readSubmission(opened.plaintext)) {
      if (part.kind === 'manifest') {
        manifest = part.manifest;
        // Re-serialized from the parsed, validated manifest, as the browser writes it.
        await folder.writeFile(MANIFEST_PATH, [encodePayloadManifest(part.manifest)]);
      } else if (part.kind === 'message') {
        messageSize = await folder.writeFile(MESSAGE_PATH, keepPreview(part.data, kept));
      } else {
        await folder.writeFile(part.file.path, part.data);
      }
    }
    if (manifest === null) throw new SubmissionError('missing-entry', 'missing submission.json in submission');
    // The input's day (pull stamps it with the day the server received it) is
    // what `sealdrop conversations` orders a conversation by.
    await utimes(path.join(folder.root, MANIFEST_PATH), mtime, mtime);
    progress?.finish();
    return { input, folder: folder.root, openedWith, manifest, messageSize, preview: previewOf(kept) };
  } catch (error) {
    progress?.finish('failed');
    if (folder !== null) await folder.remove();
    throw error;
  } finally {
    // Closes the file on every path ourselves: a reader that stops early
    // (a file for other keys, a refused archive) is not relied on to pass
    // the close down, and an unclosed handle is closed by the garbage
    // collector with a warning (DEP0137).
    await chunks.return();
  }
}

/** The summary block printed on stdout for one submission. */
export function formatSummary(summary: SubmissionSummary): string {
  const { manifest } = summary;
  const total = manifest.files.reduce((sum, file) => sum + file.size, 0);
  const lines = [`${summary.input} -> ${summary.folder}`, `  opened with: ${summary.openedWith}`];
  if (summary.preview.length === 0) {
    lines.push(`  message: (empty, ${formatSize(summary.messageSize)})`);
  } else {
    lines.push(`  message (${formatSize(summary.messageSize)}): ${summary.preview[0]!}`);
    for (const line of summary.preview.slice(1)) lines.push(`           ${line}`);
  }
  const target = replyTarget(manifest);
  if (target.kind === 'mailbox') {
    lines.push(`  conversation: ${target.label}`);
    lines.push(`  reply: possible, to ${target.recipient} (sealdrop reply ${summary.folder} ...)`);
  } else {
    lines.push(`  reply: not possible: ${whyNoReply(target)!}`);
  }
  lines.push(`  files: ${manifest.files.length}, ${formatSize(total)}`);
  for (const file of manifest.files) {
    lines.push(`    ${file.path}  ${formatSize(file.size)}  "${displaySafe(file.name, 80)}"  ${file.type}`);
  }
  return lines.join('\n') + '\n';
}

/** `sealdrop decrypt`. */
export async function decryptCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  const identityFiles = stringList(parsed, 'identity').map((file) => path.resolve(io.cwd, file));
  if (identityFiles.length === 0) throw new UsageError('at least one --identity is required (see --help)', 'decrypt');
  const outDir = path.resolve(io.cwd, requiredString(parsed, 'out', SPEC.name));
  if (parsed.positionals.length === 0) throw new UsageError('no input files (see --help)', 'decrypt');
  const inputs = await expandInputs(parsed.positionals.map((input) => path.resolve(io.cwd, input)));
  if (inputs.length === 0) throw new CliError('no .age files in the given folders');

  // Started before the identity files are opened (a sealed one costs an
  // scrypt run), so that the workers have booted by the first payload.
  const sizes = await Promise.all(
    inputs.map((input) =>
      stat(input).then(
        (stats) => stats.size,
        () => 0,
      ),
    ),
  );
  const parallel = DECRYPT_WORKERS > 0 && sizes.some((size) => size >= PARALLEL_THRESHOLD_BYTES);
  const workers = parallel ? new PayloadWorkers(DECRYPT_WORKERS) : null;
  let identities: LabelledIdentity[];
  try {
    identities = await openIdentities(identitySources(identityFiles, stringList(parsed, 'passphrase-file'), io), io);
  } catch (error) {
    await workers?.close();
    throw error;
  }
  try {
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    let failed = 0;
    for (const input of inputs) {
      try {
        io.stdout.write(
          formatSummary(await decryptSubmission(input, identities, outDir, io, { workers: workers ?? 0 })),
        );
      } catch (error) {
        failed += 1;
        io.stderr.write(`error: ${input}: ${describeFailure(error)}; nothing kept\n`);
      }
    }
    const done = inputs.length - failed;
    io.stdout.write(`decrypted ${done} of ${inputs.length} submission(s)${failed > 0 ? `, ${failed} failed` : ''}\n`);
    return failed > 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    for (const { identity } of identities) identity.wipe();
    await workers?.close();
  }
}
