/**
 * Gates for tests that need what a machine may lack: an external program
 * (`age`, `minisign`, GNU `tar`, Chromium, `microsocks`...) or a run mode
 * (WebAssembly). scripts/install-test-deps.sh installs every such program.
 *
 * A suite asks once for what it needs and uses the `describe`/`test`/`it`
 * it gets back:
 * - everything present: jest's own;
 * - a program missing under CI (`CI=true`): an error naming it, thrown while
 *   the suite loads, so the run fails instead of passing with less;
 * - a program missing on a developer's machine: the skipping variants, after
 *   one warning saying what is skipped and which programs would run it.
 *
 * In the browser run of the core suites (test/browser/) a page cannot start
 * programs: what needs one is skipped there, with the reason printed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** jest's test API, or its skipping variants. */
export interface Gate {
  /** False when the gated tests are skipped. */
  readonly enabled: boolean;
  readonly describe: jest.Describe;
  readonly test: jest.It;
  readonly it: jest.It;
}

/** True inside a browser page (the harness in test/browser/), where no program can be started. */
const IN_BROWSER_PAGE = typeof (globalThis as { document?: unknown }).document === 'object';

const OPEN: Gate = { enabled: true, describe, test, it };
const SKIPPED: Gate = { enabled: false, describe: describe.skip, test: test.skip, it: it.skip };

/**
 * One line on stderr: jest drops the console output of a suite whose tests
 * are all skipped, and the point is that a skip is seen. In the page, the
 * harness forwards console warnings.
 */
function announce(line: string): void {
  if (IN_BROWSER_PAGE) console.warn(line);
  else process.stderr.write(`${line}\n`);
}

/** An executable file: an absolute path as given, a bare name looked up on PATH. */
function isInstalled(tool: string): boolean {
  const candidates = path.isAbsolute(tool)
    ? [tool]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, tool));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The test API for tests that run the given programs.
 * @param tools program names looked up on PATH, or absolute paths (`/usr/bin/chromium`)
 * @param what the tests gated, for the message (`interop with the age binary`)
 * @throws Error naming the missing programs when `CI` is `true`
 */
export function requireTools(tools: readonly string[], what: string): Gate {
  if (IN_BROWSER_PAGE) {
    announce(`skipped in the browser: ${what} (runs ${tools.join(', ')}; a page cannot start programs)`);
    return SKIPPED;
  }
  const missing = tools.filter((tool) => !isInstalled(tool));
  if (missing.length === 0) return OPEN;
  const lack = `${what} needs ${missing.join(', ')}, not installed here (npm run test:deps installs them)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${lack}`);
  announce(`skipped: ${lack}`);
  return SKIPPED;
}

/**
 * The test API for tests that only make sense in some run mode; a deliberate
 * skip, so it never fails a CI run, but it always says why.
 * @param condition whether the tests run
 * @param what the tests gated
 * @param why the reason they are skipped otherwise
 * @param within a gate these tests also need (from {@link requireTools}), which has already said why if it is closed
 */
export function runOnlyIf(condition: boolean, what: string, why: string, within: Gate = OPEN): Gate {
  if (!within.enabled) return within;
  if (condition) return within;
  announce(`skipped: ${what}: ${why}`);
  return SKIPPED;
}
