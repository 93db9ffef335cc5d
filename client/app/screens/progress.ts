/**
 * The progress screen: one `<progress>` bar (indeterminate until the first
 * batch is stored), bytes stored of the total, rate and time left, a notice
 * while reconnecting, and Cancel. Its elements outlive a redraw (a language
 * switch mid-send keeps the bar where it is), so they live in one
 * {@link ProgressScreen} for the page's lifetime.
 */
import { h } from '../dom.js';
import { formatBytes, formatDuration } from '../format.js';
import { RateMeter, type ProgressEstimate } from '../progress.js';
import type { ScreenContext, Translate } from './widgets.js';

/** Screen readers hear progress at most this often (the bar itself is always current). */
const ANNOUNCE_EVERY_MS = 15_000;

/** The status line and the rate line for `estimate`. */
function describeProgress(
  estimate: ProgressEstimate,
  context: Pick<ScreenContext, 'view' | 't'>,
): { status: string; rate: string } {
  const { view, t } = context;
  const status = t('progress.status', {
    done: formatBytes(estimate.done, view.language),
    total: formatBytes(estimate.total, view.language),
  });
  const rate =
    estimate.rate === null || estimate.remaining === null
      ? ''
      : t('progress.rate', {
          rate: formatBytes(estimate.rate, view.language),
          remaining: formatDuration(estimate.remaining, view.language),
        });
  return { status, rate };
}

export class ProgressScreen {
  readonly #bar = h('progress', {
    id: 'progress-bar',
    attrs: { max: '1', value: '0', 'aria-labelledby': 'progress-heading' },
  });
  readonly #text = h('p', { id: 'progress-text' });
  readonly #rate = h('p', { className: 'muted', id: 'progress-rate' });
  readonly #notice = h('p', { className: 'notice', id: 'progress-notice' });
  /** Says `text` to screen readers (the page's polite live region). */
  readonly #announce: (text: string) => void;
  #meter: RateMeter | null = null;
  #lastEstimate: ProgressEstimate | null = null;
  #lastAnnounce = 0;

  constructor(announce: (text: string) => void) {
    this.#announce = announce;
  }

  /** The screen's elements, for a (re)draw; {@link paint} fills in the text. */
  draw(context: ScreenContext): HTMLElement[] {
    const { events, t } = context;
    const cancel = h('button', {
      className: 'secondary',
      id: 'cancel',
      text: t('progress.cancel'),
      attrs: { type: 'button' },
    });
    cancel.addEventListener('click', () => {
      cancel.disabled = true;
      events.cancelSend();
    });
    return [
      h('h2', { id: 'progress-heading', text: t('progress.heading'), attrs: { tabindex: '-1' } }),
      h('p', { text: t('progress.intro') }),
      h('p', { className: 'help', id: 'progress-screen-on', text: t('progress.screenOn') }),
      this.#bar,
      this.#text,
      this.#rate,
      this.#notice,
      cancel,
    ];
  }

  /** A new send: no estimate yet, the bar indeterminate until the first batch is stored. */
  reset(): void {
    this.#meter = null;
    this.#lastEstimate = null;
    this.#lastAnnounce = 0;
    this.#bar.removeAttribute('value');
    this.#notice.textContent = '';
  }

  /** The status and rate lines for the latest estimate, in the page's language. */
  paint(context: Pick<ScreenContext, 'view' | 't'>): void {
    const estimate = this.#lastEstimate;
    if (estimate === null) {
      this.#text.textContent = context.t('progress.starting');
      this.#rate.textContent = '';
      return;
    }
    const { status, rate } = describeProgress(estimate, context);
    this.#text.textContent = estimate.done >= estimate.total ? context.t('progress.finishing') : status;
    this.#rate.textContent = rate;
  }

  /** `sent` of `total` bytes are stored at `nowMs`. */
  update(sent: number, total: number, nowMs: number, context: Pick<ScreenContext, 'view' | 't'>): void {
    this.#meter ??= new RateMeter(total);
    const estimate = this.#meter.update(sent, nowMs);
    this.#lastEstimate = estimate;
    this.#bar.max = total;
    this.#bar.value = sent;
    this.#notice.textContent = '';
    this.paint(context);
    if (nowMs - this.#lastAnnounce >= ANNOUNCE_EVERY_MS) {
      this.#lastAnnounce = nowMs;
      const { status, rate } = describeProgress(estimate, context);
      this.#announce(`${status}. ${rate}`);
    }
  }

  /** A request failed and is being retried. */
  retrying(t: Translate): void {
    this.#notice.textContent = t('progress.retrying');
    this.#announce(t('progress.retrying'));
  }
}
