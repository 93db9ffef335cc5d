import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeBase64 } from '../../client/core/base64.js';
import { parseManifest } from '../../client/core/manifest.js';
import { loadSodium } from '../../client/core/sodium.js';
import { readAccessKeyFile } from '../../scripts/cli/key-files.js';
import { prepareDemoNewsroom } from '../../scripts/demo.js';

// `npm start` prints the demo access key's path for `sealdrop pull`: the file
// must be in the format the command line reads, and be the key the manifest lists.
describe('the demo newsroom and the command line', () => {
  let dir: string;
  beforeAll(async () => {
    await loadSodium();
    dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-demo-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("the demo's access key opens with the CLI's reader and is the manifest's active editor key", async () => {
    const demo = await prepareDemoNewsroom(dir);
    const key = await readAccessKeyFile(demo.accessKeyFile, () => Promise.reject(new Error('no passphrase expected')));
    const manifest = parseManifest(await readFile(path.join(demo.keysDir, 'manifest.json')));
    expect(manifest.editors).toHaveLength(1);
    expect(manifest.editors[0]!.accessKey).toBe(encodeBase64(key.publicKey, true));
    expect(manifest.editors[0]!.status).toBe('active');
  });
});
