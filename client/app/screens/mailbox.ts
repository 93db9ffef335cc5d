/**
 * The mailbox screen: the newsroom's replies, newest first, each with the
 * day it arrived, its message as text and its files, each saved on its own
 * (with a warning that a saved file stays on the device); deleting one or
 * all (after a "yes", and said done only once the server confirmed); writing
 * back; closing.
 *
 * Everything an editor wrote, names of files included, is set as text
 * (dom.ts): nothing in a reply can become markup, and a file is saved under
 * its sanitized archive name, never its original name.
 */
import { replaceUnsafeCharacters } from '../../core/display-safe.js';
import { h } from '../dom.js';
import { formatBytes, formatDate } from '../format.js';
import type { DeleteNotice, PageView } from '../page-state.js';
import type { MailboxReply, ReplyFile } from '../protocol.js';
import { saveBlob } from '../save-file.js';
import { mailboxFailureText } from './words.js';
import { alertBox, heading, type ScreenContext } from './widgets.js';

function button(id: string | null, className: string, text: string, onClick: () => void): HTMLButtonElement {
  const element = h('button', { className, text, attrs: { type: 'button' } });
  if (id !== null) element.id = id;
  element.addEventListener('click', onClick);
  return element;
}

/** The "are you sure" for deleting `count` replies, focus on its "yes". */
function confirmBox(context: ScreenContext, id: string, count: number | null): HTMLElement {
  const { events, t } = context;
  const yes = button(`${id}-yes`, 'danger', t('mailbox.delete.yes'), () => {
    events.confirmDelete();
  });
  yes.setAttribute('data-focus', '');
  const no = button(`${id}-no`, 'secondary', t('mailbox.delete.no'), () => {
    events.cancelDelete();
  });
  const question = count === null ? t('mailbox.delete.confirmOne') : t('mailbox.delete.confirmAll', { count });
  return h(
    'div',
    { className: 'confirm', id, attrs: { role: 'group', 'aria-labelledby': `${id}-question` } },
    h('p', { id: `${id}-question`, text: question }),
    h('div', { className: 'actions' }, yes, no),
  );
}

function fileItem(context: ScreenContext, reply: MailboxReply, file: ReplyFile, index: number): HTMLElement {
  const { view, t } = context;
  const nameId = `file-${reply.id}-${index}`;
  const save = button(null, 'link-button', t('mailbox.file.save'), () => {
    saveBlob(file.blob, file.saveAs);
  });
  // Described by the name element rather than labelled with the name: the name stays text in one place.
  save.setAttribute('aria-describedby', nameId);
  return h(
    'li',
    {},
    // Bidi overrides and other invisible characters shown as `?`, so `x\u202Etxt.exe`
    // cannot pass for `xexe.txt`; <bdi> keeps a right-to-left name from reordering its row.
    h('bdi', { className: 'file-name', id: nameId, text: replaceUnsafeCharacters(file.name) }),
    h('span', { className: 'file-size', text: formatBytes(file.size, view.language) }),
    save,
  );
}

function deleteControl(context: ScreenContext, reply: MailboxReply, headingId: string): HTMLElement {
  const { view, events, t } = context;
  if (view.deleting.includes(reply.id)) return h('p', { className: 'muted', text: t('mailbox.deleting') });
  const confirming = view.confirmingDelete;
  if (confirming?.kind === 'one' && confirming.id === reply.id) return confirmBox(context, 'confirm-delete', null);
  const remove = button(`delete-${reply.id}`, 'secondary', t('mailbox.delete.one'), () => {
    events.askDelete({ kind: 'one', id: reply.id });
  });
  remove.setAttribute('aria-describedby', headingId);
  return remove;
}

function replyArticle(context: ScreenContext, reply: MailboxReply): HTMLElement {
  const { view, t } = context;
  const headingId = `reply-${reply.id}`;
  const body: HTMLElement[] = [];
  if (!reply.readable) {
    body.push(h('p', { className: 'muted', text: t('mailbox.reply.unreadable') }));
  } else {
    if (reply.message !== '')
      body.push(h('p', { className: 'reply-message', text: reply.message, attrs: { dir: 'auto' } }));
    if (reply.files.length > 0)
      body.push(
        h('ul', { className: 'files' }, ...reply.files.map((file, index) => fileItem(context, reply, file, index))),
      );
  }
  return h(
    'article',
    { className: 'reply', attrs: { 'aria-labelledby': headingId } },
    h('h3', { id: headingId, text: t('mailbox.reply.heading', { day: formatDate(reply.day, view.language) }) }),
    ...body,
    deleteControl(context, reply, headingId),
  );
}

function noticeOf(notice: DeleteNotice | null, context: ScreenContext): HTMLElement | null {
  const { t } = context;
  if (notice === null) return null;
  if (notice.kind === 'failed') return alertBox(mailboxFailureText(notice.reason, t));
  const text = notice.count === 1 ? t('mailbox.deleted.one') : t('mailbox.deleted.many', { count: notice.count });
  return h('p', { className: 'ok', id: 'delete-notice', text, attrs: { role: 'status' } });
}

function hasFiles(view: PageView): boolean {
  return (view.replies ?? []).some((reply) => reply.readable && reply.files.length > 0);
}

export function mailboxScreen(context: ScreenContext): HTMLElement[] {
  const { view, events, t } = context;
  const replies = view.replies ?? [];
  const screen: HTMLElement[] = [heading(t('mailbox.heading'))];
  const notice = noticeOf(view.deleteNotice, context);
  if (notice !== null) screen.push(notice);
  if (replies.length === 0) {
    screen.push(h('p', { id: 'mailbox-empty', text: t('mailbox.empty') }));
  } else {
    if (hasFiles(view))
      screen.push(h('p', { className: 'notice', id: 'save-warning', text: t('mailbox.saveWarning') }));
    screen.push(h('div', { className: 'replies' }, ...replies.map((reply) => replyArticle(context, reply))));
  }
  const actions = h(
    'div',
    { className: 'actions' },
    button('write-back', 'primary', t('mailbox.writeBack'), () => {
      events.writeBack();
    }),
  );
  if (replies.length > 0 && view.deleting.length === 0) {
    actions.append(
      button('delete-all', 'secondary', t('mailbox.delete.all'), () => {
        events.askDelete({ kind: 'all' });
      }),
    );
  }
  screen.push(actions);
  if (view.confirmingDelete?.kind === 'all') screen.push(confirmBox(context, 'confirm-delete-all', replies.length));
  const closeButton = button('mailbox-close', 'secondary', t('mailbox.close'), () => {
    events.closeMailbox();
  });
  closeButton.setAttribute('aria-describedby', 'close-help');
  screen.push(h('p', { className: 'help', id: 'close-help', text: t('mailbox.close.help') }), closeButton);
  return screen;
}
