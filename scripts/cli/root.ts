/**
 * `sealdrop root init` and `sealdrop root fingerprint`: the newsroom's
 * offline root signing key, in minisign's formats (so `minisign -S/-V` work
 * on the same files), and the fingerprint sources compare.
 */
import path from 'node:path';
import { utf8, wipe } from '../../client/core/bytes.js';
import { rootFingerprint } from '../../client/core/manifest.js';
import { formatKeyId, formatPublicKeyFile, generateKeyPair } from '../../client/core/minisign.js';
import { formatSecretKeyFile } from '../../client/core/minisign-secret-key.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { integerOption, optionalString, parseCommand, requiredString, type CommandSpec } from './args.js';
import { exists, writeNewFile } from './files.js';
import { CliError, EXIT_OK, type CliIo } from './io.js';
import { minisignLimitsForLogN, readRootPublicKey } from './key-files.js';
import { checkNewPassphrase, passphraseSource } from './passphrase.js';

export const ROOT_SECRET_FILE = 'root.key';
export const ROOT_PUBLIC_FILE = 'root.pub';

/** The hidden work-factor option: tests only (documented in docs/CLI.md). */
export const SCRYPT_LOG_N_OPTION = {
  type: 'string',
  value: 'N',
  description: 'scrypt work factor log2(N), for tests only',
  hidden: true,
} as const;

const INIT: CommandSpec = {
  name: 'root init',
  summary:
    'Create the newsroom root signing key: root.key (minisign secret key, encrypted under a passphrase) ' +
    'and root.pub (minisign public key). Prints the fingerprint to publish.',
  usage: '[--out DIR] [--passphrase-file FILE]',
  options: {
    out: { type: 'string', value: 'DIR', description: 'folder for root.key and root.pub (default: current folder)' },
    'passphrase-file': {
      type: 'string',
      value: 'FILE',
      description: 'read the new passphrase from FILE instead of the terminal',
    },
    'scrypt-log-n': SCRYPT_LOG_N_OPTION,
  },
  details:
    'Keep root.key on an offline machine. root.pub and the fingerprint are public. Existing files are never overwritten.',
};

const FINGERPRINT: CommandSpec = {
  name: 'root fingerprint',
  summary: 'Print the fingerprint and key id of a root public key (what sources compare).',
  usage: '--root-pub FILE',
  options: { 'root-pub': { type: 'string', value: 'FILE', description: 'root public key file (root.pub)' } },
};

/** `sealdrop root init`. */
export async function rootInit(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(INIT, argv, io);
  if (parsed === null) return EXIT_OK;
  const outDir = path.resolve(io.cwd, optionalString(parsed, 'out', INIT.name) ?? '.');
  const logN = integerOption(parsed, 'scrypt-log-n', INIT.name, { min: 10, max: 22 });
  const secretFile = path.join(outDir, ROOT_SECRET_FILE);
  const publicFile = path.join(outDir, ROOT_PUBLIC_FILE);
  for (const file of [secretFile, publicFile]) {
    if (await exists(file)) throw new CliError(`${file}: already exists (not overwritten)`);
  }
  const ask = passphraseSource(io, optionalString(parsed, 'passphrase-file', INIT.name));
  const passphrase = utf8(checkNewPassphrase(await ask({ prompt: 'new passphrase for the root key', confirm: true })));
  const pair = generateKeyPair();
  try {
    const limits = logN === undefined ? {} : minisignLimitsForLogN(logN);
    const secretText = await formatSecretKeyFile(
      pair.secretKey,
      { passphrase, scrypt: nodeScrypt, ...limits },
      'sealdrop root secret key (minisign, encrypted)',
    );
    await writeNewFile(secretFile, secretText, 0o600);
    await writeNewFile(publicFile, formatPublicKeyFile(pair.publicKey));
  } finally {
    wipe(passphrase);
    wipe(pair.secretKey.secretKey);
  }
  io.stdout.write(
    `root key created\n` +
      `  secret key:  ${secretFile}  (keep offline)\n` +
      `  public key:  ${publicFile}\n` +
      `  key id:      ${formatKeyId(pair.publicKey.keyId)}\n` +
      `  fingerprint: ${rootFingerprint(pair.publicKey)}\n` +
      `publish the fingerprint where sources can compare it (print, website, social media)\n`,
  );
  return EXIT_OK;
}

/** `sealdrop root fingerprint`. */
export async function rootFingerprintCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(FINGERPRINT, argv, io);
  if (parsed === null) return EXIT_OK;
  const key = await readRootPublicKey(path.resolve(io.cwd, requiredString(parsed, 'root-pub', FINGERPRINT.name)));
  io.stdout.write(`key id:      ${formatKeyId(key.keyId)}\nfingerprint: ${rootFingerprint(key)}\n`);
  return EXIT_OK;
}
