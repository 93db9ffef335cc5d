/**
 * New upload (and so submission) ids: 128 random bits as 32 lowercase hex
 * digits. Unguessable, so knowing one id reveals nothing about others, and of
 * a fixed alphabet, so an id can never be a path; the shape check every
 * reader uses is the core's `isSubmissionId` (client/core/wire-shapes.ts).
 */
import { randomBytes } from 'node:crypto';
import { SUBMISSION_ID_BYTES } from '../../client/core/wire-shapes.js';

/** A fresh random id. */
export function newId(): string {
  return randomBytes(SUBMISSION_ID_BYTES).toString('hex');
}
