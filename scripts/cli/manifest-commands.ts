/**
 * `sealdrop manifest add|retire|rotate|sign|verify|show`: the admin's
 * offline editing of the signed key manifest (docs/PROTOCOL.md, "The key manifest").
 *
 * The manifest file is edited in place. Version rule: the first change to a
 * signed manifest (one with a `.minisig` beside it) bumps `version` and
 * removes the now-stale signature; further changes to the unsigned draft
 * keep that version; `sign` sets `issued` and `expires` and writes the
 * signature, bumping the version first if the file was already signed. So
 * every signed manifest that differs from the last one has a higher version,
 * which servers and browsers require (rollback protection).
 */
import path from 'node:path';
import { formatKeyId, publicKeyOf } from '../../client/core/minisign.js';
import {
  ManifestError,
  manifestTrustedComment,
  parseManifest,
  rootFingerprint,
  serializeManifest,
  signManifest,
  verifyManifest,
  type KeyManifest,
  type ManifestEditor,
} from '../../client/core/manifest.js';
import {
  flag,
  integerOption,
  optionalString,
  parseCommand,
  requiredString,
  stringList,
  type CommandSpec,
  type ParsedCommand,
} from './args.js';
import { displaySafe } from './display.js';
import { exists, readSmallFile, readSmallText, removeIfPresent, replaceFile } from './files.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';
import { readEditorPublicFile, readRootPublicKey, readRootSecretKey, type EditorPublicKeys } from './key-files.js';
import { passphraseSource } from './passphrase.js';

export const DEFAULT_MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_SUFFIX = '.minisig';
/** Default validity of a signed manifest: re-sign (and publish) at least this often. */
export const DEFAULT_VALID_DAYS = 90;
const DAY_MS = 86_400_000;

const MANIFEST_OPTION = {
  type: 'string',
  value: 'FILE',
  description: `the manifest being edited (default: ${DEFAULT_MANIFEST_FILE})`,
} as const;

const SPECS = {
  add: {
    name: 'manifest add',
    summary:
      "Add editors to the manifest from their public files (status active). Creates the manifest if it does not exist " +
      '(then --root-pub is required).',
    usage: '--editor FILE [--editor FILE...] [--manifest FILE] [--root-pub FILE] [--name NAME]',
    options: {
      manifest: MANIFEST_OPTION,
      editor: { type: 'string', multiple: true, value: 'FILE', description: "an editor's .pub.json file" },
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key (needed to create a new manifest)' },
      name: { type: 'string', value: 'NAME', description: 'list the (single) editor under this name instead of theirs' },
    },
  },
  retire: {
    name: 'manifest retire',
    summary:
      'Retire editors: they stay listed, but browsers stop encrypting to them and the server refuses their access key.',
    usage: '--name NAME [--name NAME...] [--manifest FILE]',
    options: {
      manifest: MANIFEST_OPTION,
      name: { type: 'string', multiple: true, value: 'NAME', description: 'editor to retire (case-insensitive)' },
    },
  },
  rotate: {
    name: 'manifest rotate',
    summary:
      "Replace an editor's keys: retire the old entry and add the new public file. If the new keys carry the same " +
      'name, the retired entry is renamed "NAME (retired YYYY-MM-DD)" (names are unique).',
    usage: '--replaces NAME --editor FILE [--manifest FILE]',
    options: {
      manifest: MANIFEST_OPTION,
      replaces: { type: 'string', value: 'NAME', description: 'the editor whose keys are replaced' },
      editor: { type: 'string', value: 'FILE', description: 'the new .pub.json file' },
    },
  },
  sign: {
    name: 'manifest sign',
    summary:
      'Sign the manifest with the root key: sets issued (now) and expires, bumps the version if it was already signed, ' +
      'and writes FILE.minisig (verifiable with `minisign -V -H -p root.pub -m FILE`).',
    usage: '--root-key FILE [--manifest FILE] [--valid-days N | --expires DATE] [--passphrase-file FILE]',
    options: {
      manifest: MANIFEST_OPTION,
      'root-key': { type: 'string', value: 'FILE', description: 'root secret key (root.key)' },
      'valid-days': { type: 'string', value: 'N', description: `validity from now in days (default ${DEFAULT_VALID_DAYS})` },
      expires: { type: 'string', value: 'DATE', description: 'expiry as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)' },
      'passphrase-file': { type: 'string', value: 'FILE', description: 'read the root key passphrase from FILE' },
    },
  },
  verify: {
    name: 'manifest verify',
    summary:
      'Verify a signed manifest against the root public key: signature, trusted comment, expiry, and version ' +
      '(refuses anything older than --min-version).',
    usage: '--root-pub FILE [--manifest FILE] [--signature FILE] [--min-version N] [--at DATE]',
    options: {
      manifest: MANIFEST_OPTION,
      signature: { type: 'string', value: 'FILE', description: 'signature file (default: the manifest file + .minisig)' },
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key (root.pub)' },
      'min-version': { type: 'string', value: 'N', description: 'refuse versions below N (the newest version you have seen)' },
      at: { type: 'string', value: 'DATE', description: 'check validity at this time instead of now' },
    },
  },
  show: {
    name: 'manifest show',
    summary: 'Print a manifest: version, validity, root key, editors. With --root-pub, also whether its signature verifies.',
    usage: '[--manifest FILE] [--root-pub FILE] [--json]',
    options: {
      manifest: MANIFEST_OPTION,
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key, to check the signature' },
      json: { type: 'boolean', description: 'print the manifest JSON only' },
    },
  },
} satisfies Record<string, CommandSpec>;

function isoSeconds(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A date option: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
 * @throws UsageError if it is neither, or not a real date.
 */
export function parseDateOption(text: string, option: string): Date {
  const full = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(full) ? new Date(full) : new Date(NaN);
  if (Number.isNaN(time.getTime()) || isoSeconds(time) !== full) {
    throw new UsageError(`--${option} must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ`);
  }
  return time;
}

function manifestFile(parsed: ParsedCommand, io: CliIo, command: string): string {
  return path.resolve(io.cwd, optionalString(parsed, 'manifest', command) ?? DEFAULT_MANIFEST_FILE);
}

function refused(file: string, error: unknown): never {
  if (error instanceof ManifestError) throw new CliError(`${file}: ${error.message}`);
  throw error;
}

interface Draft {
  readonly file: string;
  readonly manifest: KeyManifest;
  /** A `.minisig` sits beside it: the file as it is was signed (and maybe published). */
  readonly signed: boolean;
}

async function loadManifest(file: string): Promise<Draft> {
  const bytes = await readSmallFile(file, 256 * 1024);
  let manifest: KeyManifest;
  try {
    manifest = parseManifest(bytes);
  } catch (error) {
    refused(file, error);
  }
  return { file, manifest, signed: await exists(file + SIGNATURE_SUFFIX) };
}

/** Write an edited manifest; the first edit after a signature bumps the version and drops the signature. */
async function saveEdit(draft: Draft, edited: KeyManifest): Promise<KeyManifest> {
  const next = draft.signed ? { ...edited, version: draft.manifest.version + 1 } : edited;
  let bytes: Uint8Array;
  try {
    bytes = serializeManifest(next);
  } catch (error) {
    refused(draft.file, error);
  }
  await replaceFile(draft.file, bytes);
  if (draft.signed) await removeIfPresent(draft.file + SIGNATURE_SUFFIX);
  return next;
}

function findEditor(manifest: KeyManifest, name: string): number {
  const wanted = name.normalize('NFC').toLowerCase();
  const index = manifest.editors.findIndex((editor) => editor.name.toLowerCase() === wanted);
  if (index < 0) throw new CliError(`no editor named ${displaySafe(name)} in the manifest`);
  return index;
}

function checkNewEditor(manifest: KeyManifest, keys: EditorPublicKeys): void {
  for (const editor of manifest.editors) {
    if (editor.name.toLowerCase() === keys.name.toLowerCase()) {
      throw new CliError(`an editor named ${editor.name} is already listed (${editor.status})`);
    }
    if (editor.recipient === keys.recipient) throw new CliError(`the recipient of ${keys.name} is already listed (as ${editor.name})`);
    if (editor.accessKey === keys.accessKey) throw new CliError(`the access key of ${keys.name} is already listed (as ${editor.name})`);
  }
}

function describeVersion(before: Draft | null, after: KeyManifest): string {
  if (before === null) return `version ${after.version} (new, unsigned)`;
  return before.signed ? `version ${after.version} (was ${before.manifest.version}; signature removed, sign again)` : `version ${after.version} (unsigned)`;
}

/** `sealdrop manifest add`. */
export async function manifestAdd(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.add;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const file = manifestFile(parsed, io, spec.name);
  const editorFiles = stringList(parsed, 'editor');
  if (editorFiles.length === 0) throw new UsageError(`sealdrop ${spec.name}: --editor is required (see --help)`);
  const rename = optionalString(parsed, 'name', spec.name);
  if (rename !== undefined && editorFiles.length !== 1) throw new UsageError('--name needs exactly one --editor');

  const draft = (await exists(file)) ? await loadManifest(file) : null;
  let manifest: KeyManifest;
  if (draft === null) {
    const rootPub = optionalString(parsed, 'root-pub', spec.name);
    if (rootPub === undefined) throw new UsageError(`${file} does not exist: give --root-pub to create it`);
    const root = await readRootPublicKey(path.resolve(io.cwd, rootPub));
    const now = io.now();
    manifest = {
      format: 'sealdrop-key-manifest',
      formatVersion: 1,
      version: 1,
      issued: isoSeconds(now),
      expires: isoSeconds(new Date(now.getTime() + DEFAULT_VALID_DAYS * DAY_MS)),
      rootKeyId: formatKeyId(root.keyId),
      editors: [],
    };
  } else {
    manifest = draft.manifest;
  }
  const editors = [...manifest.editors];
  for (const editorFile of editorFiles) {
    const keys = await readEditorPublicFile(path.resolve(io.cwd, editorFile));
    const entry: ManifestEditor = { ...keys, name: rename ?? keys.name, status: 'active' };
    checkNewEditor({ ...manifest, editors }, entry);
    editors.push(entry);
  }
  const saved = draft === null ? await writeNew(file, { ...manifest, editors }) : await saveEdit(draft, { ...manifest, editors });
  io.stdout.write(`${path.basename(file)}: ${describeVersion(draft, saved)}, ${countLine(saved)}\n`);
  return EXIT_OK;
}

async function writeNew(file: string, manifest: KeyManifest): Promise<KeyManifest> {
  let bytes: Uint8Array;
  try {
    bytes = serializeManifest(manifest);
  } catch (error) {
    refused(file, error);
  }
  await replaceFile(file, bytes);
  return manifest;
}

function countLine(manifest: KeyManifest): string {
  const active = manifest.editors.filter((editor) => editor.status === 'active').length;
  return `${active} active, ${manifest.editors.length - active} retired editor(s)`;
}

/** `sealdrop manifest retire`. */
export async function manifestRetire(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.retire;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const names = stringList(parsed, 'name');
  if (names.length === 0) throw new UsageError(`sealdrop ${spec.name}: --name is required (see --help)`);
  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const editors = [...draft.manifest.editors];
  for (const name of names) {
    const index = findEditor({ ...draft.manifest, editors }, name);
    if (editors[index]!.status === 'retired') throw new CliError(`${editors[index]!.name} is already retired`);
    editors[index] = { ...editors[index]!, status: 'retired' };
  }
  if (!editors.some((editor) => editor.status === 'active')) {
    throw new CliError('refusing to retire the last active editor: nobody could decrypt new submissions');
  }
  const saved = await saveEdit(draft, { ...draft.manifest, editors });
  io.stdout.write(`${path.basename(draft.file)}: ${describeVersion(draft, saved)}, ${countLine(saved)}\n`);
  return EXIT_OK;
}

/** `sealdrop manifest rotate`. */
export async function manifestRotate(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.rotate;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const replaces = requiredString(parsed, 'replaces', spec.name);
  const keys = await readEditorPublicFile(path.resolve(io.cwd, requiredString(parsed, 'editor', spec.name)));
  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const editors = [...draft.manifest.editors];
  const index = findEditor(draft.manifest, replaces);
  const old = editors[index]!;
  let retiredName = old.name;
  if (old.name.toLowerCase() === keys.name.toLowerCase()) {
    const day = isoSeconds(io.now()).slice(0, 10);
    retiredName = `${old.name} (retired ${day})`;
    for (let n = 2; editors.some((editor) => editor.name.toLowerCase() === retiredName.toLowerCase()); n++) {
      retiredName = `${old.name} (retired ${day}, ${n})`;
    }
  }
  editors[index] = { ...old, name: retiredName, status: 'retired' };
  const entry: ManifestEditor = { ...keys, status: 'active' };
  checkNewEditor({ ...draft.manifest, editors }, entry);
  editors.push(entry);
  const saved = await saveEdit(draft, { ...draft.manifest, editors });
  io.stdout.write(
    `${path.basename(draft.file)}: ${old.name} rotated (old keys retired as ${retiredName}); ` +
      `${describeVersion(draft, saved)}, ${countLine(saved)}\n`,
  );
  return EXIT_OK;
}

/** `sealdrop manifest sign`. */
export async function manifestSign(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.sign;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const days = integerOption(parsed, 'valid-days', spec.name, { min: 1, max: 3660 });
  const expiresText = optionalString(parsed, 'expires', spec.name);
  if (days !== undefined && expiresText !== undefined) throw new UsageError('give either --valid-days or --expires');
  const now = new Date(Math.floor(io.now().getTime() / 1000) * 1000);
  const expires =
    expiresText !== undefined ? parseDateOption(expiresText, 'expires') : new Date(now.getTime() + (days ?? DEFAULT_VALID_DAYS) * DAY_MS);
  if (expires.getTime() <= now.getTime()) throw new CliError('expiry must be in the future');

  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const rootKeyFile = path.resolve(io.cwd, requiredString(parsed, 'root-key', spec.name));
  const rootKey = await readRootSecretKey(rootKeyFile, passphraseSource(io, optionalString(parsed, 'passphrase-file', spec.name)));
  try {
    const manifest: KeyManifest = {
      ...draft.manifest,
      version: draft.signed ? draft.manifest.version + 1 : draft.manifest.version,
      issued: isoSeconds(now),
      expires: isoSeconds(expires),
    };
    let signed: { manifest: Uint8Array; signature: string };
    try {
      signed = signManifest(manifest, rootKey);
      // Check what we are about to write with the verifier everyone else runs.
      verifyManifest(signed.manifest, signed.signature, publicKeyOf(rootKey), { now });
    } catch (error) {
      if (error instanceof ManifestError && error.code === 'wrong-root') {
        throw new CliError(`${path.basename(rootKeyFile)} is not the root key this manifest names (${manifest.rootKeyId})`);
      }
      refused(draft.file, error);
    }
    // Signature removed first: never a new manifest beside an old signature.
    await removeIfPresent(draft.file + SIGNATURE_SUFFIX);
    await replaceFile(draft.file, signed.manifest);
    await replaceFile(draft.file + SIGNATURE_SUFFIX, signed.signature);
    io.stdout.write(
      `signed ${path.basename(draft.file)}: version ${manifest.version}, expires ${manifest.expires}, ${countLine(manifest)}\n` +
        `  signature: ${draft.file}${SIGNATURE_SUFFIX}\n` +
        `  trusted comment: ${manifestTrustedComment(manifest)}\n` +
        `  root fingerprint: ${rootFingerprint(publicKeyOf(rootKey))}\n`,
    );
    return EXIT_OK;
  } finally {
    rootKey.secretKey.fill(0);
  }
}

/** `sealdrop manifest verify`. */
export async function manifestVerify(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.verify;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const file = manifestFile(parsed, io, spec.name);
  const signatureFile = path.resolve(io.cwd, optionalString(parsed, 'signature', spec.name) ?? file + SIGNATURE_SUFFIX);
  const root = await readRootPublicKey(path.resolve(io.cwd, requiredString(parsed, 'root-pub', spec.name)));
  const minimumVersion = integerOption(parsed, 'min-version', spec.name, { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? 1;
  const atText = optionalString(parsed, 'at', spec.name);
  const now = atText === undefined ? io.now() : parseDateOption(atText, 'at');
  const bytes = await readSmallFile(file, 256 * 1024);
  const signature = await readSmallText(signatureFile, 64 * 1024);
  let manifest: KeyManifest;
  try {
    manifest = verifyManifest(bytes, signature, root, { now, minimumVersion });
  } catch (error) {
    if (error instanceof ManifestError) throw new CliError(`manifest refused (${error.code}): ${error.message}`);
    throw error;
  }
  io.stdout.write(
    `valid: version ${manifest.version}, issued ${manifest.issued}, expires ${manifest.expires}, ${countLine(manifest)}\n` +
      `  root ${manifest.rootKeyId}, fingerprint ${rootFingerprint(root)}\n`,
  );
  return EXIT_OK;
}

/** `sealdrop manifest show`. */
export async function manifestShow(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.show;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const { manifest } = draft;
  if (flag(parsed, 'json')) {
    io.stdout.write(new TextDecoder().decode(serializeManifest(manifest)));
    return EXIT_OK;
  }
  const lines = [
    `manifest ${draft.file}`,
    `  version ${manifest.version}, issued ${manifest.issued}, expires ${manifest.expires}`,
    `  root key id ${manifest.rootKeyId}`,
  ];
  const rootPub = optionalString(parsed, 'root-pub', spec.name);
  if (!draft.signed) {
    lines.push('  signature: none (unsigned draft)');
  } else if (rootPub !== undefined) {
    const root = await readRootPublicKey(path.resolve(io.cwd, rootPub));
    const signature = await readSmallText(draft.file + SIGNATURE_SUFFIX, 64 * 1024);
    try {
      verifyManifest(serializeManifest(manifest), signature, root, { now: io.now() });
      lines.push(`  signature: valid (root fingerprint ${rootFingerprint(root)})`);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      lines.push(`  signature: INVALID (${error.code}: ${error.message})`);
    }
  } else {
    lines.push('  signature: present (not checked; give --root-pub)');
  }
  lines.push(`  editors (${countLine(manifest)}):`);
  for (const editor of manifest.editors) {
    lines.push(`    ${editor.status === 'active' ? 'active ' : 'retired'}  ${displaySafe(editor.name, 60)}`);
    lines.push(`             recipient ${editor.recipient}`);
    lines.push(`             access    ${editor.accessKey}`);
  }
  io.stdout.write(lines.join('\n') + '\n');
  return EXIT_OK;
}
