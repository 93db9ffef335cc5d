/**
 * Key rotation end to end (docs/KEYS.md), against the real server on
 * loopback: a root and two editors, a published manifest, a submission; then
 * one editor rotates to new keys and the other is retired, the new manifest
 * is published, and a second submission arrives. Old submissions still
 * decrypt with the old identity, new ones only with the new keys; the
 * retired editor can neither pull nor decrypt new submissions; an older
 * manifest is refused by the server and by `manifest verify`. Pull is
 * resumable and deletes only after verification.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSodium } from '../../client/core/sodium.js';
import {
  listTree,
  makeEditorKeys,
  makeRoot,
  sealdrop,
  sealdropOk,
  startServer,
  submit,
  tempDir,
  patternData,
  type EditorFiles,
  type RunningServer,
} from './support.js';
import { runOnlyIf } from '../support/required-tools.js';

let dir: string;
let server: RunningServer;
let root: { key: string; pub: string };
let alice: EditorFiles;
let bob: EditorFiles;
let alice2: EditorFiles;
let first: string;
let second: string;
const manifest = (): string => path.join(dir, 'admin', 'manifest.json');

beforeAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await loadSodium();
  dir = await tempDir();
  for (const sub of ['admin', 'alice', 'bob', 'alice2', 'keys']) await mkdir(path.join(dir, sub));
  root = await makeRoot(path.join(dir, 'admin'));
  alice = await makeEditorKeys(path.join(dir, 'alice'), 'Alice');
  bob = await makeEditorKeys(path.join(dir, 'bob'), 'Bob');
  await sealdropOk([
    'manifest',
    'add',
    '--manifest',
    manifest(),
    '--root-pub',
    root.pub,
    '--editor',
    alice.pub,
    '--editor',
    bob.pub,
  ]);
  await sealdropOk(['manifest', 'sign', '--manifest', manifest(), '--root-key', root.key]);
  // Deploy: the server's keys folder gets root.pub and the first signed manifest.
  const keys = path.join(dir, 'keys');
  await copyFile(root.pub, path.join(keys, 'root.pub'));
  await copyFile(manifest(), path.join(keys, 'manifest.json'));
  await copyFile(`${manifest()}.minisig`, path.join(keys, 'manifest.json.minisig'));
  await copyFile(manifest(), path.join(dir, 'admin', 'v1.json'));
  await copyFile(`${manifest()}.minisig`, path.join(dir, 'admin', 'v1.json.minisig'));
  server = await startServer(keys, path.join(dir, 'data'));
  first = await submit(server.sourceUrl, { message: 'before rotation', files: [] }, dir);
}, 60_000);
afterAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const pull = (editor: EditorFiles, out: string, ...extra: string[]): ReturnType<typeof sealdrop> =>
  sealdrop(['pull', '--server', server.editorUrl, '--access-key', editor.access, '--out', out, ...extra]);

// Node's fetch parses HTTP with llhttp compiled to WebAssembly, which `node --jitless`
// (npm run test:jitless) does not have; the command line never runs there.
const withFetch = runOnlyIf(
  typeof WebAssembly !== 'undefined',
  'key rotation through `sealdrop pull`',
  "Node's fetch needs WebAssembly (llhttp), which node --jitless lacks",
);

withFetch.describe('key rotation', () => {
  it('before: both editors pull and decrypt the first submission', async () => {
    const pulled = await pull(alice, path.join(dir, 'alice', 'pulled'));
    expect(pulled.code).toBe(0);
    expect(pulled.stderr).toContain('logged in as Alice; 1 submission(s) on the server, 1 new');
    expect(await listTree(path.join(dir, 'alice', 'pulled'))).toEqual([`${first}.age`]);
    const again = await pull(alice, path.join(dir, 'alice', 'pulled'));
    expect(again.stdout).toContain('pulled 0 new submission(s)');
    expect(again.stdout).toContain('1 already here');
    const bobPull = await pull(bob, path.join(dir, 'bob', 'pulled'));
    expect(bobPull.code).toBe(0);
    const decrypted = await sealdropOk([
      'decrypt',
      '--identity',
      bob.identity,
      '--out',
      path.join(dir, 'bob', 'read'),
      path.join(dir, 'bob', 'pulled'),
    ]);
    expect(decrypted.stdout).toContain('message (15 B): before rotation');
  });

  it('rotate Alice, retire Bob, publish: the server serves version 2', async () => {
    alice2 = await makeEditorKeys(path.join(dir, 'alice2'), 'Alice');
    await sealdropOk(['manifest', 'rotate', '--manifest', manifest(), '--replaces', 'Alice', '--editor', alice2.pub]);
    await sealdropOk(['manifest', 'retire', '--manifest', manifest(), '--name', 'Bob']);
    const signed = await sealdropOk(['manifest', 'sign', '--manifest', manifest(), '--root-key', root.key]);
    expect(signed.stdout).toContain('version 2');
    // No login: the admin publishes with the manifest files alone; the root signature authorizes it.
    const published = await sealdropOk([
      'publish',
      '--server',
      server.editorUrl,
      '--manifest',
      manifest(),
      '--root-pub',
      root.pub,
    ]);
    expect(published.stdout).toBe('published: the server now serves manifest version 2\n');
    const served = JSON.parse(await (await fetch(`${server.sourceUrl}/manifest.json`)).text()) as { version: number };
    expect(served.version).toBe(2);
    second = await submit(server.sourceUrl, { message: 'after rotation', files: [] }, dir);
  });

  it('the retired editor and the old key can no longer pull', async () => {
    const bobPull = await pull(bob, path.join(dir, 'bob', 'pulled'));
    expect(bobPull.code).toBe(1);
    expect(bobPull.stderr).toBe('sealdrop: server refused: editor is retired (EDITOR_RETIRED)\n');
    const oldPull = await pull(alice, path.join(dir, 'alice', 'pulled'));
    expect(oldPull.code).toBe(1);
    expect(oldPull.stderr).toContain('EDITOR_RETIRED');
  });

  it('the new key pulls, resuming an interrupted download, and deletes after verifying', async () => {
    const out = path.join(dir, 'alice2', 'pulled');
    await mkdir(out);
    const stored = await readFile(path.join(server.dataDir, 'submissions', `${second}.age`));
    await writeFile(path.join(out, `${second}.age.part`), stored.subarray(0, 100));
    const pulled = await pull(alice2, out, '--delete');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain('pulled 2 new submission(s)');
    expect(pulled.stdout).toContain('2 deleted on the server');
    expect(await readFile(path.join(out, `${second}.age`))).toEqual(stored);
    expect(await listTree(out)).toEqual([`${first}.age`, `${second}.age`].sort());
    expect(await listTree(path.join(server.dataDir, 'submissions'))).toEqual([]);
  });

  it('old submissions decrypt with the old identity, new ones only with the new keys', async () => {
    const pulled = path.join(dir, 'alice2', 'pulled');
    const oldKey = await sealdrop([
      'decrypt',
      '--identity',
      alice.identity,
      '--out',
      path.join(dir, 'alice', 'read'),
      pulled,
    ]);
    expect(oldKey.code).toBe(1);
    expect(oldKey.stdout).toContain('message (15 B): before rotation');
    expect(oldKey.stderr).toBe(
      `error: ${path.join(pulled, `${second}.age`)}: not encrypted to any of the given identities; nothing kept\n`,
    );
    const bobKey = await sealdrop([
      'decrypt',
      '--identity',
      bob.identity,
      '--out',
      path.join(dir, 'bob', 'read2'),
      path.join(pulled, `${second}.age`),
    ]);
    expect(bobKey.code).toBe(1);
    expect(bobKey.stderr).toContain('not encrypted to any of the given identities');
    const both = await sealdropOk([
      'decrypt',
      '--identity',
      alice2.identity,
      '--identity',
      alice.identity,
      '--out',
      path.join(dir, 'alice2', 'read'),
      pulled,
    ]);
    expect(both.stdout).toContain(`opened with: alice-identity.age (${alice.recipient})`);
    expect(both.stdout).toContain(`opened with: alice-identity.age (${alice2.recipient})`);
    expect(both.stdout).toContain('message (14 B): after rotation');
  });

  it('publish takes no access key: the signature is the authorization', async () => {
    const refused = await sealdrop(['publish', '--server', server.editorUrl, '--access-key', alice2.access]);
    // Exit status 2 from a shell; under jest's VM parseArgs' TypeError comes from another realm (reported).
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.toLowerCase()).toContain("unknown option '--access-key'");
  });

  it('an older manifest is refused by the server and by manifest verify', async () => {
    const old = path.join(dir, 'admin', 'v1.json');
    const republish = await sealdrop(['publish', '--server', server.editorUrl, '--manifest', old]);
    expect(republish.code).toBe(1);
    expect(republish.stderr).toBe(
      'sealdrop: server refused: manifest version is not newer than the current one (MANIFEST_NOT_NEWER)\n',
    );
    const verify = await sealdrop([
      'manifest',
      'verify',
      '--manifest',
      old,
      '--root-pub',
      root.pub,
      '--min-version',
      '2',
    ]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('manifest refused (rollback)');
  });

  it('pull reports an unreachable server and a bad URL in one line', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await sealdrop([
      'pull',
      '--server',
      `http://127.0.0.1:${port}`,
      '--access-key',
      alice2.access,
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`sealdrop: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
    const bad = await sealdrop([
      'pull',
      '--server',
      'ftp://x',
      '--access-key',
      alice2.access,
      '--out',
      path.join(dir, 'x'),
    ]);
    expect(bad.stderr).toBe('sealdrop: server URL must be http:// or https://\n');
  });

  it('pull shows progress on large downloads', async () => {
    const data = patternData(3 * 1024 * 1024);
    await submit(
      server.sourceUrl,
      { message: 'big', files: [{ name: 'big.bin', type: '', size: data.size, data: data.data() }] },
      dir,
    );
    const result = await pull(alice2, path.join(dir, 'alice2', 'big'));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/pull: 3\.\d MiB \/ 3\.\d MiB 100%, [0-9.]+ [KMG]?i?B\/s done\n$/);
  });
});
