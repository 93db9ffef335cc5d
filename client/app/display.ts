/**
 * The page's DOM, as the controller's {@link Display}: the fixed parts (the
 * bar with the language switch and quick exit, the polite live region) and
 * the current screen, drawn by the screen modules in screens/.
 */
import type { Display } from './controller.js';
import { h } from './dom.js';
import { formatMessage, type Language } from './i18n/catalog.js';
import type { PageEvents, PageView, ScreenName } from './page-state.js';
import type { RestartReason } from './protocol.js';
import { cancelledScreen } from './screens/cancelled.js';
import { composeScreen } from './screens/compose.js';
import { doneScreen } from './screens/done.js';
import { failedScreen } from './screens/failed.js';
import { mailboxScreen } from './screens/mailbox.js';
import { ProgressScreen } from './screens/progress.js';
import { secretScreen } from './screens/secret.js';
import type { Screen, ScreenContext, Translate } from './screens/widgets.js';
import { WordsScreen } from './screens/words.js';

/** What the bar's buttons do. */
export interface ChromeEvents {
  switchLanguage(): void;
  quickExit(): void;
}

function translator(language: Language): Translate {
  return (key, params) => formatMessage(language, key, params);
}

export class PageDisplay implements Display {
  readonly #content = h('main', { id: 'content', attrs: { tabindex: '-1' } });
  readonly #announcer = h('p', { className: 'visually-hidden', attrs: { 'aria-live': 'polite', role: 'status' } });
  readonly #languageButton = h('button', { className: 'link-button', attrs: { type: 'button' } });
  readonly #exitButton = h('button', { className: 'exit-button', attrs: { type: 'button' } });
  readonly #progress = new ProgressScreen((text) => {
    this.#announcer.textContent = text;
  });
  readonly #words = new WordsScreen();
  readonly #screens: Readonly<Record<ScreenName, Screen>> = {
    compose: composeScreen,
    secret: secretScreen,
    progress: (context) => this.#progress.draw(context),
    done: doneScreen,
    cancelled: cancelledScreen,
    failed: failedScreen,
    words: (context) => this.#words.draw(context),
    mailbox: mailboxScreen,
  };
  /** What the last render drew from: progress updates are worded in its language. */
  #context: ScreenContext | null = null;

  /** Puts the bar, the content and the live region into `body`, replacing what was there. */
  mount(body: HTMLElement, events: ChromeEvents): void {
    this.#languageButton.addEventListener('click', () => {
      events.switchLanguage();
    });
    this.#exitButton.addEventListener('click', () => {
      events.quickExit();
    });
    const header = h(
      'header',
      { className: 'bar' },
      h('span', { className: 'brand', text: 'Sealdrop' }),
      h('nav', { className: 'bar-actions' }, this.#languageButton, this.#exitButton),
    );
    body.replaceChildren(header, this.#content, this.#announcer);
  }

  render(view: PageView, events: PageEvents, focus: boolean): void {
    const t = translator(view.language);
    const context: ScreenContext = { view, events, t };
    this.#context = context;
    this.#renderChrome(view.language, t);
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && this.#content.contains(focused) ? focused.id : null;
    this.#content.replaceChildren(h('h1', { text: t('page.heading') }), ...this.#screens[view.screen](context));
    if (view.screen === 'progress') this.#progress.paint(context);
    else this.#progress.leave();
    const heading = this.#content.querySelector<HTMLElement>('h2[tabindex="-1"]');
    if (focus) {
      heading?.focus();
      return;
    }
    // A redraw of the same screen keeps the keyboard where it was: on what the
    // screen asks for (data-focus), else the same control, else the heading.
    if (hadFocus === null) return;
    const same = hadFocus === '' ? null : document.getElementById(hadFocus);
    const wanted =
      this.#content.querySelector<HTMLElement>('[data-focus]') ??
      (same !== null && this.#content.contains(same) ? same : heading);
    wanted?.focus();
    // A text field drawn anew: the caret back where it was, not at the start.
    if (wanted === same && focused instanceof HTMLTextAreaElement && same instanceof HTMLTextAreaElement)
      same.setSelectionRange(focused.selectionStart, focused.selectionEnd, focused.selectionDirection);
  }

  resetProgress(): void {
    this.#progress.reset();
  }

  showProgress(sent: number, total: number): void {
    if (this.#context !== null) this.#progress.update(sent, total, performance.now(), this.#context);
  }

  showRetrying(nextTryInMs: number): void {
    if (this.#context !== null) this.#progress.retrying(nextTryInMs, this.#context);
  }

  showRestarting(reason: RestartReason): void {
    if (this.#context !== null) this.#progress.restarting(reason, this.#context);
  }

  showCancelling(): void {
    if (this.#context !== null) this.#progress.cancelling(this.#context);
  }

  focusLanguageSwitch(): void {
    this.#languageButton.focus();
  }

  showMailboxProgress(done: number, total: number): void {
    if (this.#context !== null) this.#words.progress(done, total, this.#context);
  }

  clearWordsField(): void {
    this.#words.clear();
  }

  #renderChrome(language: Language, t: Translate): void {
    document.documentElement.lang = language;
    // A tab, the app switcher and an ordinary browser's history show the title:
    // the catalog's neutral one in the page's language, unless the newsroom set
    // its own at build time (scripts/build-client.ts --title marks it), which stays.
    if (document.querySelector('title[data-newsroom]') === null) document.title = t('page.title');
    const other: Language = language === 'en' ? 'ko' : 'en';
    this.#languageButton.textContent = t('language.other');
    this.#languageButton.setAttribute('lang', other);
    this.#languageButton.title = t('language.label');
    this.#exitButton.textContent = t('exit.button');
    this.#exitButton.title = t('exit.hint');
  }
}
