/**
 * `npm run bench:core`: the protocol core's throughput and memory, each figure
 * against a baseline measured in the same run on the same machine.
 *
 *   ours (age stream)   encrypt/decrypt of the full age format, libsodium AEAD
 *   raw libsodium       crypto_aead_chacha20poly1305_ietf_* on the same 64 KiB chunks
 *   node native         node:crypto chacha20-poly1305 on the same chunks
 *   ours, --jitless     the same age stream without WebAssembly or JIT (a child
 *                       process), against raw libsodium in that same child
 *   peak RSS            a streamed encrypt -> decrypt pipeline of 16 MiB and 256 MiB
 *
 * Options: --mib N (default 64), --jitless-mib N (default 16), --runs N (default 3).
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decrypt, encrypt } from '../../client/core/age.js';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

/** The same 1 MiB block `mib` times: generating input must not dominate. */
// eslint-disable-next-line @typescript-eslint/require-await -- async only to be an AsyncIterable, as the core expects
async function* input(mib: number): AsyncGenerator<Uint8Array> {
  const block = new Uint8Array(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  for (let i = 0; i < mib; i++) yield block;
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.length;
  return total;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}

// eslint-disable-next-line @typescript-eslint/require-await -- async only to be an AsyncIterable
async function* replay(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

interface Throughput {
  encrypt: number;
  decrypt: number;
}

/** MB/s (10^6 bytes) of our full age stream, encrypting then decrypting `mib` MiB. */
async function measureAgeStream(mib: number): Promise<Throughput> {
  const identity = X25519Identity.generate();
  // Timed runs stream into a sink, as real use does; the ciphertext that the
  // decryption run reads is produced beforehand, untimed (raw does the same).
  let start = performance.now();
  await drain(encrypt([identity.recipient()], input(mib)));
  const encryptSeconds = seconds(start);
  const ciphertext = await collect(encrypt([identity.recipient()], input(mib)));
  start = performance.now();
  const { plaintext } = await decrypt([identity], replay(ciphertext));
  const decrypted = await drain(plaintext);
  const decryptSeconds = seconds(start);
  if (decrypted !== mib * MIB) throw new Error('age stream round trip lost bytes');
  return { encrypt: (mib * MIB) / 1e6 / encryptSeconds, decrypt: (mib * MIB) / 1e6 / decryptSeconds };
}

/** MB/s of bare ChaCha20-Poly1305 calls on the same 64 KiB chunks, libsodium-wrappers. */
async function measureRawLibsodium(mib: number): Promise<Throughput> {
  const s = await loadSodium();
  const key = s.randombytes_buf(32);
  const nonce = new Uint8Array(12);
  const plaintext = (await collect(input(1)))[0]!;
  const chunks = (mib * MIB) / CHUNK;
  const sealChunk = (i: number): Uint8Array => {
    const offset = (i % (MIB / CHUNK)) * CHUNK;
    return s.crypto_aead_chacha20poly1305_ietf_encrypt(
      plaintext.subarray(offset, offset + CHUNK),
      null,
      null,
      nonce,
      key,
    );
  };
  let start = performance.now();
  for (let i = 0; i < chunks; i++) sealChunk(i);
  const encryptSeconds = seconds(start);
  const sealed = Array.from({ length: chunks }, (_, i) => sealChunk(i));
  start = performance.now();
  for (const chunk of sealed) s.crypto_aead_chacha20poly1305_ietf_decrypt(null, chunk, null, nonce, key);
  const decryptSeconds = seconds(start);
  return { encrypt: (mib * MIB) / 1e6 / encryptSeconds, decrypt: (mib * MIB) / 1e6 / decryptSeconds };
}

/** MB/s of node:crypto's native chacha20-poly1305 on the same chunks. */
async function measureNodeNative(mib: number): Promise<Throughput> {
  const key = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const plaintext = (await collect(input(1)))[0]!;
  const chunks = (mib * MIB) / CHUNK;
  const sealChunk = (i: number): { body: Buffer; tag: Buffer } => {
    const offset = (i % (MIB / CHUNK)) * CHUNK;
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const body = Buffer.concat([cipher.update(plaintext.subarray(offset, offset + CHUNK)), cipher.final()]);
    return { body, tag: cipher.getAuthTag() };
  };
  let start = performance.now();
  for (let i = 0; i < chunks; i++) sealChunk(i);
  const encryptSeconds = seconds(start);
  const sealed = Array.from({ length: chunks }, (_, i) => sealChunk(i));
  start = performance.now();
  for (const { body, tag } of sealed) {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(tag);
    decipher.update(body);
    decipher.final();
  }
  const decryptSeconds = seconds(start);
  return { encrypt: (mib * MIB) / 1e6 / encryptSeconds, decrypt: (mib * MIB) / 1e6 / decryptSeconds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Interleaves the contenders run by run, so a noisy neighbour hits all of them alike. */
async function medianOf(
  runs: number,
  contenders: Record<string, () => Promise<Throughput>>,
): Promise<Record<string, Throughput>> {
  const samples: Record<string, Throughput[]> = {};
  // One discarded warm-up round: V8 first runs WebAssembly through its
  // baseline compiler and only later tiers up, which would penalise whichever
  // contender happens to go first.
  for (const measure of Object.values(contenders)) await measure();
  for (let run = 0; run < runs; run++) {
    for (const [name, measure] of Object.entries(contenders)) (samples[name] ??= []).push(await measure());
  }
  const result: Record<string, Throughput> = {};
  for (const [name, list] of Object.entries(samples)) {
    result[name] = { encrypt: median(list.map((t) => t.encrypt)), decrypt: median(list.map((t) => t.decrypt)) };
  }
  return result;
}

/** Runs this script again in a child process with extra Node flags; returns its JSON answer. */
function child(nodeFlags: string[], args: string[]): unknown {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...nodeFlags, script, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`benchmark child failed: ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

async function peakRss(mib: number): Promise<number> {
  const identity = X25519Identity.generate();
  const ciphertext = encrypt([identity.recipient()], input(mib));
  const { plaintext } = await decrypt([identity], ciphertext);
  if ((await drain(plaintext)) !== mib * MIB) throw new Error('pipeline lost bytes');
  return process.resourceUsage().maxRSS * 1024;
}

const format = (n: number): string => n.toFixed(1).padStart(8);
const ratio = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)}%`.padStart(6);

async function main(): Promise<void> {
  // The --jitless child runs libsodium without WebAssembly.
  guardWasmAbortInProcess();
  await loadSodium();
  const mode = process.argv[2];
  if (mode === 'child-jitless') {
    const mib = option('jitless-mib', 16);
    const [ours, raw] = [await measureAgeStream(mib), await measureRawLibsodium(mib)];
    process.stdout.write(JSON.stringify({ ours, raw, wasm: typeof WebAssembly !== 'undefined' }) + '\n');
    return;
  }
  if (mode === 'child-rss') {
    process.stdout.write(JSON.stringify({ rss: await peakRss(option('mib', 16)) }) + '\n');
    return;
  }

  const mib = option('mib', 64);
  const jitlessMib = option('jitless-mib', 16);
  const runs = option('runs', 3);
  console.log(`protocol core benchmark: ${mib} MiB input, median of ${runs} interleaved runs, node ${process.version}`);
  const results = await medianOf(runs, {
    ours: () => measureAgeStream(mib),
    raw: () => measureRawLibsodium(mib),
    native: () => measureNodeNative(mib),
  });
  const { ours, raw, native } = results as Record<'ours' | 'raw' | 'native', Throughput>;
  console.log('                                encrypt MB/s  decrypt MB/s   (ours vs baseline)');
  console.log(`age stream (ours, libsodium)     ${format(ours.encrypt)}      ${format(ours.decrypt)}`);
  console.log(
    `raw libsodium-wrappers AEAD      ${format(raw.encrypt)}      ${format(raw.decrypt)}   ${ratio(ours.encrypt, raw.encrypt)} ${ratio(ours.decrypt, raw.decrypt)}`,
  );
  console.log(
    `node native chacha20-poly1305    ${format(native.encrypt)}      ${format(native.decrypt)}   ${ratio(ours.encrypt, native.encrypt)} ${ratio(ours.decrypt, native.decrypt)}`,
  );

  const hooks = fileURLToPath(new URL('./use-sodium-cjs.js', import.meta.url));
  const jitless = child(['--jitless', '--import', hooks], ['child-jitless', '--jitless-mib', String(jitlessMib)]) as {
    ours: Throughput;
    raw: Throughput;
    wasm: boolean;
  };
  if (jitless.wasm) throw new Error('the --jitless child still had WebAssembly');
  console.log(`\nwithout WebAssembly or JIT (node --jitless, ${jitlessMib} MiB):`);
  console.log(`age stream (ours, pure-JS)       ${format(jitless.ours.encrypt)}      ${format(jitless.ours.decrypt)}`);
  console.log(
    `raw libsodium AEAD (pure-JS)     ${format(jitless.raw.encrypt)}      ${format(jitless.raw.decrypt)}   ${ratio(jitless.ours.encrypt, jitless.raw.encrypt)} ${ratio(jitless.ours.decrypt, jitless.raw.decrypt)}`,
  );
  const torUpload = 3e6 / 8 / 1e6;
  console.log(
    `target: >= 0.5 MB/s; a Tor upload is about ${torUpload.toFixed(2)} MB/s: encryption is ${(jitless.ours.encrypt / torUpload).toFixed(1)}x faster than the wire`,
  );

  const small = child([], ['child-rss', '--mib', '16']) as { rss: number };
  const large = child([], ['child-rss', '--mib', '256']) as { rss: number };
  console.log(
    `\npeak RSS, streamed encrypt -> decrypt: 16 MiB ${(small.rss / MIB).toFixed(1)} MiB, 256 MiB ${(large.rss / MIB).toFixed(1)} MiB (growth ${((large.rss - small.rss) / MIB).toFixed(1)} MiB for 16x the input)`,
  );
}

await main();
