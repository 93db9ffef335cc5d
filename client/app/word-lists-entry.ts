/**
 * The entry of `words.js` (scripts/build-client.ts): hands the BIP39 word
 * lists (client/core/word-lists.ts) to the worker that loads this file
 * (client/app/word-lists-loader.ts). Nothing else runs.
 */
import { bip39WordLists } from '../core/word-lists.js';
import { WORD_LISTS_GLOBAL } from './word-lists-loader.js';

(globalThis as Record<string, unknown>)[WORD_LISTS_GLOBAL] = bip39WordLists();
