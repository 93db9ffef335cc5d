/**
 * `sealdrop editor keygen`: an editor's keys. Three files, because they live
 * on three different places:
 *   <slug>-identity.age  age identity sealed under the passphrase: X25519,
 *                        or with --pq hybrid ML-KEM-768 + X25519 (what
 *                        `age-keygen -pq` makes); the offline decryption
 *                        machine only;
 *   <slug>-access.age    Ed25519 access key sealed under the same passphrase:
 *                        the online machine that pulls;
 *   <slug>.pub.json      the public half, for the admin's manifest.
 */
import path from 'node:path';
import { sealIdentityFile, type FileIdentity } from '../../client/core/identity-file.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { DEFAULT_SCRYPT_LOG_N } from '../../client/core/scrypt.js';
import { sealDocument } from '../../client/core/sealed-document.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { flag, integerOption, optionalString, parseCommand, requiredString, type CommandSpec } from './args.js';
import { exists, writeNewFile } from './files.js';
import { CliError, EXIT_OK, type CliIo } from './io.js';
import {
  ACCESS_FILE_SUFFIX,
  IDENTITY_FILE_SUFFIX,
  PUBLIC_FILE_SUFFIX,
  accessPublicKeyText,
  checkEditorKeys,
  formatAccessKey,
  formatEditorPublicFile,
  generateAccessKey,
} from './key-files.js';
import { checkNewPassphrase, passphraseSource } from './passphrase.js';
import { SCRYPT_LOG_N_OPTION } from './root.js';

const KEYGEN: CommandSpec = {
  name: 'editor keygen',
  summary:
    "Create an editor's keys: an age identity and an Ed25519 access key, both sealed under one passphrase " +
    '(standard `age -d` opens them), and a public file to hand to the admin.',
  usage: '--name NAME [--pq] [--out DIR] [--prefix PREFIX] [--passphrase-file FILE]',
  options: {
    pq: {
      type: 'boolean',
      description:
        'a hybrid post-quantum identity (ML-KEM-768 + X25519, age1pq1...) instead of a classic X25519 one; ' +
        'a manifest is all hybrid or all classic',
    },
    name: { type: 'string', value: 'NAME', description: 'the name shown in the manifest (unique in the newsroom)' },
    out: { type: 'string', value: 'DIR', description: 'folder for the three files (default: current folder)' },
    prefix: { type: 'string', value: 'PREFIX', description: 'file name prefix (default: derived from the name)' },
    'passphrase-file': {
      type: 'string',
      value: 'FILE',
      description: 'read the new passphrase from FILE instead of the terminal',
    },
    'scrypt-log-n': SCRYPT_LOG_N_OPTION,
  },
  details:
    'Keep PREFIX-identity.age on the offline machine (it decrypts submissions); copy PREFIX-access.age to the\n' +
    'machine that runs `sealdrop pull`; give PREFIX.pub.json to the admin. Existing files are never overwritten.\n' +
    'A --pq identity opens with age >= 1.3, age-plugin-pq or typage, and sealdrop decrypt (docs/KEYS.md).',
};

/** A file-name prefix from a display name: letters and digits, runs of anything else as `-`. */
export function filePrefix(name: string): string {
  const slug = name
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'editor' : Array.from(slug).slice(0, 48).join('');
}

/** `sealdrop editor keygen`. */
export async function editorKeygen(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(KEYGEN, argv, io);
  if (parsed === null) return EXIT_OK;
  const name = requiredString(parsed, 'name', KEYGEN.name).normalize('NFC');
  const outDir = path.resolve(io.cwd, optionalString(parsed, 'out', KEYGEN.name) ?? '.');
  const prefix = optionalString(parsed, 'prefix', KEYGEN.name) ?? filePrefix(name);
  if (prefix.includes('/') || prefix.startsWith('.')) throw new CliError('--prefix must be a plain file name prefix');
  const logN = integerOption(parsed, 'scrypt-log-n', KEYGEN.name, { min: 10, max: 22 }) ?? DEFAULT_SCRYPT_LOG_N;

  const identity: FileIdentity = flag(parsed, 'pq') ? HybridIdentity.generate() : X25519Identity.generate();
  const access = generateAccessKey(name);
  try {
    const keys = checkEditorKeys({
      name,
      recipient: identity.recipient().format(),
      accessKey: accessPublicKeyText(access),
    });
    const files = {
      identity: path.join(outDir, `${prefix}${IDENTITY_FILE_SUFFIX}`),
      access: path.join(outDir, `${prefix}${ACCESS_FILE_SUFFIX}`),
      public: path.join(outDir, `${prefix}${PUBLIC_FILE_SUFFIX}`),
    };
    for (const file of Object.values(files)) {
      if (await exists(file)) throw new CliError(`${file}: already exists (not overwritten)`);
    }
    const ask = passphraseSource(io, optionalString(parsed, 'passphrase-file', KEYGEN.name));
    const passphrase = checkNewPassphrase(await ask({ prompt: `new passphrase for ${name}'s keys`, confirm: true }));
    const sealedIdentity = await sealIdentityFile(identity, passphrase, nodeScrypt, logN, io.now());
    const plainAccess = formatAccessKey(access);
    const sealedAccess = await sealDocument(plainAccess, passphrase, nodeScrypt, logN);
    plainAccess.fill(0);
    await writeNewFile(files.identity, sealedIdentity, 0o600);
    await writeNewFile(files.access, sealedAccess, 0o600);
    await writeNewFile(files.public, formatEditorPublicFile(keys));
    io.stdout.write(
      `editor keys created for ${keys.name}\n` +
        `  identity:   ${files.identity}  (offline machine only; opens with age -d)\n` +
        `  access key: ${files.access}  (the machine that pulls)\n` +
        `  public:     ${files.public}  (give to the admin)\n` +
        `  recipient:  ${keys.recipient}\n` +
        `  access public key: ${keys.accessKey}\n`,
    );
    return EXIT_OK;
  } finally {
    identity.wipe();
    access.secretKey.fill(0);
  }
}
