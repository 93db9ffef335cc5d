import { replaceUnsafeCharacters } from '../../client/core/display-safe.js';

describe('replaceUnsafeCharacters', () => {
  test.each<[string, string, string]>([
    ['a bidi override', 'report\u202Etxt.exe', 'report?txt.exe'],
    ['isolates', '\u2066evil\u2069.sh', '?evil?.sh'],
    ['a terminal escape', 'a\u001b[2Jb', 'a?[2Jb'],
    ['C1 controls and DEL', 'a\u0085b\u007fc', 'a?b?c'],
    ['zero-width characters', 'a\u200bb\ufeffc', 'a?b?c'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a?b?c'],
    ['a lone surrogate', 'a\ud800b', 'a?b'],
    ['private use', 'a\ue000b', 'a?b'],
    ['a tab', 'a\tb', 'a b'],
  ])('replaces %s', (_label, input, expected) => {
    expect(replaceUnsafeCharacters(input)).toBe(expected);
  });

  test('leaves Korean, other scripts, emoji and markup characters alone (markup is the page’s job: text nodes)', () => {
    const text = '보고서 최종 (2024).pdf — отчёт تقرير 😀 <b>&amp;';
    expect(replaceUnsafeCharacters(text)).toBe(text);
  });
});
