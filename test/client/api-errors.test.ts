/**
 * The error registry shared by server and page: the documented table is the
 * registry, and the guard that reads a code off the wire accepts registry
 * codes only.
 */
import { readFileSync } from 'node:fs';
import { API_ERRORS, isApiErrorCode, type ApiErrorCode } from '../../client/core/api-errors.js';
import { errorBody } from '../../server/errors.js';

/** The rows of docs/API.md's "Error codes" table, as `[code, status, message]`. */
function documentedTable(): [string, number, string][] {
  const text = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
  const section = text.slice(text.indexOf('## Error codes'));
  return [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| ([^|]+) \|$/gm)].map((match) => [
    match[1]!,
    Number(match[2]),
    match[3]!.trim(),
  ]);
}

test('docs/API.md documents exactly the registry, in its order', () => {
  const registry = Object.entries(API_ERRORS).map(([code, entry]) => [code, entry.status, entry.message]);
  expect(documentedTable()).toEqual(registry);
});

test('the server answers from the same registry', () => {
  for (const code of Object.keys(API_ERRORS) as ApiErrorCode[])
    expect(errorBody(code)).toEqual({ error: { code, message: API_ERRORS[code].message } });
  expect(errorBody('UPLOAD_INCOMPLETE')).toEqual({
    error: { code: 'UPLOAD_INCOMPLETE', message: 'upload is missing bytes' },
  });
});

test('isApiErrorCode accepts registry codes and nothing else', () => {
  for (const code of Object.keys(API_ERRORS)) expect([code, isApiErrorCode(code)]).toEqual([code, true]);
  const impostors = [
    'upload_incomplete',
    'UPLOAD_INCOMPLETE ',
    '',
    'toString',
    '__proto__',
    'hasOwnProperty',
    null,
    undefined,
    404,
    {},
  ];
  for (const value of impostors) {
    expect([value, isApiErrorCode(value)]).toEqual([value, false]);
  }
});

test('a misspelt code is a type error, not a silently dead branch', () => {
  const known: ApiErrorCode = 'UPLOAD_INCOMPLETE';
  // @ts-expect-error 'UPLOAD_INCOMPLET' is not in the registry
  const misspelt: ApiErrorCode = 'UPLOAD_INCOMPLET';
  expect([isApiErrorCode(known), isApiErrorCode(misspelt)]).toEqual([true, false]);
});
