/**
 * The command line's key files (scripts/cli/key-files.ts) on the core's
 * rules: an editor's public file is checked by the manifest's own editor
 * validator, and an access key file is read through the core's bounded
 * reader of sealed documents, with the size limit enforced.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatAccessKey, generateAccessKey, accessPublicKeyText } from '../../client/core/access-key.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { encodeBech32 } from '../../client/core/bech32.js';
import { sealDocument } from '../../client/core/sealed-document.js';
import { loadSodium } from '../../client/core/sodium.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { MAX_KEY_FILE_BYTES } from '../../scripts/cli/files.js';
import { CliError } from '../../scripts/cli/io.js';
import {
  checkEditorKeys,
  formatEditorPublicFile,
  parseEditorPublicFile,
  readAccessKeyFile,
} from '../../scripts/cli/key-files.js';
import { parseDateOption } from '../../scripts/cli/manifest-signing.js';
import { PASSPHRASE, tempDir } from './support.js';

let dir: string;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keys = (): { name: string; recipient: string; accessKey: string } => ({
  name: 'Alice Kim',
  recipient: encodeBech32('age', new Uint8Array(32).fill(9)),
  accessKey: encodeBase64(new Uint8Array(32).fill(4), true),
});

function cliError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

async function cliRefusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('editor public file', () => {
  it('round trips', () => {
    expect(parseEditorPublicFile(formatEditorPublicFile(keys()))).toEqual(keys());
  });

  it.each([
    ['an extra field', (json: Record<string, unknown>) => JSON.stringify({ ...json, email: 'a@example.org' })],
    ['a missing field', (json: Record<string, unknown>) => JSON.stringify({ ...json, accessKey: undefined })],
    [
      'a __proto__ member',
      (json: Record<string, unknown>) => JSON.stringify(json).replace('{', '{"__proto__":{"name":"x"},'),
    ],
  ])('refuses %s', (_what, mangle) => {
    const json = JSON.parse(formatEditorPublicFile(keys())) as Record<string, unknown>;
    expect(cliError(() => parseEditorPublicFile(mangle(json)))).toBe('not a sealdrop editor public file');
  });

  it('applies the manifest rules to the entry', () => {
    expect(cliError(() => checkEditorKeys({ ...keys(), name: 'x'.repeat(129) }))).toBe(
      'invalid editor: editor name too long',
    );
    expect(cliError(() => checkEditorKeys({ ...keys(), recipient: keys().recipient.toUpperCase() }))).toMatch(
      /^invalid editor: recipient/,
    );
    expect(cliError(() => checkEditorKeys({ ...keys(), accessKey: encodeBase64(new Uint8Array(31), true) }))).toMatch(
      /^invalid editor: accessKey/,
    );
  });
});

describe('access key file', () => {
  const ask = (): Promise<string> => Promise.resolve(PASSPHRASE);

  it('opens sealed and plain files, the passphrase asked only when sealed', async () => {
    const key = generateAccessKey('Alice Kim');
    const sealedFile = path.join(dir, 'sealed-access.age');
    const plainFile = path.join(dir, 'plain-access.json');
    await writeFile(sealedFile, await sealDocument(formatAccessKey(key), PASSPHRASE, nodeScrypt, 10));
    await writeFile(plainFile, formatAccessKey(key));
    let asked = 0;
    const counting = (): Promise<string> => {
      asked++;
      return ask();
    };
    expect(accessPublicKeyText(await readAccessKeyFile(sealedFile, counting))).toBe(accessPublicKeyText(key));
    expect(asked).toBe(1);
    expect(accessPublicKeyText(await readAccessKeyFile(plainFile, counting))).toBe(accessPublicKeyText(key));
    expect(asked).toBe(1);
    expect(await cliRefusal(readAccessKeyFile(sealedFile, () => Promise.resolve('wrong')))).toBe(
      `${sealedFile}: wrong passphrase`,
    );
  });

  it('refuses a file over the small-document limit unread', async () => {
    const key = generateAccessKey('Alice Kim');
    const sealed = await sealDocument(formatAccessKey(key), PASSPHRASE, nodeScrypt, 10);
    const padded = new Uint8Array(MAX_KEY_FILE_BYTES + 1);
    padded.set(sealed);
    const file = path.join(dir, 'huge-access.age');
    await writeFile(file, padded);
    const never = (): Promise<string> => Promise.reject(new Error('must not ask'));
    expect(await cliRefusal(readAccessKeyFile(file, never))).toBe(`${file}: file too large`);
  });
});

describe('date options', () => {
  it('take a day or a whole-second UTC time', () => {
    expect(parseDateOption('2025-03-01', 'at').toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(parseDateOption('2025-03-01T12:34:56Z', 'at').toISOString()).toBe('2025-03-01T12:34:56.000Z');
  });

  it.each(['2025-02-30', '2025-03-01T12:34:56.000Z', '2025-03-01 12:34:56Z', 'tomorrow'])('refuse %s', (text) => {
    expect(() => parseDateOption(text, 'at')).toThrow('--at must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ');
  });
});
