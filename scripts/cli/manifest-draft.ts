/**
 * The key manifest file the admin edits in place, and its version rule.
 *
 * The first change to a signed manifest (one with a `.minisig` beside it)
 * bumps `version` and removes the now-stale signature; further changes to the
 * unsigned draft keep that version; `sign` bumps the version first if the
 * file was already signed. So every signed manifest that differs from the
 * last one has a higher version, which servers and browsers require
 * (rollback protection).
 */
import path from 'node:path';
import {
  activeEditors,
  MANIFEST_FILE_NAME,
  ManifestError,
  MAX_MANIFEST_BYTES,
  parseManifest,
  serializeManifest,
  SIGNATURE_SUFFIX,
  type KeyManifest,
} from '../../client/core/manifest.js';
import { optionalString, type ParsedCommand } from './args.js';
import { exists, readSmallFile, removeIfPresent, replaceFile } from './files.js';
import { CliError, type CliIo } from './io.js';

/** Default validity of a signed manifest: re-sign (and publish) at least this often. */
export const DEFAULT_VALID_DAYS = 90;
export const DAY_MS = 86_400_000;

/** The `--manifest` option every `manifest` command takes. */
export const MANIFEST_OPTION = {
  type: 'string',
  value: 'FILE',
  description: `the manifest being edited (default: ${MANIFEST_FILE_NAME})`,
} as const;

/** The manifest file a command works on: `--manifest`, else manifest.json in the current folder. */
export function manifestFile(parsed: ParsedCommand, io: CliIo, command: string): string {
  return path.resolve(io.cwd, optionalString(parsed, 'manifest', command) ?? MANIFEST_FILE_NAME);
}

/** The signature file beside a manifest file. */
export function signatureFileOf(file: string): string {
  return file + SIGNATURE_SUFFIX;
}

/**
 * Report a manifest the core refuses as a one-line error naming the file.
 * @throws CliError for a ManifestError, else rethrows `error`.
 */
export function refused(file: string, error: unknown): never {
  if (error instanceof ManifestError && error.code === 'mixed-recipients') {
    throw new CliError(`${file}: ${error.message}; ${MIXED_RECIPIENTS_HINT}`);
  }
  if (error instanceof ManifestError) throw new CliError(`${file}: ${error.message}`);
  throw error;
}

/** How to change a newsroom's kind of keys without ever mixing them (docs/KEYS.md). */
const MIXED_RECIPIENTS_HINT =
  'to move to hybrid keys, every active editor runs `sealdrop editor keygen --pq` and one ' +
  '`sealdrop manifest rotate` replaces them all (--replaces NAME --editor FILE, once per editor)';

/** A manifest file as loaded for editing. */
export interface Draft {
  readonly file: string;
  readonly manifest: KeyManifest;
  /** A `.minisig` sits beside it: the file as it is was signed (and maybe published). */
  readonly signed: boolean;
}

/**
 * Load a manifest file for editing (strictly parsed, as servers parse it).
 * @throws CliError if it cannot be read or is not a valid manifest.
 */
export async function loadManifest(file: string): Promise<Draft> {
  const bytes = await readSmallFile(file, MAX_MANIFEST_BYTES);
  let manifest: KeyManifest;
  try {
    manifest = parseManifest(bytes);
  } catch (error) {
    refused(file, error);
  }
  return { file, manifest, signed: await exists(signatureFileOf(file)) };
}

/**
 * Write an edited manifest; the first edit after a signature bumps the version and drops the signature.
 * @returns the manifest as written.
 * @throws CliError if the edit breaks a manifest rule or cannot be written.
 */
export async function saveEdit(draft: Draft, edited: KeyManifest): Promise<KeyManifest> {
  const next = draft.signed ? { ...edited, version: draft.manifest.version + 1 } : edited;
  await writeNew(draft.file, next);
  if (draft.signed) await removeIfPresent(signatureFileOf(draft.file));
  return next;
}

/**
 * Write a manifest (new or replacing the file), unsigned.
 * @throws CliError if it breaks a manifest rule or cannot be written.
 */
export async function writeNew(file: string, manifest: KeyManifest): Promise<KeyManifest> {
  let bytes: Uint8Array;
  try {
    bytes = serializeManifest(manifest);
  } catch (error) {
    refused(file, error);
  }
  await replaceFile(file, bytes);
  return manifest;
}

/** "N active, M retired editor(s)", for the commands' one-line reports. */
export function countLine(manifest: KeyManifest): string {
  const active = activeEditors(manifest).length;
  return `${active} active, ${manifest.editors.length - active} retired editor(s)`;
}
