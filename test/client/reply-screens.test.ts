/**
 * The words and mailbox screens, drawn into a fake DOM (fake-dom.ts, which
 * throws on any markup parsing): a hostile reply (file names with path
 * separators, markup, bidi controls; a message of markup) becomes text
 * nodes only, is saved under its sanitized name, and the words field is one
 * plain field in no form, never remembered or corrected by the browser.
 */
import { jest } from '@jest/globals';
import type { Language } from '../../client/app/i18n/catalog.js';
import { fileSaveKey, type DeleteTarget, type FileSave, type PageView } from '../../client/app/page-state.js';
import type { MailboxReply } from '../../client/app/protocol.js';
import { mailboxScreen } from '../../client/app/screens/mailbox.js';
import { WordsScreen } from '../../client/app/screens/words.js';
import {
  allElements,
  byId,
  installFakeDocument,
  removeFakeDocument,
  type FakeDocument,
  FakeElement,
} from './fake-dom.js';
import { recorder, restingView, screenContext } from './screen-support.js';

const REPLY_ID = 'abcdefabcdefabcdefabcdefabcdef01';
const HOSTILE = ['../../x', '<img src=x onerror=alert(1)>', 'invoice\u202Efdp.exe', '\u2066evil\u2069.sh'];

let document: FakeDocument;

beforeEach(() => {
  document = installFakeDocument();
});

afterEach(() => {
  removeFakeDocument();
  jest.useRealTimers();
});

function view(changes: Partial<PageView>): PageView {
  return restingView({ screen: 'mailbox', replies: [], ...changes });
}

const context = screenContext;

function hostileReply(): Extract<MailboxReply, { readable: true }> {
  return {
    readable: true,
    id: REPLY_ID,
    day: '2026-03-09',
    message: '<script>alert(1)</script>\n\u202Eevil',
    files: HOSTILE.map((name, index) => ({
      name,
      saveAs: `00${index + 1}-safe`,
      type: 'text/html',
      size: 3,
    })),
    check: 'on-save',
  };
}

function byClass(elements: readonly HTMLElement[], name: string): FakeElement[] {
  return allElements(elements).filter((element) => element.className.split(' ').includes(name));
}

function texts(elements: readonly HTMLElement[]): string[] {
  return (elements as unknown as FakeElement[]).flatMap((element) => [...element.texts()]);
}

describe('mailbox screen', () => {
  test('a hostile reply becomes text nodes only: no element, attribute or path from it', () => {
    const { events } = recorder();
    const drawn = mailboxScreen(context(view({ replies: [hostileReply()] }), events));
    const elements = allElements(drawn);
    const tags = new Set(elements.map((element) => element.tagName));
    expect([...tags].sort()).toEqual(['ARTICLE', 'BDI', 'BUTTON', 'DIV', 'H2', 'H3', 'LI', 'P', 'SPAN', 'UL']);
    for (const element of elements) {
      for (const [name, value] of element.attributes)
        expect(`${name}=${value}`).not.toMatch(/<|>|\u202E|\u2066|\.\.\/|onerror/u);
      expect(element.id).not.toMatch(/[<>/.]/);
    }
    // Each name is exactly one text node, inside a <bdi> (isolated from the text around it),
    // with its bidi controls shown as `?`: `invoice\u202Efdp.exe` cannot pass for `invoiceexe.pdf`.
    const names = elements.filter((element) => element.tagName === 'BDI');
    expect(names.map((element) => element.textContent)).toEqual([
      '../../x',
      '<img src=x onerror=alert(1)>',
      'invoice?fdp.exe',
      '?evil?.sh',
    ]);
    expect(names.every((element) => element.children.length === 1)).toBe(true);
    const message = elements.find((element) => element.className === 'reply-message')!;
    expect(message.textContent).toBe('<script>alert(1)</script>\n\u202Eevil');
    expect(message.getAttribute('dir')).toBe('auto');
    expect(texts(drawn)).toContain('Reply received 9 March 2026');
  });

  test('a file is first prepared (the worker checks its reply), with a bar while it decrypts', () => {
    const { events, raised } = recorder();
    const drawn = mailboxScreen(context(view({ replies: [hostileReply()] }), events));
    const prepares = allElements(drawn).filter((element) => element.textContent === 'Prepare to save');
    expect(prepares).toHaveLength(HOSTILE.length);
    expect(allElements(drawn).some((element) => element.textContent === 'Save')).toBe(false);
    expect(prepares[2]!.getAttribute('aria-describedby')).toBe(`file-${REPLY_ID}-2`);
    prepares[2]!.click();
    expect(raised).toEqual([`openFile ${JSON.stringify([REPLY_ID, 2])}`]);
    expect(byClass(drawn, 'files-check')[0]!.textContent).toContain('checked when you prepare it');

    const opening = new Map<string, FileSave>([[fileSaveKey(REPLY_ID, 2), { state: 'opening', done: 40, total: 100 }]]);
    const during = mailboxScreen(context(view({ replies: [hostileReply()], fileSaves: opening }), events));
    const bar = allElements(during).find((element) => element.tagName === 'PROGRESS')!;
    expect(bar.getAttribute('value')).toBe('0.4');
    expect(texts(during)).toContain('Decrypting and checking: 40%');
    expect(allElements(during).filter((element) => element.textContent === 'Prepare to save')).toHaveLength(
      HOSTILE.length - 1,
    );
  });

  test.each<[FileSave & { state: 'failed' }, string, boolean]>([
    [{ state: 'failed', reason: 'damaged' }, 'the reply is damaged or incomplete, so nothing was saved', false],
    [{ state: 'failed', reason: 'gone' }, 'no longer available here', false],
    [{ state: 'failed', reason: 'internal' }, 'Try again', true],
  ])('a file that failed its check (%j) is never offered for saving', (save, said, retried) => {
    const saves = new Map<string, FileSave>([[fileSaveKey(REPLY_ID, 0), save]]);
    const drawn = mailboxScreen(context(view({ replies: [hostileReply()], fileSaves: saves }), recorder().events));
    const failure = byClass(drawn, 'file-failure');
    expect(failure).toHaveLength(1);
    expect(failure[0]!.textContent).toContain(said);
    expect(failure[0]!.getAttribute('role')).toBe('alert');
    expect(allElements(drawn).some((element) => element.textContent === 'Save')).toBe(false);
    const row = allElements(drawn).find(
      (element) => element.tagName === 'LI' && element.children.includes(failure[0]!),
    )!;
    const buttons = row.children.filter((child): child is FakeElement => child instanceof FakeElement);
    expect(buttons.some((element) => element.textContent === 'Prepare to save')).toBe(retried);
  });

  test('a reply cut after its text: the text shows, its files cannot be prepared, and it says why', () => {
    const reply = { ...hostileReply(), check: 'incomplete' as const };
    const drawn = mailboxScreen(context(view({ replies: [reply] }), recorder().events));
    expect(byClass(drawn, 'reply-message')[0]!.textContent).toBe(reply.message);
    expect(byClass(drawn, 'files-check')[0]!.textContent).toContain('arrived incomplete');
    expect(allElements(drawn).some((element) => element.textContent === 'Prepare to save')).toBe(false);
  });

  test('Save offers the checked Blob under its sanitized name through a temporary <a download>, then revokes the URL', () => {
    jest.useFakeTimers();
    const created: Blob[] = [];
    const revoked: string[] = [];
    const create = jest.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob);
      return `blob:http://portal.test/${created.length}`;
    });
    const revoke = jest.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => revoked.push(url));
    try {
      const reply = hostileReply();
      const checked = new Blob([new Uint8Array([1, 2, 3])]);
      const ready = new Map<string, FileSave>(
        HOSTILE.map((_name, index) => [fileSaveKey(REPLY_ID, index), { state: 'ready', blob: checked }]),
      );
      const drawn = mailboxScreen(context(view({ replies: [reply], fileSaves: ready }), recorder().events));
      const saves = allElements(drawn).filter((element) => element.textContent === 'Save');
      expect(saves).toHaveLength(HOSTILE.length);
      saves[1]!.click();
      const link = document.created.filter((element) => element.tagName === 'A').at(-1)!;
      expect(link).toMatchObject({ download: '002-safe', href: 'blob:http://portal.test/1', removed: true });
      expect(link.attributes.size).toBe(0);
      expect(created).toEqual([checked]);
      expect(texts(drawn)).toContain('Checked: complete and unchanged.');
      // Each Save button is described by the name element, not labelled with the raw name.
      expect(saves[1]!.getAttribute('aria-describedby')).toBe(`file-${REPLY_ID}-1`);
      expect(revoked).toEqual([]);
      jest.advanceTimersByTime(60_000);
      expect(revoked).toEqual(['blob:http://portal.test/1']);
    } finally {
      create.mockRestore();
      revoke.mockRestore();
    }
  });

  test.each<[Language, string]>([
    [
      'en',
      'There are no replies for these words yet. Check again in a few days. If you expected a reply, compare the words you typed with what you wrote down.',
    ],
    [
      'ko',
      '이 단어로 받은 답장이 아직 없습니다. 며칠 뒤에 다시 확인하세요. 답장이 와 있어야 한다면 입력한 단어를 적어 둔 단어와 비교해 보세요.',
    ],
  ])('an empty mailbox in %s says so, with no delete button', (language, empty) => {
    const drawn = mailboxScreen(context(view({ language, replies: [] }), recorder().events));
    expect(byId(drawn, 'mailbox-empty').textContent).toBe(empty);
    expect(allElements(drawn).some((element) => element.id === 'delete-all')).toBe(false);
    expect(byId(drawn, 'write-back')).toBeDefined();
  });

  test('a saved file stays on the device: the warning is shown whenever a reply has files', () => {
    const withFiles = mailboxScreen(context(view({ replies: [hostileReply()] }), recorder().events));
    expect(byId(withFiles, 'save-warning').textContent).toContain('stays on this device');
    const plain = mailboxScreen(
      context(
        view({
          replies: [{ readable: true, id: REPLY_ID, day: '2026-03-09', message: 'hi', files: [], check: 'whole' }],
        }),
        recorder().events,
      ),
    );
    expect(allElements(plain).some((element) => element.id === 'save-warning')).toBe(false);
  });

  test('delete asks, the "yes" gets focus, and a reply being deleted shows no buttons until confirmed', () => {
    const { events, raised } = recorder();
    const reply = hostileReply();
    byId(mailboxScreen(context(view({ replies: [reply] }), events)), `delete-${REPLY_ID}`).click();
    const target: DeleteTarget = { kind: 'one', id: REPLY_ID };
    expect(raised).toEqual([`askDelete ${JSON.stringify([target])}`]);
    const asking = mailboxScreen(context(view({ replies: [reply], confirmingDelete: target }), events));
    const yes = byId(asking, 'confirm-delete-yes');
    expect(yes.hasAttribute('data-focus')).toBe(true);
    yes.click();
    byId(asking, 'confirm-delete-no').click();
    expect(raised.slice(1)).toEqual(['confirmDelete', 'cancelDelete']);
    const deleting = mailboxScreen(context(view({ replies: [reply], deleting: [REPLY_ID] }), events));
    expect(texts(deleting)).toContain('Deleting…');
    expect(allElements(deleting).some((element) => element.id.startsWith('delete-'))).toBe(false);
    const done = mailboxScreen(context(view({ replies: [], deleteNotice: { kind: 'deleted', count: 2 } }), events));
    expect(byId(done, 'delete-notice').textContent).toBe('2 replies deleted from the server.');
    expect(byId(done, 'delete-notice').getAttribute('role')).toBe('status');
  });

  test('an unreadable reply can only be deleted', () => {
    const drawn = mailboxScreen(
      context(view({ replies: [{ readable: false, id: REPLY_ID, day: '2026-03-09' }] }), recorder().events, 'ko'),
    );
    expect(texts(drawn).some((text) => text.startsWith('이 답장은 열 수 없습니다.'))).toBe(true);
    expect(byId(drawn, `delete-${REPLY_ID}`).textContent).toBe('삭제');
  });
});

describe('words screen', () => {
  test('one plain field, in no form: no autocomplete, spell check, capitalisation or correction', () => {
    const screen = new WordsScreen();
    const drawn = screen.draw(context(view({ screen: 'words', replies: null }), recorder().events));
    const elements = allElements(drawn);
    expect(elements.filter((element) => ['TEXTAREA', 'INPUT'].includes(element.tagName))).toHaveLength(1);
    expect(elements.some((element) => element.tagName === 'FORM')).toBe(false);
    const field = byId(drawn, 'words');
    expect(field.tagName).toBe('TEXTAREA');
    expect(Object.fromEntries(field.attributes)).toMatchObject({
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'off',
      autocorrect: 'off',
    });
    const label = elements.find((element) => element.tagName === 'LABEL')!;
    expect(label.getAttribute('for')).toBe('words');
    expect(drawn[0]!.getAttribute('tabindex')).toBe('-1');
  });

  test('open hands over what is in the field; a problem names the position; clear empties the field', () => {
    const { events, raised } = recorder();
    const screen = new WordsScreen();
    const first = screen.draw(context(view({ screen: 'words' }), events));
    byId(first, 'words').value = 'abandon ability';
    byId(first, 'words-open').click();
    expect(raised).toEqual([`openMailbox ${JSON.stringify(['abandon ability'])}`]);
    // Redrawn with a problem: the same field, what was typed still in it, focus sent back to it.
    const again = screen.draw(
      context(
        view({ screen: 'words', language: 'ko', wordsProblem: { kind: 'words', code: 'unknown-word', wordNumber: 5 } }),
        events,
      ),
    );
    const field = byId(again, 'words');
    expect(field).toBe(byId(first, 'words'));
    expect(field.value).toBe('abandon ability');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.hasAttribute('data-focus')).toBe(true);
    const problem = byId(again, 'words-problem');
    expect(problem.textContent).toBe('5번째 단어가 단어 목록에 없습니다. 적어 둔 단어와 글자 하나하나 비교해 보세요.');
    expect(problem.textContent).not.toContain('abandon');
    expect(field.getAttribute('aria-describedby')).toBe('words-help words-problem');
    screen.clear();
    expect(field.value).toBe('');
  });

  test('while opening, the button stays focusable but does nothing more, and progress is shown', () => {
    const screen = new WordsScreen();
    const state = view({ screen: 'words', opening: true });
    const drawn = screen.draw(context(state, recorder().events));
    expect(byId(drawn, 'words-open').getAttribute('aria-disabled')).toBe('true');
    expect(byId(drawn, 'words-open').disabled).toBe(false);
    expect(byId(drawn, 'words-status').textContent).toBe('Checking the words and fetching the replies…');
    screen.progress(500_000, 2_000_000, context(state, recorder().events));
    expect(byId(drawn, 'words-status').textContent).toBe('500 KB of 2 MB received');
    expect(byId(drawn, 'words-progress').max).toBe(2_000_000);
  });

  test('with the worker gone the field is disabled and the way on is a reload', () => {
    const { events, raised } = recorder();
    const drawn = new WordsScreen().draw(
      context(view({ screen: 'words', workerRunning: false, wordsProblem: { kind: 'worker' } }), events),
    );
    expect(byId(drawn, 'words').disabled).toBe(true);
    byId(drawn, 'words-reload').click();
    expect(raised).toEqual(['reload']);
  });
});
