/**
 * `sealdrop pull` verifies each download by the core's keyless envelope
 * check, the server's own rules (client/core/envelope-check.ts): what the
 * server would refuse, pull refuses too, with a one-line reason.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encrypt } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import { parseHeader } from '../../client/core/header.js';
import { loadSodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { CliError } from '../../scripts/cli/io.js';
import { verifyEnvelope } from '../../scripts/cli/pull.js';
import { collect, patternBytes, streamOf } from '../support/age-helpers.js';
import { tempDir } from './support.js';

let dir: string;
let file: Uint8Array;

beforeAll(async () => {
  await loadSodium();
  dir = await tempDir();
  const recipients = [X25519Identity.generate().recipient(), X25519Identity.generate().recipient()];
  file = await collect(encrypt(recipients, streamOf(patternBytes(70_000))));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function verify(name: string, bytes: Uint8Array): Promise<unknown> {
  const target = path.join(dir, name);
  await writeFile(target, bytes);
  return verifyEnvelope(target, bytes.length).catch((error: unknown) => error);
}

test('a file from the encoder passes, whatever its number of recipients', async () => {
  expect(await verify('good.age', file)).toBeUndefined();
});

test.each<[string, () => Uint8Array, string]>([
  ['garbage', () => patternBytes(3000), 'not a valid age file (invalid character in header)'],
  ['text that is not age', () => utf8('hello\n'.repeat(100)), 'not a valid age file (invalid version line)'],
  ['a file cut inside its header', () => file.subarray(0, 60), 'not a valid age file (truncated header)'],
  [
    'a header with no payload',
    () => file.subarray(0, parseHeader(file).headerLength),
    'not a valid age file (invalid payload size)',
  ],
  [
    'a stanza of another type',
    () =>
      new Uint8Array([
        ...utf8(new TextDecoder().decode(file.subarray(0, 200)).replace('-> X25519 ', '-> ssh-ed25519 ')),
        ...file.subarray(200),
      ]),
    'not a valid age file (not an X25519 or mlkem768x25519 stanza)',
  ],
])('refuses %s', async (name, bytes, message) => {
  const error = await verify(`${name.replaceAll(' ', '-')}.age`, bytes());
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).message).toBe(message);
});
