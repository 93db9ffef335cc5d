/**
 * Starts the server: checks the configuration and the disk, loads the signed
 * manifest, opens storage (repairing what a crash left, expiring old
 * replies), and opens the two
 * listeners. Run directly (`node dist/server/main.js`) it reads its
 * configuration from `SEALDROP_*` environment variables (see
 * docs/OPERATIONS.md), runs in production mode unless demo is asked for
 * explicitly, and logs one JSON line per request to stdout. Every start-up
 * failure is one line on stderr naming the setting and what to do.
 */
import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardWasmAbortInProcess } from '../client/core-node/wasm-abort-guard.js';
import { MANIFEST_FILE_NAME } from '../client/core/manifest.js';
import { loadSodium } from '../client/core/sodium.js';
import { createEditorApp, createSourceApp } from './app.js';
import { ConfigError, parseConfig, type ServerConfig } from './config.js';
import { configureListener } from './listener-settings.js';
import { createLogger, type Logger } from './logging.js';
import { checkBundledTrust } from './manifest/bundle-pin.js';
import { startExpiryWarnings } from './manifest/expiry-warnings.js';
import { ManifestLoadError, ManifestStore } from './manifest/manifest-store.js';
import { startPeriodicTask } from './periodic-task.js';
import { findSecretKeyFiles } from './secret-scan.js';
import {
  checkDataDir,
  checkReadableDir,
  listenFailure,
  StartupError,
  type ListenerSettings,
} from './startup-checks.js';
import { startDayBoundary } from './storage/day-sweep.js';
import { storageFaults } from './storage/disk-faults.js';
import { openStores } from './storage/open-stores.js';
import { startSubmissionRetention } from './storage/submission-retention.js';

export { StartupError } from './startup-checks.js';

/** How often replies and tombstones past retention are deleted (also once at start-up). */
export const REPLY_EXPIRY_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface RunningServer {
  readonly sourceUrl: string;
  readonly editorUrl: string;
  readonly manifests: ManifestStore;
  /** Stops accepting connections and waits for both listeners to close. */
  close(): Promise<void>;
}

const SOURCE_LISTENER: ListenerSettings = { host: 'SEALDROP_SOURCE_HOST', port: 'SEALDROP_SOURCE_PORT' };
const EDITOR_LISTENER: ListenerSettings = { host: 'SEALDROP_EDITOR_HOST', port: 'SEALDROP_EDITOR_PORT' };

function listen(
  app: ReturnType<typeof createSourceApp>,
  settings: ListenerSettings,
  host: string,
  port: number,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => {
      resolve(server);
    });
    server.once('error', (error) => {
      reject(listenFailure(settings, host, port, error) ?? error);
    });
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

/**
 * What the start-up log line records: the mode, the manifest served, both
 * listeners (the configured addresses, never a client's) and every limit,
 * so an admin can check from the log alone what is running.
 */
export function startupRecord(
  config: ServerConfig,
  manifests: ManifestStore,
  sourceUrl: string,
  editorUrl: string,
): Record<string, unknown> {
  const { manifest } = manifests.current();
  return {
    mode: config.mode,
    manifestVersion: manifest.version,
    manifestExpires: manifest.expires,
    sourceUrl,
    editorUrl,
    limits: {
      maxSubmissionBytes: config.maxSubmissionBytes,
      storageQuotaBytes: config.storageQuotaBytes,
      maxChunkBytes: config.maxChunkBytes,
      maxConcurrentUploads: config.maxConcurrentUploads,
      uploadExpirySeconds: config.uploadExpirySeconds,
      rateLimitPerMinute: config.rateLimitPerMinute,
      maxConnections: config.maxConnections,
      bodyIdleSeconds: config.bodyIdleSeconds,
      maxReplyBytes: config.maxReplyBytes,
      maxRepliesPerMailbox: config.maxRepliesPerMailbox,
      replyRetentionDays: config.replyRetentionDays,
      submissionRetentionDays: config.submissionRetentionDays,
    },
  };
}

/**
 * Starts both listeners for `config`.
 * @throws StartupError, one line naming the setting: a missing static or keys
 *   folder, a data folder that is not a writable folder, secret keys on disk
 *   (production), no usable signed manifest or root key, a built client that
 *   does not fit them, a listener that cannot open.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  await checkReadableDir(
    'SEALDROP_STATIC_DIR',
    config.staticDir,
    'build the client into it: node dist/scripts/build-client.js ' +
      `--root-key ${config.rootPublicKeyFile} --manifest ${path.join(config.keysDir, MANIFEST_FILE_NAME)} --out ${config.staticDir}`,
  );
  await checkReadableDir(
    'SEALDROP_KEYS_DIR',
    config.keysDir,
    'create it and copy root.pub, manifest.json and manifest.json.minisig into it',
  );
  await checkDataDir(config.dataDir);
  if (config.mode === 'production') {
    const secrets = await findSecretKeyFiles([config.dataDir, config.keysDir]);
    if (secrets.length > 0) {
      throw new StartupError(
        `refusing to start: secret key files under SEALDROP_DATA_DIR or SEALDROP_KEYS_DIR: ${secrets.join(', ')}; ` +
          'move them to an offline machine, the server needs only public keys',
      );
    }
  }
  await loadSodium();
  let manifests: ManifestStore;
  try {
    manifests = await ManifestStore.open(config, { logger });
    // The built client must trust this root key and accept the version served.
    await checkBundledTrust(config, manifests.current());
  } catch (error) {
    if (error instanceof ManifestLoadError) throw new StartupError(error.message);
    throw error;
  }
  // A full disk answers 507 and is logged once per episode (storage/disk-faults.ts).
  storageFaults.reportTo(logger);
  const { submissions, uploads, mailboxes } = await openStores(config.dataDir, config);
  await mailboxes.expire();
  // Expired submissions go before anyone can list them; then daily.
  const submissionSweep = await startSubmissionRetention(submissions, manifests, (error) => {
    logger.error({ err: error }, 'expiring submissions failed');
  });
  // Times on disk cut to the day: file pool and sweep, now and at each UTC midnight (storage/day-sweep.ts).
  const dayBoundary = await startDayBoundary(config.dataDir, {
    onError: (error) => {
      logger.error({ err: error }, 'day boundary sweep failed');
    },
  });
  const deps = {
    logger,
    uploads,
    submissions,
    mailboxes,
    manifests,
    staticDir: config.staticDir,
    rateLimitPerMinute: config.rateLimitPerMinute,
    tokenTtlSeconds: config.tokenTtlSeconds,
    bodyIdleSeconds: config.bodyIdleSeconds,
    manifestWarningDays: config.manifestWarningDays,
  };
  // Nothing started above outlives a start that fails here.
  const stopBackground = (): void => {
    submissionSweep.stop();
    dayBoundary.stop();
  };
  const sourceServer = await listen(
    createSourceApp(deps),
    SOURCE_LISTENER,
    config.source.host,
    config.source.port,
  ).catch((error: unknown) => {
    stopBackground();
    throw error;
  });
  const editorServer = await listen(
    createEditorApp(deps),
    EDITOR_LISTENER,
    config.editor.host,
    config.editor.port,
  ).catch(async (error: unknown) => {
    stopBackground();
    await closeServer(sourceServer);
    throw error;
  });
  configureListener(sourceServer, { listener: 'source', maxConnections: config.maxConnections, logger });
  configureListener(editorServer, { listener: 'editor', maxConnections: config.maxConnections, logger });
  const uploadSweep = startPeriodicTask(
    Math.min(config.uploadExpirySeconds * 250, 10 * 60 * 1000),
    () => uploads.expire(),
    (error) => {
      logger.error({ err: error }, 'expiring uploads failed');
    },
  );
  const expiryWarnings = startExpiryWarnings(manifests, logger, config.manifestWarningDays);
  const replySweep = startPeriodicTask(
    REPLY_EXPIRY_INTERVAL_MS,
    () => mailboxes.expire(),
    (error) => {
      logger.error({ err: error }, 'expiring replies failed');
    },
  );

  const sourceUrl = urlOf(sourceServer);
  const editorUrl = urlOf(editorServer);
  logger.info(startupRecord(config, manifests, sourceUrl, editorUrl), 'listening');
  if (config.mode === 'demo') logger.warn({ mode: config.mode }, 'demo mode: not for real sources');
  return {
    sourceUrl,
    editorUrl,
    manifests,
    async close() {
      logger.info('shutting down');
      uploadSweep.stop();
      replySweep.stop();
      submissionSweep.stop();
      expiryWarnings.stop();
      dayBoundary.stop();
      await Promise.all([closeServer(sourceServer), closeServer(editorServer)]);
      // A clean restart resumes uploads exactly where their clients stopped.
      await uploads.checkpointAll().catch((error: unknown) => {
        logger.error({ err: error }, 'checkpointing uploads failed');
      });
      logger.info('stopped');
    },
  };
}

/** How `main.js` is started: `--production` (the default) or `--demo`; nothing else. */
const USAGE = 'usage: main.js [--production | --demo]';

/**
 * The environment `main.js` reads, with its mode settled: production unless
 * `--demo` or `SEALDROP_MODE=demo` asks otherwise (only `npm start` should),
 * so a forgotten flag never skips production's checks.
 * @returns the environment, or a usage problem.
 */
export function modeEnvironment(argv: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | string {
  const unknown = argv.find((argument) => argument !== '--production' && argument !== '--demo');
  if (unknown !== undefined) return `unknown argument ${unknown.slice(0, 60)}`;
  const production = argv.includes('--production');
  const demo = argv.includes('--demo');
  if (production && demo) return '--production and --demo exclude each other';
  const given = env.SEALDROP_MODE?.trim() ?? '';
  if ((production && given === 'demo') || (demo && given === 'production')) {
    return `--${production ? 'production' : 'demo'} contradicts SEALDROP_MODE=${given}`;
  }
  const mode = demo ? 'demo' : production || given === '' ? 'production' : given;
  return { ...env, SEALDROP_MODE: mode };
}

/** One line for stderr: messages that list several things keep them on that line. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, '; ');
}

function fail(message: string, exitCode: number): null {
  process.stderr.write(`sealdrop server: ${oneLine(message)}\n`);
  process.exitCode = exitCode;
  return null;
}

/**
 * Command-line entry: configuration from the environment, production unless
 * demo is asked for. Never throws: every failure is a line on stderr and an
 * exit status (2: usage or configuration, 1: the server cannot start).
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningServer | null> {
  const settled = modeEnvironment(argv, env);
  if (typeof settled === 'string') return fail(`${settled}; ${USAGE}`, 2);
  let config: ServerConfig;
  try {
    config = parseConfig(settled, process.cwd());
  } catch (error) {
    if (!(error instanceof ConfigError)) return fail(`invalid configuration: ${String(error)}`, 2);
    // One line per problem: every setting to fix, at once.
    for (const problem of error.problems) process.stderr.write(`sealdrop server: ${oneLine(problem)}\n`);
    process.exitCode = 2;
    return null;
  }
  const logger = createLogger(config.logLevel);
  // Handlers first: a signal that arrives while starting, or the instant after the
  // start-up line, must stop the server cleanly, not kill it mid-write.
  let running: RunningServer | null = null;
  const signalled = { stopping: false };
  const shutDown = (server: RunningServer): void => {
    // pino writes asynchronously: an earlier line still on its way when exit() flushes the
    // rest synchronously would land after them (seen under load: "signal received" last).
    void server.close().then(() => {
      const exit = (): never => process.exit(0);
      // A stdout that takes nothing more must not keep a stopped server alive.
      setTimeout(exit, 2000).unref();
      logger.flush(exit);
    });
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled.stopping) return;
    signalled.stopping = true;
    logger.info({ signal }, 'signal received');
    if (running !== null) shutDown(running);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    running = await startServer(config, logger);
    if (signalled.stopping) shutDown(running);
    return running;
  } catch (error) {
    if (error instanceof StartupError) return fail(error.message, 1);
    // Anything the checks did not foresee still ends in one line, not a stack trace.
    const code = (error as { code?: unknown } | null)?.code;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return fail(`cannot start: ${name}${typeof code === 'string' ? ` ${code}` : ''}: ${message}`, 1);
  }
}

// Compared by real path: started through a symlink (a deploy's `current -> release-N`,
// an installed package's bin), argv[1] is the link and import.meta.url the file.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  guardWasmAbortInProcess();
  await main(process.argv.slice(2), process.env);
}
