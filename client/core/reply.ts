/**
 * The reply payload: the plaintext an editor's `sealdrop reply` encrypts to
 * a source's reply recipient (and the newsroom's active editors).
 *
 * It is the shared payload archive (payload.ts) with `reply.json` first, so a
 * source with its words can open a reply with standard tools:
 * `age -d -i identity reply.age | tar x`. A reply carries no reply address:
 * the source answers from the page, which knows its own. See
 * docs/PROTOCOL.md ("Reply payload").
 */
import {
  checkFormat,
  describeFiles,
  layOutPayload,
  parseManifestBase,
  parseManifestObject,
  readPayload,
} from './payload.js';
import type { BuiltPayload, PayloadFileInput, PayloadFormat, PayloadManifestBase, PayloadPart } from './payload.js';
import type { TarLimits } from './tar.js';

/** `format` value of every reply.json. */
export const REPLY_FORMAT = 'sealdrop-reply';
/** The only `version` this code writes and reads. */
export const REPLY_VERSION = 1;
/** Archive path of the reply's manifest, always the first entry. */
export const REPLY_MANIFEST_PATH = 'reply.json';

/** The content of reply.json. */
export interface ReplyManifest extends PayloadManifestBase {
  /** Always `sealdrop-reply`: identifies the payload. */
  format: typeof REPLY_FORMAT;
  /** Always 1: readers refuse versions they do not know. */
  version: typeof REPLY_VERSION;
}

/** What an editor replies. */
export interface ReplyInput {
  message: string;
  files: readonly PayloadFileInput[];
}

/** One part of a reply, in archive order: the manifest, the message, then each file. */
export type ReplyPart = PayloadPart<ReplyManifest>;

/**
 * Parse and strictly validate reply.json: exact key sets, known format and
 * version, file entries as in submission.json.
 * @throws PayloadError `manifest-too-large`, `unsupported-format`, `invalid-manifest`.
 */
export function parseReplyManifest(bytes: Uint8Array): ReplyManifest {
  const value = parseManifestObject(bytes, REPLY_MANIFEST_PATH, ['format', 'version', 'message', 'files']);
  checkFormat(value, REPLY_FORMAT, [REPLY_VERSION]);
  return { format: REPLY_FORMAT, version: REPLY_VERSION, ...parseManifestBase(value, REPLY_MANIFEST_PATH) };
}

const REPLY: PayloadFormat<ReplyManifest> = { manifestPath: REPLY_MANIFEST_PATH, parse: parseReplyManifest };

/**
 * Lay out a reply: `reply.json`, `message.txt`, `files/NNN-<safe name>`, zero
 * padding to the Padmé length. Nothing is read from the files until `stream`
 * is iterated.
 * @throws PayloadError `too-many-files`, `invalid-file` (see `describeFiles`).
 */
export function buildReply(input: ReplyInput): BuiltPayload<ReplyManifest> {
  const manifest: ReplyManifest = {
    format: REPLY_FORMAT,
    version: REPLY_VERSION,
    message: 'message.txt',
    files: describeFiles(input.files),
  };
  return layOutPayload(REPLY, manifest, input.message, input.files);
}

/**
 * Read a decrypted reply from an untrusted stream: the manifest, the message,
 * then each file, with every check of `readPayload`.
 */
export function readReply(
  plaintext: AsyncIterable<Uint8Array>,
  limits: Partial<TarLimits> = {},
): AsyncGenerator<ReplyPart, void, undefined> {
  return readPayload(REPLY, plaintext, limits);
}
