/**
 * The shapes of the random identifiers that cross the wire between the
 * page, the server and the command line: upload and submission ids, editor
 * login challenges and bearer tokens. The server checks them before using an
 * identifier as a file name or map key; the page and the command line check
 * what the server sends before putting it in a URL.
 */

/** Random bytes in an upload id; the submission keeps its upload's id. */
export const SUBMISSION_ID_BYTES = 16;
/** Random bytes in a login challenge or a bearer token. */
export const RANDOM_TOKEN_BYTES = 32;

/** 128 random bits as 32 lowercase hex digits: never a path, whatever it is joined to. */
const SUBMISSION_ID = /^[0-9a-f]{32}$/;
/** 256 random bits as unpadded base64url: 43 characters. */
const RANDOM_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether `value` is an upload or submission id (32 lowercase hex digits). */
export function isSubmissionId(value: unknown): value is string {
  return typeof value === 'string' && SUBMISSION_ID.test(value);
}

/** Whether `value` has the shape of an editor login challenge (43 base64url characters). */
export function isLoginChallenge(value: unknown): value is string {
  return typeof value === 'string' && RANDOM_TOKEN.test(value);
}

/** Whether `value` has the shape of an editor's bearer token (43 base64url characters). */
export function isBearerToken(value: unknown): value is string {
  return typeof value === 'string' && RANDOM_TOKEN.test(value);
}
