/**
 * The key manifest: the signed list of editor keys a browser may encrypt to
 * and the server may authenticate. It is canonical JSON signed with the
 * newsroom's offline root key in minisign's format, so `minisign -V` checks
 * it too. The exact format and the reason for each rule are in
 * docs/PROTOCOL.md ("Keys").
 */
import { Base64Error, decodeBase64 } from './base64.js';
import { fromUtf8, toHex, utf8 } from './bytes.js';
import { isRecord, keySetMismatch } from './json-shape.js';
import {
  encodePublicKey,
  formatKeyId,
  MinisignError,
  type MinisignPublicKey,
  type MinisignSecretKey,
} from './minisign.js';
import { parseSignature, signMessage, verifySignature } from './minisign-signature.js';
import { MAX_HEADER_BYTES, MAX_STANZAS, WRAPPED_FILE_KEY_SIZE } from './header.js';
import { HYBRID_ENCAPSULATION_SIZE, HYBRID_STANZA_TYPE } from './mlkem768x25519.js';
import { sodium } from './sodium.js';
import { CodedError } from './coded-error.js';
import { isRfc3339SecondsShape, parseRfc3339Seconds } from './time.js';
import { recipientKind, type RecipientKind } from './recipients.js';

export type ManifestErrorCode =
  /** The manifest or its signature file is not well formed. */
  | 'malformed'
  /** The signature or the trusted comment signature does not verify. */
  | 'signature'
  /** Signed by, or naming, a key other than the configured root key. */
  | 'wrong-root'
  /** The trusted comment is not the one derived from the manifest. */
  | 'trusted-comment'
  /** `now` is at or after `expires`. */
  | 'expired'
  /** `now` is more than a day before `issued`: the clock cannot be trusted. */
  | 'not-yet-valid'
  /** The version is lower than the highest one already seen. */
  | 'rollback'
  /**
   * The active editors' recipients are not all of one kind: some hybrid
   * (`age1pq1...`), some classic X25519 (`age1...`).
   */
  | 'mixed-recipients';

/** A manifest that must not be used, with a machine-readable reason. */
export class ManifestError extends CodedError<ManifestErrorCode> {
  override name = 'ManifestError';
}

export interface ManifestEditor {
  /** Display name; unique (case-insensitively), no control or format characters. */
  name: string;
  /**
   * age recipient: classic X25519 `age1...` or hybrid post-quantum
   * ML-KEM-768 + X25519 `age1pq1...`, in its canonical lowercase spelling.
   */
  recipient: string;
  /** Ed25519 public key the editor authenticates with, standard padded base64 of 32 bytes. */
  accessKey: string;
  status: 'active' | 'retired';
}

export interface KeyManifest {
  format: 'sealdrop-key-manifest';
  formatVersion: 1;
  /** Monotonically increasing, positive safe integer. */
  version: number;
  /** ISO 8601 UTC with second precision: `YYYY-MM-DDTHH:MM:SSZ`. */
  issued: string;
  expires: string;
  /** The root key's minisign key id, 16 uppercase hex digits as minisign prints it. */
  rootKeyId: string;
  editors: ManifestEditor[];
}

export interface VerifyManifestOptions {
  readonly now: Date;
  /** The highest manifest version this client has accepted before. */
  readonly minimumVersion?: number;
}

/**
 * The manifest's file name wherever it is kept or served: the server's keys
 * folder, the source listener's URL path, the admin's working copy.
 */
export const MANIFEST_FILE_NAME = 'manifest.json';
/** Added to the manifest's file name for its signature, as minisign names detached signatures. */
export const SIGNATURE_SUFFIX = '.minisig';

const FORMAT = 'sealdrop-key-manifest';
const MANIFEST_KEYS = ['format', 'formatVersion', 'version', 'issued', 'expires', 'rootKeyId', 'editors'] as const;
const EDITOR_KEYS = ['name', 'recipient', 'accessKey', 'status'] as const;
/** Far above any newsroom's roster; bounds parsing work on hostile input. */
export const MAX_MANIFEST_BYTES = 256 * 1024;
const MAX_EDITORS = 256;
const MAX_NAME_LENGTH = 128;
/**
 * How far a device clock may lag `issued` before the manifest is refused.
 * A day covers time zones set wrong (local time stored as UTC is off by up
 * to 14 hours); a clock further behind makes the expiry check meaningless.
 */
const MAX_CLOCK_LAG_MS = 24 * 60 * 60 * 1000;
const KEY_ID = /^[0-9A-F]{16}$/;
/** C0/C1 controls, format characters (bidi overrides, zero-width), separators other than space. */
const FORBIDDEN_NAME_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/u;

function malformed(message: string): ManifestError {
  return new ManifestError('malformed', message);
}

// ---------------------------------------------------------------------------
// Field validation

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const mismatch = keySetMismatch(value, allowed);
  if (mismatch?.kind === 'unknown') throw malformed(`unknown field in ${where}`);
  if (mismatch?.kind === 'missing') throw malformed(`missing field ${mismatch.key} in ${where}`);
}

function timestampMs(value: unknown, field: string): number {
  if (typeof value !== 'string' || !isRfc3339SecondsShape(value))
    throw malformed(`${field} must be YYYY-MM-DDTHH:MM:SSZ`);
  const time = parseRfc3339Seconds(value);
  if (time === null) throw malformed(`${field} is not a real date`);
  return time.getTime();
}

function checkRecipient(value: unknown): string {
  if (typeof value !== 'string') throw malformed('recipient must be a string');
  // Only the canonical lowercase spelling, so duplicates cannot hide behind case.
  if (recipientKind(value) === null) throw malformed('recipient must be an age1 or age1pq1 recipient');
  return value;
}

function checkAccessKey(value: unknown): string {
  if (typeof value !== 'string') throw malformed('accessKey must be a string');
  try {
    if (decodeBase64(value, true).length !== 32) throw malformed('accessKey must be 32 bytes');
  } catch (error) {
    if (error instanceof Base64Error) throw malformed('accessKey must be padded base64');
    throw error;
  }
  return value;
}

function checkName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw malformed('editor name must be a non-empty string');
  if (value.length > MAX_NAME_LENGTH) throw malformed('editor name too long');
  if (FORBIDDEN_NAME_CHARACTERS.test(value)) throw malformed('editor name has control characters');
  if (value !== value.trim()) throw malformed('editor name has surrounding whitespace');
  // One spelling per name, so two entries cannot look identical on screen.
  if (value !== value.normalize('NFC')) throw malformed('editor name must be NFC');
  return value;
}

/**
 * Validate one editor entry by the manifest's rules (exact fields, name
 * characters and length, canonical recipient, 32-byte padded base64 access
 * key, status) and return a plain copy. Uniqueness across entries is the
 * manifest's rule, checked by {@link parseManifest} and {@link serializeManifest}.
 * @param where - how messages name the entry (default `editor`).
 * @throws ManifestError('malformed') naming the rule that fails.
 */
export function checkManifestEditor(value: unknown, where = 'editor'): ManifestEditor {
  if (!isRecord(value)) throw malformed(`${where} must be an object`);
  checkKeys(value, EDITOR_KEYS, where);
  const status = value.status;
  if (status !== 'active' && status !== 'retired') throw malformed(`${where} status must be active or retired`);
  return {
    name: checkName(value.name),
    recipient: checkRecipient(value.recipient),
    accessKey: checkAccessKey(value.accessKey),
    status,
  };
}

function checkUnique(values: readonly string[], what: string): void {
  if (new Set(values).size !== values.length) throw malformed(`duplicate editor ${what}`);
}

/** Validate any value as a manifest and return a fresh, plain copy. */
function checkManifest(value: unknown): KeyManifest {
  if (!isRecord(value)) throw malformed('manifest must be an object');
  checkKeys(value, MANIFEST_KEYS, 'manifest');
  if (value.format !== FORMAT) throw malformed('not a sealdrop key manifest');
  if (value.formatVersion !== 1) throw malformed('unsupported manifest format version');
  const version = value.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw malformed('version must be a positive safe integer');
  }
  const issuedMs = timestampMs(value.issued, 'issued');
  const expiresMs = timestampMs(value.expires, 'expires');
  if (expiresMs <= issuedMs) throw malformed('expires must be after issued');
  if (typeof value.rootKeyId !== 'string' || !KEY_ID.test(value.rootKeyId)) {
    throw malformed('rootKeyId must be 16 uppercase hex digits');
  }
  if (!Array.isArray(value.editors)) throw malformed('editors must be an array');
  if (value.editors.length > MAX_EDITORS) throw malformed('too many editors');
  const editors = (value.editors as unknown[]).map((editor, index) =>
    checkManifestEditor(editor, `editor ${index + 1}`),
  );
  checkUnique(
    editors.map((editor) => editor.name.toLowerCase()),
    'name',
  );
  checkUnique(
    editors.map((editor) => editor.recipient),
    'recipient',
  );
  checkUnique(
    editors.map((editor) => editor.accessKey),
    'access key',
  );
  const active = editors.filter(isActive).length;
  if (active === 0) throw malformed('no active editor');
  if (active > MAX_ACTIVE_EDITORS) throw malformed('too many active editors');
  checkActiveRecipientKinds(editors);
  return {
    format: FORMAT,
    formatVersion: 1,
    version,
    issued: value.issued as string,
    expires: value.expires as string,
    rootKeyId: value.rootKeyId,
    editors,
  };
}

/** Characters of unpadded base64 for `bytes` bytes, as age writes stanza arguments and bodies. */
function base64Length(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/**
 * The most active editors of any kind: every submission carries one stanza
 * per active editor and a reply one more (the source's, first), and age
 * headers are refused past MAX_STANZAS, so a manifest whose replies the
 * envelope could not carry is malformed.
 */
export const MAX_ACTIVE_EDITORS = MAX_STANZAS - 1;

/** Bytes of one hybrid stanza, `-> mlkem768x25519 ENC\nBODY\n` (1557: 20 times an X25519 one). */
const HYBRID_STANZA_BYTES =
  '-> '.length +
  HYBRID_STANZA_TYPE.length +
  1 +
  base64Length(HYBRID_ENCAPSULATION_SIZE) +
  1 +
  base64Length(WRAPPED_FILE_KEY_SIZE) +
  1;

/**
 * The most active hybrid editors: MAX_HEADER_BYTES, not MAX_STANZAS, bounds
 * them. A reply's header holds one stanza per editor plus the source's,
 * which is hybrid in a hybrid conversation, so the bound is one less than
 * the stanzas a header holds (42), that is 41.
 */
export const MAX_ACTIVE_HYBRID_EDITORS =
  Math.floor(
    (MAX_HEADER_BYTES - 'age-encryption.org/v1\n'.length - '--- \n'.length - base64Length(32)) / HYBRID_STANZA_BYTES,
  ) - 1;

const KIND_NAMES: Record<RecipientKind, string> = {
  x25519: 'classic (age1)',
  mlkem768x25519: 'hybrid (age1pq1)',
};

/**
 * The rule that a manifest is all hybrid or all classic, over its active
 * editors (those a submission is encrypted to): age's spec says a file
 * SHOULD NOT mix the two types, because one classic stanza makes the whole
 * file breakable by whoever breaks X25519, which would defeat the hybrid
 * ones without anyone noticing. Retired entries may be of either kind: they
 * are never encrypted to, and the rotation that migrates a newsroom retires
 * the classic keys. Also bounds the hybrid editors by what a header holds.
 */
function checkActiveRecipientKinds(editors: readonly ManifestEditor[]): void {
  const byKind = new Map<RecipientKind, string[]>();
  for (const editor of editors.filter(isActive)) {
    const kind = recipientKind(editor.recipient)!;
    byKind.set(kind, [...(byKind.get(kind) ?? []), editor.name]);
  }
  const hybrid = byKind.get('mlkem768x25519')?.length ?? 0;
  if (byKind.size <= 1) {
    if (hybrid > MAX_ACTIVE_HYBRID_EDITORS) throw malformed('too many active hybrid editors for one age header');
    return;
  }
  const groups = [...byKind].map(([kind, names]) => `${KIND_NAMES[kind]}: ${names.join(', ')}`);
  throw new ManifestError(
    'mixed-recipients',
    `active editors mix hybrid and classic recipients (${groups.join('; ')}): every active editor must be of one kind`,
  );
}

// ---------------------------------------------------------------------------
// Canonical form

function canonicalText(manifest: KeyManifest): string {
  // checkManifest rebuilds every object in the fixed key order, so
  // JSON.stringify's insertion-order output is the canonical order.
  return JSON.stringify(checkManifest(manifest), null, 2) + '\n';
}

/**
 * The canonical bytes of a manifest: fields in the documented order,
 * two-space JSON, LF line ends, one trailing newline, UTF-8.
 * @throws ManifestError('malformed') if the manifest breaks any rule,
 *   including a size over MAX_MANIFEST_BYTES (which every reader refuses:
 *   retired entries count), ManifestError('mixed-recipients') if its active
 *   editors mix hybrid and classic recipients.
 */
export function serializeManifest(manifest: KeyManifest): Uint8Array {
  const bytes = utf8(canonicalText(manifest));
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw malformed(
      `manifest too large: ${bytes.length} bytes, the most a reader accepts is ${MAX_MANIFEST_BYTES} (retired entries count)`,
    );
  }
  return bytes;
}

/**
 * Parse manifest bytes. Strict: the bytes must be valid UTF-8 JSON, obey
 * every rule, and be exactly the canonical serialization (which also
 * refuses duplicate JSON keys, whose meaning differs between parsers).
 * @throws ManifestError('mixed-recipients') if its active editors mix
 *   hybrid and classic recipients; ManifestError('malformed') on anything else.
 */
export function parseManifest(bytes: Uint8Array): KeyManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw malformed('manifest too large');
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch {
    throw malformed('manifest is not UTF-8 JSON');
  }
  const manifest = checkManifest(value);
  // Compared as bytes: the decoder silently drops a byte-order mark.
  const canonical = utf8(canonicalText(manifest));
  if (canonical.length !== bytes.length || !canonical.every((byte, i) => byte === bytes[i])) {
    throw malformed('manifest is not in canonical form');
  }
  return manifest;
}

// ---------------------------------------------------------------------------
// Signing and verification

/**
 * The trusted comment that binds a signature to one manifest's identity;
 * `minisign -V` shows it, so a human checking with standard tools sees which
 * manifest was signed, until when it is valid and by which root.
 */
export function manifestTrustedComment(manifest: KeyManifest): string {
  return `${FORMAT} version=${manifest.version} expires=${manifest.expires} root=${manifest.rootKeyId}`;
}

/**
 * Serialize and sign a manifest with the root key.
 * @throws ManifestError('malformed') or ('mixed-recipients') if the manifest breaks any rule,
 *   ManifestError('wrong-root') if `rootKeyId` is not this key's id.
 */
export function signManifest(
  manifest: KeyManifest,
  rootKey: MinisignSecretKey,
): { manifest: Uint8Array; signature: string } {
  const bytes = serializeManifest(manifest);
  if (manifest.rootKeyId !== formatKeyId(rootKey.keyId)) {
    throw new ManifestError('wrong-root', 'rootKeyId is not the signing key');
  }
  const signature = signMessage(bytes, rootKey, {
    trustedComment: manifestTrustedComment(manifest),
    untrustedComment: `sealdrop key manifest version ${manifest.version}`,
  });
  return { manifest: bytes, signature };
}

/**
 * Verify a signed manifest and return it. Checks, in order: the signature
 * file is well formed and made by `rootPublicKey`; the signature and the
 * trusted comment signature verify; the manifest parses; its `rootKeyId`
 * names the same key; the trusted comment is exactly
 * {@link manifestTrustedComment}; its version is at least `minimumVersion`;
 * `now` is before `expires` and at most a day before `issued`.
 * @throws ManifestError with the code of the first check that fails.
 */
export function verifyManifest(
  manifestBytes: Uint8Array,
  signatureText: string,
  rootPublicKey: MinisignPublicKey,
  options: VerifyManifestOptions,
): KeyManifest {
  const nowMs = options.now.getTime();
  if (Number.isNaN(nowMs)) throw new TypeError('now must be a valid date');
  const minimumVersion = options.minimumVersion ?? 1;
  if (!Number.isSafeInteger(minimumVersion)) throw new TypeError('minimumVersion must be a safe integer');
  const rootKeyId = formatKeyId(rootPublicKey.keyId);

  let signedKeyId: string;
  try {
    signedKeyId = formatKeyId(parseSignature(signatureText).keyId);
  } catch (error) {
    if (error instanceof MinisignError) throw new ManifestError('malformed', `manifest signature: ${error.message}`);
    throw error;
  }
  if (signedKeyId !== rootKeyId) throw new ManifestError('wrong-root', 'manifest is not signed by the root key');
  let trustedComment: string;
  try {
    ({ trustedComment } = verifySignature(manifestBytes, signatureText, rootPublicKey));
  } catch (error) {
    if (error instanceof MinisignError) throw new ManifestError('signature', error.message);
    throw error;
  }

  const manifest = parseManifest(manifestBytes);
  if (manifest.rootKeyId !== rootKeyId) throw new ManifestError('wrong-root', 'manifest names another root key');
  if (trustedComment !== manifestTrustedComment(manifest)) {
    throw new ManifestError('trusted-comment', 'trusted comment does not match the manifest');
  }
  if (manifest.version < minimumVersion) {
    throw new ManifestError('rollback', 'manifest is older than one already seen');
  }
  if (nowMs >= Date.parse(manifest.expires)) throw new ManifestError('expired', 'manifest has expired');
  if (nowMs < Date.parse(manifest.issued) - MAX_CLOCK_LAG_MS) {
    throw new ManifestError('not-yet-valid', 'manifest is not valid yet: check the device clock');
  }
  return manifest;
}

function isActive(editor: ManifestEditor): boolean {
  return editor.status === 'active';
}

/** The active editors, in manifest order: those a submission is encrypted to and who may pull. */
export function activeEditors(manifest: KeyManifest): ManifestEditor[] {
  return manifest.editors.filter(isActive);
}

/** The age recipients of the active editors: whom a submission is encrypted to. */
export function activeRecipients(manifest: KeyManifest): string[] {
  return activeEditors(manifest).map((editor) => editor.recipient);
}

/**
 * The one kind of the active editors' recipients (a valid manifest has one):
 * `mlkem768x25519` for a hybrid (post-quantum) newsroom, `x25519` for a
 * classic one. It decides the source's reply recipient too.
 * @throws ManifestError('mixed-recipients') or ('malformed', no active
 *   editor) only for a manifest that did not come from {@link parseManifest}
 *   or {@link verifyManifest}.
 */
export function manifestRecipientKind(manifest: KeyManifest): RecipientKind {
  const [first] = activeEditors(manifest);
  if (first === undefined) throw malformed('no active editor');
  checkActiveRecipientKinds(manifest.editors);
  return recipientKind(first.recipient)!;
}

/**
 * The Ed25519 access keys of the active editors, decoded: who may pull.
 * @throws Base64Error only for a manifest that did not come from {@link parseManifest}.
 */
export function activeAccessKeys(manifest: KeyManifest): Uint8Array[] {
  return activeEditors(manifest).map((editor) => decodeBase64(editor.accessKey, true));
}

/**
 * The root key's fingerprint for people to compare: BLAKE2b-128 of the
 * 42-byte minisign public key (`"Ed"` ‖ key id ‖ Ed25519 key), as 32
 * uppercase hex digits in eight groups of four, e.g.
 * `3F2A 9C41 0B7E D5A8 6612 F0C3 4E9B 7D20`. Anyone can recompute it from
 * the published `minisign.pub` with coreutils:
 * `sed -n 2p minisign.pub | base64 -d | b2sum -l 128`.
 * @throws TypeError if the key id or key has the wrong length.
 */
export function rootFingerprint(publicKey: MinisignPublicKey): string {
  const blob = decodeBase64(encodePublicKey(publicKey), true);
  const digest = toHex(sodium().crypto_generichash(16, blob, null)).toUpperCase();
  return digest.match(/.{4}/g)!.join(' ');
}
