/**
 * RFC 3339 whole-second timestamps (client/core/time.ts), the one format of
 * the manifest's `issued`/`expires` and the identity file's `# created:`.
 */
import fc from 'fast-check';
import {
  formatRfc3339Seconds,
  isDayShape,
  isRfc3339SecondsShape,
  parseRfc3339Seconds,
} from '../../client/core/time.js';

describe('formatRfc3339Seconds', () => {
  it('writes UTC with whole seconds, dropping milliseconds', () => {
    expect(formatRfc3339Seconds(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 999)))).toBe('2025-01-02T03:04:05Z');
    expect(formatRfc3339Seconds(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('refuses an invalid date and years RFC 3339 cannot write', () => {
    expect(() => formatRfc3339Seconds(new Date(NaN))).toThrow(RangeError);
    expect(() => formatRfc3339Seconds(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
    expect(() => formatRfc3339Seconds(new Date(Date.UTC(-1, 0, 1)))).toThrow(RangeError);
  });
});

describe('parseRfc3339Seconds', () => {
  it('reads what formatRfc3339Seconds writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), (seconds) => {
        const text = formatRfc3339Seconds(new Date(seconds * 1000));
        expect(isRfc3339SecondsShape(text)).toBe(true);
        expect(parseRfc3339Seconds(text)?.getTime()).toBe(seconds * 1000);
      }),
    );
  });

  it.each([
    ['a fraction', '2025-01-02T03:04:05.000Z'],
    ['an offset instead of Z', '2025-01-02T03:04:05+00:00'],
    ['lowercase t and z', '2025-01-02t03:04:05z'],
    ['no seconds', '2025-01-02T03:04Z'],
    ['a date only', '2025-01-02'],
    ['surrounding space', ' 2025-01-02T03:04:05Z'],
  ])('refuses %s', (_what, text) => {
    expect(isRfc3339SecondsShape(text)).toBe(false);
    expect(parseRfc3339Seconds(text)).toBeNull();
  });

  it.each([
    ['February 30', '2025-02-30T00:00:00Z'],
    ['hour 24', '2025-01-02T24:00:00Z'],
    ['month 13', '2025-13-01T00:00:00Z'],
    ['second 60', '2025-01-02T03:04:60Z'],
  ])('refuses a well-shaped date that does not exist: %s', (_what, text) => {
    expect(isRfc3339SecondsShape(text)).toBe(true);
    expect(parseRfc3339Seconds(text)).toBeNull();
  });
});

describe('isDayShape', () => {
  it('accepts YYYY-MM-DD only', () => {
    expect(isDayShape('2026-12-01')).toBe(true);
    for (const text of ['2026-12-1', '2026-12-01T00:00:00Z', ' 2026-12-01', '2026-12-01\n', '20261201', ''])
      expect([text, isDayShape(text)]).toEqual([text, false]);
  });
});
