#!/usr/bin/env node
/**
 * The `sealdrop` command (package.json "bin"): wires the real terminal,
 * streams and clock into the dispatcher. See docs/CLI.md.
 */
import { guardWasmAbortInProcess } from '../client/core-node/wasm-abort-guard.js';
import { runCli } from './cli/main.js';
import type { CliIo } from './cli/io.js';
import { terminalPassphrase } from './cli/passphrase.js';
import { ProcessOutput } from './cli/process-sink.js';

const output = new ProcessOutput();
const io: CliIo = {
  stdout: output.sink(process.stdout),
  stderr: output.sink(process.stderr),
  passphrase: terminalPassphrase,
  // A getter: the first touch of process.stdin builds its stream (milliseconds of
  // start-up), and most commands never read it.
  stdin: {
    get isTTY() {
      return process.stdin.isTTY;
    },
    read: () => process.stdin,
  },
  env: process.env,
  now: () => new Date(),
  cwd: process.cwd(),
};

guardWasmAbortInProcess();
// No top-level await: the bundle (scripts/build-cli.ts) is CommonJS, which has none.
void runCli(process.argv.slice(2), io).then((code) => {
  output.finish(code);
});
