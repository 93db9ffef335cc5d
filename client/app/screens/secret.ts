/**
 * The secret screen (only when replies were chosen): the source secret's 12
 * words in the page's language, shown once; how to write them down; a way
 * to have other words made before anything is sent (say one would be unsafe
 * to carry); and a confirmation that they were written down before sending.
 */
import { h } from '../dom.js';
import { helpSection, WORD_COPY_RULES } from './help.js';
import { bulletList, heading, type ScreenContext } from './widgets.js';

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
  // Never disabled while new words are made: a disabled button would drop the keyboard focus.
  const renew = h('button', {
    id: 'secret-renew',
    className: 'secondary',
    text: t('secret.renew'),
    attrs: {
      type: 'button',
      'aria-describedby': 'secret-renew-help',
      ...(view.words === null ? { 'aria-disabled': 'true' } : {}),
    },
  });
  renew.addEventListener('click', () => {
    events.makeNewWords();
  });
  const words =
    view.words === null
      ? h('p', { className: 'muted', id: 'secret-making', text: t('secret.making') })
      : h(
          'ol',
          { className: 'words', id: 'secret-words', attrs: { lang: view.language } },
          ...view.words.map((word) => h('li', { text: word })),
        );
  // Said once the new words are there, so a screen reader hears that the list changed.
  const renewed = h(
    'p',
    { className: 'ok', id: 'secret-renewed', attrs: { role: 'status' } },
    view.wordsRenewed && view.words !== null ? t('secret.renewed') : '',
  );
  return [
    heading(t('secret.heading')),
    h('p', { text: t('secret.intro') }),
    words,
    renewed,
    h('h3', { text: t('secret.copy.heading') }),
    bulletList(WORD_COPY_RULES, t),
    h('p', { className: 'help', id: 'secret-renew-help', text: t('secret.renew.help') }),
    renew,
    h(
      'div',
      { className: 'check' },
      confirm,
      h('label', { text: t('secret.confirm'), attrs: { for: 'secret-confirm' } }),
    ),
    h('div', { className: 'actions' }, back, send),
    helpSection(t),
  ];
}
