/**
 * Trains the CLI bundle's code cache (scripts/code-cache.ts) on the command
 * whose start-up it is for: `sealdrop decrypt` of a small classic
 * submission (10 KB), made here in a temporary folder with a fresh key.
 * The cache then holds every function that path compiles.
 * scripts/build-cli.ts runs it as the last step of `npm run build`.
 *
 * Usage: node dist/scripts/train-code-cache.js DIR
 *   DIR holds the bundle (code-cache.ts's BUNDLE_FILE); the cache is written beside it.
 */
import { createWriteStream, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encrypt } from '../client/core/age.js';
import { formatIdentityFile } from '../client/core/identity-file.js';
import { buildSubmission } from '../client/core/submission.js';
import { X25519Identity } from '../client/core/x25519.js';
import { installNativeSodium } from '../client/core-node/native-sodium.js';
import { nodeAead } from '../client/core-node/node-aead.js';
import { BUNDLE_FILE, CACHE_FILE, compileBundle } from './code-cache.js';

/** As large as goal 4b's small submission. */
const SAMPLE_BYTES = 10_000;

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: train-code-cache.js DIR\n');
  process.exit(2);
}
const bundle = path.join(dir, BUNDLE_FILE);
const cacheFile = path.join(dir, CACHE_FILE);

installNativeSodium();
const work = mkdtempSync(path.join(tmpdir(), 'sealdrop-code-cache-'));
/** The sample's throwaway key and files go whatever way this process ends. */
const cleanUp = (): void => {
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGTERM', () => {
  cleanUp();
  process.exit(1);
});
let compiled: ReturnType<typeof compileBundle>;
try {
  const identity = X25519Identity.generate();
  const keyFile = path.join(work, 'key.txt');
  writeFileSync(keyFile, formatIdentityFile(identity, new Date()), { mode: 0o600 });
  const sample = new Uint8Array(SAMPLE_BYTES).map((_, i) => i % 251);
  const built = buildSubmission({
    message: 'a sample to train the code cache',
    files: [{ name: 'sample.bin', type: 'application/octet-stream', size: sample.length, data: [sample] }],
  });
  const input = path.join(work, 'sample.age');
  await pipeline(
    Readable.from(encrypt([identity.recipient()], built.stream, { aead: nodeAead })),
    createWriteStream(input),
  );
  // The bundle reads its command line from process.argv, as when Node runs it.
  process.argv = [process.execPath, bundle, 'decrypt', '--identity', keyFile, '--out', path.join(work, 'out'), input];
  compiled = compileBundle(bundle, null);
} catch (error) {
  cleanUp();
  throw error;
}
process.once('exit', (code) => {
  cleanUp();
  if (code === 0) {
    // Renamed into place: whoever reads the cache meanwhile sees the old file or the new one, whole.
    const partial = `${cacheFile}.${process.pid}.partial`;
    writeFileSync(partial, compiled.cacheData());
    renameSync(partial, cacheFile);
    return;
  }
  process.stderr.write(`train-code-cache: the sample decrypt failed (exit ${code}); no cache written\n`);
});
compiled.run();
