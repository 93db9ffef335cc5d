/**
 * `npm start`: the portal on a built-in demo newsroom, on 127.0.0.1.
 *
 * Creates (once) a demo root key, editor identity and signed manifest under
 * `demo/` (git-ignored), then starts both listeners with that folder as keys
 * and data. Any `SEALDROP_*` variable still applies (ports, limits, static
 * folder), except the mode, which is always demo here: this is the only way
 * the demo runs. `node dist/server/main.js` starts production
 * (docs/OPERATIONS.md).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardWasmAbortInProcess } from '../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../client/core/sodium.js';
import { ConfigError, DEFAULTS, parseConfig } from '../server/config.js';
import { demoServerSettings, prepareDemoNewsroom } from './demo.js';
import { createLogger } from '../server/logging.js';
import { StartupError, startServer } from '../server/main.js';

/** dist/scripts/start.js -> the repository root. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function isDirectory(directory: string): Promise<boolean> {
  try {
    return (await stat(directory)).isDirectory();
  } catch {
    return false;
  }
}

async function run(): Promise<void> {
  guardWasmAbortInProcess();
  await loadSodium();
  const demo = await prepareDemoNewsroom(path.join(repoRoot, 'demo'));
  const staticSetting = process.env.SEALDROP_STATIC_DIR ?? DEFAULTS.SEALDROP_STATIC_DIR;
  const builtClient = path.resolve(repoRoot, staticSetting);
  // Until the browser client is built, a plain page shows the server is up.
  const staticDir = (await isDirectory(builtClient))
    ? builtClient
    : path.join(repoRoot, 'server', 'placeholder-client');
  const config = parseConfig(
    {
      ...process.env,
      ...demoServerSettings(demo, staticDir),
    },
    repoRoot,
  );
  const running = await startServer(config, createLogger(config.logLevel));
  const rule = '!'.repeat(78);
  process.stderr.write(
    [
      '',
      rule,
      '!!  DEMO NEWSROOM: NOT FOR REAL SOURCES.',
      "!!  The demo editor secret key sits UNENCRYPTED on this server's disk, so",
      '!!  anyone with this disk can read every submission. For real use, create',
      '!!  keys offline and start in production mode (docs/OPERATIONS.md).',
      rule,
      '',
      `  source page (what a source opens):  ${running.sourceUrl}`,
      `  editor API (for the editor tools):  ${running.editorUrl}`,
      `  demo editor identity (age):         ${demo.identityFile}`,
      `  demo editor access key:             ${demo.accessKeyFile}`,
      `  submissions are stored in:          ${demo.dataDir}`,
      staticDir === builtClient ? '' : `  (client not built yet: serving a placeholder page from ${staticDir})`,
      '',
      '  pull submissions (after npm run build):',
      `    node dist/scripts/sealdrop.cjs pull --server ${running.editorUrl} --access-key ${demo.accessKeyFile} --out pulled`,
      '  decrypt a stored submission with:  age -d -i <identity> <file>.age | tar x',
      '  stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

run().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`sealdrop: ${error.message}\n`);
  } else {
    process.stderr.write(`sealdrop: the demo failed to start: ${String(error)}\n`);
  }
  process.exitCode = 1;
});
