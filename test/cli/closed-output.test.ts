/**
 * The real `sealdrop` binary when its output cannot be written
 * (scripts/cli/process-sink.ts): a reader that went away (`| head`) leaves
 * the command to finish its work, with no stack trace and its own exit
 * status; a full disk under its output is one line on stderr and a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { compiledBuild } from '../support/compiled-build.js';
import { tempDir, writeSubmission } from './support.js';

let bin: string;
let dir: string;
let key: string;
let input: string;
/** Decrypted after the first summary line was written: the work after the reader left. */
let second: string;
let fifos = 0;

beforeAll(async () => {
  await loadSodium();
  bin = await compiledBuild();
  dir = await tempDir('sealdrop-closed-output-');
  const identity = X25519Identity.generate();
  key = path.join(dir, 'key.txt');
  input = path.join(dir, 'tip.age');
  second = path.join(dir, 'second.age');
  await writeFile(key, formatIdentityFile(identity, new Date()), { mode: 0o600 });
  await writeSubmission([identity.recipient().format()], { message: 'read to the end', files: [] }, input);
  await writeSubmission([identity.recipient().format()], { message: 'and the next one', files: [] }, second);
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The write end of a pipe whose reader has already gone: every write to it
 * fails with EPIPE, from the first, whatever the timing (a FIFO, opened at
 * both ends, then its reading end closed).
 */
function pipeWithoutReader(): number {
  const fifo = path.join(dir, `fifo-${fifos++}`);
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  closeSync(reader);
  return writer;
}

/**
 * Run the bin with `stdout` (a file descriptor, closed here once the child has it) as its
 * standard output, and `stderr` too if given (else a pipe this test reads).
 */
function run(
  args: readonly string[],
  stdout: number,
  stderrFd?: number,
): Promise<{ status: number | null; stderr: string }> {
  let child;
  try {
    child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', stdout, stderrFd ?? 'pipe'] });
  } finally {
    closeSync(stdout);
    if (stderrFd !== undefined) closeSync(stderrFd);
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      resolve({ status, stderr });
    });
  });
}

/**
 * Both inputs extracted whole: the first output line is written (and fails) after the
 * first input, so the second shows that the command went on after it.
 */
async function expectBothExtracted(out: string): Promise<void> {
  expect(await readFile(path.join(out, 'tip', 'message.txt'), 'utf8')).toBe('read to the end');
  expect(await readFile(path.join(out, 'second', 'message.txt'), 'utf8')).toBe('and the next one');
}

test('help into a pipe nobody reads: status 0, nothing on stderr', async () => {
  expect(await run(['--help'], pipeWithoutReader())).toEqual({ status: 0, stderr: '' });
}, 30_000);

test('decrypt into a pipe nobody reads: it goes on after its first line is refused, status 0, no stack trace', async () => {
  const out = path.join(dir, 'out-closed');
  const result = await run(['decrypt', '--identity', key, '--out', out, input, second], pipeWithoutReader());
  expect(result).toEqual({ status: 0, stderr: '' });
  await expectBothExtracted(out);
}, 30_000);

test('decrypt with its output on a full disk (/dev/full): one line on stderr, status 1, the work all done', async () => {
  const out = path.join(dir, 'out-full');
  const result = await run(['decrypt', '--identity', key, '--out', out, input, second], openSync('/dev/full', 'w'));
  expect(result).toEqual({ status: 1, stderr: 'sealdrop: cannot write to standard output: ENOSPC\n' });
  await expectBothExtracted(out);
}, 30_000);

test('stdout and stderr both on a full disk: nothing can be said, status 1, the work all done', async () => {
  const out = path.join(dir, 'out-both-full');
  const result = await run(
    ['decrypt', '--identity', key, '--out', out, input, second],
    openSync('/dev/full', 'w'),
    openSync('/dev/full', 'w'),
  );
  expect(result.status).toBe(1);
  await expectBothExtracted(out);
}, 30_000);
