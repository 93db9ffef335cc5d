/**
 * `sealdrop decrypt` of inputs large enough to open on worker threads (where
 * the machine has more than two cores: decryptWorkers; the tests ask for them): on one or two workers the
 * extracted files are byte for byte those of the single-thread path, of the
 * command and of the source's originals, and damaged ciphertext (a chunk
 * tampered with in the middle of a batch, a cut at a batch boundary, data
 * appended) is refused with the same message, nothing kept.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { SEALED_CHUNK_SIZE } from '../../client/core/stream.js';
import { DEFAULT_BATCH_CHUNKS } from '../../client/core-node/parallel-stream.js';
import {
  decryptSubmission,
  decryptWorkers,
  describeFailure,
  identitySources,
  openIdentities,
  PARALLEL_THRESHOLD_BYTES,
  type LabelledIdentity,
} from '../../scripts/cli/decrypt.js';
import type { CliIo } from '../../scripts/cli/io.js';
import {
  PASSPHRASE,
  listTree,
  makeEditorKeys,
  patternData,
  sealdrop,
  tempDir,
  writeSubmission,
  type EditorFiles,
} from './support.js';

/** Damage is placed against the default batches. */
const BATCH_CHUNKS = DEFAULT_BATCH_CHUNKS;

let dir: string;
let alice: EditorFiles;
let honest: Buffer;
let identities: LabelledIdentity[];
const large = patternData(PARALLEL_THRESHOLD_BYTES + 2.5 * 1024 * 1024 + 3, 7);
const small = patternData(70_000, 2);

const quiet: CliIo = {
  stdout: { write: () => undefined, isTTY: false },
  stderr: { write: () => undefined, isTTY: false },
  passphrase: () => Promise.resolve(PASSPHRASE),
  stdin: { isTTY: false, read: () => [] },
  env: {},
  now: () => new Date(),
  cwd: process.cwd(),
};

async function bytesOf(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

/** Where the payload's first sealed chunk starts: after the header's MAC line and the 16-byte nonce. */
function payloadStart(bytes: Buffer): number {
  const macLine = bytes.indexOf('\n---') + 1;
  return bytes.indexOf(10, macLine) + 1 + 16;
}

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir('sealdrop-parallel-');
  alice = await makeEditorKeys(dir, 'Alice');
  const file = path.join(dir, 'honest.age');
  await writeSubmission(
    [alice.recipient],
    {
      message: 'a large tip',
      files: [
        { name: 'archive.zip', type: 'application/zip', size: large.size, data: large.data() },
        { name: 'notes.txt', type: 'text/plain', size: small.size, data: small.data() },
      ],
    },
    file,
  );
  honest = await readFile(file);
  identities = await openIdentities(identitySources([alice.identity], [], quiet), quiet);
});
afterAll(async () => {
  for (const { identity } of identities) identity.wipe();
  await rm(dir, { recursive: true, force: true });
});

describe('decrypt on worker threads', () => {
  it('extracts on two workers exactly what the command and the single-thread path extract', async () => {
    const input = path.join(dir, 'large.age');
    await writeFile(input, honest);
    expect((await stat(input)).size).toBeGreaterThanOrEqual(PARALLEL_THRESHOLD_BYTES);

    const out = path.join(dir, 'out-cli');
    const result = await sealdrop(['decrypt', '--identity', alice.identity, '--out', out, input]);
    expect(result.code).toBe(0);
    const folder = path.join(out, 'large');
    expect(await listTree(folder)).toEqual([
      'files/001-archive.zip',
      'files/002-notes.txt',
      'message.txt',
      'submission.json',
    ]);
    expect((await readFile(path.join(folder, 'files/001-archive.zip'))).equals(await bytesOf(large.data()))).toBe(true);
    expect((await readFile(path.join(folder, 'files/002-notes.txt'))).equals(await bytesOf(small.data()))).toBe(true);

    for (const workers of [0, 2]) {
      const target = path.join(dir, `out-${workers}`);
      await mkdir(target);
      const summary = await decryptSubmission(input, identities, target, quiet, { workers });
      expect(await listTree(summary.folder)).toEqual(await listTree(folder));
      for (const name of await listTree(folder)) {
        const same = (await readFile(path.join(summary.folder, name))).equals(await readFile(path.join(folder, name)));
        expect(same).toBe(true);
      }
    }
  });

  it('reads the same with one worker as with two', async () => {
    const input = path.join(dir, 'one-worker.age');
    await writeFile(input, honest);
    const out = path.join(dir, 'out-one');
    await mkdir(out);
    const summary = await decryptSubmission(input, identities, out, quiet, { workers: 1 });
    expect(
      (await readFile(path.join(summary.folder, 'files/001-archive.zip'))).equals(await bytesOf(large.data())),
    ).toBe(true);
  });

  const start = (): number => payloadStart(honest);
  const damage: [string, () => Buffer, RegExp][] = [
    [
      'a chunk tampered with in the middle of a batch',
      () => {
        const bytes = Buffer.from(honest);
        bytes[start() + (BATCH_CHUNKS + BATCH_CHUNKS / 2) * SEALED_CHUNK_SIZE + 1234]! ^= 0x10;
        return bytes;
      },
      /\(payload chunk tampered with\)/,
    ],
    [
      'a cut at a batch boundary',
      // The batch boundary before the end: every chunk kept opens, none is final.
      () => {
        const batchBytes = BATCH_CHUNKS * SEALED_CHUNK_SIZE;
        return honest.subarray(0, start() + (Math.ceil((honest.length - start()) / batchBytes) - 1) * batchBytes);
      },
      /\(payload truncated or tampered with\)/,
    ],
    ['one byte appended', () => Buffer.concat([honest, Buffer.from([0])]), /ciphertext tampered with or truncated/],
    [
      'a whole chunk appended',
      () => Buffer.concat([honest, honest.subarray(start(), start() + SEALED_CHUNK_SIZE)]),
      /ciphertext tampered with or truncated/,
    ],
  ];

  it.each(damage)('refuses %s on workers as on one thread, keeping nothing', async (name, make, expected) => {
    const slug = name.replace(/\W+/g, '-');
    const input = path.join(dir, `${slug}.age`);
    await writeFile(input, make());
    expect((await stat(input)).size).toBeGreaterThanOrEqual(PARALLEL_THRESHOLD_BYTES);

    const out = path.join(dir, `out-${slug}`);
    const result = await sealdrop(['decrypt', '--identity', alice.identity, '--out', out, input]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(await listTree(out)).toEqual([]);

    const failures: (string | null)[] = [];
    for (const workers of [0, 2, 1]) {
      const target = path.join(dir, `out-${slug}-${workers}`);
      await mkdir(target);
      failures.push(
        await decryptSubmission(input, identities, target, quiet, { workers }).then(
          () => null,
          (error: unknown) => describeFailure(error),
        ),
      );
      expect(await listTree(target)).toEqual([]);
    }
    expect(failures[0]).toMatch(expected);
    expect(failures.slice(1)).toEqual([failures[0], failures[0]]);
    // After the progress line (a large input): the same line, whichever path the command took.
    expect(result.stderr.split('\n').slice(-2)).toEqual([`error: ${input}: ${failures[0]!}; nothing kept`, '']);
  });

  it('leaves two cores to the archive and the file system, and uses at most two workers', () => {
    expect([1, 2, 3, 4, 8].map(decryptWorkers)).toEqual([0, 0, 1, 2, 2]);
  });
});
