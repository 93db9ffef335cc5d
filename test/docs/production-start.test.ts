/**
 * docs/OPERATIONS.md's production steps, followed literally: the shell block
 * under "## Production" is read from the doc and run, with its three folders
 * (/etc/sealdrop, /var/lib/sealdrop, /opt/sealdrop) moved into a temporary
 * directory, in a stand-in for a fresh clone after `npm ci && npm run build`
 * whose `dist/` is a copy of the shared compiled build
 * (test/support/compiled-build.ts).
 * Keys are prepared as the doc says: offline, with the `sealdrop` tools, and
 * only the three public files copied to the keys folder. Then the portal must
 * work: the page is served, the manifest it is served verifies against the
 * root key bundled in the page, a source submits, and an editor's
 * `sealdrop pull` gets the submission; `sealdrop status` prints what
 * docs/CLI.md shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, cp, mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { verifyManifest } from '../../client/core/manifest.js';
import { parsePublicKeyFile } from '../../client/core/minisign.js';
import { loadSodium } from '../../client/core/sodium.js';
import { makeEditorKeys, makeRoot, sealdropOk, submit, tempDir } from '../cli/support.js';
import { BUILD_DIR, compiledBuild, REPO_ROOT } from '../support/compiled-build.js';

/** The shell block right under a `## heading` of a Markdown file, continuation lines joined. */
export function commandsUnder(markdown: string, heading: string): string[] {
  const section = markdown.split(`\n${heading}\n`)[1]?.split(/\n## /)[0];
  const block = section === undefined ? undefined : /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`no sh block under ${heading}`);
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

let work: string;
let server: ChildProcess | undefined;

beforeAll(async () => {
  await compiledBuild();
  await loadSodium();
}, 180_000);
afterAll(async () => {
  // The shell and the server in it: one process group.
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
  await rm(work, { recursive: true, force: true });
});

function run(command: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited ${code}: ${stderr}`));
    });
  });
}

test('the documented production steps give a working portal', async () => {
  const doc = await readFile(path.join(REPO_ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
  const [install, buildClient, start, ...rest] = commandsUnder(doc, '## Production');
  expect(install).toBe('npm ci && npm run build');
  expect(buildClient).toMatch(/^node dist\/scripts\/build-client\.js /);
  expect(start).toMatch(/ node dist\/server\/main\.js$/);
  expect(rest).toEqual([]);

  work = await tempDir('sealdrop-prod-doc-');
  const moved = (command: string): string =>
    command.replace(/(^|[ =])\/(etc|var\/lib|opt)\/sealdrop/g, (_match, before: string, top: string) => {
      return `${before}${work}/${top}/sealdrop`;
    });
  const clone = path.join(work, 'clone');
  await mkdir(clone);
  // A fresh clone after `npm ci && npm run build`: the sources the client is built from, the
  // installed packages, package.json, and dist/ (a copy of the shared build, not a link, so
  // every script runs from inside the clone as it would there).
  await symlink(path.join(REPO_ROOT, 'client'), path.join(clone, 'client'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(clone, 'package.json'));
  await cp(BUILD_DIR, path.join(clone, 'dist'), { recursive: true });

  // Offline: root key, an editor, a signed manifest (docs/KEYS.md); only the public files go to the server.
  const offline = path.join(work, 'offline');
  await mkdir(offline);
  const root = await makeRoot(offline);
  const alice = await makeEditorKeys(offline, 'Alice');
  await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', alice.pub], { cwd: offline });
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: offline });
  const keysDir = path.join(work, 'etc', 'sealdrop', 'keys');
  await mkdir(keysDir, { recursive: true });
  for (const name of ['manifest.json', 'manifest.json.minisig']) {
    await copyFile(path.join(offline, name), path.join(keysDir, name));
  }
  await copyFile(root.pub, path.join(keysDir, 'root.pub'));

  await run(moved(buildClient!), clone);

  // Ports 0: the doc's defaults (8080, 8081) may be taken on a shared test machine.
  server = spawn('sh', ['-c', moved(start!)], {
    cwd: clone,
    env: { PATH: process.env.PATH ?? '', SEALDROP_SOURCE_PORT: '0', SEALDROP_EDITOR_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let listening: { mode?: string; sourceUrl?: string; editorUrl?: string } | undefined;
  const lines = createInterface({ input: server.stdout! });
  for await (const line of lines) {
    const record = JSON.parse(line) as { msg?: string; mode?: string; sourceUrl?: string; editorUrl?: string };
    if (record.msg === 'listening') {
      listening = record;
      break;
    }
  }
  if (listening === undefined) {
    // It exited: let its stderr arrive, to say why.
    await new Promise((resolve) => server!.once('close', resolve));
  }
  expect(stderr).toBe('');
  expect(listening?.mode).toBe('production');
  server.stdout!.resume();
  const sourceUrl = listening!.sourceUrl!;
  const editorUrl = listening!.editorUrl!;

  // The page, and the trust anchor it carries: the newsroom's root key.
  const page = await fetch(sourceUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<script[^>]+src="main\.js"/);
  const bundledKey = parsePublicKeyFile(await (await fetch(new URL('root.pub', sourceUrl))).text());
  expect(Buffer.from(bundledKey.publicKey)).toEqual(
    Buffer.from(parsePublicKeyFile(await readFile(root.pub, 'utf8')).publicKey),
  );
  const manifestBytes = new Uint8Array(await (await fetch(new URL('manifest.json', sourceUrl))).arrayBuffer());
  const signature = await (await fetch(new URL('manifest.json.minisig', sourceUrl))).text();
  expect(verifyManifest(manifestBytes, signature, bundledKey, { now: new Date() }).editors).toHaveLength(1);

  // A source submits; the editor pulls it with the tools alone.
  const id = await submit(sourceUrl.replace(/\/$/, ''), { message: 'a tip', files: [] }, work);
  await sealdropOk(['pull', '--server', editorUrl, '--access-key', alice.access, '--out', 'inbox'], { cwd: work });
  expect(await readdir(path.join(work, 'inbox'))).toEqual([`${id}.age`]);

  // docs/CLI.md's sample of `sealdrop status` is this output, but for the sizes and the expiry.
  const status = await sealdropOk(['status', '--server', editorUrl, '--access-key', alice.access], { cwd: work });
  const cli = await readFile(path.join(REPO_ROOT, 'docs', 'CLI.md'), 'utf8');
  const sample = /### `sealdrop status[^\n]*\n[\s\S]*?```\n\$ sealdrop status[^\n]*\n([\s\S]*?)```/.exec(cli)?.[1];
  expect(sample).toBeDefined();
  const variable = (text: string): string =>
    text
      .replace(/\d+(\.\d+)? (B|KiB|MiB|GiB)/g, '<size>')
      .replace(/\(\d+\.\d%\)/g, '(<percent>)')
      .replace(/in \d+ days \([^)]*\)/g, 'in <days> (<expiry>)')
      .replace(/\d{4}-\d{2}-\d{2} \(1\)/g, '<day> (1)');
  expect(variable(status.stdout)).toBe(variable(sample!));

  process.kill(-server.pid!, 'SIGTERM');
}, 240_000);
