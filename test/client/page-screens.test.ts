/**
 * Issue 14's page features, drawn into the fake DOM (fake-dom.ts): the
 * secret screen's "make new words" and its copying rules, the file picker
 * labelled in the page's language, the safety help behind one <details>
 * (no links out), and the short lines the main screens carry.
 */
import { formatMessage, LANGUAGES, type Language, type MessageKey } from '../../client/app/i18n/catalog.js';
import type { PageView } from '../../client/app/page-state.js';
import { composeScreen } from '../../client/app/screens/compose.js';
import { doneScreen } from '../../client/app/screens/done.js';
import { helpSection, WORD_COPY_RULES } from '../../client/app/screens/help.js';
import { ProgressScreen } from '../../client/app/screens/progress.js';
import { secretScreen } from '../../client/app/screens/secret.js';
import { wordsProblemText } from '../../client/app/screens/words.js';
import type { ScreenContext } from '../../client/app/screens/widgets.js';
import { allElements, byId, installFakeDocument, removeFakeDocument, type FakeElement } from './fake-dom.js';
import { recorder, restingView, screenContext } from './screen-support.js';

const WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

beforeEach(() => {
  installFakeDocument();
});

afterEach(() => {
  removeFakeDocument();
});

function view(changes: Partial<PageView>): PageView {
  return restingView({ screen: 'secret', reply: true, words: WORDS, ...changes });
}

const context = screenContext;

function text(elements: readonly HTMLElement[]): string {
  return allElements(elements)
    .map((element) => element.textContent)
    .join('\n');
}

describe('secret screen', () => {
  test.each(LANGUAGES)(
    'in %s: the words, how to copy them, and "make new words" that asks the controller',
    (language) => {
      const { events, raised } = recorder();
      const drawn = secretScreen(context(view({ language }), events));
      const all = text(drawn);
      const t = (key: MessageKey): string => formatMessage(language, key);
      for (const key of [...WORD_COPY_RULES, 'secret.copy.heading', 'secret.renew.help'] as const)
        expect([key, all.includes(t(key))]).toEqual([key, true]);
      expect(byId(drawn, 'secret-words').children).toHaveLength(12);
      const renew = byId(drawn, 'secret-renew');
      expect(renew.textContent).toBe(t('secret.renew'));
      expect(renew.getAttribute('type')).toBe('button');
      expect(renew.getAttribute('aria-describedby')).toBe('secret-renew-help');
      expect(renew.hasAttribute('aria-disabled')).toBe(false);
      renew.click();
      expect(raised).toEqual(['makeNewWords']);
      // No notice before any renewal: the status line is empty (and hidden by CSS).
      expect(byId(drawn, 'secret-renewed').textContent).toBe('');
      expect(byId(drawn, 'help').tagName).toBe('DETAILS');
    },
  );

  test('the Korean guidance names English as what a language switch shows, the English names Korean', () => {
    expect(formatMessage('ko', 'secret.copy.5')).toContain('영어 단어');
    expect(formatMessage('en', 'secret.copy.5')).toContain('Korean words');
    expect(formatMessage('ko', 'secret.renew')).toBe('다른 단어로 다시 만들기');
    expect(formatMessage('en', 'secret.renew')).toBe('Make new words');
  });

  test('while new words are made: no list, its own loading text, send stays off, the button stays focusable', () => {
    const { events } = recorder();
    const drawn = secretScreen(context(view({ words: null, wordsRenewed: true }), events));
    expect(allElements(drawn).some((element) => element.id === 'secret-words')).toBe(false);
    expect(byId(drawn, 'secret-making').textContent).toBe('Making your words…');
    const renew = byId(drawn, 'secret-renew');
    expect(renew.disabled).toBe(false);
    expect(renew.getAttribute('aria-disabled')).toBe('true');
    expect(byId(drawn, 'secret-send').disabled).toBe(true);
    expect(byId(drawn, 'secret-renewed').textContent).toBe('');
  });

  test('once the new words are there, a status says the old ones no longer work', () => {
    const drawn = secretScreen(context(view({ wordsRenewed: true }), recorder().events));
    const status = byId(drawn, 'secret-renewed');
    expect(status.getAttribute('role')).toBe('status');
    expect(status.textContent).toBe(formatMessage('en', 'secret.renewed'));
  });
});

describe('file picker', () => {
  test.each(LANGUAGES)(
    'in %s: a hidden input whose label, in the page language, is the button',
    (language: Language) => {
      const drawn = composeScreen(context(view({ language, screen: 'compose', words: null }), recorder().events));
      const input = byId(drawn, 'files');
      expect(input.getAttribute('type')).toBe('file');
      expect(input.className).toBe('file-input');
      expect(input.getAttribute('aria-describedby')).toBe('files-help file-list');
      const labels = allElements(drawn).filter(
        (element) => element.tagName === 'LABEL' && element.getAttribute('for') === 'files',
      );
      expect(labels.map((label) => [label.className, label.textContent])).toEqual([
        ['file-button', formatMessage(language, 'compose.files.choose')],
      ]);
      // What was chosen is said in the page's language too, never by the browser.
      expect(byId(drawn, 'file-list').textContent).toBe(formatMessage(language, 'compose.files.none'));
      expect(byId(drawn, 'files-help').textContent).toContain(formatMessage(language, 'compose.files.photos'));
    },
  );

  test('the chosen files are listed with their count, in the page language', () => {
    const files = [new File([new Uint8Array(3)], 'a.jpg'), new File([new Uint8Array(5)], '사진.png')];
    const drawn = composeScreen(
      context(view({ language: 'ko', screen: 'compose', words: null, files }), recorder().events),
    );
    const list = byId(drawn, 'file-list');
    expect(list.textContent).toContain('a.jpg');
    expect(list.textContent).toContain('사진.png');
    expect(list.textContent).toContain('파일 2개');
  });
});

describe('safety help', () => {
  const TOPICS: readonly MessageKey[] = [
    'help.replies.heading',
    'help.tor.heading',
    'help.browser.heading',
    'help.phone.heading',
    'help.files.heading',
    'help.words.heading',
  ];

  test.each(LANGUAGES)('in %s: one <details>, closed, every topic, placeholders filled, no link out', (language) => {
    const t: ScreenContext['t'] = (key, params) => formatMessage(language, key, params);
    const panel = helpSection(t) as unknown as FakeElement;
    const elements = [...panel.walk()];
    expect(panel.tagName).toBe('DETAILS');
    expect((panel as unknown as { open: boolean }).open).toBe(false);
    expect(elements.filter((element) => element.tagName === 'SUMMARY').map((element) => element.textContent)).toEqual([
      t('help.summary'),
    ]);
    expect(elements.filter((element) => element.tagName === 'H3').map((element) => element.textContent)).toEqual(
      TOPICS.map((key) => t(key)),
    );
    expect(elements.some((element) => element.tagName === 'A' || element.href !== '')).toBe(false);
    const all = panel.textContent;
    expect(all).not.toMatch(/\{[a-z]+\}/);
    expect(all).toContain(t('returning.button'));
    expect(all).toContain(t('exit.button'));
    for (const key of WORD_COPY_RULES) expect(all).toContain(t(key));
  });

  test('covers what a source needs: Tor blocked in China and bridges, history, DPRK devices, photos', () => {
    const help = (language: Language): string =>
      (helpSection((key, params) => formatMessage(language, key, params)) as unknown as FakeElement).textContent;
    expect(help('en')).toMatch(/China[^.]*\. There, Tor Browser may need a bridge/);
    expect(help('en')).toContain('history');
    expect(help('en')).toContain('sold inside North Korea');
    expect(help('en')).toMatch(/faces, name tags, addresses, number plates/);
    expect(help('ko')).toContain('브리지');
    expect(help('ko')).toContain('방문 기록');
    expect(help('ko')).toContain('얼굴, 이름표, 주소, 차 번호판');
  });

  test('an opened panel stays open when the screen is drawn anew', () => {
    const t: ScreenContext['t'] = (key, params) => formatMessage('en', key, params);
    const first = helpSection(t) as unknown as FakeElement & { open: boolean };
    first.open = true;
    for (const listener of first.listeners.get('toggle') ?? []) listener();
    expect((helpSection(t) as unknown as { open: boolean }).open).toBe(true);
    first.open = false;
    for (const listener of first.listeners.get('toggle') ?? []) listener();
    expect((helpSection(t) as unknown as { open: boolean }).open).toBe(false);
  });
});

describe('short lines on the main screens', () => {
  test.each(LANGUAGES)(
    'in %s, the first screen says on screen what quick exit does and that it leaves the history',
    (language: Language) => {
      const drawn = composeScreen(context(view({ language, screen: 'compose', words: null }), recorder().events));
      const hint = byId(drawn, 'exit-hint').textContent;
      expect(hint).toBe(`${formatMessage(language, 'exit.button')}: ${formatMessage(language, 'exit.hint')}`);
      expect(hint).toMatch(language === 'ko' ? /방문 기록/u : /history/u);
    },
  );

  test('progress asks to keep the screen on; done says where to read a reply', () => {
    const progress = new ProgressScreen(() => undefined).draw(context(view({ screen: 'progress' }), recorder().events));
    expect(byId(progress, 'progress-screen-on').textContent).toBe(formatMessage('en', 'progress.screenOn'));
    const done = doneScreen(context(view({ language: 'ko', screen: 'done' }), recorder().events));
    expect(byId(done, 'done-reply-where').textContent).toContain(`‘${formatMessage('ko', 'returning.button')}’`);
    const noReply = doneScreen(context(view({ screen: 'done', reply: false }), recorder().events));
    expect(allElements(noReply).some((element) => element.id === 'done-reply-where')).toBe(false);
  });
});

describe('words read back with pieces joined', () => {
  test.each(LANGUAGES)('in %s: an unknown typed piece and an ambiguous join name the typed position', (language) => {
    const t: ScreenContext['t'] = (key, params) => formatMessage(language, key, params);
    const unknown = wordsProblemText({ kind: 'words', code: 'unknown-typed-word', wordNumber: 14, list: 'ko' }, t);
    expect(unknown).toBe(formatMessage(language, 'words.error.unknownTyped', { n: 14 }));
    expect(unknown).toContain('14');
    const ambiguous = wordsProblemText({ kind: 'words', code: 'ambiguous-join', wordNumber: 3, list: 'ko' }, t);
    expect(ambiguous).toBe(formatMessage(language, 'words.error.ambiguous', { n: 3 }));
  });
});
