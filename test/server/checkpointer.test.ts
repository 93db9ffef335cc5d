/**
 * The per-upload durability state machine on its own, over real files: what
 * it records, what a checkpoint journals, and what it refuses to claim after
 * a failed sync, while paused, or once stopped. The store-level behaviour
 * (and the ordering of data sync before journal) is in checkpoints.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Checkpointer, type CheckpointFiles, type CheckpointPolicy } from '../../server/uploads/checkpointer.js';
import { parseJournal } from '../../server/uploads/received-spans.js';

/** Never by size, never by idle time, unless a test says otherwise. */
const MANUAL: CheckpointPolicy = { bytes: Number.MAX_SAFE_INTEGER, idleMs: 3_600_000 };

let dir: string;
let files: CheckpointFiles;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-checkpointer-'));
  files = { part: path.join(dir, 'x.part'), journal: path.join(dir, 'x.ranges') };
  await writeFile(files.part, new Uint8Array(100));
  await writeFile(files.journal, '');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function journal(): Promise<string> {
  return readFile(files.journal, 'utf8');
}

function record(checkpointer: Checkpointer, start: number, end: number): void {
  checkpointer.recordWrite(checkpointer.startWrite(), start, end);
}

async function waitForJournal(): Promise<string> {
  for (let waited = 0; waited < 5000; waited += 10) {
    const text = await journal();
    if (text !== '') return text;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return journal();
}

test('received bytes are told at once and become durable only at a checkpoint', async () => {
  const checkpointer = new Checkpointer(files, MANUAL);
  record(checkpointer, 0, 10);
  record(checkpointer, 20, 30);
  expect(checkpointer.offset()).toBe(10);
  expect(checkpointer.durableOffset()).toBe(0);
  expect(checkpointer.receivedSpans()).toEqual([
    { start: 0, end: 10 },
    { start: 20, end: 30 },
  ]);
  expect(await journal()).toBe('');

  await checkpointer.checkpoint();
  expect(await journal()).toBe('0 10\n20 30\n');
  expect(checkpointer.durableOffset()).toBe(10);
  // Nothing new: a checkpoint appends nothing.
  await checkpointer.checkpoint();
  expect(await journal()).toBe('0 10\n20 30\n');
});

test('starts from the journaled spans it is given', () => {
  const checkpointer = new Checkpointer(files, MANUAL, parseJournal('0 40\n', 100));
  expect(checkpointer.offset()).toBe(40);
  expect(checkpointer.durableOffset()).toBe(40);
  expect(checkpointer.covers(40)).toBe(true);
  expect(checkpointer.covers(41)).toBe(false);
});

test('a checkpoint asked for while one runs is served by a second pass', async () => {
  const checkpointer = new Checkpointer(files, MANUAL);
  record(checkpointer, 0, 10);
  const first = checkpointer.checkpoint();
  record(checkpointer, 10, 20); // after the first pass took its snapshot
  const second = checkpointer.checkpoint();
  expect(second).toBe(first);
  await second;
  expect(await journal()).toBe('0 10\n0 20\n');
  expect(checkpointer.durableOffset()).toBe(20);
});

test('a checkpoint starts by itself once enough bytes were received', async () => {
  const checkpointer = new Checkpointer(files, { bytes: 50, idleMs: 3_600_000 });
  record(checkpointer, 0, 49);
  await checkpointer.settle();
  expect(await journal()).toBe('');
  record(checkpointer, 49, 60);
  expect(await waitForJournal()).toBe('0 60\n');
});

test('an idle checkpoint follows the first unsynced byte', async () => {
  const checkpointer = new Checkpointer(files, { bytes: Number.MAX_SAFE_INTEGER, idleMs: 20 });
  record(checkpointer, 0, 5);
  expect(await waitForJournal()).toBe('0 5\n');
  // The journal is written before the pass records the bytes as durable.
  await checkpointer.settle();
  expect(checkpointer.durableOffset()).toBe(5);
});

test('a failed sync journals nothing and claims only the durable bytes', async () => {
  const checkpointer = new Checkpointer(files, MANUAL);
  record(checkpointer, 0, 10);
  await checkpointer.checkpoint();
  record(checkpointer, 10, 30);
  expect(checkpointer.offset()).toBe(30);
  await rm(files.part); // the data sync cannot even open its file
  await expect(checkpointer.checkpoint()).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await journal()).toBe('0 10\n');
  expect(checkpointer.offset()).toBe(10);
  expect(checkpointer.receivedSpans()).toEqual([{ start: 0, end: 10 }]);
});

test('a write that began before bytes were distrusted is not recorded; a later one is', () => {
  const checkpointer = new Checkpointer(files, MANUAL);
  record(checkpointer, 0, 10);
  const early = checkpointer.startWrite();
  checkpointer.distrustUnsynced();
  expect(checkpointer.offset()).toBe(0);
  checkpointer.recordWrite(early, 0, 20);
  expect(checkpointer.receivedSpans()).toEqual([]);
  record(checkpointer, 0, 20);
  expect(checkpointer.offset()).toBe(20);
});

test('while paused a checkpoint writes nothing; resuming arms one for what is unsynced', async () => {
  const checkpointer = new Checkpointer(files, { bytes: Number.MAX_SAFE_INTEGER, idleMs: 20 });
  record(checkpointer, 0, 10);
  await checkpointer.pause();
  await checkpointer.checkpoint();
  expect(await journal()).toBe('');
  expect(checkpointer.durableOffset()).toBe(0);
  checkpointer.resume();
  expect(await waitForJournal()).toBe('0 10\n');
});

test('once stopped no checkpoint writes, and resuming arms none', async () => {
  const checkpointer = new Checkpointer(files, { bytes: Number.MAX_SAFE_INTEGER, idleMs: 20 });
  record(checkpointer, 0, 10);
  checkpointer.stop();
  await checkpointer.checkpoint();
  checkpointer.resume();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await checkpointer.settle();
  expect(await journal()).toBe('');
  expect(checkpointer.durableOffset()).toBe(0);
});
