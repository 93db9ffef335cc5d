/**
 * Forges raw ustar headers byte by byte, independently of client/core/tar*.ts,
 * so the hostile-archive tests can build what no honest writer would.
 */
const BLOCK = 512;

export interface ForgedHeader {
  name?: string | Uint8Array;
  prefix?: string | Uint8Array;
  mode?: string;
  /** Octal digits as text, or raw field bytes. Default: octal of the data length given to `forgeEntry`, else 0. */
  size?: string | Uint8Array;
  /** One type flag character; default '0'. */
  type?: string;
  linkname?: string;
  /** The 8 bytes of magic and version; default "ustar\0" "00". */
  magic?: Uint8Array;
  /** 'good' (default), 'bad' (off by one) or any other text as the raw field. */
  checksum?: string;
}

const encoder = new TextEncoder();

function put(block: Uint8Array, offset: number, length: number, value: string | Uint8Array): void {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  block.set(bytes.subarray(0, length), offset);
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

export function forgeHeader(fields: ForgedHeader, dataLength = 0): Uint8Array {
  const block = new Uint8Array(BLOCK);
  put(block, 0, 100, fields.name ?? 'file.txt');
  put(block, 100, 8, fields.mode ?? '0000644\0');
  put(block, 108, 8, '0000000\0');
  put(block, 116, 8, '0000000\0');
  put(block, 124, 12, fields.size ?? octal(dataLength, 12));
  put(block, 136, 12, octal(0, 12));
  put(block, 156, 1, fields.type ?? '0');
  put(block, 157, 100, fields.linkname ?? '');
  put(block, 257, 8, fields.magic ?? encoder.encode('ustar\x0000'));
  put(block, 345, 155, fields.prefix ?? '');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  const checksum = fields.checksum ?? 'good';
  if (checksum === 'good' || checksum === 'bad') {
    put(block, 148, 8, octal(checksum === 'good' ? sum : sum + 1, 7) + ' ');
  } else {
    block.fill(0, 148, 156);
    put(block, 148, 8, checksum);
  }
  return block;
}

/** A header plus its data padded to a block. */
export function forgeEntry(fields: ForgedHeader, data: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const padded = Math.ceil(bytes.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded);
  out.set(forgeHeader(fields, bytes.length));
  out.set(bytes, BLOCK);
  return out;
}

/** Concatenate parts and, unless told otherwise, append the two-zero-block end marker. */
export function forgeArchive(parts: Uint8Array[], endMarker = true): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0) + (endMarker ? 2 * BLOCK : 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
