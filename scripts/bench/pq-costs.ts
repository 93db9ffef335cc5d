/**
 * What one recipient costs a submission, per type, measured the same way in
 * Node and in the page's worker (scripts/bench/pq-bench-worker.ts): the
 * stanza (parse the editor's `age1...` / `age1pq1...` recipient, wrap the
 * file key) and the source's reply recipient (derived from the 12 words'
 * secret: an X25519 base-point multiplication, or an ML-KEM-768 + X25519
 * key generation from the seed).
 */
import { parseRecipient } from '../../client/core/recipients.js';
import { loadSodium } from '../../client/core/sodium.js';
import { replyRecipientFor } from '../../client/core/source-secret.js';
import { median } from './bench-args.js';

/** Milliseconds per operation (the median of `runs`), and the first one's (cold: code and tables loaded on first use). */
export interface Timing {
  readonly median: number;
  readonly first: number;
}

export interface PqCosts {
  readonly stanza: { readonly x25519: Timing; readonly hybrid: Timing };
  readonly replyKey: { readonly x25519: Timing; readonly hybrid: Timing };
}

/**
 * One cold operation, then `runs` samples of `repeat` operations each (the
 * page's clock is coarse, 0.1 ms in Chromium: a sample must be longer).
 */
function time(runs: number, repeat: number, operation: (run: number) => void): Timing {
  let started = performance.now();
  operation(0);
  const first = performance.now() - started;
  const samples: number[] = [];
  for (let run = 1; run <= runs; run++) {
    started = performance.now();
    for (let i = 0; i < repeat; i++) operation(run * repeat + i);
    samples.push((performance.now() - started) / repeat);
  }
  return { median: median(samples), first };
}

/** What to time, and how often. */
export interface PqCostOptions {
  /** An `age1...` recipient. */
  readonly classic: string;
  /** An `age1pq1...` recipient. */
  readonly hybrid: string;
  /** Samples per figure, after one cold operation. */
  readonly runs: number;
  /** Operations per sample. */
  readonly repeat: number;
}

/** Time each cost: the median sample, and the cold first operation. */
export async function measurePqCosts(options: PqCostOptions): Promise<PqCosts> {
  await loadSodium();
  const fileKey = new Uint8Array(16).fill(1);
  const secretOf = (run: number): Uint8Array => new Uint8Array(16).fill(run & 0xff);
  const stanza = (recipient: string): Timing =>
    time(options.runs, options.repeat, () => {
      void parseRecipient(recipient).wrapFileKey(fileKey);
    });
  // Hybrid first, so its cold run carries the one-time cost (loading X-Wing without WebAssembly).
  const hybridStanza = stanza(options.hybrid);
  const hybridReply = time(options.runs, options.repeat, (run) => replyRecipientFor(secretOf(run), 'mlkem768x25519'));
  return {
    stanza: { hybrid: hybridStanza, x25519: stanza(options.classic) },
    replyKey: {
      hybrid: hybridReply,
      x25519: time(options.runs, options.repeat, (run) => replyRecipientFor(secretOf(run), 'x25519')),
    },
  };
}
