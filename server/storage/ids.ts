/**
 * Upload and submission ids: 128 random bits as 32 lowercase hex digits.
 * Unguessable, so knowing one id reveals nothing about others, and of a fixed
 * alphabet, so an id can never be a path.
 */
import { randomBytes } from 'node:crypto';

const ID_PATTERN = /^[0-9a-f]{32}$/;

/** A fresh random id. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** True if `text` is exactly an id (and therefore safe inside a file name). */
export function isId(text: unknown): text is string {
  return typeof text === 'string' && ID_PATTERN.test(text);
}
