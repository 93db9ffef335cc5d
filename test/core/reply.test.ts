// The reply payload: what an editor's `sealdrop reply` encrypts and a source's
// page (or `age -d | tar x` with the identity from the words) reads back.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encrypt } from '../../client/core/age.js';
import { MAX_MANIFEST_SIZE, type PayloadErrorCode } from '../../client/core/payload.js';
import { buildReply, parseReplyManifest, readReply } from '../../client/core/reply.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, generateSourceSecret } from '../../client/core/source-secret.js';
import { buildSubmission, readSubmission } from '../../client/core/submission.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { makeWorkdir } from '../support/age-cli.js';
import { withCode } from '../support/coded-errors.js';
import { requireTools } from '../support/required-tools.js';
import { collectBytes, patternBytes, rechunk } from '../support/streams.js';
import { forgeArchive, forgeEntry } from '../support/tar-forge.js';

const withAgeAndTar = requireTools(['age', 'tar'], 'opening a reply with age -d and GNU tar');
const encoder = new TextEncoder();

beforeAll(async () => {
  await loadSodium();
});

interface ReadBack {
  kinds: string[];
  manifest: unknown;
  message: string;
  files: Uint8Array[];
}

async function readBack(plaintext: Uint8Array): Promise<ReadBack> {
  const out: ReadBack = { kinds: [], manifest: null, message: '', files: [] };
  for await (const part of readReply(rechunk(plaintext, [1000, 7]))) {
    out.kinds.push(part.kind);
    if (part.kind === 'manifest') out.manifest = part.manifest;
    else if (part.kind === 'message') out.message = new TextDecoder().decode(await collectBytes(part.data));
    else out.files.push(await collectBytes(part.data));
  }
  return out;
}

function sampleReply(): ReturnType<typeof buildReply> {
  return buildReply({
    message: '추가 질문이 있습니다.\nWho else saw the report?\n',
    files: [{ name: '../../질문 목록.txt', type: 'text/plain', size: 300, data: [patternBytes(300, 9)] }],
  });
}

describe('buildReply then readReply', () => {
  test('round-trips the message and a file; the manifest names reply.json and no reply address', async () => {
    const built = sampleReply();
    expect(built.manifest).toEqual({
      format: 'sealdrop-reply',
      version: 1,
      message: 'message.txt',
      files: [{ path: 'files/001-질문_목록.txt', name: '../../질문 목록.txt', size: 300, type: 'text/plain' }],
    });
    const plaintext = await collectBytes(built.stream);
    expect(plaintext.length).toBe(built.plaintextSize);
    const back = await readBack(plaintext);
    expect(back.kinds).toEqual(['manifest', 'message', 'file']);
    expect(back.manifest).toEqual(built.manifest);
    expect(back.message).toBe('추가 질문이 있습니다.\nWho else saw the report?\n');
    expect(back.files[0]).toEqual(patternBytes(300, 9));
  });

  test('a submission is not a reply, and a reply is not a submission', async () => {
    const submission = await collectBytes(buildSubmission({ message: 'x', files: [] }).stream);
    await expect(readBack(submission)).rejects.toThrow(withCode('unexpected-entry'));
    const reply = await collectBytes(buildReply({ message: 'x', files: [] }).stream);
    const kinds = async (): Promise<string[]> => {
      const seen: string[] = [];
      for await (const part of readSubmission(rechunk(reply))) seen.push(part.kind);
      return seen;
    };
    await expect(kinds()).rejects.toThrow(withCode('unexpected-entry'));
  });

  test('refuses files the format cannot hold', () => {
    expect(() => buildReply({ message: '', files: [{ name: 'a', type: '', size: -1, data: [] }] })).toThrow(
      withCode('invalid-file'),
    );
  });
});

describe('parseReplyManifest', () => {
  const valid = (): Record<string, unknown> => ({
    format: 'sealdrop-reply',
    version: 1,
    message: 'message.txt',
    files: [{ path: 'files/001-a.txt', name: 'a.txt', size: 3, type: 'text/plain' }],
  });
  const parse = (value: unknown): unknown => parseReplyManifest(encoder.encode(JSON.stringify(value)));

  test('accepts a valid manifest', () => {
    expect(parse(valid())).toEqual(valid());
  });

  test.each<[string, unknown, PayloadErrorCode]>([
    ['a submission manifest', { ...valid(), format: 'sealdrop-submission', reply: null }, 'invalid-manifest'],
    ['another format', { ...valid(), format: 'sealdrop-submission' }, 'unsupported-format'],
    ['version 2', { ...valid(), version: 2 }, 'unsupported-format'],
    ['a reply address', { ...valid(), reply: null }, 'invalid-manifest'],
    [
      'a traversal path',
      { ...valid(), files: [{ path: '../x', name: 'x', size: 0, type: 'text/plain' }] },
      'invalid-manifest',
    ],
    [
      'markup as a path',
      { ...valid(), files: [{ path: 'files/001-<b>', name: '<b>', size: 0, type: 'text/plain' }] },
      'invalid-manifest',
    ],
    ['another message path', { ...valid(), message: '/etc/passwd' }, 'invalid-manifest'],
  ])('refuses %s', (_label, value, code) => {
    expect(() => parse(value)).toThrow(withCode(code));
  });

  test('refuses a manifest over the size limit before parsing it', () => {
    expect(() => parseReplyManifest(new Uint8Array(MAX_MANIFEST_SIZE + 1))).toThrow(withCode('manifest-too-large'));
  });
});

describe('hostile reply archives', () => {
  const manifestFor = (path: string): string =>
    JSON.stringify({
      format: 'sealdrop-reply',
      version: 1,
      message: 'message.txt',
      files: [{ path, name: 'x', size: 1, type: 'text/plain' }],
    });

  test.each<[string, Uint8Array]>([
    [
      'an entry that escapes the folder',
      forgeArchive([
        forgeEntry({ name: 'reply.json' }, manifestFor('files/001-x')),
        forgeEntry({ name: 'message.txt' }, 'hi'),
        forgeEntry({ name: '../../.bashrc' }, 'x'),
      ]),
    ],
    [
      'a link in place of the file',
      forgeArchive([
        forgeEntry({ name: 'reply.json' }, manifestFor('files/001-x')),
        forgeEntry({ name: 'message.txt' }, 'hi'),
        forgeEntry({ name: 'files/001-x', type: '2', linkname: '/etc/passwd' }),
      ]),
    ],
    [
      'an extra entry after the listed files',
      forgeArchive([
        forgeEntry({ name: 'reply.json' }, manifestFor('files/001-x')),
        forgeEntry({ name: 'message.txt' }, 'hi'),
        forgeEntry({ name: 'files/001-x' }, 'x'),
        forgeEntry({ name: 'files/002-y' }, 'y'),
      ]),
    ],
  ])('refuses %s', async (_label, archive) => {
    // A coded refusal (TarError or PayloadError), never a crash or a file.
    await expect(readBack(archive)).rejects.toHaveProperty('code');
  });
});

describe('interop', () => {
  withAgeAndTar.test(
    "a reply encrypted to the words' recipient and an editor opens with `age -d -i <identity from the words>` and GNU tar",
    async () => {
      const dir = makeWorkdir();
      try {
        const source = deriveSourceKeys(generateSourceSecret());
        const editor = X25519Identity.generate();
        const built = sampleReply();
        const recipients = [X25519Recipient.parse(source.replyRecipient), editor.recipient()];
        const file = await collectBytes(encrypt(recipients, built.stream));
        writeFileSync(dir.path('reply.age'), file);
        writeFileSync(dir.path('source.key'), `${source.replyIdentity}\n`, { mode: 0o600 });
        const out = dir.path('out');
        mkdirSync(out);
        const result = spawnSync('sh', ['-c', 'age -d -i ../source.key ../reply.age | tar -x'], {
          cwd: out,
          encoding: 'utf8',
        });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(parseReplyManifest(new Uint8Array(readFileSync(join(out, 'reply.json'))))).toEqual(built.manifest);
        expect(readFileSync(join(out, 'message.txt'), 'utf8')).toBe(
          '추가 질문이 있습니다.\nWho else saw the report?\n',
        );
        expect(new Uint8Array(readFileSync(join(out, 'files/001-질문_목록.txt')))).toEqual(patternBytes(300, 9));
      } finally {
        dir.remove();
      }
    },
  );
});
