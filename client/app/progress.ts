/**
 * Transfer rate and time left from (time, bytes) samples. The rate is taken
 * over a sliding window, so a burst after a reconnection neither freezes nor
 * inflates the estimate for long.
 */

/** Samples older than this are dropped from the rate. */
const WINDOW_MS = 10_000;

export interface ProgressEstimate {
  readonly done: number;
  readonly total: number;
  /** Bytes per second, or null until two samples span some time. */
  readonly rate: number | null;
  /** Seconds left at `rate`, or null if unknown. */
  readonly remaining: number | null;
}

/** Keeps recent samples of bytes done and derives rate and time left. */
export class RateMeter {
  readonly #total: number;
  readonly #samples: { time: number; done: number }[] = [];

  constructor(total: number) {
    this.#total = total;
  }

  /** Record that `done` bytes were done at `timeMs`; returns the estimate. */
  update(done: number, timeMs: number): ProgressEstimate {
    this.#samples.push({ time: timeMs, done });
    while (this.#samples.length > 2 && this.#samples[1]!.time <= timeMs - WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const elapsed = (timeMs - first.time) / 1000;
    const rate = elapsed > 0.2 && done > first.done ? (done - first.done) / elapsed : null;
    const remaining = rate === null ? null : Math.max(0, this.#total - done) / rate;
    return { done, total: this.#total, rate, remaining };
  }
}
