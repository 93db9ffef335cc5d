/**
 * A jest-compatible test runner inside a browser page, for the browser run
 * of the core suites (test/browser/run-core-suites.ts drives it).
 *
 * It installs the globals the suites use as jest provides them (`describe`,
 * `test`/`it` with `.skip` and `.each`, the four hooks, and jest's own
 * `expect` package), imports the one suite named in the page's URL, runs it
 * in jest's order (hooks outside in, `beforeAll` failures fail the block's
 * tests, skipped blocks run no hooks) and publishes a {@link SuiteReport} on
 * `window.sealdropReport`. An unhandled rejection or error while a test runs
 * fails that test, as in jest.
 */
import { expect } from 'expect';
import { guardWasmAbortInPage } from '../../client/app/wasm-abort-guard.js';

/** The test timeout jest.config.js sets, unless a test gives its own. */
const DEFAULT_TIMEOUT_MS = 60_000;

export interface TestResult {
  /** Describe blocks and the test's title, joined as jest prints them. */
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly error?: string;
  readonly ms: number;
}

export interface SuiteReport {
  readonly suite: string;
  readonly webAssembly: boolean;
  readonly results: readonly TestResult[];
  /** Errors outside any test: the suite failed to load, or an afterAll hook failed. */
  readonly errors: readonly string[];
}

type Body = () => unknown;

interface TestCase {
  readonly kind: 'test';
  readonly title: string;
  readonly body: Body;
  readonly skip: boolean;
  readonly timeout: number;
}

interface Hook {
  readonly body: Body;
  readonly timeout: number;
}

interface Block {
  readonly kind: 'block';
  readonly title: string;
  readonly skip: boolean;
  readonly children: (Block | TestCase)[];
  readonly beforeAll: Hook[];
  readonly afterAll: Hook[];
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
}

const newBlock = (title: string, skip: boolean): Block => ({
  kind: 'block',
  title,
  skip,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

const root = newBlock('', false);
let collecting: Block = root;

// ------------------------------------------------------------ collection

/** A value in a test title: as is for strings, JSON for data, the name of anything else. */
function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function' || typeof value === 'symbol') return value.toString();
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** jest's `%s`/`%i`/`%d`/`%p`/`%j`/`%#` placeholders in `.each` titles. */
function eachTitle(title: string, args: readonly unknown[], index: number): string {
  let next = 0;
  return title.replace(/%[sdifjopO#$%]/g, (token) => {
    if (token === '%%') return '%';
    if (token === '%#') return String(index);
    if (token === '%$') return String(index + 1);
    if (next >= args.length) return token;
    const value = args[next++];
    if (token === '%d' || token === '%f') return String(Number(value));
    if (token === '%i') return String(Math.trunc(Number(value)));
    if (token === '%s') return printable(value);
    // %p, %j, %o, %O show strings quoted, as pretty-format does.
    return typeof value === 'string' ? JSON.stringify(value) : printable(value);
  });
}

function eachOf(add: (title: string, body: Body, timeout?: number) => void) {
  return (table: readonly unknown[]) =>
    (title: string, body: (...args: never[]) => unknown, timeout?: number): void => {
      table.forEach((row, index) => {
        const args = Array.isArray(row) ? (row as unknown[]) : [row];
        add(eachTitle(title, args, index), () => body(...(args as never[])), timeout);
      });
    };
}

function testApi(skip: boolean) {
  const add = (title: string, body: Body, timeout = DEFAULT_TIMEOUT_MS): void => {
    collecting.children.push({ kind: 'test', title, body, skip, timeout });
  };
  return Object.assign(add, { each: eachOf(add) });
}

function describeApi(skip: boolean) {
  const add = (title: string, body: () => unknown): void => {
    const block = newBlock(title, skip);
    collecting.children.push(block);
    const outer = collecting;
    collecting = block;
    try {
      const returned = body();
      if (returned instanceof Promise)
        throw new Error(`describe('${title}') returned a promise: jest forbids that too`);
    } finally {
      collecting = outer;
    }
  };
  return Object.assign(add, {
    each: eachOf((title, body) => {
      add(title, body);
    }),
  });
}

const test = Object.assign(testApi(false), { skip: testApi(true) });
const describe = Object.assign(describeApi(false), { skip: describeApi(true) });
const hook =
  (list: keyof Pick<Block, 'beforeAll' | 'afterAll' | 'beforeEach' | 'afterEach'>) =>
  (body: Body, timeout = DEFAULT_TIMEOUT_MS): void => {
    collecting[list].push({ body, timeout });
  };

Object.assign(globalThis, {
  describe,
  test,
  it: test,
  expect,
  beforeAll: hook('beforeAll'),
  afterAll: hook('afterAll'),
  beforeEach: hook('beforeEach'),
  afterEach: hook('afterEach'),
});

// ------------------------------------------------------------ running

const results: TestResult[] = [];
const errors: string[] = [];
/** Where an unhandled rejection or error is charged: the running test's error list, or the suite's. */
let charge: unknown[] | null = null;

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack ?? '';
    // V8 stacks repeat the message first; jest's assertion messages are multi-line.
    return stack.includes(error.message) ? stack : `${error.name}: ${error.message}\n${stack}`;
  }
  return `thrown: ${String(error)}`;
}

// Before libsodium loads (with the suite): its stray abort without WebAssembly is not an error.
guardWasmAbortInPage(window);
window.addEventListener('unhandledrejection', (event) => {
  if (event.defaultPrevented) return;
  event.preventDefault();
  if (charge === null) errors.push(`unhandled rejection: ${describeError(event.reason)}`);
  else charge.push(event.reason);
});
window.addEventListener('error', (event) => {
  if (charge === null) errors.push(`uncaught error: ${describeError(event.error ?? event.message)}`);
  else charge.push(event.error ?? event.message);
});

async function withTimeout(run: Hook, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} exceeded its timeout of ${run.timeout} ms`));
    }, run.timeout);
  });
  try {
    await Promise.race([Promise.resolve().then(run.body), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function hasRunnableTest(block: Block): boolean {
  return !block.skip && block.children.some((child) => (child.kind === 'test' ? !child.skip : hasRunnableTest(child)));
}

function recordAll(block: Block, path: readonly string[], status: 'failed' | 'skipped', error?: string): void {
  for (const child of block.children) {
    if (child.kind === 'block') recordAll(child, [...path, child.title], status, error);
    else
      results.push({
        name: [...path, child.title].join(' › '),
        status,
        ms: 0,
        ...(error === undefined ? {} : { error }),
      });
  }
}

async function runTest(
  testCase: TestCase,
  name: string,
  beforeEach: readonly Hook[],
  afterEach: readonly Hook[],
): Promise<void> {
  const failures: unknown[] = [];
  charge = failures;
  const started = performance.now();
  try {
    for (const each of beforeEach) await withTimeout(each, 'beforeEach');
    await withTimeout(testCase, 'the test');
  } catch (error) {
    failures.push(error);
  }
  for (const each of afterEach) {
    try {
      await withTimeout(each, 'afterEach');
    } catch (error) {
      failures.push(error);
    }
  }
  // A rejection nobody handled surfaces after a task, as jest's circus also waits for.
  await new Promise((resolve) => setTimeout(resolve, 0));
  charge = null;
  const ms = Math.round(performance.now() - started);
  if (failures.length === 0) results.push({ name, status: 'passed', ms });
  else results.push({ name, status: 'failed', ms, error: failures.map(describeError).join('\n\n') });
}

async function runBlock(
  block: Block,
  path: readonly string[],
  beforeEach: readonly Hook[],
  afterEach: readonly Hook[],
): Promise<void> {
  if (!hasRunnableTest(block)) {
    recordAll(block, path, 'skipped');
    return;
  }
  for (const once of block.beforeAll) {
    try {
      await withTimeout(once, 'beforeAll');
    } catch (error) {
      recordAll(block, path, 'failed', `beforeAll failed: ${describeError(error)}`);
      await runAfterAll(block, path);
      return;
    }
  }
  const before = [...beforeEach, ...block.beforeEach];
  const after = [...block.afterEach, ...afterEach];
  for (const child of block.children) {
    if (child.kind === 'block') await runBlock(child, [...path, child.title], before, after);
    else if (child.skip) results.push({ name: [...path, child.title].join(' › '), status: 'skipped', ms: 0 });
    else await runTest(child, [...path, child.title].join(' › '), before, after);
  }
  await runAfterAll(block, path);
}

async function runAfterAll(block: Block, path: readonly string[]): Promise<void> {
  for (const once of block.afterAll) {
    try {
      await withTimeout(once, 'afterAll');
    } catch (error) {
      errors.push(`afterAll of "${path.join(' › ')}" failed: ${describeError(error)}`);
    }
  }
}

declare global {
  interface Window {
    sealdropReport?: SuiteReport;
  }
}

async function main(): Promise<void> {
  const suite = new URL(location.href).searchParams.get('suite') ?? '';
  try {
    if (!/^[\w.-]+\.test\.js$/.test(suite)) throw new Error(`no suite named in the page URL (got "${suite}")`);
    // A computed URL, so esbuild leaves this import to the browser: each suite is its own entry point.
    await import(new URL(`suites/${suite}`, import.meta.url).href);
    await runBlock(root, [], [], []);
  } catch (error) {
    errors.push(`the suite failed to run: ${describeError(error)}`);
  }
  window.sealdropReport = { suite, webAssembly: typeof WebAssembly !== 'undefined', results, errors };
}

void main();
