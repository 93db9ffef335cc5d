/**
 * The platform globals the protocol core (client/core/) may use beyond
 * ES2022, for tsconfig.pure.json beside it, which has no DOM library and no @types/node:
 * only the WHATWG Encoding API, which every engine the core runs in (browser
 * pages, workers, Node) provides. Anything else the core touches is a type
 * error there (and a lint error: eslint.config.js).
 */

interface TextDecodeOptions {
  stream?: boolean;
}

interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}

interface TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array<ArrayBuffer>;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}

interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: TextDecodeOptions): string;
}

declare const TextEncoder: {
  prototype: TextEncoder;
  new (): TextEncoder;
};

declare const TextDecoder: {
  prototype: TextDecoder;
  new (label?: string, options?: TextDecoderOptions): TextDecoder;
};
