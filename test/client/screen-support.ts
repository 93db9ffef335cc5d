/**
 * What the screen tests (page-screens, reply-screens) draw with: a page view
 * with every field at its resting value, a recorder of the events a screen
 * raises, and the context a screen draws in.
 */
import { formatMessage, type Language } from '../../client/app/i18n/catalog.js';
import type { PageEvents, PageView } from '../../client/app/page-state.js';
import type { ScreenContext } from '../../client/app/screens/widgets.js';

/** Records the events a screen raises: the name, and its arguments when there are any. */
export function recorder(): { events: PageEvents; raised: string[] } {
  const raised: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): undefined => {
      raised.push(args.length === 0 ? name : `${name} ${JSON.stringify(args)}`);
      return undefined;
    };
  const events = new Proxy({} as PageEvents, {
    get: (_target, name: string) => (name === 'submit' ? () => 'accepted' : record(name)),
  });
  return { events, raised };
}

/** A view of the first screen with nothing typed, verified keys and nothing open; `changes` on top. */
export function restingView(changes: Partial<PageView>): PageView {
  return {
    language: 'en',
    screen: 'compose',
    fingerprint: null,
    keys: { state: 'ready', expires: '2030-01-01T00:00:00Z' },
    message: '',
    files: [],
    reply: false,
    words: null,
    wordsRenewed: false,
    failure: null,
    cancelling: false,
    cancelled: null,
    workerRunning: true,
    followUp: false,
    opening: false,
    wordsProblem: null,
    replies: null,
    deleting: [],
    fileSaves: new Map(),
    confirmingDelete: null,
    deleteNotice: null,
    ...changes,
  };
}

/** The context a screen draws in: the view, the events, and a translator (by default in the view's language). */
export function screenContext(state: PageView, events: PageEvents, language: Language = state.language): ScreenContext {
  return { view: state, events, t: (key, params) => formatMessage(language, key, params) };
}
