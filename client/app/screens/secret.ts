/**
 * The secret screen (only when replies were chosen): the source secret's 12
 * words in the page's language, shown once, and a confirmation that they were
 * written down before sending.
 */
import { h } from '../dom.js';
import { heading, type ScreenContext } from './widgets.js';

export function secretScreen(context: ScreenContext): HTMLElement[] {
  const { view, events, t } = context;
  const confirm = h('input', { id: 'secret-confirm', attrs: { type: 'checkbox' } });
  const send = h('button', {
    className: 'primary',
    id: 'secret-send',
    text: t('secret.send'),
    attrs: { type: 'button' },
  });
  send.disabled = true;
  confirm.addEventListener('change', () => {
    send.disabled = !confirm.checked || view.words === null;
  });
  send.addEventListener('click', () => {
    if (confirm.checked && view.words !== null) events.sendWithSecret();
  });
  const back = h('button', {
    id: 'secret-back',
    className: 'secondary',
    text: t('secret.back'),
    attrs: { type: 'button' },
  });
  back.addEventListener('click', () => {
    events.returnToCompose();
  });
  const words =
    view.words === null
      ? h('p', { className: 'muted', text: t('progress.starting') })
      : h(
          'ol',
          { className: 'words', id: 'secret-words', attrs: { lang: view.language } },
          ...view.words.map((word) => h('li', { text: word })),
        );
  return [
    heading(t('secret.heading')),
    h('p', { text: t('secret.intro') }),
    words,
    h(
      'div',
      { className: 'check' },
      confirm,
      h('label', { text: t('secret.confirm'), attrs: { for: 'secret-confirm' } }),
    ),
    h('div', { className: 'actions' }, back, send),
  ];
}
