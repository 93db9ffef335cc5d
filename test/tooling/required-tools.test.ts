// The gate every suite that drives external programs goes through: present
// programs give jest's own API; a missing one fails under CI, naming it, and
// is skipped with a printed reason on a developer's machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireTools, runOnlyIf } from '../support/required-tools.js';

const MISSING = 'sealdrop-no-such-program';

let savedCi: string | undefined;
let printed: string[];
const realWrite = process.stderr.write.bind(process.stderr);

beforeEach(() => {
  savedCi = process.env.CI;
  printed = [];
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    printed.push(String(chunk));
    return true;
  };
});

afterEach(() => {
  process.stderr.write = realWrite;
  if (savedCi === undefined) delete process.env.CI;
  else process.env.CI = savedCi;
});

describe('requireTools', () => {
  test('programs on PATH, or given by absolute path, open the gate silently', () => {
    const gate = requireTools(['sh', '/bin/sh'], 'shell tests');
    expect(gate.enabled).toBe(true);
    expect(gate.describe).toBe(describe);
    expect(gate.test).toBe(test);
    expect(gate.it).toBe(it);
    expect(printed).toEqual([]);
  });

  test('under CI a missing program fails, naming it', () => {
    process.env.CI = 'true';
    expect(() => requireTools(['sh', MISSING], 'interop tests')).toThrow(
      `CI: interop tests needs ${MISSING}, not installed here`,
    );
  });

  test('locally a missing program skips, and says what and why', () => {
    delete process.env.CI;
    const gate = requireTools(['sh', MISSING], 'interop tests');
    expect(gate.enabled).toBe(false);
    expect(gate.describe).toBe(describe.skip);
    expect(gate.test).toBe(test.skip);
    expect(gate.it).toBe(it.skip);
    expect(printed).toEqual([
      `skipped: interop tests needs ${MISSING}, not installed here (npm run test:deps installs them)\n`,
    ]);
  });

  test('a file that is not executable, or a directory, does not count as installed', () => {
    process.env.CI = 'false';
    const dir = mkdtempSync(path.join(tmpdir(), 'sealdrop-tools-'));
    try {
      const data = path.join(dir, 'data');
      writeFileSync(data, 'not a program', { mode: 0o644 });
      expect(requireTools([data], 'a data file').enabled).toBe(false);
      expect(requireTools([dir], 'a directory').enabled).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runOnlyIf', () => {
  test('a true condition opens the gate silently', () => {
    expect(runOnlyIf(true, 'fast tests', 'never').test).toBe(test);
    expect(printed).toEqual([]);
  });

  test('a false condition skips with its reason, even under CI', () => {
    process.env.CI = 'true';
    const gate = runOnlyIf(false, 'bounded memory', 'no WebAssembly here');
    expect(gate.test).toBe(test.skip);
    expect(printed).toEqual(['skipped: bounded memory: no WebAssembly here\n']);
  });

  test('a closed enclosing gate stays closed, without a second message', () => {
    delete process.env.CI;
    const missing = requireTools([MISSING], 'interop tests');
    printed.length = 0;
    expect(runOnlyIf(true, 'slow interop', 'never', missing).enabled).toBe(false);
    expect(printed).toEqual([]);
  });
});
