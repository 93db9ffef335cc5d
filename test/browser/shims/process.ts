/**
 * The little of Node's `process` that test files (`process.env.SLOW`,
 * `process.env.SEALDROP_EXPECT_NO_WASM`) and jest's `expect` read, for the
 * browser run of the core suites. Bundled only into test code and jest's own
 * modules, never into the core, which stays free of `process` there too.
 * The environment comes from the page's URL (`?env=NAME=value`), set by the
 * driver (test/browser/run-core-suites.ts).
 */
const env: Record<string, string | undefined> = {};
for (const pair of new URL(location.href).searchParams.getAll('env')) {
  const equals = pair.indexOf('=');
  if (equals > 0) env[pair.slice(0, equals)] = pair.slice(equals + 1);
}

const browserProcess = {
  env,
  platform: 'browser',
  cwd: (): string => '/',
  versions: {},
};

export default browserProcess;
