/**
 * The first screen: the way in for a source who has words (read replies),
 * the intro and key panels, then the form (message, files listed with sizes
 * and each removable, the reply choice, send).
 *
 * In follow-up mode (written from an open mailbox) the same form writes back
 * in that conversation: no intro, no reply choice (the mailbox's reply
 * address goes with it), and a way back to the replies.
 */
import { h } from '../dom.js';
import { formatBytes } from '../format.js';
import { helpSection } from './help.js';
import { introSection } from './intro.js';
import { keySection } from './keys.js';
import { backToMailboxButton, type ScreenContext } from './widgets.js';

/** The chosen files with their sizes and a remove button each, or a note that there are none. */
function fileList(context: ScreenContext, onRemoved: () => void): HTMLElement {
  const { view, events, t } = context;
  if (view.files.length === 0) return h('p', { className: 'muted', id: 'file-list', text: t('compose.files.none') });
  const total = view.files.reduce((sum, file) => sum + file.size, 0);
  return h(
    'div',
    { id: 'file-list' },
    h(
      'ul',
      { className: 'files' },
      ...view.files.map((file, index) => {
        const remove = h('button', {
          className: 'link-button',
          text: t('compose.files.remove'),
          attrs: { type: 'button', 'aria-label': t('compose.files.removeNamed', { name: file.name }) },
        });
        remove.addEventListener('click', () => {
          events.removeFile(index);
          onRemoved();
        });
        return h(
          'li',
          {},
          h('span', { className: 'file-name', text: file.name }),
          h('span', { className: 'file-size', text: formatBytes(file.size, view.language) }),
          remove,
        );
      }),
    ),
    h('p', {
      className: 'muted',
      text: t('compose.files.total', { count: view.files.length, size: formatBytes(total, view.language) }),
    }),
  );
}

/** Beside sending a tip: the way in for a source who already has 12 words. */
function returningSection(context: ScreenContext): HTMLElement {
  const { events, t } = context;
  const read = h('button', {
    className: 'secondary',
    id: 'read-replies',
    text: t('returning.button'),
    attrs: { type: 'button', 'aria-describedby': 'returning-help' },
  });
  read.addEventListener('click', () => {
    events.readReplies();
  });
  return h(
    'section',
    { className: 'returning', attrs: { 'aria-label': t('returning.button') } },
    h('p', { id: 'returning-help', text: t('returning.help') }),
    read,
  );
}

export function composeScreen(context: ScreenContext): HTMLElement[] {
  const { view, events, t } = context;
  const followUp = view.followUp;
  const message = h('textarea', {
    id: 'message',
    attrs: { rows: '8', 'aria-describedby': 'message-help', spellcheck: 'false', autocomplete: 'off' },
  });
  message.value = view.message;
  message.addEventListener('input', () => {
    events.editMessage(message.value);
  });
  // The browser's own picker speaks the browser's language ("Choose Files", "No file
  // chosen"): the input stays, focusable but unseen, and a label in the page's
  // language is its button; the list below says what was chosen.
  const files = h('input', {
    id: 'files',
    className: 'file-input',
    attrs: { type: 'file', multiple: '', 'aria-describedby': 'files-help file-list' },
  });
  const reply = h('input', { id: 'reply', attrs: { type: 'checkbox', 'aria-describedby': 'reply-help' } });
  reply.checked = view.reply;
  reply.addEventListener('change', () => {
    events.chooseReply(reply.checked);
  });
  const problem = h('p', { className: 'field-error', id: 'compose-problem', attrs: { role: 'alert' } });
  const send = h('button', { className: 'primary', id: 'send', text: t('compose.send'), attrs: { type: 'submit' } });
  send.disabled = view.keys.state !== 'ready';
  const back = backToMailboxButton(context);
  const replyChoice = followUp
    ? [h('p', { className: 'help', id: 'follow-up-help', text: t('followUp.help') })]
    : [
        h(
          'div',
          { className: 'check' },
          reply,
          h('label', { text: t('compose.reply.label'), attrs: { for: 'reply' } }),
        ),
        h('p', { className: 'help', id: 'reply-help', text: t('compose.reply.help') }),
      ];
  const form = h(
    'form',
    { attrs: { novalidate: '', 'aria-labelledby': 'compose-heading' } },
    h('h2', {
      id: 'compose-heading',
      text: followUp ? t('followUp.heading') : t('compose.heading'),
      attrs: { tabindex: '-1' },
    }),
    h('label', { text: t('compose.message.label'), attrs: { for: 'message' } }),
    h('p', { className: 'help', id: 'message-help', text: t('compose.message.help') }),
    message,
    h('p', { className: 'field-label', text: t('compose.files.label') }),
    h('p', { className: 'help', id: 'files-help', text: `${t('compose.files.help')} ${t('compose.files.photos')}` }),
    files,
    h('label', { className: 'file-button', text: t('compose.files.choose'), attrs: { for: 'files' } }),
    fileList(context, onRemoved),
    ...replyChoice,
    problem,
    followUp ? h('div', { className: 'actions' }, back, send) : send,
  );

  function redrawFileList(): void {
    form.querySelector('#file-list')?.replaceWith(fileList(context, onRemoved));
  }
  function onRemoved(): void {
    redrawFileList();
    // After a removal, keep the keyboard in the list, or on the file picker when it is empty.
    const next =
      form.querySelector<HTMLButtonElement>('#file-list button') ?? form.querySelector<HTMLInputElement>('#files');
    next?.focus();
  }

  files.addEventListener('change', () => {
    events.addFiles(Array.from(files.files ?? []));
    // Cleared so the same file can be chosen again after a removal.
    files.value = '';
    redrawFileList();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (events.submit() === 'empty') {
      problem.textContent = t('compose.empty');
      message.focus();
    }
  });
  if (followUp) return [keySection(view, t), form];
  return [
    h('p', { className: 'tagline', text: t('page.tagline') }),
    // On screen, not only as the button's tooltip: phones never show tooltips, and the
    // source must know before writing that quick exit leaves the browser's history.
    h('p', { className: 'help', id: 'exit-hint', text: `${t('exit.button')}: ${t('exit.hint')}` }),
    returningSection(context),
    introSection(t),
    helpSection(t),
    keySection(view, t),
    form,
  ];
}
