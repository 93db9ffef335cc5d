/**
 * `sealdrop publish`: upload a signed manifest to the editor listener. The
 * server verifies it against the root key it was configured with and
 * refuses anything not newer than what it serves; logging in with an editor
 * access key is required by the API (any active editor's key will do: the
 * root signature, not the login, is what makes a manifest valid).
 */
import path from 'node:path';
import {
  MANIFEST_FILE_NAME,
  ManifestError,
  MAX_MANIFEST_BYTES,
  SIGNATURE_SUFFIX,
  verifyManifest,
} from '../../client/core/manifest.js';
import { optionalString, parseCommand, requiredString, type CommandSpec } from './args.js';
import { EditorClient, parseServerUrl } from './editor-client.js';
import { MAX_KEY_FILE_BYTES, readSmallFile, readSmallText } from './files.js';
import { CliError, EXIT_OK, type CliIo } from './io.js';
import { readRootPublicKey } from './key-files.js';
import { passphraseSource } from './passphrase.js';

const SPEC: CommandSpec = {
  name: 'publish',
  summary:
    'Upload a signed manifest (FILE and FILE.minisig) to the editor listener, which switches to it if it verifies ' +
    'and is newer than the one it serves. With --root-pub it is verified locally first.',
  usage: '--server URL --access-key FILE [--manifest FILE] [--root-pub FILE] [--passphrase-file FILE]',
  options: {
    server: { type: 'string', value: 'URL', description: 'editor listener URL, e.g. http://127.0.0.1:8081' },
    'access-key': { type: 'string', value: 'FILE', description: "an active editor's access key file" },
    manifest: { type: 'string', value: 'FILE', description: `signed manifest (default: ${MANIFEST_FILE_NAME})` },
    'root-pub': { type: 'string', value: 'FILE', description: 'root public key: verify before uploading' },
    'passphrase-file': {
      type: 'string',
      value: 'FILE',
      description: 'passphrase for the access key (instead of the terminal)',
    },
  },
};

/** `sealdrop publish`. */
export async function publishCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(SPEC, argv, io);
  if (parsed === null) return EXIT_OK;
  const server = parseServerUrl(requiredString(parsed, 'server', SPEC.name));
  const file = path.resolve(io.cwd, optionalString(parsed, 'manifest', SPEC.name) ?? MANIFEST_FILE_NAME);
  const bytes = await readSmallFile(file, MAX_MANIFEST_BYTES);
  const signature = await readSmallText(file + SIGNATURE_SUFFIX, MAX_KEY_FILE_BYTES).catch((error: unknown) => {
    if (error instanceof CliError)
      throw new CliError(
        `${file} is not signed (no ${path.basename(file)}${SIGNATURE_SUFFIX}): run sealdrop manifest sign`,
      );
    throw error;
  });
  const rootPub = optionalString(parsed, 'root-pub', SPEC.name);
  if (rootPub !== undefined) {
    try {
      verifyManifest(bytes, signature, await readRootPublicKey(path.resolve(io.cwd, rootPub)), { now: io.now() });
    } catch (error) {
      if (error instanceof ManifestError)
        throw new CliError(`manifest refused locally (${error.code}): ${error.message}`);
      throw error;
    }
  }
  const keyFile = path.resolve(io.cwd, requiredString(parsed, 'access-key', SPEC.name));
  const client = await EditorClient.loginWithKeyFile(
    server,
    keyFile,
    passphraseSource(io, optionalString(parsed, 'passphrase-file', SPEC.name)),
  );
  const version = await client.publishManifest(new TextDecoder().decode(bytes), signature);
  io.stdout.write(`published: the server now serves manifest version ${version}\n`);
  return EXIT_OK;
}
