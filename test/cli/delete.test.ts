/**
 * `sealdrop pull --delete` and `sealdrop delete` cannot lose another editor's
 * work: the scenario, with the real server and the real commands. An
 * editor added later pulls everything and asks to delete it; the server
 * keeps what the first editor has not pulled, and says so. `pull` shows who
 * has each submission and when it expires.
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import { runOnlyIf } from '../support/required-tools.js';
import {
  listTree,
  makeEditorKeys,
  makeRoot,
  sealdrop,
  sealdropOk,
  startServer,
  submit,
  tempDir,
  type EditorFiles,
  type RunningServer,
} from './support.js';

let dir: string;
let server: RunningServer;
let root: { key: string; pub: string };
let alice: EditorFiles;
let carol: EditorFiles;
let first: string;
let second: string;
const manifest = (): string => path.join(dir, 'admin', 'manifest.json');
const today = (): string => new Date().toISOString().slice(0, 10);
const dayPlus = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await loadSodium();
  dir = await tempDir();
  for (const sub of ['admin', 'alice', 'carol', 'keys']) await mkdir(path.join(dir, sub));
  root = await makeRoot(path.join(dir, 'admin'));
  alice = await makeEditorKeys(path.join(dir, 'alice'), 'Alice');
  carol = await makeEditorKeys(path.join(dir, 'carol'), 'Carol');
  await sealdropOk(['manifest', 'add', '--manifest', manifest(), '--root-pub', root.pub, '--editor', alice.pub]);
  await sealdropOk(['manifest', 'sign', '--manifest', manifest(), '--root-key', root.key]);
  const keys = path.join(dir, 'keys');
  await copyFile(root.pub, path.join(keys, 'root.pub'));
  await copyFile(manifest(), path.join(keys, 'manifest.json'));
  await copyFile(`${manifest()}.minisig`, path.join(keys, 'manifest.json.minisig'));
  server = await startServer(keys, path.join(dir, 'data'));
  first = await submit(server.sourceUrl, { message: 'first, for Alice only', files: [] }, dir);
  second = await submit(server.sourceUrl, { message: 'second, for Alice only', files: [] }, dir);
}, 60_000);
afterAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const pull = (editor: EditorFiles, ...extra: string[]): ReturnType<typeof sealdrop> =>
  sealdrop([
    'pull',
    '--server',
    server.editorUrl,
    '--access-key',
    editor.access,
    '--out',
    path.join(dir, editor.name.toLowerCase(), 'inbox'),
    ...extra,
  ]);
const remove = (editor: EditorFiles, ...extra: string[]): ReturnType<typeof sealdrop> =>
  sealdrop(['delete', '--server', server.editorUrl, '--access-key', editor.access, ...extra]);
const stored = async (): Promise<string[]> =>
  (await listTree(path.join(server.dataDir, 'submissions'))).filter((name) => name.endsWith('.age'));

const withFetch = runOnlyIf(
  typeof WebAssembly !== 'undefined',
  'pull --delete and delete against the server',
  "Node's fetch needs WebAssembly (llhttp), which node --jitless lacks",
);

/** What docs/CLI.md shows, and what the commands print, with ids, days, sizes, counts and paths made generic. */
const shape = (line: string): string =>
  line
    .replace(/\b[0-9a-f]{32}\b|\b[0-9a-f]{8}…/g, 'ID')
    .replace(/\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b/g, 'DAY')
    .replace(/\b[0-9.]+ (B|KiB|MiB)\b/g, 'SIZE')
    .replace(/into \S+,/, 'into DIR,')
    .replace(/\b[0-9]+ (?=new|deleted|kept|already|failed)/g, 'N ');
const samples: string[] = [];
async function documented(): Promise<string[]> {
  const docs = await readFile(new URL('../../docs/CLI.md', import.meta.url), 'utf8');
  return docs
    .split('\n')
    .filter((line) => /^ {4}(0123abcd… |pulled |deleted |kept |error: 89abcdef)/.test(line))
    .map((line) => shape(line.slice(4)));
}

withFetch.describe('deleting cannot lose another editor’s work', () => {
  afterAll(async () => {
    // docs/CLI.md's sample lines are lines these commands really printed.
    const printed = new Set(samples.map(shape));
    const shown = await documented();
    expect(shown).toHaveLength(5);
    expect(shown.filter((line) => !printed.has(line))).toEqual([]);
  });

  it('Carol, added later, pulls with --delete: everything is kept for Alice, and pull says why', async () => {
    await sealdropOk(['manifest', 'add', '--manifest', manifest(), '--editor', carol.pub]);
    await sealdropOk(['manifest', 'sign', '--manifest', manifest(), '--root-key', root.key]);
    await sealdropOk(['publish', '--server', server.editorUrl, '--manifest', manifest(), '--root-pub', root.pub]);
    const pulled = await pull(carol, '--delete');
    expect(pulled.code).toBe(0);
    samples.push(...pulled.stdout.split('\n'));
    // One line per submission (its size varies with padding), then the summary.
    const lines = pulled.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2).map((line) => line.replace(/ {2}[0-9.]+ (B|KiB) {2}/, '  SIZE  '))).toEqual(
      [first, second]
        .sort()
        .map(
          (id) =>
            `${id}  ${today()}  SIZE  new, kept on the server; downloaded by Carol; not yet by Alice; expires ${dayPlus(91)}`,
        ),
    );
    expect(lines[2]).toBe(
      `pulled 2 new submission(s) into ${path.join(dir, 'carol', 'inbox')}, 0 deleted on the server, ` +
        '2 kept (not yet downloaded by every active editor)',
    );
    expect((await stored()).sort()).toEqual([`${first}.age`, `${second}.age`].sort());
  });

  it('sealdrop delete refuses too, naming who has not downloaded it', async () => {
    const refused = await remove(carol, first);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    samples.push(...refused.stderr.split('\n'));
    expect(refused.stderr).toBe(
      `kept ${first}: not every active editor has downloaded it (not yet by Alice); ` +
        'pass --even-if-not-pulled-by-all to delete it anyway\n',
    );
    expect(await stored()).toContain(`${first}.age`);
  });

  it('once Alice has pulled, pull --delete deletes what everyone has', async () => {
    const alicePull = await pull(alice);
    expect(alicePull.code).toBe(0);
    expect(alicePull.stdout).toContain(
      `new; downloaded by Alice, Carol; by every active editor; expires ${dayPlus(8)}`,
    );
    const again = await pull(carol, '--delete');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already here, deleted on the server; downloaded by Alice, Carol');
    expect(again.stdout).toMatch(/, 2 already here, 2 deleted on the server\n$/);
    expect(await stored()).toEqual([]);
    expect(await listTree(path.join(server.dataDir, 'submissions'))).toEqual([]);
  });

  it('--even-if-not-pulled-by-all deletes what not everyone has; unknown and malformed ids are reported', async () => {
    const third = await submit(server.sourceUrl, { message: 'third', files: [] }, dir);
    const forced = await remove(carol, '--even-if-not-pulled-by-all', `${third}.age`, 'f'.repeat(32));
    expect(forced.code).toBe(1);
    expect(forced.stdout).toBe(`deleted ${third}\n`);
    samples.push(...forced.stdout.split('\n'), ...forced.stderr.split('\n'));
    expect(forced.stderr).toBe(`error: ${'f'.repeat(32)}: not on the server (deleted already, or expired)\n`);
    expect(await stored()).toEqual([]);
    const bad = await remove(carol, '../etc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('sealdrop delete: not a submission id: "../etc"\n');
    expect((await remove(carol)).code).toBe(2);
  });
});
