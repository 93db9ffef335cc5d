/**
 * The one home of the BIP39 word lists the source secret is written in
 * (English and Korean, @scure/bip39's, NFKD as BIP39 normalises mnemonics).
 *
 * The core asks for them through {@link bip39WordLists} when it needs them
 * (drawing, showing or reading words), never at module load: the lists are
 * about 15 kB gzipped, and most sources never ask for reply words. Node and
 * the command line import them here directly; the page's build puts
 * client/app/word-lists-loader.ts in this module's place, which loads them
 * from the separate file `words.js` on first use (scripts/build-client.ts).
 */
import { wordlist as englishWords } from '@scure/bip39/wordlists/english.js';
import { wordlist as koreanWords } from '@scure/bip39/wordlists/korean.js';

/** Both lists, 2048 words each, by the language code of the secret's words. */
export interface Bip39WordLists {
  readonly en: readonly string[];
  readonly ko: readonly string[];
}

const LISTS: Bip39WordLists = Object.freeze({ en: englishWords, ko: koreanWords });

/**
 * The English and Korean BIP39 lists.
 * @throws Error only in the page's build, if `words.js` cannot be loaded
 *   (client/app/word-lists-loader.ts); never here.
 */
export function bip39WordLists(): Bip39WordLists {
  return LISTS;
}
