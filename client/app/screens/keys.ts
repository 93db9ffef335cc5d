/**
 * The compose screen's key panel: the root key fingerprint for the source to
 * compare, and whether the signed key manifest verified (until when), or why not.
 */
import { h } from '../dom.js';
import { formatDate } from '../format.js';
import type { PageView } from '../page-state.js';
import { alertBox, failureText, type Translate } from './widgets.js';

export function keySection(view: PageView, t: Translate): HTMLElement {
  const keys = view.keys;
  const status =
    keys.state === 'checking'
      ? h('p', { className: 'muted', text: t('keys.checking') })
      : keys.state === 'ready'
        ? h('p', { className: 'ok', text: t('keys.verified', { expires: formatDate(keys.expires, view.language) }) })
        : alertBox(failureText(keys.reason, t));
  return h(
    'section',
    { className: 'keys', attrs: { 'aria-labelledby': 'keys-heading' } },
    h('h2', { id: 'keys-heading', text: t('keys.heading') }),
    h(
      'p',
      {},
      h('code', { className: 'fingerprint', id: 'fingerprint', text: view.fingerprint ?? t('keys.unavailable') }),
    ),
    h('p', { className: 'help', text: t('keys.help') }),
    status,
  );
}
