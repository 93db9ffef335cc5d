/** Shape checks for parsed JSON documents, shared by the strict parsers. */

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How an object's keys differ from the expected set: the first unknown key, else the first missing one. */
export interface KeySetMismatch {
  readonly kind: 'unknown' | 'missing';
  readonly key: string;
}

/**
 * Compare an object's own keys with the expected set. Only own properties
 * count: a key found on the prototype chain (`toString`, `constructor`) is
 * missing, and `__proto__` as JSON.parse creates it is an own, unknown key.
 * @returns `null` if the keys are exactly `keys`.
 */
export function keySetMismatch(value: Record<string, unknown>, keys: readonly string[]): KeySetMismatch | null {
  const unknown = Object.keys(value).find((key) => !keys.includes(key));
  if (unknown !== undefined) return { kind: 'unknown', key: unknown };
  const missing = keys.find((key) => !Object.hasOwn(value, key));
  return missing === undefined ? null : { kind: 'missing', key: missing };
}

/** The object has exactly these own keys: no missing and no unknown fields. */
export function exactKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keySetMismatch(value, keys) === null;
}
