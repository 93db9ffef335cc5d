/**
 * Starts the server: checks the configuration and the disk, loads the signed
 * manifest, opens storage (repairing what a crash left, expiring old
 * replies), and opens the two
 * listeners. Run directly (`node dist/server/main.js [--production]`) it reads
 * its configuration from `SEALDROP_*` environment variables (see
 * docs/OPERATIONS.md) and logs one JSON line per request to stdout.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MinisignError, parsePublicKeyFile, type MinisignPublicKey } from '../client/core/minisign.js';
import { guardWasmAbortInProcess } from '../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../client/core/sodium.js';
import { createEditorApp, createSourceApp } from './app.js';
import { ConfigError, parseConfig, type ServerConfig } from './config.js';
import { errorBody } from './errors.js';
import { createLogger, type Logger } from './logging.js';
import { MailboxStore } from './mailboxes/mailbox-store.js';
import { ManifestLoadError, ManifestStore, readRootPublicKey } from './manifest/manifest-store.js';
import { startPeriodicTask } from './periodic-task.js';
import { findSecretKeyFiles } from './secret-scan.js';
import { SubmissionStore } from './storage/submission-store.js';
import { UploadStore } from './uploads/upload-store.js';

/** The server refuses to start; the message says why and what to fix. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** How often replies and tombstones past retention are deleted (also once at start-up). */
export const REPLY_EXPIRY_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface RunningServer {
  readonly sourceUrl: string;
  readonly editorUrl: string;
  readonly manifests: ManifestStore;
  /** Stops accepting connections and waits for both listeners to close. */
  close(): Promise<void>;
}

function listen(app: ReturnType<typeof createSourceApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => {
      resolve(server);
    });
    server.once('error', reject);
  });
}

function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

async function isDirectory(directory: string): Promise<boolean> {
  try {
    return (await stat(directory)).isDirectory();
  } catch {
    return false;
  }
}

function sameKey(a: MinisignPublicKey, b: MinisignPublicKey): boolean {
  return Buffer.from(a.keyId).equals(Buffer.from(b.keyId)) && Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey));
}

/**
 * The built client carries the root key it checks manifests against
 * (`<staticDir>/root.pub`). If that is not the key the server's manifests are
 * signed with, the page would refuse every manifest and no source could
 * submit: refuse to start instead. Comment lines may differ; the key may not.
 * A build without root.pub (it refuses to encrypt anyway) is not checked.
 * @throws StartupError naming both files and the settings.
 */
export async function checkBundledRootKey(config: ServerConfig): Promise<void> {
  const bundled = path.join(config.staticDir, 'root.pub');
  let text: string;
  try {
    text = await readFile(bundled, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let bundledKey: MinisignPublicKey;
  try {
    bundledKey = parsePublicKeyFile(text);
  } catch (error) {
    if (!(error instanceof MinisignError)) throw error;
    throw new StartupError(
      `SEALDROP_STATIC_DIR: ${bundled} is not a minisign public key file (${error.message}); rebuild the client`,
    );
  }
  let configuredKey: MinisignPublicKey;
  try {
    configuredKey = await readRootPublicKey(config.rootPublicKeyFile);
  } catch (error) {
    if (error instanceof ManifestLoadError) throw new StartupError(error.message);
    throw error;
  }
  if (!sameKey(bundledKey, configuredKey)) {
    throw new StartupError(
      `root key mismatch: the built client's ${bundled} (SEALDROP_STATIC_DIR) is not the key in ` +
        `${config.rootPublicKeyFile} (SEALDROP_ROOT_PUBLIC_KEY_FILE), so the page would refuse every manifest.\n` +
        `rebuild the client with \`node dist/scripts/build-client.js --root-key ${config.rootPublicKeyFile} --out ${config.staticDir}\`, ` +
        'or set SEALDROP_ROOT_PUBLIC_KEY_FILE to the key the client was built with.',
    );
  }
}

/**
 * Starts both listeners for `config`.
 * @throws StartupError (bad static folder, secret keys on disk in production,
 *   no valid signed manifest, unreadable root key, a built client that
 *   trusts another root key).
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  if (!(await isDirectory(config.staticDir))) {
    throw new StartupError(`SEALDROP_STATIC_DIR: ${config.staticDir} is not a directory (build the client first)`);
  }
  if (config.mode === 'production') {
    const secrets = await findSecretKeyFiles([config.dataDir, config.keysDir]);
    if (secrets.length > 0) {
      throw new StartupError(
        `refusing to start: secret key files under the data or keys folder:\n  ${secrets.join('\n  ')}\n` +
          'move them to an offline machine; the server needs only public keys.',
      );
    }
  }
  await loadSodium();
  let manifests: ManifestStore;
  try {
    manifests = await ManifestStore.open(config);
  } catch (error) {
    if (error instanceof ManifestLoadError) throw new StartupError(error.message);
    throw error;
  }
  await checkBundledRootKey(config);
  const submissions = await SubmissionStore.open(config.dataDir);
  const uploads = await UploadStore.open(config.dataDir, submissions, config);
  // Replies count toward the same storage quota as submissions and uploads.
  const mailboxes = await MailboxStore.open(config.dataDir, config, uploads.quota);
  await mailboxes.expire();
  const deps = {
    logger,
    uploads,
    submissions,
    mailboxes,
    manifests,
    staticDir: config.staticDir,
    rateLimitPerMinute: config.rateLimitPerMinute,
    tokenTtlSeconds: config.tokenTtlSeconds,
  };
  const sourceServer = await listen(createSourceApp(deps), config.source.host, config.source.port);
  const editorServer = await listen(createEditorApp(deps), config.editor.host, config.editor.port).catch(
    async (error: unknown) => {
      await closeServer(sourceServer);
      throw error;
    },
  );
  for (const server of [sourceServer, editorServer]) {
    // Slow uploads over Tor must not be cut off by Node's default request timeout.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    // Requests Node's parser rejects still get the JSON error shape.
    server.on('clientError', (_error, socket) => {
      if (socket.writable) {
        const body = JSON.stringify(errorBody('INVALID_BODY'));
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
        );
      } else {
        socket.destroy();
      }
    });
  }
  const uploadSweep = startPeriodicTask(
    Math.min(config.uploadExpirySeconds * 250, 10 * 60 * 1000),
    () => uploads.expire(),
    (error) => {
      logger.error({ err: error }, 'expiring uploads failed');
    },
  );
  const replySweep = startPeriodicTask(
    REPLY_EXPIRY_INTERVAL_MS,
    () => mailboxes.expire(),
    (error) => {
      logger.error({ err: error }, 'expiring replies failed');
    },
  );

  const sourceUrl = urlOf(sourceServer);
  const editorUrl = urlOf(editorServer);
  logger.info({ sourceUrl, editorUrl, manifestVersion: manifests.current().manifest.version }, 'listening');
  return {
    sourceUrl,
    editorUrl,
    manifests,
    async close() {
      uploadSweep.stop();
      replySweep.stop();
      await Promise.all([closeServer(sourceServer), closeServer(editorServer)]);
      // A clean restart resumes uploads exactly where their clients stopped.
      await uploads.checkpointAll().catch((error: unknown) => {
        logger.error({ err: error }, 'checkpointing uploads failed');
      });
    },
  };
}

/** Command-line entry: configuration from the environment, `--production` forces production mode. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningServer | null> {
  const unknown = argv.filter((argument) => argument !== '--production');
  if (unknown.length > 0) {
    process.stderr.write(`sealdrop server: unknown argument ${unknown[0]!}\nusage: main.js [--production]\n`);
    process.exitCode = 2;
    return null;
  }
  let config: ServerConfig;
  try {
    config = parseConfig(argv.includes('--production') ? { ...env, SEALDROP_MODE: 'production' } : env, process.cwd());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sealdrop server: ${error.message}\n`);
    process.exitCode = 2;
    return null;
  }
  const logger = createLogger(config.logLevel);
  try {
    const running = await startServer(config, logger);
    const stop = (): void => {
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return running;
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`sealdrop server: ${error.message}\n`);
    process.exitCode = 1;
    return null;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  guardWasmAbortInProcess();
  await main(process.argv.slice(2), process.env);
}
