// The purity of the protocol core is enforced by tools, not by memory: the
// project's own ESLint config refuses Node imports and Node or DOM globals in
// client/core/, and client/core/tsconfig.pure.json (no DOM, no @types/node) refuses to
// type-check them. Each check is shown to fire on a forged core file, and to
// pass a clean one.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** A path inside the core, so the core's rules apply; it need not exist. */
const PROBE_PATH = path.join(REPO_ROOT, 'client', 'core', '__purity_probe__.ts');

const CLEAN = `import { hkdf } from '@noble/hashes/hkdf.js';
import { utf8 } from './bytes.js';
export const label = utf8('age-encryption.org/v1');
export { hkdf };
`;

/**
 * The project's config as is, with the type-aware rules switched off for the
 * probe only: a type-checked lint of a file that is not on disk would need a
 * whole TypeScript program, and the purity rules are not type-aware.
 */
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: [{ files: ['client/core/__purity_probe__.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function ruleIdsFor(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: PROBE_PATH });
  return result!.messages.map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

describe('ESLint keeps client/core/ pure', () => {
  test('a clean core module passes', async () => {
    expect(await ruleIdsFor(CLEAN)).toEqual([]);
  });

  test.each([
    ['a node: built-in', `import { readFile } from 'node:fs';\nexport { readFile };\n`],
    ['a bare Node built-in', `import { join } from 'path';\nexport { join };\n`],
    ['the server', `import express from 'express';\nexport { express };\n`],
    [
      'the browser app (type-only)',
      `import type { PageMessage } from '../app/protocol.js';\nexport type { PageMessage };\n`,
    ],
    ['the Node adapters', `export { nodeAead } from '../core-node/node-aead.js';\n`],
  ])('importing %s is refused', async (_name, code) => {
    expect(await ruleIdsFor(code)).toEqual(['no-restricted-imports']);
  });

  test.each([
    ['Buffer', `export const bytes = Buffer.from('x');\n`],
    ['process', `export const env = process.env;\n`],
    ['document', `export const title = document.title;\n`],
    ['globalThis', `export const scope = globalThis;\n`],
    ['eval', `export const env: unknown = eval('process');\n`],
    ['Function', `export const env: unknown = Function('return process')();\n`],
  ])('the %s global is refused', async (_name, code) => {
    expect(await ruleIdsFor(code)).toEqual(['no-restricted-globals']);
  });

  test.each([
    ['a variable', `declare const process: { env: Record<string, string> };\nexport const env = process.env;\n`],
    ['a function', `declare function require(name: string): unknown;\nexport const fs = require('fs');\n`],
    ['a global block', `declare global {\n  const Buffer: unknown;\n}\nexport const b = Buffer;\n`],
  ])('declaring %s ambiently (to hide a global from the checks) is refused', async (_name, code) => {
    expect(await ruleIdsFor(code)).toContain('no-restricted-syntax');
  });

  test('a dynamic import is refused', async () => {
    expect(await ruleIdsFor(`export const later = import('./bytes.js');\n`)).toEqual(['no-restricted-syntax']);
  });
});

function tsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
      { cwd: REPO_ROOT },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr });
      },
    );
  });
}

describe('client/core/tsconfig.pure.json keeps client/core/ pure', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-core-tsc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a core module using Buffer or a node: import fails to type-check; a clean one passes', async () => {
    const bytes = path.join(REPO_ROOT, 'client', 'core', 'bytes.js');
    await writeFile(
      path.join(dir, 'clean.ts'),
      `import { utf8 } from '${bytes}';\nexport const label: Uint8Array = utf8('x');\n`,
    );
    await writeFile(path.join(dir, 'buffer.ts'), `export const bytes: Uint8Array = Buffer.from('x');\n`);
    await writeFile(
      path.join(dir, 'node-import.ts'),
      `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`,
    );
    // An ES module, as the project's own files are (package.json "type").
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(REPO_ROOT, 'client', 'core', 'tsconfig.pure.json'),
        compilerOptions: { rootDir: '/' },
        include: [path.join(dir, '*.ts'), path.join(REPO_ROOT, 'client', 'core', 'platform.d.ts')],
      }),
    );
    const { code, output } = await tsc(path.join(dir, 'tsconfig.json'));
    expect(code).not.toBe(0);
    const errors = output.split('\n').filter((line) => line.includes('error TS'));
    expect(errors.some((line) => line.includes('buffer.ts') && line.includes("'Buffer'"))).toBe(true);
    expect(errors.some((line) => line.includes('node-import.ts') && line.includes("'node:fs'"))).toBe(true);
    expect(errors.filter((line) => line.includes('clean.ts'))).toEqual([]);
    expect(errors).toHaveLength(2);
  }, 60_000);
});
