/**
 * The fuller safety help behind one native `<details>` on the page: what the
 * main screens say in a line, said in full (reading a reply, Tor Browser and
 * its blocking in China, an ordinary browser's history, phones, photos, the
 * 12 words). A `<details>` opens with the keyboard and without script, and
 * links nowhere: nothing here leaves the page.
 */
import { h } from '../dom.js';
import type { MessageKey } from '../i18n/catalog.js';
import { bulletList, type Translate } from './widgets.js';

/** How to write down and keep the 12 words: on the secret screen and in the help. */
export const WORD_COPY_RULES: readonly MessageKey[] = [
  'secret.copy.1',
  'secret.copy.2',
  'secret.copy.3',
  'secret.copy.4',
  'secret.copy.5',
];

/** One topic: a heading and its points. */
function topic(heading: MessageKey, items: readonly string[], t: Translate): HTMLElement[] {
  return [h('h3', { text: t(heading) }), h('ul', {}, ...items.map((text) => h('li', { text })))];
}

/**
 * Whether the source opened the panel: screens are drawn anew when the keys
 * are checked or the language changes, and an open panel must not snap shut
 * under the reader.
 */
let opened = false;

/** The help panel, closed until the source opens it. */
export function helpSection(t: Translate): HTMLDetailsElement {
  const button = t('returning.button');
  const panel = h(
    'details',
    { className: 'help-panel', id: 'help' },
    // An id, so a redraw puts the keyboard back on it.
    h('summary', { id: 'help-summary', text: t('help.summary') }),
    ...topic('help.replies.heading', [t('help.replies.1', { button }), t('help.replies.2'), t('help.replies.3')], t),
    ...topic('help.tor.heading', [t('help.tor.1'), t('help.tor.2'), t('help.tor.3')], t),
    ...topic('help.browser.heading', [t('help.browser.1', { exit: t('exit.button') })], t),
    ...topic('help.phone.heading', [t('help.phone.1'), t('help.phone.2')], t),
    ...topic('help.files.heading', [t('help.files.1'), t('help.files.2')], t),
    h('h3', { text: t('help.words.heading') }),
    bulletList([...WORD_COPY_RULES, 'help.words.1'], t),
  );
  panel.open = opened;
  panel.addEventListener('toggle', () => {
    opened = panel.open;
  });
  return panel;
}
