/**
 * The core's keyless envelope check (client/core/envelope-check.ts) on a file
 * on disk: reads only the bytes the check needs from the start of an open
 * file. The server runs it when an upload is finalized and `sealdrop pull`
 * on each download, so both read, and judge, a file the same way.
 */
import type { FileHandle } from 'node:fs/promises';
import {
  checkEnvelopeWithoutKey,
  envelopePrefixLength,
  type Envelope,
  type EnvelopeOptions,
} from '../core/envelope-check.js';

/**
 * Check the envelope of the `fileSize`-byte file open as `handle`.
 * @param expectedRecipients - as {@link checkEnvelopeWithoutKey}.
 * @param options - as {@link checkEnvelopeWithoutKey}: the stanza type, and whether the first is a reply's source stanza.
 * @throws EnvelopeError as {@link checkEnvelopeWithoutKey} (`need-more-bytes`
 *   if the file is shorter than `fileSize` and ends inside the header).
 * @throws RangeError on invalid arguments; whatever reading the file throws.
 */
export async function checkEnvelopeFile(
  handle: FileHandle,
  fileSize: number,
  expectedRecipients?: number,
  options?: EnvelopeOptions,
): Promise<Envelope> {
  const length = envelopePrefixLength(fileSize);
  const prefix = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(prefix, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return checkEnvelopeWithoutKey(prefix.subarray(0, filled), fileSize, expectedRecipients, options);
}
