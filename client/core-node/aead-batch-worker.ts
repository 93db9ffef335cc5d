/**
 * The body of a worker thread that opens batches of STREAM chunks with
 * Node's native ChaCha20-Poly1305 (see parallel-stream.ts, which decides
 * every nonce and every rule; this only runs the cipher).
 *
 * It is one self-contained function, started from its own source text
 * (`new Worker(source, { eval: true })`), so the same code runs from the
 * compiled build, from a bundle and under jest's TypeScript transform,
 * with no worker file to locate beside the caller. It must therefore use
 * nothing from its module scope: only what `load` (the worker's `require`)
 * returns.
 */
import type * as Crypto from 'node:crypto';
import type * as V8 from 'node:v8';
import type * as Vm from 'node:vm';
import type * as WorkerThreads from 'node:worker_threads';

/** What the worker is started with (`workerData`). */
export interface BatchWorkerData {
  readonly sealedChunkSize: number;
  readonly tagSize: number;
  readonly nonceSize: number;
}

/** The payload key for the batches that follow, until {@link WipeRequest}. */
export interface KeyRequest {
  readonly kind: 'key';
  /** A copy the worker owns and wipes. */
  readonly key: Uint8Array;
}

/** Wipe the key: the stream is over. */
export interface WipeRequest {
  readonly kind: 'wipe';
}

/** One batch: consecutive sealed chunks, all full but possibly the last. */
export interface BatchRequest {
  readonly kind: 'batch';
  readonly id: number;
  /** Transferred; comes back in the response holding the plaintext. */
  readonly buffer: ArrayBuffer;
  /** Bytes of sealed chunks at the start of `buffer`. */
  readonly length: number;
  /** One nonce per chunk, concatenated. */
  readonly nonces: Uint8Array;
}

/** The answer to a {@link BatchRequest}. */
export interface BatchResponse {
  readonly id: number;
  /** The request's buffer, the plaintext of the authentic chunks packed at its start. */
  readonly buffer: ArrayBuffer;
  readonly plaintextLength: number;
  /** Index of the first chunk that failed authentication, or -1 if all opened. */
  readonly failedAt: number;
}

/** What the worker is sent; `null` ends it. */
export type WorkerRequest = KeyRequest | WipeRequest | BatchRequest | null;

/**
 * Run the worker: take a key, answer each {@link BatchRequest} with a
 * {@link BatchResponse} (in the order received), wipe the key when told or
 * when ended (`null`). Each chunk's plaintext is moved
 * into the request's own buffer (chunk i at i * (chunk size): never past the
 * start of chunk i + 1, which is still to be read), so nothing is allocated
 * per batch beyond the cipher's output, and only once its tag verified.
 */
export function aeadBatchWorker(load: (id: string) => unknown): void {
  const threads = load('node:worker_threads') as typeof WorkerThreads;
  const { createDecipheriv } = load('node:crypto') as typeof Crypto;
  const { sealedChunkSize, tagSize, nonceSize } = threads.workerData as BatchWorkerData;
  let key: Uint8Array = new Uint8Array(0);
  const port = threads.parentPort!;
  // Every chunk's plaintext comes out of node:crypto in a fresh 64 KiB
  // buffer, garbage as soon as it is copied, but V8 collects a worker's
  // buffers only after tens of MiB of them (measured: +57 MiB peak RSS at
  // 512 MiB with two workers, +25 MiB with this). A young-generation
  // collection every 16 batches (16 MiB) frees them for well under a
  // millisecond each; worker threads cannot be started with --expose-gc,
  // hence the flag set here, which only exposes `gc` to new contexts.
  const batchesPerCollection = 16;
  const collect = ((): ((options: { type: 'minor' }) => void) | null => {
    try {
      (load('node:v8') as typeof V8).setFlagsFromString('--expose-gc');
      return (load('node:vm') as typeof Vm).runInNewContext('gc') as (options: { type: 'minor' }) => void;
    } catch {
      return null; // Only memory is at stake: run without.
    }
  })();
  let batches = 0;
  port.on('message', (message: WorkerRequest) => {
    if (message === null || message.kind === 'wipe') {
      key.fill(0);
      if (message === null) port.close();
      return;
    }
    if (message.kind === 'key') {
      key.fill(0);
      key = message.key;
      return;
    }
    const bytes = new Uint8Array(message.buffer, 0, message.length);
    const count = message.nonces.length / nonceSize;
    let plaintextLength = 0;
    let failedAt = -1;
    for (let i = 0; i < count; i++) {
      const start = i * sealedChunkSize;
      const end = Math.min(start + sealedChunkSize, message.length);
      const decipher = createDecipheriv(
        'chacha20-poly1305',
        key,
        message.nonces.subarray(i * nonceSize, (i + 1) * nonceSize),
        {
          authTagLength: tagSize,
        },
      );
      decipher.setAuthTag(bytes.subarray(end - tagSize, end));
      const body = decipher.update(bytes.subarray(start, end - tagSize));
      try {
        decipher.final();
      } catch {
        // final() throws only when the tag does not verify.
        failedAt = i;
        break;
      }
      bytes.set(body, plaintextLength);
      plaintextLength += body.length;
    }
    const response: BatchResponse = { id: message.id, buffer: message.buffer, plaintextLength, failedAt };
    port.postMessage(response, [message.buffer]);
    if (++batches % batchesPerCollection === 0) collect?.({ type: 'minor' });
  });
}

/** The source text a worker is started from. */
export const AEAD_BATCH_WORKER_SOURCE = `(${aeadBatchWorker.toString()})(require);`;
