/**
 * The words screen: a returning source types the 12 words written down when
 * sending, and the page opens their mailbox. One plain field, in no form the
 * browser could remember: no autocomplete, spell check, capitalisation or
 * correction (a phone's keyboard would otherwise learn the words). Problems
 * name a word's position, never the word.
 *
 * The field outlives a redraw (a language switch or a problem shown keeps
 * what was typed without the controller holding a copy), so its elements
 * live in one {@link WordsScreen} for the page's lifetime; the controller
 * clears it through the display when the words are no longer needed.
 */
import { h } from '../dom.js';
import { formatBytes } from '../format.js';
import type { MessageKey } from '../i18n/catalog.js';
import type { WordsProblem } from '../page-state.js';
import type { MailboxFailureReason } from '../protocol.js';
import { alertBox, failureText, heading, type ScreenContext, type Translate } from './widgets.js';

const MAILBOX_FAILURES: Readonly<Record<MailboxFailureReason, MessageKey>> = {
  crypto: 'mailbox.error.crypto',
  connection: 'mailbox.error.connection',
  'server-busy': 'mailbox.error.serverBusy',
  rejected: 'mailbox.error.rejected',
  internal: 'mailbox.error.internal',
};

/** What the source is told when reading or deleting replies failed for `reason`. */
export function mailboxFailureText(reason: MailboxFailureReason, t: Translate): string {
  return t(MAILBOX_FAILURES[reason]);
}

/** What the source is told for `problem`: a position at most, never a word. */
export function wordsProblemText(problem: WordsProblem, t: Translate): string {
  if (problem.kind === 'worker') return failureText('worker', t);
  if (problem.kind === 'mailbox') return mailboxFailureText(problem.reason, t);
  switch (problem.code) {
    case 'word-count':
      return t('words.error.count');
    case 'unknown-word':
      if (problem.wordNumber === undefined) return t('words.error.unknownSomewhere');
      // Naming the list tells a source who typed Korean words that it is not a keyboard-language slip.
      return problem.list === undefined
        ? t('words.error.unknown', { n: problem.wordNumber })
        : t(problem.list === 'ko' ? 'words.error.unknownKorean' : 'words.error.unknownEnglish', {
            n: problem.wordNumber,
          });
    case 'unknown-typed-word':
      // More than 12 pieces: the number counts what was typed, so the source can find it.
      return t('words.error.unknownTyped', { n: problem.wordNumber ?? 1 });
    case 'ambiguous-join':
      return t('words.error.ambiguous', { n: problem.wordNumber ?? 1 });
    case 'checksum':
      return t('words.error.checksum');
    case 'mixed-language':
      return t('words.error.mixed');
  }
}

export class WordsScreen {
  readonly #field = h('textarea', {
    id: 'words',
    attrs: {
      rows: '4',
      'aria-describedby': 'words-help',
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      autocorrect: 'off',
      // Some password managers offer to save any field; these words are not theirs.
      'data-1p-ignore': '',
      'data-lpignore': 'true',
    },
  });
  readonly #bar = h('progress', { id: 'words-progress', attrs: { 'aria-labelledby': 'words-status' } });
  readonly #status = h('p', { id: 'words-status', attrs: { role: 'status' } });

  /** The screen's elements, for a (re)draw. */
  draw(context: ScreenContext): HTMLElement[] {
    const { view, events, t } = context;
    const problem = view.wordsProblem;
    const broken = !view.workerRunning;
    const field = this.#field;
    field.disabled = broken;
    if (problem?.kind === 'words') {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', 'words-help words-problem');
      // Back in the field, where the word is to be fixed.
      field.setAttribute('data-focus', '');
    } else {
      field.removeAttribute('aria-invalid');
      field.setAttribute('aria-describedby', 'words-help');
      field.removeAttribute('data-focus');
    }
    const open = h('button', {
      className: 'primary',
      id: 'words-open',
      text: view.opening ? t('words.opening') : t('words.open'),
      attrs: { type: 'button' },
    });
    // aria-disabled, not disabled: the button keeps focus while the mailbox opens.
    if (view.opening || broken) open.setAttribute('aria-disabled', 'true');
    open.addEventListener('click', () => {
      if (!broken) events.openMailbox(field.value);
    });
    const back = h('button', {
      className: 'secondary',
      id: 'words-back',
      text: t('secret.back'),
      attrs: { type: 'button' },
    });
    back.addEventListener('click', () => {
      events.leaveWords();
    });
    const screen: HTMLElement[] = [
      heading(t('words.heading')),
      h('p', { text: t('words.intro') }),
      h('label', { text: t('words.label'), attrs: { for: 'words' } }),
      h('p', { className: 'help', id: 'words-help', text: t('words.help') }),
      field,
    ];
    if (problem !== null) {
      screen.push(
        problem.kind === 'words'
          ? h('p', {
              className: 'field-error',
              id: 'words-problem',
              text: wordsProblemText(problem, t),
              attrs: { role: 'alert' },
            })
          : alertBox(wordsProblemText(problem, t)),
      );
    }
    if (view.opening) {
      if (this.#status.textContent === '') this.#status.textContent = t('words.fetching');
      screen.push(this.#bar, this.#status);
    } else {
      this.#resetProgress();
    }
    if (broken) {
      const reload = h('button', {
        className: 'secondary',
        id: 'words-reload',
        text: t('error.reload'),
        attrs: { type: 'button' },
      });
      reload.addEventListener('click', () => {
        events.reload();
      });
      screen.push(h('div', { className: 'actions' }, back, reload));
    } else {
      screen.push(h('div', { className: 'actions' }, back, open));
    }
    return screen;
  }

  /** The mailbox is being fetched: `done` of `total` bytes. */
  progress(done: number, total: number, context: Pick<ScreenContext, 'view' | 't'>): void {
    const { view, t } = context;
    if (total === 0) {
      this.#bar.removeAttribute('value');
      return;
    }
    this.#bar.max = total;
    this.#bar.value = done;
    this.#status.textContent = t('words.progress', {
      done: formatBytes(done, view.language),
      total: formatBytes(total, view.language),
    });
  }

  /** The words are not needed any more: gone from the field, and the progress reset for next time. */
  clear(): void {
    this.#field.value = '';
    this.#resetProgress();
  }

  #resetProgress(): void {
    this.#bar.removeAttribute('value');
    this.#status.textContent = '';
  }
}
