/**
 * `sealdrop manifest add|retire|rotate`: the admin's offline editing of the
 * roster in the signed key manifest (docs/PROTOCOL.md, "The key manifest").
 * The file being edited and its version rule are in manifest-draft.ts;
 * signing, verification and display in manifest-signing.ts.
 */
import path from 'node:path';
import { formatKeyId } from '../../client/core/minisign.js';
import { activeEditors, type KeyManifest, type ManifestEditor } from '../../client/core/manifest.js';
import { formatRfc3339Seconds } from '../../client/core/time.js';
import { optionalString, parseCommand, stringList, type CommandSpec } from './args.js';
import { displaySafe } from './display.js';
import { exists } from './files.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';
import { readEditorPublicFile, readRootPublicKey, type EditorPublicKeys } from './key-files.js';
import {
  countLine,
  DAY_MS,
  DEFAULT_VALID_DAYS,
  loadManifest,
  MANIFEST_OPTION,
  manifestFile,
  saveEdit,
  writeNew,
  type Draft,
} from './manifest-draft.js';

const SPECS = {
  add: {
    name: 'manifest add',
    summary:
      'Add editors to the manifest from their public files (status active). Creates the manifest if it does not exist ' +
      '(then --root-pub is required).',
    usage: '--editor FILE [--editor FILE...] [--manifest FILE] [--root-pub FILE] [--name NAME]',
    options: {
      manifest: MANIFEST_OPTION,
      editor: { type: 'string', multiple: true, value: 'FILE', description: "an editor's .pub.json file" },
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key (needed to create a new manifest)' },
      name: {
        type: 'string',
        value: 'NAME',
        description: 'list the (single) editor under this name instead of theirs',
      },
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
      "Replace editors' keys: retire each old entry and add its new public file. If the new keys carry the same " +
      'name, the retired entry is renamed "NAME (retired YYYY-MM-DD)" (names are unique). Several pairs in one ' +
      'command replace them together: how a newsroom moves from classic to hybrid (--pq) keys, since the active ' +
      'editors are never of both kinds.',
    usage: '--replaces NAME --editor FILE [--replaces NAME --editor FILE...] [--manifest FILE]',
    options: {
      manifest: MANIFEST_OPTION,
      replaces: {
        type: 'string',
        multiple: true,
        value: 'NAME',
        description: 'an editor whose keys are replaced (the n-th --replaces by the n-th --editor)',
      },
      editor: { type: 'string', multiple: true, value: 'FILE', description: 'the new .pub.json file' },
    },
  },
} satisfies Record<string, CommandSpec>;

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
    if (editor.recipient === keys.recipient)
      throw new CliError(`the recipient of ${keys.name} is already listed (as ${editor.name})`);
    if (editor.accessKey === keys.accessKey)
      throw new CliError(`the access key of ${keys.name} is already listed (as ${editor.name})`);
  }
}

function describeVersion(before: Draft | null, after: KeyManifest): string {
  if (before === null) return `version ${after.version} (new, unsigned)`;
  return before.signed
    ? `version ${after.version} (was ${before.manifest.version}; signature removed, sign again)`
    : `version ${after.version} (unsigned)`;
}

/** `sealdrop manifest add`. */
export async function manifestAdd(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.add;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const file = manifestFile(parsed, io, spec.name);
  const editorFiles = stringList(parsed, 'editor');
  if (editorFiles.length === 0) throw new UsageError('--editor is required (see --help)', spec.name);
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
      issued: formatRfc3339Seconds(now),
      expires: formatRfc3339Seconds(new Date(now.getTime() + DEFAULT_VALID_DAYS * DAY_MS)),
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
  const saved =
    draft === null ? await writeNew(file, { ...manifest, editors }) : await saveEdit(draft, { ...manifest, editors });
  io.stdout.write(`${path.basename(file)}: ${describeVersion(draft, saved)}, ${countLine(saved)}\n`);
  return EXIT_OK;
}

/** `sealdrop manifest retire`. */
export async function manifestRetire(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.retire;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const names = stringList(parsed, 'name');
  if (names.length === 0) throw new UsageError('--name is required (see --help)', spec.name);
  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const editors = [...draft.manifest.editors];
  for (const name of names) {
    const index = findEditor({ ...draft.manifest, editors }, name);
    if (editors[index]!.status === 'retired') throw new CliError(`${editors[index]!.name} is already retired`);
    editors[index] = { ...editors[index]!, status: 'retired' };
  }
  if (activeEditors({ ...draft.manifest, editors }).length === 0) {
    throw new CliError('refusing to retire the last active editor: nobody could decrypt new submissions');
  }
  const saved = await saveEdit(draft, { ...draft.manifest, editors });
  io.stdout.write(`${path.basename(draft.file)}: ${describeVersion(draft, saved)}, ${countLine(saved)}\n`);
  return EXIT_OK;
}

/** Retire `old` (renamed if its new keys carry its name) in `editors`, in place: the name it keeps listed under. */
function retireForRotation(editors: ManifestEditor[], index: number, newName: string, io: CliIo): string {
  const old = editors[index]!;
  let retiredName = old.name;
  if (old.name.toLowerCase() === newName.toLowerCase()) {
    const day = formatRfc3339Seconds(io.now()).slice(0, 10);
    retiredName = `${old.name} (retired ${day})`;
    for (let n = 2; editors.some((editor) => editor.name.toLowerCase() === retiredName.toLowerCase()); n++) {
      retiredName = `${old.name} (retired ${day}, ${n})`;
    }
  }
  editors[index] = { ...old, name: retiredName, status: 'retired' };
  return retiredName;
}

/** `sealdrop manifest rotate`. */
export async function manifestRotate(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.rotate;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const replaces = stringList(parsed, 'replaces');
  const editorFiles = stringList(parsed, 'editor');
  if (replaces.length === 0 || editorFiles.length === 0) {
    throw new UsageError('--replaces and --editor are required (see --help)', spec.name);
  }
  if (replaces.length !== editorFiles.length) {
    throw new UsageError('give one --editor for each --replaces, in the same order', spec.name);
  }
  const newKeys: EditorPublicKeys[] = [];
  for (const file of editorFiles) newKeys.push(await readEditorPublicFile(path.resolve(io.cwd, file)));
  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const editors = [...draft.manifest.editors];
  const rotated: string[] = [];
  const seen = new Set<number>();
  replaces.forEach((name, i) => {
    const index = findEditor({ ...draft.manifest, editors }, name);
    const old = editors[index]!;
    if (seen.has(index)) throw new CliError(`${old.name} is named twice: nothing changed`);
    seen.add(index);
    const retiredName = retireForRotation(editors, index, newKeys[i]!.name, io);
    rotated.push(`${old.name} rotated (old keys retired as ${retiredName})`);
  });
  // Added after every retirement, so a new entry may take any old name back.
  for (const keys of newKeys) {
    const entry: ManifestEditor = { ...keys, status: 'active' };
    checkNewEditor({ ...draft.manifest, editors }, entry);
    editors.push(entry);
  }
  const saved = await saveEdit(draft, { ...draft.manifest, editors });
  io.stdout.write(
    `${path.basename(draft.file)}: ${rotated.join('; ')}; ${describeVersion(draft, saved)}, ${countLine(saved)}\n`,
  );
  return EXIT_OK;
}
