/**
 * Node warnings printed by the code under test fail the test: a warning is
 * how Node reports a leaked file handle (DEP0137, "Closing file descriptor
 * ... on garbage collection"), an unhandled rejection it tolerated, or a
 * listener leak, and none of those may reach an editor's terminal.
 *
 * - Spawned runs: {@link nodeWarningsIn} finds Node's warning lines on the
 *   child's stderr (`(node:PID) Warning: ...`, `... DeprecationWarning ...`).
 * - In-process runs: {@link failOnProcessWarnings} collects what
 *   `process.on('warning')` sees during each test and fails it in `afterEach`.
 */

/** Warnings the test runner itself causes (jest's ESM mode), not the code under test. */
const RUNNER_WARNINGS = new Set(['ExperimentalWarning']);

/**
 * The lines of a child's stderr that are Node warnings (empty if none).
 * Node prints each as `(node:PID) [CODE] NameWarning: message`, followed by
 * a `(Use \`node --trace-warnings ...\`` hint.
 */
export function nodeWarningsIn(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^\(node:\d+\)/.test(line) || /^\s*\w*Warning: /.test(line));
}

/**
 * Fail every test of the calling suite during which this process emitted a
 * Node warning. Call once at the top level of a test file (or its shared
 * support module).
 */
export function failOnProcessWarnings(): void {
  const seen: string[] = [];
  const listener = (warning: Error & { code?: string }): void => {
    if (RUNNER_WARNINGS.has(warning.name)) return;
    seen.push(`${warning.name}${warning.code === undefined ? '' : ` [${warning.code}]`}: ${warning.message}`);
  };
  beforeAll(() => {
    process.on('warning', listener);
  });
  afterAll(() => {
    process.off('warning', listener);
  });
  afterEach(() => {
    const printed = seen.splice(0);
    if (printed.length > 0) throw new Error(`the code under test printed Node warnings:\n${printed.join('\n')}`);
  });
}
