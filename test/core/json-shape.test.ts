/**
 * The one exact-key-set rule every strict JSON parser uses (client/core/json-shape.ts):
 * own properties only, so inherited names and `__proto__` cannot pass as fields.
 */
import { exactKeys, isRecord, keySetMismatch } from '../../client/core/json-shape.js';

const KEYS = ['format', 'version'] as const;

describe('isRecord', () => {
  it('accepts plain objects only', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord(JSON.parse('{"a":1}'))).toBe(true);
    for (const value of [null, [], 'x', 1, true, undefined]) expect(isRecord(value)).toBe(false);
  });
});

describe('exactKeys and keySetMismatch', () => {
  it('accept exactly the expected keys, in any order', () => {
    expect(exactKeys({ format: 'f', version: 1 }, KEYS)).toBe(true);
    expect(exactKeys(JSON.parse('{"version":1,"format":"f"}') as Record<string, unknown>, KEYS)).toBe(true);
    expect(keySetMismatch({ format: 'f', version: 1 }, KEYS)).toBeNull();
  });

  it('refuse an extra key, naming it', () => {
    const value = { format: 'f', version: 1, extra: true };
    expect(exactKeys(value, KEYS)).toBe(false);
    expect(keySetMismatch(value, KEYS)).toEqual({ kind: 'unknown', key: 'extra' });
  });

  it('refuse a missing key, naming it', () => {
    expect(exactKeys({ format: 'f' }, KEYS)).toBe(false);
    expect(keySetMismatch({ format: 'f' }, KEYS)).toEqual({ kind: 'missing', key: 'version' });
  });

  it('do not count inherited properties as present', () => {
    // `'toString' in {}` is true: a prototype-chain check would accept this.
    expect(exactKeys({}, ['toString'])).toBe(false);
    expect(keySetMismatch({ format: 'f' }, ['format', 'constructor'])).toEqual({ kind: 'missing', key: 'constructor' });
    const inherited = Object.create({ version: 1 }) as Record<string, unknown>;
    inherited.format = 'f';
    expect(exactKeys(inherited, KEYS)).toBe(false);
  });

  it('treat a JSON `__proto__` member as an unknown own key', () => {
    const parsed = JSON.parse('{"format":"f","version":1,"__proto__":{"admin":true}}') as Record<string, unknown>;
    expect(exactKeys(parsed, KEYS)).toBe(false);
    expect(keySetMismatch(parsed, KEYS)).toEqual({ kind: 'unknown', key: '__proto__' });
  });

  it('do not let an extra key stand in for a missing one', () => {
    expect(exactKeys({ format: 'f', other: 1 }, KEYS)).toBe(false);
  });
});
