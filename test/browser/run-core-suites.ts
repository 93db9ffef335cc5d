/**
 * `npm run test:browser`: the protocol core's own test suites (test/core/)
 * in Debian's Chromium, the engine the source's page runs in, once with
 * WebAssembly and once without (`--js-flags=--jitless`, as Tor Browser's
 * Safer level), beside the Node runs of the same suites.
 *
 * Bundles the suites (bundle.ts), serves them on 127.0.0.1, opens one page
 * per suite (a fresh module registry, as jest gives each suite), and prints a
 * line per suite, every failure with its error, and a closing count per
 * mode. Exits non-zero if any test fails, a suite does not load, no test
 * ran, or WebAssembly is not present or absent as the mode says.
 *
 * Options: `--mode wasm` or `--mode no-wasm` (default both), `--jobs N`
 * pages at a time (default 2), and suite file names to run only those
 * (`age-header.test.ts`).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import type { ScryptParams } from '../../client/core/scrypt-function.js';
import { bundleSuites, REPO_ROOT } from './bundle.js';
import type { SuiteReport, TestResult } from './runner.js';
import { HOST_SCRYPT } from './shims/node-scrypt.js';

const CHROMIUM = '/usr/bin/chromium';
const CORE_SUITES = path.join(REPO_ROOT, 'test', 'core');
/** A page that has not reported by then has hung. */
const SUITE_TIMEOUT_MS = 240_000;
/** Pages at a time: the no-WebAssembly run is bound by the CPU, and CI machines have two cores or more. */
const DEFAULT_JOBS = 2;
/** Tests slower than this are named, to keep an eye on the run's length. */
const SLOW_TEST_MS = 5_000;

/** Core suites that cannot run in a page, and why: listed in the report of every run. */
export const EXCLUDED_SUITES: Record<string, string> = {
  'age-interop.test.ts': 'every test drives the age and age-keygen binaries (child processes)',
  'age-memory.test.ts': "measures Node's own heap (node:v8 gc, process.memoryUsage)",
};

interface Mode {
  readonly name: 'wasm' | 'no-wasm';
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const MODES: readonly Mode[] = [
  { name: 'wasm', args: [], env: {} },
  // As `npm run test:jitless` sets it, so the suites' own mode checks apply.
  { name: 'no-wasm', args: ['--js-flags=--jitless'], env: { SEALDROP_EXPECT_NO_WASM: '1' } },
];

function serve(files: ReadonlyMap<string, Uint8Array>): Promise<http.Server> {
  const page =
    '<!doctype html><meta charset="utf-8"><title>core suites</title><script type="module" src="/runner.js"></script>';
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const file = files.get(url.pathname.slice(1));
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
    } else if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else if (file !== undefined) {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(file);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

/** The page's scrypt (shims/node-scrypt.ts), run here by the Node runs' own implementation. */
async function hostScrypt(passphrase: string, salt: string, params: ScryptParams): Promise<string> {
  const key = await nodeScrypt(Buffer.from(passphrase, 'base64'), Buffer.from(salt, 'base64'), params);
  return Buffer.from(key).toString('base64');
}

function launch(mode: Mode): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...mode.args,
    ],
  });
}

/** One suite in a fresh page; the page's console is relayed, marked with the suite. */
async function runSuite(browser: Browser, base: string, suite: string, mode: Mode): Promise<SuiteReport> {
  const page = await browser.newPage();
  const name = suite.replace(/\.ts$/, '.js');
  page.on('console', (message) => {
    process.stdout.write(`    [${suite}] ${message.text()}\n`);
  });
  // An error that stops the runner itself would otherwise only show as a timeout.
  const crashed = new Promise<never>((_resolve, reject) => {
    page.on('pageerror', (error) => {
      reject(error);
    });
    page.on('crash', () => {
      reject(new Error('the page crashed'));
    });
  });
  // Raced below only once the page is loading; until then a rejection must not go unhandled.
  crashed.catch(() => undefined);
  try {
    await page.exposeFunction(HOST_SCRYPT, hostScrypt);
    const url = new URL(base);
    url.searchParams.set('suite', name);
    for (const [key, value] of Object.entries(mode.env)) url.searchParams.append('env', `${key}=${value}`);
    if (process.env.SLOW !== undefined) url.searchParams.append('env', `SLOW=${process.env.SLOW}`);
    await page.goto(url.href);
    const reported = page.waitForFunction(() => window.sealdropReport, undefined, {
      timeout: SUITE_TIMEOUT_MS,
      polling: 250,
    });
    const handle = await Promise.race([reported, crashed]);
    return (await handle.jsonValue()) as SuiteReport;
  } catch (error) {
    return {
      suite: name,
      webAssembly: mode.name === 'wasm',
      results: [],
      errors: [`the page did not report: ${String(error)}`],
    };
  } finally {
    await page.close();
  }
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  problems: string[];
}

function count(results: readonly TestResult[], status: TestResult['status']): number {
  return results.filter((result) => result.status === status).length;
}

/** Runs `task` over `items` with at most `jobs` at a time; `done` sees results in the items' order. */
async function inOrder<T, R>(
  items: readonly T[],
  jobs: number,
  task: (item: T) => Promise<R>,
  done: (item: T, result: R) => void,
): Promise<void> {
  const results = new Map<number, R>();
  let next = 0;
  let printed = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results.set(index, await task(items[index]!));
      while (results.has(printed)) {
        done(items[printed]!, results.get(printed)!);
        printed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

async function runMode(mode: Mode, suites: readonly string[], base: string, jobs: number): Promise<Tally> {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, problems: [] };
  const started = Date.now();
  const browser = await launch(mode);
  try {
    console.log(
      `\nbrowser core suites (${mode.name}): Chromium ${browser.version()}${mode.args.length > 0 ? ` ${mode.args.join(' ')}` : ''}, ${jobs} at a time`,
    );
    const timed = async (suite: string): Promise<{ report: SuiteReport; seconds: number }> => {
      const suiteStarted = Date.now();
      const report = await runSuite(browser, base, suite, mode);
      return { report, seconds: (Date.now() - suiteStarted) / 1000 };
    };
    await inOrder(suites, jobs, timed, (suite, { report, seconds }) => {
      const [passed, failed, skipped] = [
        count(report.results, 'passed'),
        count(report.results, 'failed'),
        count(report.results, 'skipped'),
      ];
      tally.passed += passed;
      tally.failed += failed;
      tally.skipped += skipped;
      const wasmRight = report.webAssembly === (mode.name === 'wasm');
      const ok = failed === 0 && report.errors.length === 0 && wasmRight;
      console.log(
        `  ${ok ? 'ok  ' : 'FAIL'} ${suite}: ${passed} passed, ${failed} failed, ${skipped} skipped (${seconds.toFixed(1)} s)`,
      );
      for (const result of report.results) {
        if (result.ms >= SLOW_TEST_MS)
          console.log(`         slow: ${result.name} (${(result.ms / 1000).toFixed(1)} s)`);
      }
      if (!wasmRight) {
        tally.problems.push(
          `${suite}: WebAssembly is ${report.webAssembly ? 'present' : 'absent'} in the page, expected ${mode.name === 'wasm' ? 'present' : 'absent'}`,
        );
      }
      for (const error of report.errors) tally.problems.push(`${suite}: ${error}`);
      for (const result of report.results) {
        if (result.status === 'failed') tally.problems.push(`${suite} › ${result.name}\n${result.error ?? ''}`);
      }
    });
  } finally {
    await browser.close();
  }
  if (tally.passed === 0) tally.problems.push('no test ran');
  for (const problem of tally.problems) console.log(`\n  ✕ ${problem.replaceAll('\n', '\n    ')}`);
  console.log(
    `browser core suites (${mode.name}): ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return tally;
}

async function main(argv: readonly string[]): Promise<number> {
  const modeIndex = argv.indexOf('--mode');
  const modeName = modeIndex === -1 ? undefined : argv[modeIndex + 1];
  const modes = MODES.filter((mode) => modeName === undefined || mode.name === modeName);
  if (modes.length === 0) throw new Error(`unknown --mode ${String(modeName)}: use wasm or no-wasm`);
  const jobsIndex = argv.indexOf('--jobs');
  const jobs = jobsIndex === -1 ? DEFAULT_JOBS : Number(argv[jobsIndex + 1]);
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new Error(`--jobs wants a whole number of pages, not ${String(argv[jobsIndex + 1])}`);
  const only = argv.filter((arg) => arg.endsWith('.test.ts'));
  const all = (await readdir(CORE_SUITES)).filter((file) => file.endsWith('.test.ts')).sort();
  const unknown = only.filter((file) => !all.includes(file));
  if (unknown.length > 0) throw new Error(`no such core suite: ${unknown.join(', ')}`);
  const suites = all.filter((file) => !(file in EXCLUDED_SUITES) && (only.length === 0 || only.includes(file)));
  for (const [file, reason] of Object.entries(EXCLUDED_SUITES))
    console.log(`not run in the browser: ${file}: ${reason}`);
  // The same rule as test/support/required-tools.ts: missing fails under CI, skips (saying so) elsewhere.
  if (!existsSync(CHROMIUM)) {
    const lack = `browser core suites need ${CHROMIUM}, not installed here (npm run test:deps installs it)`;
    if (process.env.CI === 'true') throw new Error(`CI: ${lack}`);
    console.log(`skipped: ${lack}`);
    return 0;
  }

  const files = await bundleSuites(suites.map((file) => path.join(CORE_SUITES, file)));
  const server = await serve(files);
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let failed = false;
    const total = { passed: 0, failed: 0, skipped: 0 };
    for (const mode of modes) {
      const tally = await runMode(mode, suites, base, jobs);
      failed = tally.problems.length > 0 || failed;
      total.passed += tally.passed;
      total.failed += tally.failed;
      total.skipped += tally.skipped;
    }
    // The last line of `npm test`, in the plain form test reports are read in.
    console.log(`browser: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
    return failed ? 1 : 0;
  } finally {
    server.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
