/**
 * The server's shell around the core's keyless envelope check, run when an
 * upload is finalized and when an editor pushes a reply: the header is well
 * formed and within limits, it carries exactly one stanza per active editor
 * key of the current manifest, each of the manifest's kind (X25519, or
 * mlkem768x25519 for a hybrid newsroom), and, for a reply, one first stanza
 * for the source, and nothing else; the payload length is one STREAM framing
 * can produce. The rules are the core's (client/core/envelope-check.ts); this
 * module only tells it what the manifest expects and maps its codes to the
 * registry's. The MAC and the payload need the file key, so they are checked offline.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ApiErrorCode } from '../../client/core/api-errors.js';
import {
  EnvelopeError,
  type EnvelopeErrorCode,
  type EnvelopeOptions,
  type EnvelopeStanzaType,
} from '../../client/core/envelope-check.js';
import { HYBRID_STANZA_TYPE } from '../../client/core/mlkem768x25519.js';
import type { RecipientKind } from '../../client/core/recipients.js';
import { X25519_STANZA_TYPE } from '../../client/core/x25519.js';
import { checkEnvelopeFile } from '../../client/core-node/envelope-file.js';
import { ApiError } from '../errors.js';

/** The stanza type a recipient of each kind wraps the file key into. */
const STANZA_TYPES: Record<RecipientKind, EnvelopeStanzaType> = {
  x25519: X25519_STANZA_TYPE,
  mlkem768x25519: HYBRID_STANZA_TYPE,
};

/** What the current manifest expects of an envelope. */
export interface ExpectedEditors {
  /** How many active editor keys it lists: one stanza each. */
  readonly count: number;
  /** Their recipients' kind, the same for all: the type of their stanzas. */
  readonly kind: RecipientKind;
}

/** The answer for each way an envelope fails the core's check. */
const API_CODES: Record<EnvelopeErrorCode, ApiErrorCode> = {
  'invalid-header': 'INVALID_HEADER',
  'header-too-large': 'HEADER_TOO_LARGE',
  'wrong-recipients': 'WRONG_RECIPIENTS',
  'invalid-payload-length': 'INVALID_PAYLOAD_LENGTH',
  // The stored file is shorter than its recorded size and ends inside the header.
  'need-more-bytes': 'INVALID_HEADER',
};

async function checkAgainst(
  handle: FileHandle,
  size: number,
  stanzas: number,
  options: EnvelopeOptions,
): Promise<void> {
  try {
    await checkEnvelopeFile(handle, size, stanzas, options);
  } catch (error) {
    if (error instanceof EnvelopeError) throw new ApiError(API_CODES[error.code]);
    throw error;
  }
}

/**
 * Checks the envelope of the `size`-byte submission open as `handle` by the
 * core's keyless rules (client/core/envelope-check.ts): one stanza per active
 * editor key, every one of their kind. A hybrid newsroom thus refuses a
 * submission sealed only classically (by a page cached from before its move
 * to hybrid keys), which a quantum adversary could open.
 * @throws ApiError INVALID_HEADER, HEADER_TOO_LARGE, WRONG_RECIPIENTS or INVALID_PAYLOAD_LENGTH.
 */
export async function checkEnvelope(handle: FileHandle, size: number, editors: ExpectedEditors): Promise<void> {
  await checkAgainst(handle, size, editors.count, { stanzaType: STANZA_TYPES[editors.kind] });
}

/**
 * Checks a pushed reply like a submission ({@link checkEnvelope}), with one
 * stanza more, first: a reply is encrypted to the source's reply recipient
 * as well as to every active editor, so the newsroom can read its own replies
 * later. The source's stanza may be of either type: it is the recipient the
 * source's submission carried, fixed when the conversation began (a classic
 * one from before a move to hybrid keys, a hybrid one from before a move
 * back), and the source's page derives both from the words. Such a reply is
 * only as strong as its classic stanzas (docs/KEYS.md).
 * @throws ApiError as {@link checkEnvelope}.
 */
export async function checkReplyEnvelope(handle: FileHandle, size: number, editors: ExpectedEditors): Promise<void> {
  await checkAgainst(handle, size, editors.count + 1, { stanzaType: STANZA_TYPES[editors.kind], sourceStanza: true });
}
