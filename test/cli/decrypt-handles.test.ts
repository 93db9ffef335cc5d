/**
 * `sealdrop decrypt` closes every file it opens, on every path: many inputs
 * for other keys, garbage, truncated and empty files, and names that do not
 * exist, decrypted by the compiled binary in one run. Each input costs the
 * reader's buffers, so the garbage collector runs during the run and would
 * close (with a Node warning) any handle left open.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { compiledBuild } from '../support/compiled-build.js';
import { nodeWarningsIn } from '../support/node-warnings.js';
import { tempDir, writeSubmission } from './support.js';

const COPIES = 30;

let bin: string;
let dir: string;

beforeAll(async () => {
  await loadSodium();
  bin = await compiledBuild();
  dir = await tempDir();
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('leaves no file handle for the garbage collector on any failing input', async () => {
  const mine = X25519Identity.generate();
  const other = X25519Identity.generate();
  const keyFile = path.join(dir, 'key.txt');
  await writeFile(keyFile, `${mine.format()}\n`, { mode: 0o600 });
  const inputs = path.join(dir, 'inputs');
  await mkdir(inputs);
  const forOther = path.join(dir, 'other.age');
  await writeSubmission([other.recipient().format()], { message: 'not for you', files: [] }, forOther);
  const mineFile = path.join(dir, 'mine.age');
  await writeSubmission([mine.recipient().format()], { message: 'for you', files: [] }, mineFile);
  const forOtherBytes = await readFile(forOther);
  const mineBytes = await readFile(mineFile);
  for (let i = 0; i < COPIES; i++) {
    const n = String(i).padStart(2, '0');
    await writeFile(path.join(inputs, `${n}-other.age`), forOtherBytes);
    await writeFile(path.join(inputs, `${n}-truncated.age`), mineBytes.subarray(0, mineBytes.length - 20));
    await writeFile(path.join(inputs, `${n}-garbage.age`), new Uint8Array(4096).fill(i));
  }
  await writeFile(path.join(inputs, 'empty.age'), '');
  const result = spawnSync(
    process.execPath,
    [bin, 'decrypt', '--identity', keyFile, '--out', path.join(dir, 'out'), inputs, path.join(dir, 'missing.age')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(result.status).toBe(1);
  expect(result.stdout).toContain(`decrypted 0 of ${3 * COPIES + 2} submission(s)`);
  expect(nodeWarningsIn(result.stderr)).toEqual([]);
  expect(result.stderr).toContain('00-other.age: not encrypted to any of the given identities; nothing kept');
  mine.wipe();
  other.wipe();
}, 120_000);
