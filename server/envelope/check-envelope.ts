/**
 * The server's shell around the core's keyless envelope check, run when an
 * upload is finalized and when an editor pushes a reply: the header is well formed and within limits, it
 * carries exactly one X25519 stanza per active editor key of the current
 * manifest (and, for a reply, one for the source) and nothing else, and the payload length is one STREAM framing can
 * produce. The rules are the core's (client/core/envelope-check.ts); this
 * module only maps their codes to the registry's. The MAC and the payload
 * need the file key, so they are checked offline.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ApiErrorCode } from '../../client/core/api-errors.js';
import { EnvelopeError, type EnvelopeErrorCode } from '../../client/core/envelope-check.js';
import { checkEnvelopeFile } from '../../client/core-node/envelope-file.js';
import { ApiError } from '../errors.js';

/** The answer for each way an envelope fails the core's check. */
const API_CODES: Record<EnvelopeErrorCode, ApiErrorCode> = {
  'invalid-header': 'INVALID_HEADER',
  'header-too-large': 'HEADER_TOO_LARGE',
  'wrong-recipients': 'WRONG_RECIPIENTS',
  'invalid-payload-length': 'INVALID_PAYLOAD_LENGTH',
  // The stored file is shorter than its recorded size and ends inside the header.
  'need-more-bytes': 'INVALID_HEADER',
};

/**
 * Checks the envelope of the `size`-byte file open as `handle` by the core's
 * keyless rules (client/core/envelope-check.ts), against the number of active
 * editor keys.
 * @throws ApiError INVALID_HEADER, HEADER_TOO_LARGE, WRONG_RECIPIENTS or INVALID_PAYLOAD_LENGTH.
 */
export async function checkEnvelope(handle: FileHandle, size: number, activeEditorKeys: number): Promise<void> {
  try {
    await checkEnvelopeFile(handle, size, activeEditorKeys);
  } catch (error) {
    if (error instanceof EnvelopeError) throw new ApiError(API_CODES[error.code]);
    throw error;
  }
}

/**
 * Checks a pushed reply like a submission ({@link checkEnvelope}), with one
 * stanza more: a reply is encrypted to the source's reply recipient as well
 * as to every active editor, so the newsroom can read its own replies later.
 * @throws ApiError as {@link checkEnvelope}.
 */
export async function checkReplyEnvelope(handle: FileHandle, size: number, activeEditorKeys: number): Promise<void> {
  await checkEnvelope(handle, size, activeEditorKeys + 1);
}
