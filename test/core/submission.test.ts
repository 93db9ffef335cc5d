import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBech32 } from '../../client/core/bech32.js';
import { padmeLength } from '../../client/core/padme.js';
import {
  MAX_MANIFEST_SIZE,
  MAX_SUBMISSION_FILES,
  SubmissionError,
  buildSubmission,
  parseSubmissionManifest,
  readSubmission,
} from '../../client/core/submission.js';
import type {
  SubmissionErrorCode,
  SubmissionFileInput,
  SubmissionManifest,
  SubmissionPart,
} from '../../client/core/submission.js';
import { TarError } from '../../client/core/tar-header.js';
import { tarLength, writeTar } from '../../client/core/tar.js';
import type { TarEntryInput } from '../../client/core/tar.js';
import { requireTools } from '../support/required-tools.js';
import { collectBytes, expectSameBytes, patternBytes, patternStream, rechunk } from '../support/streams.js';
import { withCode } from '../support/coded-errors.js';

const withTar = requireTools(['tar'], 'extraction with GNU tar');

const encoder = new TextEncoder();
const RECIPIENT = encodeBech32('age', new Uint8Array(32).fill(7));
const MAILBOX = '0123456789abcdef0123456789abcdef';
const REPLY = { recipient: RECIPIENT, mailbox: MAILBOX };
const BIG = 3 * 1024 * 1024 + 7;

function sampleFiles(): SubmissionFileInput[] {
  return [
    { name: '보고서 최종.pdf', type: 'application/pdf', size: 1500, data: rechunk(patternBytes(1500, 1), [333]) },
    { name: 'empty', type: '', size: 0, data: [] },
    { name: '../../big.bin', type: 'weird type', size: BIG, data: patternStream(BIG, 65_521, 3) },
  ];
}

interface ReadPart {
  kind: string;
  manifest?: SubmissionManifest;
  path?: string;
  data?: Uint8Array;
}

async function readParts(stream: AsyncIterable<Uint8Array>): Promise<ReadPart[]> {
  const out: ReadPart[] = [];
  for await (const part of readSubmission(stream)) out.push(await describe_(part));
  return out;
}

async function describe_(part: SubmissionPart): Promise<ReadPart> {
  switch (part.kind) {
    case 'manifest':
      return { kind: part.kind, manifest: part.manifest };
    case 'message':
      return { kind: part.kind, data: await collectBytes(part.data) };
    case 'file':
      return { kind: part.kind, path: part.file.path, data: await collectBytes(part.data) };
  }
}

/** A file for the builder: empty unless a test says otherwise. */
function file(overrides: Partial<SubmissionFileInput>): SubmissionFileInput {
  return { name: 'a', type: '', size: 0, data: [], ...overrides };
}

describe('buildSubmission then readSubmission', () => {
  test('round-trips a message, an empty file and a several-MiB file streamed in odd chunks', async () => {
    const built = buildSubmission({
      message: '안녕하세요. 제보합니다.\n',
      files: sampleFiles(),
      reply: REPLY,
    });
    expect(built.manifest).toEqual({
      format: 'sealdrop-submission',
      version: 1,
      message: 'message.txt',
      files: [
        { path: 'files/001-보고서_최종.pdf', name: '보고서 최종.pdf', size: 1500, type: 'application/pdf' },
        { path: 'files/002-empty', name: 'empty', size: 0, type: 'application/octet-stream' },
        { path: 'files/003-big.bin', name: '../../big.bin', size: BIG, type: 'application/octet-stream' },
      ],
      reply: REPLY,
    });
    const plaintext = await collectBytes(built.stream);
    expect(plaintext.length).toBe(built.plaintextSize);

    const parts = await readParts(rechunk(plaintext, [65_536 + 16, 1000, 3]));
    expect(parts.map((part) => part.kind)).toEqual(['manifest', 'message', 'file', 'file', 'file']);
    expect(parts[0]!.manifest).toEqual(built.manifest);
    expect(new TextDecoder().decode(parts[1]!.data)).toBe('안녕하세요. 제보합니다.\n');
    expect(parts[2]!.data).toEqual(patternBytes(1500, 1));
    expect(parts[3]!.data).toEqual(new Uint8Array(0));
    expectSameBytes(parts[4]!.data, patternBytes(BIG, 3));
  });

  test('knows the padded size before streaming: the Padmé length of the archive', async () => {
    for (const files of [[], [{ name: 'a', type: 'text/plain', size: 10_000, data: [patternBytes(10_000)] }]]) {
      const built = buildSubmission({ message: 'x', files });
      const manifestSize = encoder.encode(JSON.stringify(built.manifest, null, 2) + '\n').length;
      const archive = tarLength([manifestSize, 1, ...files.map((file) => file.size)]);
      expect(built.plaintextSize).toBe(padmeLength(archive));
      expect((await collectBytes(built.stream)).length).toBe(built.plaintextSize);
    }
    expect(buildSubmission({ message: '', files: [] }).manifest.reply).toBeNull();
  });

  withTar.test('extracts with GNU tar, byte-identical', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sealdrop-submission-'));
    try {
      const built = buildSubmission({ message: '제보 내용\n', files: sampleFiles(), reply: REPLY });
      writeFileSync(join(work, 'sub.tar'), await collectBytes(built.stream));
      mkdirSync(join(work, 'out'));
      const result = spawnSync('tar', ['-xf', '../sub.tar'], { cwd: join(work, 'out'), encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(work, 'out', path)));
      expect(parseSubmissionManifest(read('submission.json'))).toEqual(built.manifest);
      expect(new TextDecoder().decode(read('message.txt'))).toBe('제보 내용\n');
      expect(read('files/001-보고서_최종.pdf')).toEqual(patternBytes(1500, 1));
      expect(read('files/002-empty')).toEqual(new Uint8Array(0));
      expectSameBytes(read('files/003-big.bin'), patternBytes(BIG, 3));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('refuses bad input up front', () => {
    expect(() =>
      buildSubmission({ message: '', files: [], reply: { recipient: 'age1nope', mailbox: MAILBOX } }),
    ).toThrow(SubmissionError);
    expect(() =>
      buildSubmission({ message: '', files: [], reply: { recipient: RECIPIENT.toUpperCase(), mailbox: MAILBOX } }),
    ).toThrow(SubmissionError);
    expect(() =>
      buildSubmission({
        message: '',
        files: [],
        reply: { recipient: encodeBech32('age', new Uint8Array(31)), mailbox: MAILBOX },
      }),
    ).toThrow(SubmissionError);
    for (const size of [-1, 0.5, 2 ** 33])
      expect(() => buildSubmission({ message: '', files: [file({ size })] })).toThrow(SubmissionError);
    expect(() => buildSubmission({ message: '', files: [file({ name: 'x'.repeat(1025) })] })).toThrow(SubmissionError);
    expect(() => buildSubmission({ message: '', files: [file({ name: 'a\ud800' })] })).toThrow(SubmissionError);
  });

  test("the builder's refusals carry codes", () => {
    expect(() =>
      buildSubmission({ message: '', files: [], reply: { recipient: 'age1nope', mailbox: MAILBOX } }),
    ).toThrow(withCode('invalid-reply-recipient'));
    expect(() => buildSubmission({ message: '', files: [], reply: { recipient: RECIPIENT, mailbox: 'x' } })).toThrow(
      withCode('invalid-reply-recipient'),
    );
    expect(() => buildSubmission({ message: '', files: [file({ size: -1 })] })).toThrow(withCode('invalid-file'));
    expect(() => buildSubmission({ message: '', files: [file({ name: 'a\ud800' })] })).toThrow(
      withCode('invalid-file'),
    );
    const many = Array.from({ length: MAX_SUBMISSION_FILES + 1 }, () => file({}));
    expect(() => buildSubmission({ message: '', files: many })).toThrow(withCode('too-many-files'));
  });

  test('a file shorter than declared fails the stream', async () => {
    const built = buildSubmission({
      message: '',
      files: [{ name: 'a', type: '', size: 10, data: [new Uint8Array(9)] }],
    });
    await expect(collectBytes(built.stream)).rejects.toThrow(TarError);
  });
});

describe('parseSubmissionManifest', () => {
  const valid = (): Record<string, unknown> => ({
    format: 'sealdrop-submission',
    version: 1,
    message: 'message.txt',
    files: [{ path: 'files/001-a.txt', name: 'a.txt', size: 3, type: 'text/plain' }],
    reply: REPLY,
  });
  const parse = (value: unknown): SubmissionManifest => parseSubmissionManifest(encoder.encode(JSON.stringify(value)));
  const withFile = (overrides: Record<string, unknown>): Record<string, unknown> => ({
    ...valid(),
    files: [{ path: 'files/001-a.txt', name: 'a.txt', size: 3, type: 'text/plain', ...overrides }],
  });

  test('accepts a valid manifest', () => {
    expect(parse(valid())).toEqual(valid());
    expect(parse({ ...valid(), reply: null, files: [] }).reply).toBeNull();
  });

  test('accepts the legacy reply without a mailbox, from pages before conversations', () => {
    expect(parse({ ...valid(), reply: { recipient: RECIPIENT } }).reply).toEqual({ recipient: RECIPIENT });
  });

  test.each<[string, unknown]>([
    ['an unknown top-level field', { ...valid(), extra: 1 }],
    ['a missing field', { format: 'sealdrop-submission', version: 1, message: 'message.txt', files: [] }],
    ['another format', { ...valid(), format: 'other' }],
    ['version 2', { ...valid(), version: 2 }],
    ['version "1"', { ...valid(), version: '1' }],
    ['another message path', { ...valid(), message: '../message.txt' }],
    ['files not an array', { ...valid(), files: {} }],
    ['an array', [valid()]],
    ['an unknown file field', withFile({ mode: 0o4755 })],
    ['a fractional size', withFile({ size: 1.5 })],
    ['a negative size', withFile({ size: -1 })],
    ['an unsafe size', withFile({ size: 2 ** 53 })],
    ['a size past ustar', withFile({ size: 2 ** 33 })],
    ['a size as a string', withFile({ size: '3' })],
    ['a traversal path', withFile({ path: '../../etc/passwd' })],
    ['a path with the wrong number', withFile({ path: 'files/002-a.txt' })],
    ['a path outside files/', withFile({ path: 'other/001-a.txt' })],
    ['a path with a slash', withFile({ path: 'files/001-a/b' })],
    ['a hidden-file path', withFile({ path: 'files/001-.a' })],
    ['a path with a bidi override', withFile({ path: 'files/001-a\u202etxt' })],
    ['a path with a space', withFile({ path: 'files/001-a b' })],
    ['a path too long for ustar', withFile({ path: `files/001-${'a'.repeat(97)}` })],
    ['a non-string name', withFile({ name: 5 })],
    ['a bad MIME type', withFile({ type: 'text/plain; charset=utf-8' })],
    ['an empty MIME type', withFile({ type: '' })],
    ['a bad recipient', { ...valid(), reply: { recipient: 'age1qqqq' } }],
    [
      'a recipient with another prefix',
      { ...valid(), reply: { recipient: encodeBech32('age-plugin', new Uint8Array(32)) } },
    ],
    ['a reply with extra fields', { ...valid(), reply: { recipient: RECIPIENT, name: 'x' } }],
    ['a reply as a string', { ...valid(), reply: RECIPIENT }],
    ['a mailbox in capitals', { ...valid(), reply: { ...REPLY, mailbox: MAILBOX.toUpperCase() } }],
    ['a short mailbox', { ...valid(), reply: { ...REPLY, mailbox: MAILBOX.slice(1) } }],
    ['a mailbox that is a path', { ...valid(), reply: { ...REPLY, mailbox: '../../../../../../etc/passwd_____' } }],
    ['a null mailbox', { ...valid(), reply: { ...REPLY, mailbox: null } }],
    ['a mailbox without a recipient', { ...valid(), reply: { mailbox: MAILBOX } }],
  ])('refuses %s', (_label, value) => {
    expect(() => parse(value)).toThrow(SubmissionError);
  });

  test.each<[SubmissionErrorCode, () => Uint8Array]>([
    ['invalid-manifest', () => encoder.encode(JSON.stringify({ ...valid(), extra: 1 }))],
    ['invalid-manifest', () => Uint8Array.of(0xff)],
    ['unsupported-format', () => encoder.encode(JSON.stringify({ ...valid(), format: 'other' }))],
    ['unsupported-format', () => encoder.encode(JSON.stringify({ ...valid(), version: 2 }))],
    ['manifest-too-large', () => new Uint8Array(MAX_MANIFEST_SIZE + 1)],
  ])('refuses with code %s (%#)', (code, bytes) => {
    expect(() => parseSubmissionManifest(bytes())).toThrow(withCode(code));
  });

  test('refuses bytes that are not UTF-8 JSON', () => {
    for (const bytes of [
      Uint8Array.of(0xff),
      encoder.encode('{'),
      encoder.encode('\ufeff' + JSON.stringify(valid())),
      new Uint8Array(0),
    ]) {
      expect(() => parseSubmissionManifest(bytes)).toThrow(SubmissionError);
    }
  });
});

describe('readSubmission cross-checks the archive against the manifest', () => {
  function manifestWith(files: { path: string; size: number }[]): Uint8Array {
    return encoder.encode(
      JSON.stringify({
        format: 'sealdrop-submission',
        version: 1,
        message: 'message.txt',
        files: files.map((file) => ({ ...file, name: 'n', type: 'application/octet-stream' })),
        reply: null,
      }),
    );
  }
  const entry = (path: string, data: Uint8Array | string): TarEntryInput => {
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    return { path, size: bytes.length, data: [bytes] };
  };
  async function consume(entries: TarEntryInput[]): Promise<void> {
    await readParts(rechunk(await collectBytes(writeTar(entries))));
  }
  const good = (): TarEntryInput[] => [
    entry('submission.json', manifestWith([{ path: 'files/001-a', size: 3 }])),
    entry('message.txt', 'hi'),
    entry('files/001-a', 'abc'),
  ];

  test('accepts a matching archive', async () => {
    await expect(consume(good())).resolves.toBeUndefined();
  });

  test.each<[string, () => TarEntryInput[]]>([
    ['a missing manifest', () => good().slice(1)],
    ['the message first', () => [good()[1]!, good()[0]!, good()[2]!]],
    ['a missing message', () => [good()[0]!, good()[2]!]],
    ['a missing file', () => good().slice(0, 2)],
    ['an extra file', () => [...good(), entry('files/002-b', 'x')]],
    ['a renamed file', () => [...good().slice(0, 2), entry('files/001-b', 'abc')]],
    ['a resized file', () => [...good().slice(0, 2), entry('files/001-a', 'abcd')]],
    ['a message that is not UTF-8', () => [good()[0]!, entry('message.txt', Uint8Array.of(0x68, 0xff)), good()[2]!]],
    ['an invalid manifest', () => [entry('submission.json', '{}'), ...good().slice(1)]],
  ])('refuses %s', async (_label, entries) => {
    await expect(consume(entries())).rejects.toThrow(SubmissionError);
  });

  test.each<[SubmissionErrorCode, () => TarEntryInput[]]>([
    ['missing-entry', () => good().slice(0, 2)],
    ['unexpected-entry', () => [good()[1]!, good()[0]!, good()[2]!]],
    ['unexpected-entry', () => [...good(), entry('files/002-b', 'x')]],
    ['size-mismatch', () => [...good().slice(0, 2), entry('files/001-a', 'abcd')]],
    ['invalid-message', () => [good()[0]!, entry('message.txt', Uint8Array.of(0x68, 0xff)), good()[2]!]],
    ['invalid-manifest', () => [entry('submission.json', '{}'), ...good().slice(1)]],
  ])('refuses with code %s (%#)', async (code, entries) => {
    await expect(consume(entries())).rejects.toThrow(withCode(code));
  });

  test('refuses a declared size larger than the data', async () => {
    const built = buildSubmission({
      message: 'm',
      files: [{ name: 'a', type: '', size: 2000, data: [patternBytes(2000)] }],
    });
    const plaintext = await collectBytes(built.stream);
    // Cut inside the file: what is left still "looks" like data followed by zeros.
    await expect(readParts(rechunk(plaintext.subarray(0, 2048 + 1024)))).rejects.toThrow(TarError);
  });

  test('refuses garbage in the padding', async () => {
    // Small archives need no padding (Padmé's unit is below the 512-byte block); 20 kB does.
    const built = buildSubmission({
      message: 'm',
      files: [{ name: 'a', type: '', size: 20_000, data: [patternBytes(20_000)] }],
    });
    const plaintext = (await collectBytes(built.stream)).slice();
    const manifestSize = encoder.encode(JSON.stringify(built.manifest, null, 2) + '\n').length;
    expect(plaintext.length).toBeGreaterThan(tarLength([manifestSize, 1, 20_000]));
    plaintext[plaintext.length - 1] = 1;
    await expect(readParts(rechunk(plaintext))).rejects.toThrow('non-zero data after end of archive');
  });
});
