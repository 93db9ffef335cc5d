/**
 * Pieces every screen draws with: what a screen is given ({@link ScreenContext}),
 * headings, bullet lists, alerts, and the explanation of each failure reason.
 */
import { h } from '../dom.js';
import type { MessageKey } from '../i18n/catalog.js';
import type { PageEvents, PageView } from '../page-state.js';
import type { FailureReason } from '../protocol.js';

/** A message in the page's language, with its `{name}` placeholders filled. */
export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

/** What a screen is drawn from: the state, the events it may raise, and its words. */
export interface ScreenContext {
  readonly view: PageView;
  readonly events: PageEvents;
  readonly t: Translate;
}

/** A screen: its elements (below the page's h1), events attached. */
export type Screen = (context: ScreenContext) => HTMLElement[];

const FAILURE_MESSAGES: Readonly<Record<FailureReason, MessageKey>> = {
  worker: 'error.worker',
  crypto: 'error.crypto',
  'root-key': 'error.rootKey',
  network: 'error.network',
  'manifest-invalid': 'error.manifest.invalid',
  'manifest-expired': 'error.manifest.expired',
  'manifest-future': 'error.manifest.future',
  'too-large': 'error.tooLarge',
  'server-busy': 'error.serverBusy',
  connection: 'error.connection',
  'keys-expired': 'error.keysExpired',
  'restarted-too-often': 'error.restartedTooOften',
  'file-read': 'error.fileRead',
  rejected: 'error.rejected',
  internal: 'error.internal',
};

/** What the source is told for `reason`. */
export function failureText(reason: FailureReason, t: Translate): string {
  return t(FAILURE_MESSAGES[reason]);
}

/** "Back to the replies", for the follow-up form and its done screen (one id, so tests and focus find it). */
export function backToMailboxButton(context: ScreenContext): HTMLButtonElement {
  const back = h('button', {
    className: 'secondary',
    id: 'back-to-mailbox',
    text: context.t('followUp.back'),
    attrs: { type: 'button' },
  });
  back.addEventListener('click', () => {
    context.events.returnToMailbox();
  });
  return back;
}

/** A screen's heading; focusable, so focus can move to it when the screen changes. */
export function heading(text: string): HTMLHeadingElement {
  return h('h2', { text, attrs: { tabindex: '-1' } });
}

export function bulletList(keys: readonly MessageKey[], t: Translate): HTMLUListElement {
  return h('ul', {}, ...keys.map((key) => h('li', { text: t(key) })));
}

/** A message screen readers announce at once. */
export function alertBox(text: string): HTMLDivElement {
  return h('div', { className: 'alert', attrs: { role: 'alert' } }, h('p', { text }));
}
