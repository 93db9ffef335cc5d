/**
 * axe-core's WCAG 2 A and AA rules on the page as it is shown. The script is
 * evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the page runs with its real policy and no inline script.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  nodes: { target: unknown }[];
}

/** Rule ids (with the offending elements) that axe finds broken on the current screen; [] when clean. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (options: object) => Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations as AxeViolation[];
  });
  return violations.map(
    (violation) => `${violation.id}: ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
  );
}
