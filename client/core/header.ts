/**
 * The age v1 header: the version line, recipient stanzas, and the MAC line
 * (age-encryption.org/v1, "Header").
 *
 * The parser is strict and canonical: a header is accepted only if encoding
 * its stanzas again gives back exactly the same bytes. That removes a whole
 * class of malleability questions, and lets the server reject junk uploads
 * early. Hard limits bound the work and memory spent on hostile input.
 */
import { AEAD_TAG_SIZE } from './aead.js';
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { ByteReader } from './byte-reader.js';
import { concatBytes, constantTimeEqual, utf8, wipe } from './bytes.js';
import { AgeHeaderError, AgeHeaderIncompleteError } from './errors.js';
import { hkdfSha256, hmacSha256 } from './hkdf.js';

/** The only version line this implementation reads or writes (without its LF). */
export const VERSION_LINE = 'age-encryption.org/v1';
/** The file key: 128 bits, fresh from the CSPRNG for every file, wrapped by every stanza. */
export const FILE_KEY_SIZE = 16;
/** A stanza body that wraps the file key (X25519 and scrypt alike): the key and its Poly1305 tag. */
export const WRAPPED_FILE_KEY_SIZE = FILE_KEY_SIZE + AEAD_TAG_SIZE;
/** Any header, including its MAC line, must fit in this many bytes. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** At most this many stanzas per header (Sealdrop writes one per editor key). */
export const MAX_STANZAS = 64;
/** At most this many arguments per stanza line, counting the type. */
export const MAX_ARGUMENTS = 16;
/**
 * At most this many characters per argument: room for every native stanza
 * type, the largest being an ML-KEM-768 hybrid share (1494 characters), so
 * files that also carry such stanzas still parse and those stanzas are skipped.
 */
export const MAX_ARGUMENT_LENGTH = 2048;
/** Stanza bodies are wrapped at exactly this many base64 columns. */
export const BODY_LINE_COLUMNS = 64;
/** The header MAC is HMAC-SHA-256: 32 bytes, 43 unpadded base64 characters. */
export const MAC_SIZE = 32;

const MAC_LINE_PREFIX = '---';
const STANZA_PREFIX = '-> ';
const MAC_BASE64_LENGTH = 43;
const MAC_LINE_LENGTH = MAC_LINE_PREFIX.length + 1 + MAC_BASE64_LENGTH;
const LF = 0x0a;
const CR = 0x0d;

/** One recipient stanza: `-> type args...` followed by its base64 body. */
export interface Stanza {
  /** The first argument, naming the recipient type (`X25519`, `scrypt`, ...). */
  readonly type: string;
  /** The arguments after the type. */
  readonly args: readonly string[];
  /** The decoded body. */
  readonly body: Uint8Array;
}

/** A parsed header. */
export interface Header {
  readonly stanzas: readonly Stanza[];
  /** The 32-byte header MAC from the `---` line. */
  readonly mac: Uint8Array;
  /** The exact bytes the MAC covers: from the version line through `---`. */
  readonly macInput: Uint8Array;
}

const ascii = new TextDecoder();

function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2b || // +
    code === 0x2f // /
  );
}

function allBase64(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isBase64Char(text.charCodeAt(i))) return false;
  return true;
}

/** An argument is 1*VCHAR: printable ASCII without spaces. */
function isValidArgument(argument: string): boolean {
  if (argument.length === 0 || argument.length > MAX_ARGUMENT_LENGTH) return false;
  for (let i = 0; i < argument.length; i++) {
    const code = argument.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

function decodeBase64Strict(text: string, what: string): Uint8Array {
  try {
    return decodeBase64(text, false);
  } catch (error) {
    if (error instanceof Base64Error) throw new AgeHeaderError('invalid-header', `invalid base64 in ${what}`);
    throw error;
  }
}

/**
 * Split an argument line; `complete` is false for a line still being
 * received, whose last argument may be unfinished (even empty).
 */
function parseArgumentLine(line: string, complete: boolean): string[] {
  const args = line.slice(STANZA_PREFIX.length).split(' ');
  if (args.length > MAX_ARGUMENTS) throw new AgeHeaderError('invalid-header', 'too many stanza arguments');
  args.forEach((argument, index) => {
    const unfinished = !complete && index === args.length - 1;
    if (unfinished && argument.length === 0) return;
    if (!isValidArgument(argument)) throw new AgeHeaderError('invalid-header', 'invalid stanza argument');
  });
  return args;
}

type State = 'version' | 'line' | 'body';

/**
 * Refuse a partial (not yet LF-terminated) line as early as possible, so that
 * "need more bytes" is only ever reported for a valid beginning of a header.
 */
function checkPartialLine(state: State, partial: string): void {
  switch (state) {
    case 'version':
      if (!VERSION_LINE.startsWith(partial)) throw new AgeHeaderError('invalid-header', 'invalid version line');
      return;
    case 'body':
      if (partial.length > BODY_LINE_COLUMNS || !allBase64(partial))
        throw new AgeHeaderError('invalid-header', 'invalid stanza body');
      return;
    case 'line': {
      const head = partial.slice(0, 3);
      if (STANZA_PREFIX.startsWith(head)) {
        if (partial.length > STANZA_PREFIX.length) parseArgumentLine(partial, false);
        return;
      }
      if (!MAC_LINE_PREFIX.startsWith(head)) throw new AgeHeaderError('invalid-header', 'invalid header line');
      if (
        partial.length > MAC_LINE_LENGTH ||
        (partial.length > 3 && partial[3] !== ' ') ||
        !allBase64(partial.slice(4))
      ) {
        throw new AgeHeaderError('invalid-header', 'invalid header MAC line');
      }
    }
  }
}

/**
 * Parse the header at the start of `bytes`, which may be just a prefix of a
 * file (the server checks uploads as they arrive).
 *
 * @returns the header and its length in bytes; the payload starts there.
 * @throws AgeHeaderIncompleteError (`header-incomplete`) if `bytes` is a valid
 *   beginning of a header that has not ended yet (read more and call again).
 * @throws AgeHeaderError `header-too-long` or `too-many-stanzas` over a limit,
 *   `unsupported-version` for another age version, `invalid-header` if it is
 *   malformed or non-canonical.
 */
export function parseHeader(bytes: Uint8Array): { header: Header; headerLength: number } {
  const limit = Math.min(bytes.length, MAX_HEADER_BYTES);
  const stanzas: Stanza[] = [];
  let state: State = 'version';
  let position = 0;
  let argumentLine: string[] = [];
  let bodyParts: Uint8Array[] = [];

  for (;;) {
    const start = position;
    let end = start;
    for (; end < limit; end++) {
      const code = bytes[end]!;
      if (code === LF) break;
      if (code === CR) throw new AgeHeaderError('invalid-header', 'carriage return in header');
      if (code < 0x20 || code > 0x7e) throw new AgeHeaderError('invalid-header', 'invalid character in header');
    }
    if (end === limit) {
      checkPartialLine(state, ascii.decode(bytes.subarray(start, end)));
      if (limit === MAX_HEADER_BYTES) throw new AgeHeaderError('header-too-long', 'header too long');
      throw new AgeHeaderIncompleteError();
    }
    const line = ascii.decode(bytes.subarray(start, end));
    position = end + 1;

    if (state === 'version') {
      if (line !== VERSION_LINE) {
        throw line.startsWith('age-encryption.org/')
          ? new AgeHeaderError('unsupported-version', 'unsupported age version')
          : new AgeHeaderError('invalid-header', 'invalid version line');
      }
      state = 'line';
    } else if (state === 'body') {
      if (line.length > BODY_LINE_COLUMNS || !allBase64(line))
        throw new AgeHeaderError('invalid-header', 'invalid stanza body');
      bodyParts.push(decodeBase64Strict(line, 'stanza body'));
      if (line.length < BODY_LINE_COLUMNS) {
        const [type, ...args] = argumentLine;
        stanzas.push({ type: type!, args, body: concatBytes(...bodyParts) });
        bodyParts = [];
        state = 'line';
      }
    } else if (line.startsWith(STANZA_PREFIX)) {
      if (stanzas.length === MAX_STANZAS) throw new AgeHeaderError('too-many-stanzas', 'too many stanzas');
      argumentLine = parseArgumentLine(line, true);
      state = 'body';
    } else if (line.startsWith(MAC_LINE_PREFIX)) {
      if (line.length !== MAC_LINE_LENGTH || line[3] !== ' ' || !allBase64(line.slice(4))) {
        throw new AgeHeaderError('invalid-header', 'invalid header MAC line');
      }
      if (stanzas.length === 0) throw new AgeHeaderError('invalid-header', 'header has no stanzas');
      const mac = decodeBase64Strict(line.slice(4), 'header MAC');
      return {
        header: { stanzas, mac, macInput: bytes.slice(0, start + MAC_LINE_PREFIX.length) },
        headerLength: position,
      };
    } else {
      throw new AgeHeaderError('invalid-header', 'invalid header line');
    }
  }
}

function checkStanzaForEncoding(stanza: Stanza): void {
  const words = [stanza.type, ...stanza.args];
  if (words.length > MAX_ARGUMENTS || !words.every(isValidArgument)) throw new TypeError('invalid stanza arguments');
}

/**
 * Encode the header up to and including `---`: the bytes the MAC covers.
 * @throws TypeError if there are no stanzas, too many, or an argument is
 *   empty, too long, or not printable ASCII without spaces.
 */
export function encodeHeaderWithoutMac(stanzas: readonly Stanza[]): Uint8Array {
  if (stanzas.length === 0 || stanzas.length > MAX_STANZAS) throw new TypeError('invalid stanza count');
  let text = VERSION_LINE + '\n';
  for (const stanza of stanzas) {
    checkStanzaForEncoding(stanza);
    text += `${STANZA_PREFIX}${[stanza.type, ...stanza.args].join(' ')}\n`;
    const body = encodeBase64(stanza.body, false);
    // Full 64-column lines, then a shorter final line, which is empty when
    // the body fills its last line exactly: the reader stops at a short line.
    let offset = 0;
    for (; offset + BODY_LINE_COLUMNS <= body.length; offset += BODY_LINE_COLUMNS) {
      text += body.slice(offset, offset + BODY_LINE_COLUMNS) + '\n';
    }
    text += body.slice(offset) + '\n';
  }
  return utf8(text + MAC_LINE_PREFIX);
}

/**
 * Encode a complete header with its MAC line.
 * @throws TypeError as {@link encodeHeaderWithoutMac}, or if the MAC is not 32 bytes.
 */
export function encodeHeader(stanzas: readonly Stanza[], mac: Uint8Array): Uint8Array {
  if (mac.length !== MAC_SIZE) throw new TypeError('invalid header MAC length');
  return concatBytes(encodeHeaderWithoutMac(stanzas), utf8(` ${encodeBase64(mac, false)}\n`));
}

/**
 * HMAC-SHA-256 of the header bytes under HKDF-SHA-256(file key, salt empty,
 * info "header"). Tying the MAC to the file key stops anyone who cannot
 * unwrap the file key from adding, removing or altering stanzas.
 */
export function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Uint8Array {
  const macKey = hkdfSha256(fileKey, new Uint8Array(0), utf8('header'), 32);
  try {
    return hmacSha256(macKey, macInput);
  } finally {
    wipe(macKey);
  }
}

/** Whether the header's MAC verifies under the file key, compared in constant time. */
export function verifyHeaderMac(fileKey: Uint8Array, header: Header): boolean {
  return constantTimeEqual(headerMac(fileKey, header.macInput), header.mac);
}

function containsLineFeed(bytes: Uint8Array): boolean {
  return bytes.includes(LF);
}

/**
 * Read and parse the header from the front of a byte stream, reading no
 * further than the header (plus whatever the last piece carried with it).
 *
 * @returns the header, its length, and the rest of the stream (starting with
 *   the payload) with no byte lost or repeated.
 * @throws AgeHeaderError with a code as {@link parseHeader}, or `truncated`
 *   if the stream ends before the header does.
 */
export async function readHeader(
  source: AsyncIterable<Uint8Array>,
): Promise<{ header: Header; headerLength: number; rest: AsyncIterableIterator<Uint8Array, void, undefined> }> {
  const reader = new ByteReader(source);
  let buffer: Uint8Array = new Uint8Array(0);
  let length = 0;
  for (let first = true; ; first = false) {
    const piece = await reader.readPiece();
    if (piece === null) {
      await reader.close();
      try {
        parseHeader(buffer.subarray(0, length));
      } catch (error) {
        if (error instanceof AgeHeaderIncompleteError) throw new AgeHeaderError('truncated', 'truncated header');
        throw error;
      }
      throw new AgeHeaderError('truncated', 'truncated header');
    }
    if (first) {
      buffer = piece;
      length = piece.length;
    } else {
      // Grow geometrically so that a source delivering tiny pieces costs
      // linear, not quadratic, copying.
      if (length + piece.length > buffer.length) {
        const grown = new Uint8Array(Math.max(2 * buffer.length, length + piece.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(piece, length);
      length += piece.length;
    }
    // Reparse only when a line may have ended, or to stop at the size limit.
    if (!first && !containsLineFeed(piece) && length < MAX_HEADER_BYTES) continue;
    try {
      const { header, headerLength } = parseHeader(buffer.subarray(0, length));
      reader.unread(buffer.subarray(headerLength, length));
      return { header, headerLength, rest: reader.remaining() };
    } catch (error) {
      if (!(error instanceof AgeHeaderIncompleteError)) {
        await reader.close();
        throw error;
      }
    }
  }
}
