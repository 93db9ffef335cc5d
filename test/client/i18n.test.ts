/**
 * Message catalogs: complete in both languages (same keys, same
 * placeholders, no empty or untranslated text); the safety wording the
 * Korean review (issue 14, docs/GLOSSARY.md) found wrong stays fixed; and the
 * helpers that pick the language and format numbers.
 */
import { readFileSync } from 'node:fs';
import {
  CATALOGS,
  chooseLanguage,
  formatMessage,
  LANGUAGES,
  placeholders,
  type MessageKey,
} from '../../client/app/i18n/catalog.js';
import { en } from '../../client/app/i18n/en.js';
import { ko } from '../../client/app/i18n/ko.js';
import { formatBytes, formatDuration } from '../../client/app/format.js';

const keys = Object.keys(en).sort() as MessageKey[];
const HANGUL = /[\uac00-\ud7a3]/u;
/** Keys whose Korean text may have no Hangul: units and the name of the other language. */
const NOT_HANGUL: readonly MessageKey[] = [
  'language.other',
  'unit.bytes',
  'unit.kilobytes',
  'unit.megabytes',
  'unit.gigabytes',
];

describe('catalogs', () => {
  test.each(LANGUAGES)('%s has exactly the keys of the English catalog', (language) => {
    expect(Object.keys(CATALOGS[language]).sort()).toEqual(keys);
  });

  test.each(LANGUAGES)('%s has no empty or padded message', (language) => {
    for (const key of keys) {
      const text = CATALOGS[language][key];
      expect(text.trim()).toBe(text);
      expect(text.length).toBeGreaterThan(0);
    }
  });

  test('every message has the same placeholders in both languages', () => {
    for (const key of keys) expect([key, placeholders(ko[key])]).toEqual([key, placeholders(en[key])]);
  });

  test('Korean messages are written in Korean', () => {
    for (const key of keys) {
      if (!NOT_HANGUL.includes(key)) expect([key, HANGUL.test(ko[key])]).toEqual([key, true]);
    }
  });

  test('each language switch is labelled in the other language', () => {
    expect(HANGUL.test(en['language.other'])).toBe(true);
    expect(ko['language.other']).toBe('English');
  });
});

/** Every Korean message, with its key, for checks that name the key that failed. */
const koreanTexts = (): [MessageKey, string][] => keys.map((key) => [key, ko[key]]);
/** `text` with each allowed phrase cut out, so what is left can be searched for a flagged word. */
function without(text: string, allowed: readonly string[]): string {
  return allowed.reduce((rest, phrase) => rest.split(phrase).join(' '), text);
}

describe('safety wording (docs/GLOSSARY.md)', () => {
  // 삭제/지우기 read as "delete": a source under stress may fear the button erases the
  // photo on the phone, or believe it did. These only take a file off the list.
  test.each(['compose.files.remove', 'compose.files.removeNamed'] as const)(
    '%s says "off the list", never "delete"',
    (key) => {
      expect(ko[key]).toContain('목록에서 빼기');
      expect(ko[key]).not.toMatch(/삭제|지우|지워|제거/);
      expect(en[key]).not.toMatch(/delete|erase/i);
    },
  );

  test('a file that cannot be read is taken off the list; the file on the device is said to stay', () => {
    // It may be the source's only copy of the evidence.
    expect(ko['error.fileRead']).not.toMatch(/삭제|지우세요/);
    expect(ko['error.fileRead']).toContain('목록에서');
    expect(ko['error.fileRead']).toContain('기기에 있는 파일은 지워지지 않습니다');
    expect(en['error.fileRead']).toContain('not deleted');
  });

  test('the key list check says it passed, and the fingerprint still has to be compared by hand', () => {
    // 확인했습니다 ("checked") did not say whether the signature was good.
    expect(ko['keys.verified']).toContain('서명이 올바릅니다');
    expect(ko['keys.verified']).toContain('직접 비교');
    expect(en['keys.verified']).toMatch(/signature is correct.*compare/);
  });

  test('the failure heading has a subject and does not say that nothing at all reached the server', () => {
    // "Nothing was sent" is untrue after a drop (encrypted parts reached the server) and,
    // without a subject in Korean, reads as blame.
    expect(ko['error.heading']).toMatch(/^제보가 /);
    expect(en['error.heading']).not.toMatch(/nothing/i);
  });

  test("giving one's name stays the exception, as in English", () => {
    // 원하지 않는다면 이름은 적지 마세요 made writing the name the default.
    expect(ko['compose.message.help']).toContain('이름은 적지 않아도 됩니다');
    expect(ko['compose.message.help']).not.toContain('원하지 않는다면');
  });

  test('deletion on the server is claimed only where the server confirmed it', () => {
    // The page shows cancelled.deleted only after the server's 204 (or 404/410: nothing
    // there), like mailbox.deleted.*; when it could not confirm, it says so.
    const claims = { en: /\bdeleted the\b|was deleted|were deleted/, ko: /지웠다고|지웠습니다|삭제되었습니다/ };
    for (const key of ['cancelled.nothingSent', 'cancelled.unconfirmed', 'cancelled.unconfirmedUnknown'] as const) {
      expect([key, claims.en.test(en[key].replace('could not confirm that the server deleted', ''))]).toEqual([
        key,
        false,
      ]);
      expect([key, claims.ko.test(ko[key].replace('지웠는지', ''))]).toEqual([key, false]);
    }
    expect(en['cancelled.unconfirmed']).toContain('could not confirm');
    expect(ko['cancelled.unconfirmed']).toContain('확인하지 못했습니다');
    expect(en['cancelled.deleted']).toContain('server confirmed');
    expect(ko['cancelled.deleted']).toContain('서버가 확인했습니다');
  });

  test('a failed send never says that nothing reached the server', () => {
    // After an outage encrypted parts may still be on the server (issue 10).
    for (const key of ['error.connection', 'error.restartedTooOften', 'error.keysExpired'] as const) {
      expect([key, /nothing (was|has been) sent/i.test(en[key])]).toEqual([key, false]);
      expect([key, /아무것도|전송되지 않았/.test(ko[key])]).toEqual([key, false]);
    }
  });

  test('contacting the newsroom another way is offered only "if you can do so safely"', () => {
    // In the DPRK, urging a reader to reach the newsroom may push them into a risky contact.
    for (const [key, text] of koreanTexts())
      if (/다른 (경로|방법)|연락/.test(text))
        expect([key, text]).toEqual([key, expect.stringContaining('안전하게 할 수 있다면')]);
    for (const key of keys)
      if (/another (channel|way)|contact/.test(en[key]))
        expect([key, en[key]]).toEqual([key, expect.stringContaining('if you can do so safely')]);
  });

  test('starting again after new keys says their signature is correct, not only that it was checked', () => {
    expect(ko['progress.restarting.keysChanged']).toContain('서명이 올바른');
    expect(en['progress.restarting.keysChanged']).toContain('correctly signed');
  });

  test('quick exit is explained without a tooltip and says the browser history stays', () => {
    expect(ko['exit.hint']).toContain('방문 기록은 지우지 않습니다');
    expect(en['exit.hint']).toContain('does not erase the browser’s history');
    expect(ko['exit.button']).toBe('바로 나가기');
  });

  test('Tor Browser is named as on its icon, and its security levels as its Korean screen shows them', () => {
    // Tor Browser's Korean base-browser.ftl: 표준 / 매우 안전함 / 가장 안전함, 설정…, 보안 수준.
    for (const [key, text] of koreanTexts()) {
      expect([key, text.includes('Tor 브라우저')]).toEqual([key, false]);
      expect([key, /‘더 안전’|‘가장 안전’|더 안전으로/.test(text)]).toEqual([key, false]);
    }
    expect(ko['error.crypto']).toMatch(/‘표준’.*‘매우 안전함’.*‘가장 안전함’/);
    expect(en['error.crypto']).toMatch(/Standard.*Safer.*Safest/);
  });

  test('the page title names neither a tip nor safety', () => {
    // Tabs, the app switcher and an ordinary browser's history show it on a shared device.
    for (const language of LANGUAGES) expect(CATALOGS[language]['page.title']).not.toMatch(/tip|secure|제보|안전/i);
  });

  // Plain terms: jargon is replaced, or kept only as a bracketed gloss after plain words.
  test.each([
    ['복호화', [], 'jargon in both Koreas: 풀어서 읽다'],
    ['라이브러리', [], 'jargon: 암호화 프로그램'],
    ['네트워크', [], 'unfamiliar in the North: 인터넷 연결'],
    ['지문', ['(키 지문)', '손가락 지문과는 관계없는'], 'a finger, a phone sensor, the police: 확인 번호'],
    ['스파이웨어', ['(스파이웨어)'], 'unknown and alarming: 몰래 깔린 감시 프로그램'],
    ['캡처', ['(화면 캡처)'], 'unfamiliar: 화면을 찍어 저장'],
    ['루트 키', ['(루트 키)'], 'jargon: 기본 (암호) 열쇠'],
  ] as const)('%s appears only as allowed (%j): %s', (word, allowed, reason) => {
    // The reason travels with the key, so a failure says why the word is flagged.
    for (const [key, text] of koreanTexts())
      expect([key, reason, without(text, allowed).includes(word)]).toEqual([key, reason, false]);
  });

  test('키 means a key on the keyboard only; a cryptographic key is 열쇠', () => {
    // 키 is also "height", and Esc 키 is on the same page.
    const allowed = ['Esc 키', '(키 지문)', '(루트 키)'];
    for (const [key, text] of koreanTexts())
      expect([key, /(^|[\s(‘])키($|[\s,.)’은는이가을를의로와과도])/.test(without(text, allowed))]).toEqual([
        key,
        false,
      ]);
  });

  test.each([
    ['쿠키', '쿠키(사이트가 기기에 남기는 작은 기록)', 'intro.protects.3'],
    ['서버', '서버(보낸 자료를 받아 두는 컴퓨터)', 'intro.protects.1'],
    ['브라우저', '열람기(브라우저)', 'intro.protects.1'],
  ] as const)('%s is glossed where the first screen first uses it', (_word, gloss, key) => {
    expect(ko[key]).toContain(gloss);
  });
});

describe('the no-JavaScript text (index.html)', () => {
  const html = readFileSync('client/app/index.html', 'utf8');
  const korean = /<section lang="ko"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  const english = /<section lang="en"[^>]*>([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';

  test("the Korean steps use Tor Browser's Korean labels, with the Chinese ones for phones set to Chinese", () => {
    expect(korean).toContain('<strong>설정…</strong>');
    expect(korean).toContain('<strong>매우 안전함</strong>');
    expect(korean).toContain('‘보안 수준’');
    expect(korean).toContain('‘가장 안전함’');
    expect(korean).not.toMatch(/더 안전|Tor 브라우저에서/);
    expect(korean).toMatch(/设置….*安全级别.*较安全/);
  });

  test('the English steps name the current button, Settings…', () => {
    expect(english).toContain('<strong>Settings…</strong>');
    expect(english).toContain('<strong>Safer</strong>');
  });

  test('a Korean reader is pointed to the Korean text first', () => {
    expect(html.indexOf('href="#noscript-ko"')).toBeLessThan(html.indexOf('<section lang="en"'));
    expect(html).toContain('id="noscript-ko"');
  });
});

describe('formatMessage', () => {
  test('fills placeholders', () => {
    expect(formatMessage('ko', 'compose.files.total', { count: 2, size: '3MB' })).toBe('파일 2개, 합계 3MB');
    expect(formatMessage('en', 'compose.files.removeNamed', { name: 'a.pdf' })).toBe('Remove a.pdf from the list');
  });

  test('a missing parameter is a programming error', () => {
    expect(() => formatMessage('en', 'compose.files.removeNamed')).toThrow(TypeError);
  });
});

describe('chooseLanguage', () => {
  test.each([
    ['?lang=ko', ['en-US'], 'ko'],
    ['?lang=en', ['ko-KR'], 'en'],
    ['', ['ko-KR', 'en'], 'ko'],
    ['', ['fr-FR', 'ko'], 'ko'],
    ['', ['fr-FR', 'de'], 'en'],
    ['?lang=xx', ['ko'], 'ko'],
    ['', [], 'en'],
  ] as const)('%j with %j -> %s', (search, preferred, expected) => {
    expect(chooseLanguage(search, preferred)).toBe(expected);
  });
});

describe('formatting', () => {
  test.each([
    [0, 'en', '0 B'],
    [999, 'en', '999 B'],
    [1500, 'en', '1.5 KB'],
    [5_242_880, 'en', '5.2 MB'],
    [2_000_000_000, 'ko', '2GB'],
  ] as const)('formatBytes(%i, %s) = %s', (bytes, language, expected) => {
    expect(formatBytes(bytes, language)).toBe(expected);
  });

  test.each([
    [0.2, 'en', '1 s'],
    [59, 'ko', '59초'],
    [61, 'en', '2 min'],
    [7200, 'ko', '2시간'],
  ] as const)('formatDuration(%d, %s) = %s', (seconds, language, expected) => {
    expect(formatDuration(seconds, language)).toBe(expected);
  });
});
