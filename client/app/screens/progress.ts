/**
 * The progress screen: one `<progress>` bar (indeterminate until the first
 * batch is stored), bytes stored of the total, rate and time left, a notice
 * (reconnecting with a countdown to the next try and "Try now", starting
 * again, cancelling), and Cancel. Its elements outlive a redraw (a language
 * switch mid-send keeps the bar where it is), so they live in one
 * {@link ProgressScreen} for the page's lifetime; the notice is drawn from
 * the screen's state, so it follows the language too.
 */
import { h } from '../dom.js';
import { formatBytes, formatDuration } from '../format.js';
import { RateMeter, type ProgressEstimate } from '../progress.js';
import type { MessageKey } from '../i18n/catalog.js';
import type { RestartReason } from '../protocol.js';
import type { ScreenContext } from './widgets.js';

/** Screen readers hear progress at most this often (the bar itself is always current). */
const ANNOUNCE_EVERY_MS = 15_000;
/** The countdown to the next try is redrawn this often. */
const COUNTDOWN_TICK_MS = 1000;

type Context = Pick<ScreenContext, 'view' | 't'>;

/** The status line and the rate line for `estimate`. */
function describeProgress(estimate: ProgressEstimate, context: Context): { status: string; rate: string } {
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
  readonly #restart = h('p', { className: 'notice', id: 'progress-restart' });
  readonly #notice = h('p', { className: 'notice', id: 'progress-notice' });
  readonly #tryNow = h('button', { className: 'secondary', id: 'try-now', attrs: { type: 'button' } });
  /** Says `text` to screen readers (the page's polite live region). */
  readonly #announce: (text: string) => void;
  readonly #now: () => number;
  #meter: RateMeter | null = null;
  #lastEstimate: ProgressEstimate | null = null;
  #lastAnnounce = 0;
  /** While reconnecting: when the next try starts, on {@link #now}'s clock. */
  #nextTryAt: number | null = null;
  #countdown: ReturnType<typeof setInterval> | null = null;
  /** Why the send started again from the start, if it did. */
  #restarted: RestartReason | null = null;
  #cancelling = false;
  /** What the last draw or paint used: the countdown is worded in its language. */
  #context: Context | null = null;
  #onTryNow: (() => void) | null = null;

  /** @param now the clock of the times given to {@link update} and {@link retrying}. */
  constructor(announce: (text: string) => void, now: () => number = () => performance.now()) {
    this.#announce = announce;
    this.#now = now;
    this.#tryNow.hidden = true;
    this.#tryNow.addEventListener('click', () => {
      this.#onTryNow?.();
    });
  }

  /** The screen's elements, for a (re)draw; {@link paint} fills in the text. */
  draw(context: ScreenContext): HTMLElement[] {
    const { events, t, view } = context;
    this.#context = context;
    this.#onTryNow = () => {
      events.retryNow();
    };
    this.#tryNow.textContent = t('progress.tryNow');
    const cancel = h('button', {
      className: 'secondary',
      id: 'cancel',
      text: t('progress.cancel'),
      attrs: { type: 'button' },
    });
    cancel.disabled = view.cancelling;
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
      this.#restart,
      this.#notice,
      this.#tryNow,
      cancel,
    ];
  }

  /** A new send: no estimate yet, the bar indeterminate until the first batch is stored, no notice. */
  reset(): void {
    this.#startAfresh();
    this.#restarted = null;
    this.#cancelling = false;
    this.#restart.textContent = '';
  }

  /** The status, rate and notice lines for the current state, in the page's language. */
  paint(context: Context): void {
    this.#context = context;
    const { t } = context;
    const estimate = this.#lastEstimate;
    if (estimate === null) {
      this.#text.textContent = t('progress.starting');
      this.#rate.textContent = '';
    } else {
      const { status, rate } = describeProgress(estimate, context);
      this.#text.textContent = estimate.done >= estimate.total ? t('progress.finishing') : status;
      // While reconnecting the last rate is not the link's any more.
      this.#rate.textContent = this.#nextTryAt === null ? rate : '';
    }
    this.#restart.textContent = this.#restarted === null ? '' : t(RESTART_MESSAGES[this.#restarted]);
    this.#notice.textContent = this.#noticeText(context);
    this.#tryNow.hidden = this.#nextTryAt === null || this.#cancelling;
  }

  /** `sent` of `total` bytes are stored at `nowMs`: reconnected, if it was reconnecting. */
  update(sent: number, total: number, nowMs: number, context: Context): void {
    this.#stopCountdown();
    this.#meter ??= new RateMeter(total);
    const estimate = this.#meter.update(sent, nowMs);
    this.#lastEstimate = estimate;
    this.#bar.max = total;
    this.#bar.value = sent;
    this.paint(context);
    if (nowMs - this.#lastAnnounce >= ANNOUNCE_EVERY_MS) {
      this.#lastAnnounce = nowMs;
      const { status, rate } = describeProgress(estimate, context);
      this.#announce(`${status}. ${rate}`);
    }
  }

  /**
   * A request failed; the next try is in `nextTryInMs`. The rate so far
   * is dropped: after reconnecting the estimate starts from the resumed
   * state, not from an average that includes the outage.
   */
  retrying(nextTryInMs: number, context: Context): void {
    this.#stopCountdown();
    this.#meter = null;
    this.#nextTryAt = this.#now() + nextTryInMs;
    this.paint(context);
    this.#announce(this.#notice.textContent);
    this.#countdown = setInterval(() => {
      if (this.#context !== null) this.paint(this.#context);
    }, COUNTDOWN_TICK_MS);
  }

  /** The send starts again from the start, for `reason`. */
  restarting(reason: RestartReason, context: Context): void {
    this.#startAfresh();
    this.#restarted = reason;
    this.paint(context);
    this.#announce(this.#restart.textContent);
  }

  /** Cancel was pressed: the page waits for the server to confirm the deletion. */
  cancelling(context: Context): void {
    this.#stopCountdown();
    this.#cancelling = true;
    this.paint(context);
    this.#announce(this.#notice.textContent);
  }

  /** The screen is no longer shown: no countdown ticks on. */
  leave(): void {
    this.#stopCountdown();
  }

  /** Back to an indeterminate bar and no estimate, as before a first batch. */
  #startAfresh(): void {
    this.#stopCountdown();
    this.#meter = null;
    this.#lastEstimate = null;
    this.#lastAnnounce = 0;
    this.#bar.removeAttribute('value');
  }

  #stopCountdown(): void {
    if (this.#countdown !== null) clearInterval(this.#countdown);
    this.#countdown = null;
    this.#nextTryAt = null;
  }

  #noticeText({ t }: Context): string {
    if (this.#cancelling) return t('progress.cancelling');
    if (this.#nextTryAt === null) return '';
    const seconds = Math.ceil((this.#nextTryAt - this.#now()) / 1000);
    return seconds > 0 ? t('progress.retrying', { seconds }) : t('progress.retryingNow');
  }
}

const RESTART_MESSAGES = {
  'keys-changed': 'progress.restarting.keysChanged',
  'upload-dropped': 'progress.restarting.uploadDropped',
} as const satisfies Record<RestartReason, MessageKey>;
