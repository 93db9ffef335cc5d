#!/usr/bin/env node
/**
 * The `sealdrop` command (package.json "bin"): wires the real terminal,
 * streams and clock into the dispatcher. See docs/CLI.md.
 */
import { guardWasmAbortInProcess } from '../client/core-node/wasm-abort-guard.js';
import { runCli } from './cli/main.js';
import type { CliIo } from './cli/io.js';
import { terminalPassphrase } from './cli/passphrase.js';

const io: CliIo = {
  stdout: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY },
  stderr: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY },
  passphrase: terminalPassphrase,
  stdin: { isTTY: process.stdin.isTTY, read: () => process.stdin },
  env: process.env,
  now: () => new Date(),
  cwd: process.cwd(),
};

guardWasmAbortInProcess();
process.exitCode = await runCli(process.argv.slice(2), io);
