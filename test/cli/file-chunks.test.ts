// Reading a file in pieces: fresh buffers or a ring of reused ones give the
// same bytes; with a ring every piece but the last is full, also from a pipe.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileChunks } from '../../scripts/cli/file-chunks.js';
import { patternBytes } from '../support/age-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-chunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Copies each piece before the next is pulled, as a ring's consumer must. */
async function pieces(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of source) out.push(piece.slice());
  return out;
}

const joined = (parts: readonly Uint8Array[]): Buffer => Buffer.concat(parts);

test('a ring of reused buffers yields the same bytes as fresh buffers, in full pieces', async () => {
  const data = patternBytes(10_000 + 7, 3);
  const file = path.join(dir, 'data.bin');
  await writeFile(file, data);
  const fresh = await pieces(readFileChunks(file, { pieceBytes: 1000 }));
  const ring = await pieces(readFileChunks(file, { pieceBytes: 1000, ring: 4 }));
  expect(joined(fresh).equals(Buffer.from(data))).toBe(true);
  expect(joined(ring).equals(Buffer.from(data))).toBe(true);
  expect(ring.map((piece) => piece.length)).toEqual([...Array<number>(10).fill(1000), 7]);
});

test('with a ring, short reads from a pipe are joined into full pieces', async () => {
  const fifo = path.join(dir, 'pipe');
  const made = spawn('mkfifo', [fifo]);
  await new Promise((resolve) => made.on('close', resolve));
  const data = patternBytes(300_000, 5);
  const source = path.join(dir, 'source.bin');
  await writeFile(source, data);
  // The writer sends small writes with pauses, so the reader sees short reads.
  const writer = spawn(process.execPath, [
    '-e',
    `const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'w'); const data = fs.readFileSync(process.argv[2]);
     let at = 0; const step = () => { if (at >= data.length) { fs.closeSync(fd); return; }
       fs.writeSync(fd, data.subarray(at, at + 7000)); at += 7000; setTimeout(step, 1); }; step();`,
    fifo,
    source,
  ]);
  const ring = await pieces(readFileChunks(fifo, { pieceBytes: 65_552, ring: 4 }));
  await new Promise((resolve) => writer.on('close', resolve));
  expect(joined(ring).equals(Buffer.from(data))).toBe(true);
  expect(ring.slice(0, -1).every((piece) => piece.length === 65_552)).toBe(true);
});

test('a ring of fewer than 4 buffers is refused', async () => {
  await expect(pieces(readFileChunks(path.join(dir, 'data.bin'), { ring: 2 }))).rejects.toThrow(RangeError);
});
