/** How near a manifest is to its expiry: the one judgement the server log, `manifest show` and `status` share. */
import { describeManifestExpiry, manifestExpiry } from '../../client/core/manifest-expiry.js';

const EXPIRES = '2026-12-15T12:00:00Z';
const at = (text: string): Date => new Date(text);

describe('manifestExpiry', () => {
  test('quiet before the warning window, whole days rounded down', () => {
    expect(manifestExpiry(EXPIRES, at('2026-11-30T11:00:00Z'), 14)).toEqual({
      expired: false,
      daysLeft: 15,
      warn: false,
    });
  });

  test('warns from exactly warningDays before the expiry', () => {
    expect(manifestExpiry(EXPIRES, at('2026-12-01T12:00:00Z'), 14).warn).toBe(true);
    expect(manifestExpiry(EXPIRES, at('2026-12-01T11:59:59Z'), 14).warn).toBe(false);
  });

  test('expired at the expiry instant and after, with negative days', () => {
    expect(manifestExpiry(EXPIRES, at(EXPIRES), 14)).toEqual({ expired: true, daysLeft: 0, warn: true });
    expect(manifestExpiry(EXPIRES, at('2026-12-17T13:00:00Z'), 0)).toEqual({
      expired: true,
      daysLeft: -3,
      warn: true,
    });
  });

  test('warningDays 0 warns only once expired', () => {
    expect(manifestExpiry(EXPIRES, at('2026-12-15T11:59:59Z'), 0).warn).toBe(false);
  });

  test('refuses nonsense input', () => {
    expect(() => manifestExpiry('soon', at(EXPIRES), 14)).toThrow(TypeError);
    expect(() => manifestExpiry(EXPIRES, new Date(NaN), 14)).toThrow(TypeError);
    expect(() => manifestExpiry(EXPIRES, at(EXPIRES), -1)).toThrow(TypeError);
    expect(() => manifestExpiry(EXPIRES, at(EXPIRES), 1.5)).toThrow(TypeError);
  });
});

describe('describeManifestExpiry', () => {
  test('says days left and what to do, or that sources cannot submit', () => {
    const soon = manifestExpiry(EXPIRES, at('2026-12-10T12:00:00Z'), 14);
    expect(describeManifestExpiry(3, EXPIRES, soon)).toBe(
      'manifest version 3 expires in 5 days (2026-12-15T12:00:00Z): sign and publish a new one',
    );
    const hours = manifestExpiry(EXPIRES, at('2026-12-15T02:00:00Z'), 14);
    expect(describeManifestExpiry(3, EXPIRES, hours)).toBe(
      'manifest version 3 expires in less than a day (2026-12-15T12:00:00Z): sign and publish a new one',
    );
    const gone = manifestExpiry(EXPIRES, at('2026-12-16T00:00:00Z'), 14);
    expect(describeManifestExpiry(3, EXPIRES, gone)).toBe(
      'manifest version 3 expired 2026-12-15T12:00:00Z: sources cannot submit until a new manifest is signed and published',
    );
  });
});
