/**
 * Untrusted text (a message line, a file name written by a stranger) made
 * safe to show on one line, on a terminal or on a page. Printed raw, control
 * characters could drive a terminal, and bidi overrides reorder what a person
 * reads: `report\u202Etxt.exe` shows as `reportexe.txt`. The editor's command
 * line and the source's page both show names through this one rule.
 */

// C0/C1 controls, DEL, format characters (bidi overrides, zero-width), line and
// paragraph separators, lone surrogates, private use.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/gu;

/** Every control, format or separator character becomes `?`; tabs become a space. */
export function replaceUnsafeCharacters(text: string): string {
  return text.replace(/\t/g, ' ').replace(UNSAFE, '?');
}
