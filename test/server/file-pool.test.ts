/**
 * The pool new files are taken from (server/storage/file-pool.ts): a flood of
 * concurrent creates must each get a file, however many batches that takes,
 * and never a made-up "disk full".
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FilePool, placeNewFile, placeNewFolder } from '../../server/storage/file-pool.js';

describe('the file pool under concurrent takes', () => {
  let dir: string;
  let pool: FilePool;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-pool-'));
    pool = await FilePool.open(dir, { batch: 4, low: 1 });
  });
  afterEach(async () => {
    pool.close();
    await pool.settled();
    await rm(dir, { recursive: true, force: true });
  });

  test('many more takes at once than a batch holds all get their file', async () => {
    const targets = Array.from({ length: 40 }, (_, index) => path.join(dir, `file-${String(index)}`));
    await Promise.all(targets.map((target) => placeNewFile(target)));
    const names = await readdir(dir);
    for (const target of targets) expect(names).toContain(path.basename(target));
  });

  test('and so do folders', async () => {
    const targets = Array.from({ length: 12 }, (_, index) => path.join(dir, `folder-${String(index)}`));
    await Promise.all(targets.map((target) => placeNewFolder(target)));
    const names = await readdir(dir);
    for (const target of targets) expect(names).toContain(path.basename(target));
  });
});
