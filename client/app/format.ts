/**
 * Sizes, rates and durations for people: decimal units (what file managers
 * on phones show), at most three significant digits, in the page language.
 */
import { formatMessage, type Language } from './i18n/catalog.js';

const KB = 1000;

function short(value: number, language: Language): string {
  const digits = value < 10 ? 1 : 0;
  return value.toLocaleString(language, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** `1.5 MB`, `820 KB`, `12 B` (`1.5MB` in Korean). */
export function formatBytes(bytes: number, language: Language): string {
  if (bytes < KB) return formatMessage(language, 'unit.bytes', { n: Math.round(bytes) });
  if (bytes < KB ** 2) return formatMessage(language, 'unit.kilobytes', { n: short(bytes / KB, language) });
  if (bytes < KB ** 3) return formatMessage(language, 'unit.megabytes', { n: short(bytes / KB ** 2, language) });
  return formatMessage(language, 'unit.gigabytes', { n: short(bytes / KB ** 3, language) });
}

/** A rough remaining time: `40 s`, `3 min`, `2 h` (`40초`, `3분`, `2시간`). */
export function formatDuration(seconds: number, language: Language): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return formatMessage(language, 'unit.seconds', { n: s });
  if (s < 3600) return formatMessage(language, 'unit.minutes', { n: Math.ceil(s / 60) });
  return formatMessage(language, 'unit.hours', { n: short(s / 3600, language) });
}

/** A date for the key list's expiry: `2026-11-28` style, unambiguous in both languages. */
export function formatDate(iso: string, language: Language): string {
  return new Date(iso).toLocaleDateString(language === 'ko' ? 'ko-KR' : 'en-GB', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });
}
