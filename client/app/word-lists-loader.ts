/**
 * The page's stand-in for client/core/word-lists.ts: the page's build
 * (scripts/build-client.ts) bundles this module in its place in both
 * workers, so neither carries the BIP39 word lists. They are a separate
 * file, `words.js` (entry client/app/word-lists-entry.ts), loaded on first
 * use: when the source asks for reply words or types words to open a
 * mailbox. The workers are classic workers, so `importScripts` loads it
 * synchronously (same origin, listed in SHA256SUMS like every served file)
 * and the core's synchronous calls stay as they are.
 */
import type * as CoreWordLists from '../core/word-lists.js';

/** The built file, beside the workers. */
export const WORD_LISTS_FILE = 'words.js';
/** Where the entry leaves the lists for the worker to find. */
export const WORD_LISTS_GLOBAL = 'sealdropWordLists';
/** Words in each BIP39 list: anything else is not the file this page was built with. */
const LIST_LENGTH = 2048;

type Scope = Record<string, unknown> & { importScripts?: (...urls: string[]) => void };

function isWordList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.length === LIST_LENGTH && value.every((word) => typeof word === 'string');
}

/**
 * The English and Korean lists, loading `words.js` first if this worker has
 * not yet. A failed load is not remembered: the next call tries again.
 * @throws Error if they cannot be loaded (a network error, or not in a
 *   worker) or are not two lists of 2048 words: the caller fails closed.
 */
export const bip39WordLists: typeof CoreWordLists.bip39WordLists = () => {
  const scope = globalThis as Scope;
  if (scope[WORD_LISTS_GLOBAL] === undefined && typeof scope.importScripts === 'function') {
    scope.importScripts(WORD_LISTS_FILE);
  }
  const lists = scope[WORD_LISTS_GLOBAL] as Partial<CoreWordLists.Bip39WordLists> | undefined;
  if (lists === undefined || !isWordList(lists.en) || !isWordList(lists.ko)) {
    // Forget what a bad file left, so the next call loads words.js again.
    Reflect.deleteProperty(scope, WORD_LISTS_GLOBAL);
    throw new Error('the word lists are not available');
  }
  return lists as CoreWordLists.Bip39WordLists;
};
