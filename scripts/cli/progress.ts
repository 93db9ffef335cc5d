/**
 * Progress for long work (pull, decrypt) on stderr: bytes done of total and
 * the rate. On a terminal one line is redrawn a few times a second; when
 * stderr is a file or pipe (cron, CI), a plain line is written only every
 * `lineIntervalMs`, so logs stay readable.
 */
import { formatSize } from './display.js';
import type { TextSink } from './io.js';

/** Timing of the display (defaults suit people; tests inject a clock). */
export interface ProgressOptions {
  /** Milliseconds between redraws on a terminal. */
  readonly redrawIntervalMs?: number;
  /** Milliseconds between lines when not on a terminal. */
  readonly lineIntervalMs?: number;
  /** Clock in milliseconds (injected by tests). */
  readonly clock?: () => number;
}

/** Progress of one long job of a known number of bytes. */
export class Progress {
  readonly #sink: TextSink;
  readonly #label: string;
  readonly #total: number;
  readonly #interval: number;
  readonly #clock: () => number;
  readonly #start: number;
  #done = 0;
  #lastShown: number;
  #drawn = false;

  constructor(sink: TextSink, label: string, total: number, options: ProgressOptions = {}) {
    this.#sink = sink;
    this.#label = label;
    this.#total = total;
    this.#clock = options.clock ?? (() => performance.now());
    this.#interval = sink.isTTY ? (options.redrawIntervalMs ?? 200) : (options.lineIntervalMs ?? 10_000);
    this.#start = this.#clock();
    this.#lastShown = this.#start;
  }

  /** Record `bytes` more done; shows progress if enough time has passed. */
  advance(bytes: number): void {
    this.#done += bytes;
    const now = this.#clock();
    if (now - this.#lastShown >= this.#interval) {
      this.#lastShown = now;
      this.#show(now);
    }
  }

  /** Bytes recorded so far. */
  get done(): number {
    return this.#done;
  }

  /** Final line (on a terminal, replaces the redrawn one). */
  finish(outcome = 'done'): void {
    const now = this.#clock();
    if (this.#sink.isTTY) {
      if (this.#drawn) this.#sink.write('\r\x1b[K');
    }
    this.#sink.write(`${this.#line(now)} ${outcome}\n`);
  }

  #line(now: number): string {
    const seconds = Math.max((now - this.#start) / 1000, 0.001);
    const percent = this.#total > 0 ? ` ${Math.floor((this.#done / this.#total) * 100)}%` : '';
    return `${this.#label}: ${formatSize(this.#done)} / ${formatSize(this.#total)}${percent}, ${formatSize(this.#done / seconds)}/s`;
  }

  #show(now: number): void {
    if (this.#sink.isTTY) {
      this.#sink.write(`\r\x1b[K${this.#line(now)}`);
      this.#drawn = true;
    } else {
      this.#sink.write(`${this.#line(now)}\n`);
    }
  }
}
