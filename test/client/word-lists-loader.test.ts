/**
 * The page's word-list loader (client/app/word-lists-loader.ts), which the
 * build puts in place of client/core/word-lists.ts in both workers: it
 * loads words.js once, on first use, same origin by its bare name; a failed
 * load throws (the worker then fails closed) and is tried again next time;
 * a file that does not hold two lists of 2048 words is refused.
 */
import { bip39WordLists as coreWordLists } from '../../client/core/word-lists.js';
import { bip39WordLists, WORD_LISTS_FILE, WORD_LISTS_GLOBAL } from '../../client/app/word-lists-loader.js';

type Scope = Record<string, unknown>;
const scope = globalThis as Scope;

afterEach(() => {
  Reflect.deleteProperty(scope, WORD_LISTS_GLOBAL);
  Reflect.deleteProperty(scope, 'importScripts');
});

/** A worker's importScripts whose file runs `body`, recording the URLs asked for. */
function fakeImportScripts(body: () => void): string[] {
  const asked: string[] = [];
  scope.importScripts = (...urls: string[]): void => {
    asked.push(...urls);
    body();
  };
  return asked;
}

test('the entry of words.js hands over the core lists under the name the loader reads', async () => {
  await import('../../client/app/word-lists-entry.js');
  expect(scope[WORD_LISTS_GLOBAL]).toBe(coreWordLists());
});

test('in a worker: words.js is loaded by its bare name on first use, once, and gives the core lists', () => {
  const asked = fakeImportScripts(() => {
    scope[WORD_LISTS_GLOBAL] = coreWordLists();
  });
  const lists = bip39WordLists();
  expect(lists).toBe(coreWordLists());
  expect([lists.en.length, lists.ko.length, lists.en[0], lists.en[2047]]).toEqual([2048, 2048, 'abandon', 'zoo']);
  bip39WordLists();
  expect(asked).toEqual([WORD_LISTS_FILE]);
  expect(WORD_LISTS_FILE).toBe('words.js');
});

test('a load that fails throws, and the next use tries again', () => {
  let online = false;
  const asked = fakeImportScripts(() => {
    if (!online) throw new Error('NetworkError: the script could not be loaded');
    scope[WORD_LISTS_GLOBAL] = coreWordLists();
  });
  expect(() => bip39WordLists()).toThrow('NetworkError');
  online = true;
  expect(bip39WordLists().ko).toBe(coreWordLists().ko);
  expect(asked).toEqual([WORD_LISTS_FILE, WORD_LISTS_FILE]);
});

test.each([
  ['nothing', () => undefined],
  ['a short list', () => ({ en: coreWordLists().en.slice(1), ko: coreWordLists().ko })],
  ['one list only', () => ({ en: coreWordLists().en })],
  ['words that are not strings', () => ({ en: coreWordLists().en, ko: new Array<number>(2048).fill(1) })],
])('a words.js that leaves %s is refused', (_name, lists) => {
  fakeImportScripts(() => {
    const value = lists();
    if (value !== undefined) scope[WORD_LISTS_GLOBAL] = value;
  });
  expect(() => bip39WordLists()).toThrow('the word lists are not available');
});

test('a bad words.js is not remembered: the next use loads the file again and takes good lists', () => {
  let good = false;
  const asked = fakeImportScripts(() => {
    scope[WORD_LISTS_GLOBAL] = good ? coreWordLists() : { en: coreWordLists().en };
  });
  expect(() => bip39WordLists()).toThrow('the word lists are not available');
  expect(scope[WORD_LISTS_GLOBAL]).toBeUndefined();
  good = true;
  expect(bip39WordLists()).toBe(coreWordLists());
  expect(asked).toEqual([WORD_LISTS_FILE, WORD_LISTS_FILE]);
});

test('outside a worker, with nothing loaded, it throws rather than run without lists', () => {
  expect(() => bip39WordLists()).toThrow('the word lists are not available');
});
