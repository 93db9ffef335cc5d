/**
 * The submission payload: the plaintext a source's browser encrypts with age.
 *
 * It is the shared payload archive (payload.ts) with `submission.json` first:
 * the message, the attached files and, if the source wants replies, where
 * editors send them. `age -d -i key sub.age | tar x` recovers everything with
 * standard tools. See docs/PROTOCOL.md ("Submission payload").
 */
import { isMailboxId } from './mailbox.js';
import {
  checkFormat,
  describeFiles,
  layOutPayload,
  parseManifestBase,
  parseManifestObject,
  PayloadError,
  readPayload,
} from './payload.js';
import type {
  BuiltPayload,
  PayloadFile,
  PayloadFileInput,
  PayloadFormat,
  PayloadManifestBase,
  PayloadPart,
} from './payload.js';
import type { TarLimits } from './tar.js';
import { recipientKind } from './recipients.js';
import { exactKeys, isRecord } from './json-shape.js';

export {
  DEFAULT_FILE_TYPE,
  MAX_FILE_NAME_LENGTH,
  MAX_MANIFEST_SIZE,
  MESSAGE_PATH,
  PayloadError as SubmissionError,
  MAX_PAYLOAD_FILES as MAX_SUBMISSION_FILES,
} from './payload.js';
export type {
  PayloadErrorCode as SubmissionErrorCode,
  PayloadFile as SubmissionFile,
  PayloadFileInput as SubmissionFileInput,
} from './payload.js';

/** `format` value of every submission.json. */
export const SUBMISSION_FORMAT = 'sealdrop-submission';
/** The only `version` this code writes and reads. */
export const SUBMISSION_VERSION = 1;
/** Archive path of the manifest, always the first entry. */
export const MANIFEST_PATH = 'submission.json';

/**
 * Where editors send replies: the source's age recipient (X25519 or hybrid) and the id
 * of its reply mailbox, both derived from its 12 words. Submissions from
 * pages older than conversations carry the recipient alone; they cannot be
 * answered (there is no mailbox to deliver to), but they stay readable.
 */
export interface SubmissionReply {
  recipient: string;
  mailbox?: string;
}

/** The content of submission.json. */
export interface SubmissionManifest extends PayloadManifestBase {
  /** Always `sealdrop-submission`: identifies the payload. */
  format: typeof SUBMISSION_FORMAT;
  /** Always 1: readers refuse versions they do not know. */
  version: typeof SUBMISSION_VERSION;
  /** Where replies go, or null if the source wants none. */
  reply: SubmissionReply | null;
}

/** What the source submits. */
export interface SubmissionInput {
  message: string;
  files: readonly PayloadFileInput[];
  /** The source's reply recipient (`age1...` or `age1pq1...`) and mailbox id, if replies are wanted. */
  reply?: { recipient: string; mailbox: string } | undefined;
}

/** A submission ready to encrypt. */
export type BuiltSubmission = BuiltPayload<SubmissionManifest>;

/** One part of a submission, in archive order: the manifest, the message, then each file. */
export type SubmissionPart = PayloadPart<SubmissionManifest>;

function parseReply(reply: unknown): SubmissionReply | null {
  if (reply === null) return null;
  const invalid = (what: string): PayloadError =>
    new PayloadError('invalid-manifest', `invalid ${what} in ${MANIFEST_PATH}`);
  if (!isRecord(reply) || !(exactKeys(reply, ['recipient', 'mailbox']) || exactKeys(reply, ['recipient'])))
    throw invalid('reply');
  const { recipient, mailbox } = reply;
  if (typeof recipient !== 'string' || recipientKind(recipient) === null) throw invalid('reply recipient');
  if (!Object.hasOwn(reply, 'mailbox')) return { recipient };
  if (!isMailboxId(mailbox)) throw invalid('reply mailbox');
  return { recipient, mailbox };
}

/**
 * Parse and strictly validate submission.json: exact key sets, known format
 * and version, sizes as safe integers up to 8 GiB - 1, file paths of the
 * shape the writer produces, in order, a lowercase `age1` or `age1pq1` recipient and a
 * mailbox id of 32 lowercase hex digits.
 *
 * @throws SubmissionError `manifest-too-large` over {@link MAX_MANIFEST_SIZE},
 * `unsupported-format` for another format or version, `invalid-manifest` for
 * anything else, including invalid UTF-8 or JSON.
 */
export function parseSubmissionManifest(bytes: Uint8Array): SubmissionManifest {
  const value = parseManifestObject(bytes, MANIFEST_PATH, ['format', 'version', 'message', 'files', 'reply']);
  checkFormat(value, SUBMISSION_FORMAT, [SUBMISSION_VERSION]);
  const base = parseManifestBase(value, MANIFEST_PATH);
  return { format: SUBMISSION_FORMAT, version: SUBMISSION_VERSION, ...base, reply: parseReply(value.reply) };
}

const SUBMISSION: PayloadFormat<SubmissionManifest> = { manifestPath: MANIFEST_PATH, parse: parseSubmissionManifest };

/**
 * Lay out a submission: `submission.json`, `message.txt` (UTF-8), then each
 * file as `files/NNN-<safe name>`, then zero padding to the Padmé length of
 * the archive. Nothing is read from the files until `stream` is iterated.
 *
 * @throws SubmissionError `too-many-files` if there are too many files,
 * `invalid-file` if a size is not an integer from 0 to 8 GiB - 1 or a name is
 * longer than 1024 code units or not well-formed, `invalid-reply-recipient` if
 * the reply recipient is not a lowercase `age1` X25519 or `age1pq1` hybrid recipient or the
 * mailbox not a mailbox id.
 * @throws TarError (while streaming) if a file's data is not exactly its size.
 */
export function buildSubmission(input: SubmissionInput): BuiltSubmission {
  const { reply } = input;
  if (reply !== undefined && (recipientKind(reply.recipient) === null || !isMailboxId(reply.mailbox)))
    throw new PayloadError('invalid-reply-recipient', 'invalid reply recipient or mailbox');
  const files: PayloadFile[] = describeFiles(input.files);
  const manifest: SubmissionManifest = {
    format: SUBMISSION_FORMAT,
    version: SUBMISSION_VERSION,
    message: 'message.txt',
    files,
    reply: reply === undefined ? null : { recipient: reply.recipient, mailbox: reply.mailbox },
  };
  return layOutPayload(SUBMISSION, manifest, input.message, input.files);
}

/**
 * Read a decrypted submission (the padded archive) from an untrusted stream:
 * yields the manifest, then the message, then each file, checking that the
 * archive holds exactly the entries the manifest lists (see `readPayload`).
 */
export function readSubmission(
  plaintext: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<SubmissionPart, void, undefined> {
  return readPayload(SUBMISSION, plaintext, limits);
}
