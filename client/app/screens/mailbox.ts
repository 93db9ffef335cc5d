/**
 * The mailbox screen: the newsroom's replies, newest first, each with the
 * day it arrived, its message as text and its files, each saved on its own
 * (with a warning that a saved file stays on the device); deleting one or
 * all (after a "yes", and said done only once the server confirmed); writing
 * back; closing.
 *
 * A file is saved in two steps: "prepare" asks the worker to decrypt its
 * reply again and check it to the end (a bar shows how far); only then does
 * "save" appear, and it hands over the checked Blob from the click itself,
 * so the browser starts the download from the source's gesture. A file
 * that fails the check is never offered (mailbox-reader.ts).
 *
 * Everything an editor wrote, names of files included, is set as text
 * (dom.ts): nothing in a reply can become markup, and a file is saved under
 * its sanitized archive name, never its original name.
 */
import { replaceUnsafeCharacters } from '../../core/display-safe.js';
import { h } from '../dom.js';
import { formatBytes, formatDate } from '../format.js';
import { fileSaveKey, type DeleteNotice, type FileSave, type PageView } from '../page-state.js';
import type { FileSaveFailure, MailboxReply, ReplyFile } from '../protocol.js';
import { saveBlob } from '../save-file.js';
import { mailboxFailureText } from './words.js';
import { alertBox, heading, type ScreenContext } from './widgets.js';

type ReadableReply = Extract<MailboxReply, { readable: true }>;

const SAVE_FAILURE_TEXT = {
  damaged: 'mailbox.file.damaged',
  gone: 'mailbox.file.gone',
  internal: 'mailbox.file.failed',
} as const satisfies Record<FileSaveFailure, string>;

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

/** What stands after a file's name: prepare, the check's progress, save, or why it cannot be. */
function fileAction(
  context: ScreenContext,
  reply: ReadableReply,
  file: ReplyFile,
  index: number,
  nameId: string,
): HTMLElement[] {
  const { view, events, t } = context;
  if (reply.check === 'incomplete') return [];
  const save: FileSave | undefined = view.fileSaves.get(fileSaveKey(reply.id, index));
  const action = (text: string, onClick: () => void, className = 'link-button'): HTMLButtonElement => {
    const element = button(null, className, text, onClick);
    // Described by the name element rather than labelled with the name: the name stays text in one place.
    element.setAttribute('aria-describedby', nameId);
    return element;
  };
  const prepare = (): HTMLButtonElement =>
    action(t('mailbox.file.prepare'), () => {
      events.openFile(reply.id, index);
    });
  if (save === undefined) return [prepare()];
  if (save.state === 'opening') {
    const fraction = save.total === 0 ? 0 : save.done / save.total;
    const statusId = `${nameId}-status`;
    return [
      h('progress', {
        className: 'file-progress',
        attrs: { max: '1', value: String(fraction), 'aria-labelledby': nameId, 'aria-describedby': statusId },
      }),
      h('span', {
        className: 'muted file-status',
        id: statusId,
        text: t('mailbox.file.preparing', { percent: Math.floor(fraction * 100) }),
      }),
    ];
  }
  if (save.state === 'ready') {
    const saveButton = action(
      t('mailbox.file.save'),
      () => {
        saveBlob(save.blob, file.saveAs);
      },
      'link-button file-save',
    );
    return [h('span', { className: 'ok file-status', text: t('mailbox.file.checked') }), saveButton];
  }
  const failure = h('span', {
    className: 'file-failure',
    text: t(SAVE_FAILURE_TEXT[save.reason]),
    attrs: { role: 'alert' },
  });
  // A damaged reply stays damaged, and a gone one needs the mailbox opened again: only an accident is retried.
  return save.reason === 'internal' ? [failure, prepare()] : [failure];
}

function fileItem(context: ScreenContext, reply: ReadableReply, file: ReplyFile, index: number): HTMLElement {
  const { view } = context;
  const nameId = `file-${reply.id}-${index}`;
  return h(
    'li',
    {},
    // Bidi overrides and other invisible characters shown as `?`, so `x\u202Etxt.exe`
    // cannot pass for `xexe.txt`; <bdi> keeps a right-to-left name from reordering its row.
    h('bdi', { className: 'file-name', id: nameId, text: replaceUnsafeCharacters(file.name) }),
    h('span', { className: 'file-size', text: formatBytes(file.size, view.language) }),
    ...fileAction(context, reply, file, index, nameId),
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
    if (reply.files.length > 0) {
      body.push(
        h('ul', { className: 'files' }, ...reply.files.map((file, index) => fileItem(context, reply, file, index))),
      );
      body.push(
        reply.check === 'incomplete'
          ? h('p', { className: 'notice files-check', text: t('mailbox.files.incomplete') })
          : h('p', { className: 'muted files-check', text: t('mailbox.files.onSave') }),
      );
    }
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
