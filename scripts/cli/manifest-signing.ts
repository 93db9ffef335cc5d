/**
 * `sealdrop manifest sign|verify|show`: signing the key manifest with the
 * root key (offline), checking a signed manifest as servers and browsers do,
 * and printing one with the state of its signature. The file being edited
 * and its version rule are in manifest-draft.ts; roster edits in
 * manifest-commands.ts.
 */
import path from 'node:path';
import { publicKeyOf, type MinisignPublicKey } from '../../client/core/minisign.js';
import {
  ManifestError,
  manifestTrustedComment,
  MAX_MANIFEST_BYTES,
  rootFingerprint,
  serializeManifest,
  signManifest,
  verifyManifest,
  type KeyManifest,
  type VerifyManifestOptions,
} from '../../client/core/manifest.js';
import {
  DEFAULT_MANIFEST_WARNING_DAYS,
  describeManifestExpiry,
  manifestExpiry,
} from '../../client/core/manifest-expiry.js';
import { formatRfc3339Seconds, isDayShape, parseRfc3339Seconds } from '../../client/core/time.js';
import { flag, integerOption, optionalString, parseCommand, requiredString, type CommandSpec } from './args.js';
import { displaySafe } from './display.js';
import { MAX_KEY_FILE_BYTES, readSmallFile, readSmallText, removeIfPresent, replaceFile } from './files.js';
import { CliError, EXIT_OK, UsageError, type CliIo } from './io.js';
import { readRootPublicKey, readRootSecretKey } from './key-files.js';
import {
  countLine,
  DAY_MS,
  DEFAULT_VALID_DAYS,
  loadManifest,
  MANIFEST_OPTION,
  manifestFile,
  refused,
  signatureFileOf,
} from './manifest-draft.js';
import { passphraseSource } from './passphrase.js';

const SPECS = {
  sign: {
    name: 'manifest sign',
    summary:
      'Sign the manifest with the root key: sets issued (now) and expires, bumps the version if it was already signed, ' +
      'and writes FILE.minisig (verifiable with `minisign -V -H -p root.pub -m FILE`).',
    usage: '--root-key FILE [--manifest FILE] [--valid-days N | --expires DATE] [--passphrase-file FILE]',
    options: {
      manifest: MANIFEST_OPTION,
      'root-key': { type: 'string', value: 'FILE', description: 'root secret key (root.key)' },
      'valid-days': {
        type: 'string',
        value: 'N',
        description: `validity from now in days (default ${DEFAULT_VALID_DAYS})`,
      },
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
      signature: {
        type: 'string',
        value: 'FILE',
        description: 'signature file (default: the manifest file + .minisig)',
      },
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key (root.pub)' },
      'min-version': {
        type: 'string',
        value: 'N',
        description: 'refuse versions below N (the newest version you have seen)',
      },
      at: { type: 'string', value: 'DATE', description: 'check validity at this time instead of now' },
    },
  },
  show: {
    name: 'manifest show',
    summary:
      'Print a manifest: version, validity, root key, editors, and a warning when it expires within --warn-days ' +
      'days or has expired. With --root-pub, also whether its signature verifies.',
    usage: '[--manifest FILE] [--root-pub FILE] [--warn-days N] [--json]',
    options: {
      manifest: MANIFEST_OPTION,
      'root-pub': { type: 'string', value: 'FILE', description: 'root public key, to check the signature' },
      'warn-days': {
        type: 'string',
        value: 'N',
        description: `warn from N days before the expiry (default ${DEFAULT_MANIFEST_WARNING_DAYS})`,
      },
      json: { type: 'boolean', description: 'print the manifest JSON only' },
    },
  },
} satisfies Record<string, CommandSpec>;

/**
 * A date option: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
 * @throws UsageError if it is neither, or not a real date.
 */
export function parseDateOption(text: string, option: string): Date {
  const full = isDayShape(text) ? `${text}T00:00:00Z` : text;
  const time = parseRfc3339Seconds(full);
  if (time === null) throw new UsageError(`--${option} must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ`);
  return time;
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
    expiresText !== undefined
      ? parseDateOption(expiresText, 'expires')
      : new Date(now.getTime() + (days ?? DEFAULT_VALID_DAYS) * DAY_MS);
  if (expires.getTime() <= now.getTime()) throw new CliError('expiry must be in the future');

  const draft = await loadManifest(manifestFile(parsed, io, spec.name));
  const rootKeyFile = path.resolve(io.cwd, requiredString(parsed, 'root-key', spec.name));
  const rootKey = await readRootSecretKey(
    rootKeyFile,
    passphraseSource(io, optionalString(parsed, 'passphrase-file', spec.name)),
  );
  try {
    const manifest: KeyManifest = {
      ...draft.manifest,
      version: draft.signed ? draft.manifest.version + 1 : draft.manifest.version,
      issued: formatRfc3339Seconds(now),
      expires: formatRfc3339Seconds(expires),
    };
    let signed: { manifest: Uint8Array; signature: string };
    try {
      signed = signManifest(manifest, rootKey);
      // Check what we are about to write with the verifier everyone else runs.
      verifyManifest(signed.manifest, signed.signature, publicKeyOf(rootKey), { now });
    } catch (error) {
      if (error instanceof ManifestError && error.code === 'wrong-root') {
        throw new CliError(
          `${path.basename(rootKeyFile)} is not the root key this manifest names (${manifest.rootKeyId})`,
        );
      }
      refused(draft.file, error);
    }
    // Signature removed first: never a new manifest beside an old signature.
    await removeIfPresent(signatureFileOf(draft.file));
    await replaceFile(draft.file, signed.manifest);
    await replaceFile(signatureFileOf(draft.file), signed.signature);
    io.stdout.write(
      `signed ${path.basename(draft.file)}: version ${manifest.version}, expires ${manifest.expires}, ${countLine(manifest)}\n` +
        `  signature: ${signatureFileOf(draft.file)}\n` +
        `  trusted comment: ${manifestTrustedComment(manifest)}\n` +
        `  root fingerprint: ${rootFingerprint(publicKeyOf(rootKey))}\n`,
    );
    return EXIT_OK;
  } finally {
    rootKey.secretKey.fill(0);
  }
}

/**
 * Read a signed manifest and its signature file and verify them as browsers
 * and the server do (client/core/manifest.ts `verifyManifest`: signature,
 * trusted comment, root, expiry, not-yet-valid, minimum version). What
 * `manifest verify` checks, and what `reply` trusts before encrypting to
 * the editors a manifest lists.
 * @throws CliError `manifest refused (<code>): ...`, or if a file cannot be read.
 */
export async function readVerifiedManifest(
  file: string,
  signatureFile: string,
  root: MinisignPublicKey,
  options: VerifyManifestOptions,
): Promise<KeyManifest> {
  const bytes = await readSmallFile(file, MAX_MANIFEST_BYTES);
  const signature = await readSmallText(signatureFile, MAX_KEY_FILE_BYTES);
  try {
    return verifyManifest(bytes, signature, root, options);
  } catch (error) {
    if (error instanceof ManifestError) throw new CliError(`manifest refused (${error.code}): ${error.message}`);
    throw error;
  }
}

/** `sealdrop manifest verify`. */
export async function manifestVerify(argv: readonly string[], io: CliIo): Promise<number> {
  const spec = SPECS.verify;
  const parsed = parseCommand(spec, argv, io);
  if (parsed === null) return EXIT_OK;
  const file = manifestFile(parsed, io, spec.name);
  const signatureFile = path.resolve(io.cwd, optionalString(parsed, 'signature', spec.name) ?? signatureFileOf(file));
  const root = await readRootPublicKey(path.resolve(io.cwd, requiredString(parsed, 'root-pub', spec.name)));
  const minimumVersion = integerOption(parsed, 'min-version', spec.name, { min: 1, max: Number.MAX_SAFE_INTEGER }) ?? 1;
  const atText = optionalString(parsed, 'at', spec.name);
  const now = atText === undefined ? io.now() : parseDateOption(atText, 'at');
  const manifest = await readVerifiedManifest(file, signatureFile, root, { now, minimumVersion });
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
  const warningDays =
    integerOption(parsed, 'warn-days', spec.name, { min: 0, max: 3660 }) ?? DEFAULT_MANIFEST_WARNING_DAYS;
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
  const expiry = manifestExpiry(manifest.expires, io.now(), warningDays);
  if (expiry.warn) lines.push(`  WARNING: ${describeManifestExpiry(manifest.version, manifest.expires, expiry)}`);
  const rootPub = optionalString(parsed, 'root-pub', spec.name);
  if (!draft.signed) {
    lines.push('  signature: none (unsigned draft)');
  } else if (rootPub !== undefined) {
    const root = await readRootPublicKey(path.resolve(io.cwd, rootPub));
    const signature = await readSmallText(signatureFileOf(draft.file), MAX_KEY_FILE_BYTES);
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
