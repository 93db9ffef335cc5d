/**
 * `sealdrop publish`: upload a signed manifest to the editor listener. No
 * login: the root key's signature, not an editor's, is what makes a manifest
 * valid, and the server verifies it against the root key it was configured
 * with and refuses anything not newer than what it serves. So an admin needs
 * only the manifest files (and, to check them first, the root public key).
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
import { PROXY_OPTION, transportFor } from './http-transport.js';
import { MAX_KEY_FILE_BYTES, readSmallFile, readSmallText } from './files.js';
import { CliError, EXIT_OK, type CliIo } from './io.js';
import { readRootPublicKey } from './key-files.js';

const SPEC: CommandSpec = {
  name: 'publish',
  summary:
    'Upload a signed manifest (FILE and FILE.minisig) to the editor listener, which switches to it if it verifies ' +
    'and is newer than the one it serves. No login: the root signature authorizes it. With --root-pub it is ' +
    'verified locally first.',
  usage: '--server URL [--manifest FILE] [--root-pub FILE] [--proxy URL]',
  options: {
    server: { type: 'string', value: 'URL', description: 'editor listener URL, e.g. http://127.0.0.1:8081' },
    manifest: { type: 'string', value: 'FILE', description: `signed manifest (default: ${MANIFEST_FILE_NAME})` },
    'root-pub': { type: 'string', value: 'FILE', description: 'root public key: verify before uploading' },
    proxy: PROXY_OPTION,
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
  const version = await EditorClient.publishManifest(
    server,
    new TextDecoder().decode(bytes),
    signature,
    transportFor(parsed, io, SPEC.name),
  );
  io.stdout.write(`published: the server now serves manifest version ${version}\n`);
  return EXIT_OK;
}
