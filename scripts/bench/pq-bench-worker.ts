/**
 * Browser side of `npm run bench:pq` (bundled by scripts/bench/pq.ts, never
 * shipped): in a Web Worker like the real encryption worker, with the
 * libsodium of the bundle it was built into (WebAssembly, or noble through
 * client/app/sodium-noble.ts), times what a submission costs per recipient
 * type: parsing an editor's recipient and wrapping the file key into its
 * stanza, and deriving the source's reply recipient from the secret.
 */
import { measurePqCosts, type PqCostOptions, type PqCosts } from './pq-costs.js';

export type PqBenchRequest = PqCostOptions;

export type PqBenchResult = (PqCosts & { readonly webAssembly: boolean }) | { readonly error: string };

interface BenchScope {
  postMessage(message: PqBenchResult): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PqBenchRequest>) => void): void;
}
const scope = globalThis as unknown as BenchScope;

scope.addEventListener('message', (event) => {
  const webAssembly = typeof WebAssembly !== 'undefined';
  measurePqCosts(event.data).then(
    (costs) => {
      scope.postMessage({ ...costs, webAssembly });
    },
    (error: unknown) => {
      scope.postMessage({ error: String(error) });
    },
  );
});
