/**
 * What the server can check about an age file without any key: the header is
 * well formed and within limits, it carries exactly one X25519 stanza per
 * active editor key of the current manifest and nothing else, its MAC line is
 * there, and the payload length is one STREAM framing can produce. The MAC
 * itself and the payload need the file key, so they are checked offline.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeBase64 } from '../../client/core/base64.js';
import { AgeHeaderError, AgeHeaderIncompleteError, AgePayloadError } from '../../client/core/errors.js';
import { MAX_HEADER_BYTES, parseHeader, type Stanza } from '../../client/core/header.js';
import { plaintextSize } from '../../client/core/stream.js';
import { ApiError } from '../errors.js';

const X25519_SHARE_BYTES = 32;
const SIZE_LIMIT_MESSAGES = new Set(['header too long', 'too many stanzas']);
const WRAPPED_FILE_KEY_BYTES = 32;

function isX25519Stanza(stanza: Stanza): boolean {
  if (stanza.type !== 'X25519' || stanza.args.length !== 1 || stanza.body.length !== WRAPPED_FILE_KEY_BYTES) {
    return false;
  }
  try {
    return decodeBase64(stanza.args[0]!, false).length === X25519_SHARE_BYTES;
  } catch {
    return false;
  }
}

/**
 * Reads the header from the start of `handle` (at most {@link MAX_HEADER_BYTES})
 * and checks the envelope of a file of `size` bytes.
 * @throws ApiError INVALID_HEADER, HEADER_TOO_LARGE, WRONG_RECIPIENTS or INVALID_PAYLOAD_LENGTH.
 */
export async function checkEnvelope(handle: FileHandle, size: number, activeEditorKeys: number): Promise<void> {
  const length = Math.min(size, MAX_HEADER_BYTES);
  const prefix = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(prefix, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }

  let parsed: ReturnType<typeof parseHeader>;
  try {
    parsed = parseHeader(prefix.subarray(0, filled));
  } catch (error) {
    if (error instanceof AgeHeaderIncompleteError && size > MAX_HEADER_BYTES) throw new ApiError('HEADER_TOO_LARGE');
    if (error instanceof AgeHeaderError) {
      // The core's header errors carry no reason code; its two size-limit
      // messages are matched exactly (a mismatch only degrades to INVALID_HEADER).
      throw new ApiError(SIZE_LIMIT_MESSAGES.has(error.message) ? 'HEADER_TOO_LARGE' : 'INVALID_HEADER');
    }
    throw error;
  }

  const { stanzas } = parsed.header;
  if (stanzas.length !== activeEditorKeys || !stanzas.every(isX25519Stanza)) throw new ApiError('WRONG_RECIPIENTS');

  try {
    plaintextSize(size - parsed.headerLength);
  } catch (error) {
    if (error instanceof AgePayloadError || error instanceof RangeError) throw new ApiError('INVALID_PAYLOAD_LENGTH');
    throw error;
  }
}
