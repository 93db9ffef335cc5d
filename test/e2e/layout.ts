/**
 * Does the screen fit a narrow phone? Korean text that does not wrap (long
 * words under `word-break: keep-all`, a word list, a fingerprint) is what
 * breaks a 360 px layout, so every screen is checked as it is shown.
 */
import type { Page } from 'playwright-core';

/**
 * What overflows on the current screen, [] when nothing does: the page
 * wider than the viewport (a sideways scroll), a visible element reaching
 * past the viewport's right edge, or a text container whose content is
 * wider than its box (text cut off or spilling out).
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > innerWidth) problems.push(`page ${root.scrollWidth} px wide > viewport ${innerWidth} px`);
    const name = (element: Element): string =>
      `${element.tagName.toLowerCase()}${element.id === '' ? '' : `#${element.id}`}${
        element.className === '' ? '' : `.${element.className.split(' ').join('.')}`
      } "${element.textContent.trim().slice(0, 30)}"`;
    const TEXT = new Set(['P', 'LI', 'H1', 'H2', 'H3', 'LABEL', 'BUTTON', 'SUMMARY', 'OL', 'UL', 'TEXTAREA', 'DIV']);
    for (const element of Array.from(document.body.querySelectorAll('*'))) {
      const style = getComputedStyle(element);
      // Unseen on purpose: the visually hidden live region and the native file input.
      if (style.display === 'none' || style.visibility === 'hidden' || style.position === 'absolute') continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.right > innerWidth + 0.5) problems.push(`${name(element)} reaches ${Math.round(box.right)} px`);
      if (TEXT.has(element.tagName) && style.display !== 'inline' && element.scrollWidth > element.clientWidth + 1)
        problems.push(`${name(element)} content ${element.scrollWidth} px > box ${element.clientWidth} px`);
    }
    return problems;
  });
}
