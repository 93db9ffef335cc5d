/**
 * Browser side of `npm run bench:client` (bundled by scripts/bench/client.ts,
 * never shipped): runs in a Web Worker like the real encryption worker and
 * measures, on request, the whole sealing pipeline (File.stream -> tar ->
 * Padmé -> age), raw ChaCha20-Poly1305 on 64 KiB chunks, or X25519 stanza
 * wrapping, with the AEAD and libsodium of the bundle it was built into.
 */
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Recipient } from '../../client/core/x25519.js';
import { nobleAead } from '../../client/app/noble-aead.js';
import { guardWasmAbortInPage } from '../../client/app/wasm-abort-guard.js';
import { sealSubmission } from '../../client/app/seal.js';

export interface BenchRequest {
  readonly mode: 'pipeline' | 'aead' | 'x25519';
  readonly mib: number;
  readonly recipient: string;
  readonly aead: 'libsodium' | 'noble';
}

export interface BenchResult {
  readonly seconds: number;
  readonly bytes: number;
  readonly webAssembly: boolean;
  readonly error?: string;
}

const MIB = 1024 * 1024;

interface BenchScope {
  postMessage(message: BenchResult): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<BenchRequest>) => void): void;
}
const scope = self as unknown as BenchScope;

function patternBlock(): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  return block;
}

async function run(request: BenchRequest): Promise<{ seconds: number; bytes: number }> {
  guardWasmAbortInPage(self);
  await loadSodium();
  const aead: Aead = request.aead === 'noble' ? nobleAead : libsodiumAead;
  const started = performance.now();
  let bytes = 0;
  if (request.mode === 'pipeline') {
    const block = patternBlock();
    const file = new File(
      Array.from({ length: request.mib }, () => block),
      'bench.bin',
      { type: 'application/octet-stream' },
    );
    const sealed = await sealSubmission({ message: 'bench', files: [file] }, [request.recipient], aead);
    for await (const chunk of sealed.ciphertext) bytes += chunk.length;
    bytes = request.mib * MIB;
  } else if (request.mode === 'aead') {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12);
    const chunk = patternBlock().subarray(0, 64 * 1024);
    for (let i = 0; i < request.mib * 16; i++) bytes += aead.seal(key, nonce, chunk).length - 16;
  } else {
    const recipient = X25519Recipient.parse(request.recipient);
    for (let i = 0; i < 20; i++) recipient.wrapFileKey(new Uint8Array(16));
    bytes = 20;
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

scope.addEventListener('message', (event) => {
  const webAssembly = typeof WebAssembly !== 'undefined';
  run(event.data).then(
    (result) => {
      scope.postMessage({ ...result, webAssembly });
    },
    (error: unknown) => {
      scope.postMessage({ seconds: 0, bytes: 0, webAssembly, error: String(error) });
    },
  );
});
