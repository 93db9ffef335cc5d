/**
 * The compose screen's opening panel: what the page protects and what it
 * cannot, in plain words.
 */
import { h } from '../dom.js';
import { bulletList, type Translate } from './widgets.js';

export function introSection(t: Translate): HTMLElement {
  return h(
    'section',
    { className: 'intro', attrs: { 'aria-labelledby': 'protects-heading' } },
    h('h2', { id: 'protects-heading', text: t('intro.protects.heading') }),
    bulletList(['intro.protects.1', 'intro.protects.2', 'intro.protects.3'], t),
    h('h2', { text: t('intro.limits.heading') }),
    bulletList(['intro.limits.1', 'intro.limits.2', 'intro.limits.3', 'intro.limits.4'], t),
  );
}
