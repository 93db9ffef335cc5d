/**
 * Message catalogs: the page's every string, by key, in each language.
 * Lookups are typed, so a missing key is a compile error and a missing
 * translation is a test failure, never a blank on screen.
 */
import { en } from './en.js';
import { ko } from './ko.js';

/** The languages the page speaks. */
export type Language = 'en' | 'ko';
export const LANGUAGES: readonly Language[] = ['en', 'ko'];

export type MessageKey = keyof typeof en;
/** A complete catalog: one string for every key. */
export type Catalog = Readonly<Record<MessageKey, string>>;

export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, ko };

/** Placeholders found in a message, e.g. `{size}` -> `size`. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z]+)\}/g)].map((match) => match[1]!).sort();
}

/**
 * The message for `key` in `language`, with each `{name}` replaced by
 * `params[name]`.
 * @throws TypeError if a placeholder has no parameter (a programming error).
 */
export function formatMessage(
  language: Language,
  key: MessageKey,
  params: Readonly<Record<string, string | number>> = {},
): string {
  return CATALOGS[language][key].replace(/\{([a-z]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing parameter ${name} for ${key}`);
    return String(value);
  });
}

/**
 * The page language: `?lang=` in the URL if it names one we speak, else the
 * first of the browser's preferred languages we speak, else English.
 */
export function chooseLanguage(search: string, preferred: readonly string[]): Language {
  const asked = new URLSearchParams(search).get('lang');
  if (asked === 'en' || asked === 'ko') return asked;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'en' || primary === 'ko') return primary;
  }
  return 'en';
}
