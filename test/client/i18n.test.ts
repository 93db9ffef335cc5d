/**
 * Message catalogs: complete in both languages (same keys, same
 * placeholders, no empty or untranslated text), and the helpers that pick the
 * language and format numbers.
 */
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

describe('formatMessage', () => {
  test('fills placeholders', () => {
    expect(formatMessage('ko', 'compose.files.total', { count: 2, size: '3MB' })).toBe('파일 2개, 모두 3MB');
    expect(formatMessage('en', 'compose.files.removeNamed', { name: 'a.pdf' })).toBe('Remove a.pdf');
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
