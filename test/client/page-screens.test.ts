/**
 * Issue 14's page features, drawn into the fake DOM (fake-dom.ts): the
 * secret screen's "make new words" and its copying rules, the file picker
 * labelled in the page's language, the safety help behind one <details>
 * (no links out), and the short lines the main screens carry.
 */
import { jest } from '@jest/globals';
import { formatMessage, LANGUAGES, type Language, type MessageKey } from '../../client/app/i18n/catalog.js';
import type { PageView } from '../../client/app/page-state.js';
import { cancelledScreen } from '../../client/app/screens/cancelled.js';
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

describe('progress while reconnecting, starting again and cancelling (issue 10)', () => {
  function progressScreen(language: Language = 'en') {
    let clock = 0;
    const announced: string[] = [];
    const screen = new ProgressScreen(
      (said) => announced.push(said),
      () => clock,
    );
    const { events, raised } = recorder();
    const drawnContext = context(view({ screen: 'progress', language }), events);
    const drawn = screen.draw(drawnContext);
    screen.reset();
    screen.paint(drawnContext);
    return {
      screen,
      drawn,
      raised,
      announced,
      context: drawnContext,
      at: (ms: number) => {
        clock = ms;
      },
    };
  }

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  test.each(LANGUAGES)('in %s: a countdown to the next try, no stale rate, and "try now"', (language) => {
    const page = progressScreen(language);
    const t = (key: MessageKey, params?: Record<string, number>): string => formatMessage(language, key, params);
    page.screen.update(0, 10_000_000, 0, page.context);
    page.at(10_000);
    page.screen.update(1_000_000, 10_000_000, 10_000, page.context);
    expect(byId(page.drawn, 'progress-rate').textContent).not.toBe('');
    expect(byId(page.drawn, 'try-now').hidden).toBe(true);
    page.screen.retrying(30_000, page.context);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe(t('progress.retrying', { seconds: 30 }));
    expect(byId(page.drawn, 'progress-rate').textContent).toBe('');
    expect(page.announced.at(-1)).toBe(t('progress.retrying', { seconds: 30 }));
    page.at(22_000);
    jest.advanceTimersByTime(1000);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe(t('progress.retrying', { seconds: 18 }));
    page.at(40_000);
    jest.advanceTimersByTime(1000);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe(t('progress.retryingNow'));
    const tryNow = byId(page.drawn, 'try-now');
    expect(tryNow.hidden).toBe(false);
    expect(tryNow.textContent).toBe(t('progress.tryNow'));
    tryNow.click();
    expect(page.raised).toEqual(['retryNow']);
  });

  test('after reconnecting the estimate starts from the resumed state, not from an average over the outage', () => {
    const page = progressScreen();
    page.screen.update(0, 10_000_000, 0, page.context);
    page.screen.update(1_000_000, 10_000_000, 10_000, page.context);
    // An outage of about 200 s; the first batch after it is stored at 210 s.
    page.screen.retrying(1000, page.context);
    page.screen.update(2_000_000, 10_000_000, 210_000, page.context);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe('');
    expect(byId(page.drawn, 'try-now').hidden).toBe(true);
    // No estimate from a single sample, where 1 MB over the outage's 200 s said 27 min.
    expect(byId(page.drawn, 'progress-rate').textContent).toBe('');
    page.screen.update(9_000_000, 10_000_000, 280_000, page.context);
    // 1 MB left at 100 kB/s: 10 s.
    expect(byId(page.drawn, 'progress-rate').textContent).toBe(
      formatMessage('en', 'progress.rate', { rate: '100 KB', remaining: '10 s' }),
    );
  });

  test.each(['keys-changed', 'upload-dropped'] as const)(
    'starting again (%s) is said, the bar starts afresh',
    (reason) => {
      const page = progressScreen();
      page.screen.update(5_000_000, 10_000_000, 0, page.context);
      page.screen.restarting(reason, page.context);
      const key = reason === 'keys-changed' ? 'progress.restarting.keysChanged' : 'progress.restarting.uploadDropped';
      expect(byId(page.drawn, 'progress-restart').textContent).toBe(formatMessage('en', key));
      expect(byId(page.drawn, 'progress-text').textContent).toBe(formatMessage('en', 'progress.starting'));
      expect(byId(page.drawn, 'progress-bar').hasAttribute('value')).toBe(false);
      expect(page.announced.at(-1)).toBe(formatMessage('en', key));
      // It stays while the new upload runs, and goes with the next send.
      page.screen.update(1000, 10_000_000, 1000, page.context);
      expect(byId(page.drawn, 'progress-restart').textContent).toBe(formatMessage('en', key));
      page.screen.reset();
      page.screen.paint(page.context);
      expect(byId(page.drawn, 'progress-restart').textContent).toBe('');
    },
  );

  test('cancelling says the page waits for the server, and stops the countdown', () => {
    const page = progressScreen();
    page.screen.retrying(30_000, page.context);
    byId(page.drawn, 'cancel').click();
    expect(page.raised).toEqual(['cancelSend']);
    page.screen.cancelling(page.context);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe(formatMessage('en', 'progress.cancelling'));
    expect(byId(page.drawn, 'try-now').hidden).toBe(true);
    jest.advanceTimersByTime(5000);
    expect(byId(page.drawn, 'progress-notice').textContent).toBe(formatMessage('en', 'progress.cancelling'));
    const redrawn = page.screen.draw(context(view({ screen: 'progress', cancelling: true }), recorder().events));
    expect(byId(redrawn, 'cancel').disabled).toBe(true);
  });
});

describe('the cancelled screen says only what the server confirmed', () => {
  test.each([
    [{ state: 'deleted' } as const, 'cancelled.deleted', {}],
    [{ state: 'nothing-sent' } as const, 'cancelled.nothingSent', {}],
    [{ state: 'unconfirmed', expiresInSeconds: 3 * 3600 } as const, 'cancelled.unconfirmed', { duration: '3 h' }],
    [{ state: 'unconfirmed', expiresInSeconds: null } as const, 'cancelled.unconfirmedUnknown', {}],
  ] as const)('%j -> %s', (outcome, key, params) => {
    const drawn = cancelledScreen(context(view({ screen: 'cancelled', cancelled: outcome }), recorder().events));
    expect(byId(drawn, 'cancelled-outcome').textContent).toBe(formatMessage('en', key, params));
  });

  test('before the worker has said, nothing is claimed', () => {
    const drawn = cancelledScreen(context(view({ screen: 'cancelled', cancelled: null }), recorder().events));
    expect(byId(drawn, 'cancelled-outcome').textContent).toBe(formatMessage('en', 'cancelled.unconfirmedUnknown'));
  });
});
