/**
 * Debian's Chromium as the benchmarks drive it: headless, no GPU or
 * background traffic, and with `--js-flags=--jitless` for the Tor Browser
 * Safer path (no JIT, no WebAssembly).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchBenchChromium(jitless: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-background-networking', ...(jitless ? ['--js-flags=--jitless'] : [])],
  });
}
