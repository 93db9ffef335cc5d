/**
 * Hostile archives, forged byte by byte (test/support/tar-forge.ts): every one
 * must be refused with a TarError before any unsafe path reaches the caller.
 */
import fc from 'fast-check';
import { BLOCK_SIZE, TarError, type TarErrorCode } from '../../client/core/tar-header.js';
import { resolveInside } from '../../client/core/tar-paths.js';
import { readTar, writeTar } from '../../client/core/tar.js';
import type { TarLimits } from '../../client/core/tar.js';
import { forgeArchive, forgeEntry, forgeHeader } from '../support/tar-forge.js';
import { collectBytes, rechunk } from '../support/streams.js';
import { withCode } from '../support/coded-errors.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;
const encoder = new TextEncoder();

/** Read everything, consuming all data, and return the paths seen. */
async function readPaths(
  archive: Uint8Array,
  limits?: Partial<TarLimits>,
  cuts: number[] = [archive.length],
): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of readTar(rechunk(archive, cuts), limits)) {
    paths.push(entry.path);
    await collectBytes(entry.data);
  }
  return paths;
}

async function expectRefused(
  archive: Uint8Array,
  message?: string | RegExp,
  limits?: Partial<TarLimits>,
): Promise<void> {
  const attempt = readPaths(archive, limits);
  await expect(attempt).rejects.toThrow(TarError);
  if (message !== undefined) await expect(readPaths(archive, limits)).rejects.toThrow(message);
}

function single(fields: Parameters<typeof forgeEntry>[0], data?: Uint8Array | string): Uint8Array {
  return forgeArchive([forgeEntry(fields, data)]);
}

test('the forge itself builds archives the reader accepts', async () => {
  expect(
    await readPaths(forgeArchive([forgeEntry({ name: 'ok.txt' }, 'hello'), forgeEntry({ name: 'dir/', type: '5' })])),
  ).toEqual(['ok.txt', 'dir']);
  // GNU tar's "./name" form and '.' segments normalise away.
  expect(await readPaths(single({ name: './a/./b' }))).toEqual(['a/b']);
});

describe('path traversal and unsafe names', () => {
  test.each(['../x', 'a/../../x', './../x', 'a/..', '..', 'a/b/../../../x', '../'])('refuses %j', async (name) => {
    await expectRefused(single({ name }), 'parent segment in entry name');
  });

  test('refuses .. hidden in the prefix field', async () => {
    await expectRefused(single({ prefix: '..', name: 'x' }), 'parent segment in entry name');
    await expectRefused(single({ prefix: 'a/../..', name: 'x' }));
  });

  test.each(['/etc/passwd', '/', '//x'])('refuses absolute %j', async (name) => {
    await expectRefused(single({ name }), 'absolute entry name');
  });

  test('refuses an absolute prefix', async () => {
    await expectRefused(single({ prefix: '/etc', name: 'passwd' }), 'absolute entry name');
  });

  test.each(['a\\b', '..\\x', 'C:\\evil'])('refuses backslash in %j', async (name) => {
    await expectRefused(single({ name }), 'backslash in entry name');
  });

  test.each(['', '.', './', 'a//b', 'a/'])('refuses empty or dot-only name %j', async (name) => {
    await expectRefused(single({ name }));
  });

  test('refuses a dot-only directory', async () => {
    await expectRefused(single({ name: './', type: '5' }));
    await expectRefused(single({ name: '.', type: '5' }));
  });

  test.each([
    ['NUL inside', encoder.encode('safe.txt\0../../evil')],
    ['C0 control', encoder.encode('a\x01b')],
    ['newline', encoder.encode('a\nb')],
    ['DEL', encoder.encode('a\x7fb')],
    ['C1 control (U+0085)', encoder.encode('a\u0085b')],
    ['bidi override', encoder.encode('invoice\u202efdp.exe')],
    ['invalid UTF-8 byte', Uint8Array.of(0x61, 0xff, 0x62)],
    ['overlong slash', Uint8Array.of(0x61, 0xc0, 0xaf, 0x62)],
    ['UTF-8 surrogate', Uint8Array.of(0xed, 0xa0, 0x80)],
    ['truncated sequence', Uint8Array.of(0x61, 0xea, 0xb0)],
  ])('refuses a name with %s', async (_label, name) => {
    await expectRefused(single({ name }));
  });

  test('refuses invalid UTF-8 in the prefix field', async () => {
    await expectRefused(single({ prefix: Uint8Array.of(0xff), name: 'x' }), 'invalid utf-8 in entry name');
  });
});

describe('entry types', () => {
  test.each([
    ['1', 'hard link', 'hard links are not allowed'],
    ['2', 'symbolic link', 'symbolic links are not allowed'],
    ['3', 'character device', 'device entries are not allowed'],
    ['4', 'block device', 'device entries are not allowed'],
    ['6', 'FIFO', 'fifo entries are not allowed'],
    ['x', 'pax header', 'pax extension headers are not supported'],
    ['g', 'pax global header', 'pax extension headers are not supported'],
    ['L', 'GNU long name', 'gnu extension headers are not supported'],
    ['K', 'GNU long link', 'gnu extension headers are not supported'],
    ['7', 'contiguous file', 'unsupported entry type'],
    ['V', 'GNU volume label', 'unsupported entry type'],
    ['Z', 'unknown flag', 'unsupported entry type'],
  ])('refuses type %s (%s)', async (type, _label, message) => {
    await expectRefused(
      single({ name: 'x', type, linkname: type === '1' || type === '2' ? '/etc/passwd' : '' }),
      message,
    );
  });

  test('refuses a pax header that would rename the next entry', async () => {
    const pax = forgeEntry({ name: 'PaxHeader/x', type: 'x' }, '30 path=../../../etc/passwd\n');
    await expectRefused(
      forgeArchive([pax, forgeEntry({ name: 'x' }, 'data')]),
      'pax extension headers are not supported',
    );
  });

  test('refuses a link name on a regular file and data in a directory', async () => {
    await expectRefused(single({ name: 'x', linkname: '/etc/passwd' }), 'link name on a non-link entry');
    await expectRefused(single({ name: 'd/', type: '5' }, 'data'), 'directory entry with data');
  });

  test('refuses GNU and v7 headers (not ustar "00")', async () => {
    await expectRefused(single({ magic: encoder.encode('ustar  \0') }), 'not a ustar archive');
    await expectRefused(single({ magic: new Uint8Array(8) }), 'not a ustar archive');
  });
});

describe('numeric fields and checksums', () => {
  test('refuses a bad checksum', async () => {
    await expectRefused(single({ checksum: 'bad' }), 'header checksum mismatch');
    await expectRefused(single({ checksum: '12345x\0 ' }), 'invalid checksum field');
    await expectRefused(single({ checksum: '\0\0\0\0\0\0\0\0' }), 'invalid checksum field');
  });

  test('refuses a header whose bytes changed after the checksum was computed', async () => {
    const archive = single({ name: 'safe.txt' }, 'x');
    archive[0] = '.'.charCodeAt(0);
    await expectRefused(archive, 'header checksum mismatch');
  });

  test.each([
    ['non-octal digit', '0000000001x\0'],
    ['digit 8', '00000000008\0'],
    ['empty', '\0'.repeat(12)],
    ['negative', '-0000000001\0'],
    ['base-256', Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)],
    ['digits after a terminator', '0000001\x000001'],
  ])('refuses a size field that is %s', async (_label, size) => {
    await expectRefused(single({ size }), 'invalid size field');
  });
});

describe('sizes and limits', () => {
  test('refuses an entry past the size limit before reading its data', async () => {
    await expectRefused(single({ size: '00000002000\0' }, new Uint8Array(1024)), 'entry too large', {
      maxEntrySize: 1000,
    });
    await expectRefused(single({ size: '77777777777\0' }), 'archive too large', { maxTotalSize: 1 << 20 });
  });

  test('refuses a declared size larger than the data', async () => {
    await expectRefused(
      forgeArchive([forgeHeader({ name: 'x', size: '00000001000\0' }), new Uint8Array(100)], false),
      'truncated archive',
    );
    // Even with an "end marker" that is really part of the claimed data.
    await expectRefused(forgeArchive([forgeHeader({ name: 'x', size: '77777777777\0' })]), 'truncated archive');
  });

  test('refuses too many entries', async () => {
    const archive = forgeArchive([forgeEntry({ name: 'a' }), forgeEntry({ name: 'b' }), forgeEntry({ name: 'c' })]);
    expect(await readPaths(archive, { maxEntries: 3 })).toHaveLength(3);
    await expectRefused(archive, 'too many entries', { maxEntries: 2 });
  });

  test('counts trailing padding toward the total size', async () => {
    const archive = forgeArchive([forgeEntry({ name: 'a' }), new Uint8Array(10_000)]);
    await expectRefused(archive, 'archive too large', { maxTotalSize: 8000 });
  });

  test('refuses impossible limits', async () => {
    await expect(readPaths(single({}), { maxEntries: -1 })).rejects.toThrow(RangeError);
  });
});

describe('duplicate and colliding names', () => {
  test.each([
    ['the same name twice', 'a.txt', 'a.txt'],
    ['names differing by case', 'Report.pdf', 'report.PDF'],
    ['Korean NFC and NFD', '보고서.txt', '보고서.txt'.normalize('NFD')],
    ['Latin NFC and NFD', 'caf\u00e9', 'cafe\u0301'],
    ['a trailing dot (Windows)', 'a', 'a.'],
    ['a Kelvin sign and k', '\u212a', 'k'],
    ['a directory twice', 'd/', 'd/'],
    ['a file then the same-named directory', 'd', 'd/'],
  ])('refuses %s', async (_label, first, second) => {
    const type = (name: string): string => (name.endsWith('/') ? '5' : '0');
    await expectRefused(
      forgeArchive([forgeEntry({ name: first, type: type(first) }), forgeEntry({ name: second, type: type(second) })]),
      /duplicate entry name/u,
    );
  });

  test('refuses a path through a file, in either order', async () => {
    await expectRefused(
      forgeArchive([forgeEntry({ name: 'a' }), forgeEntry({ name: 'a/b' })]),
      'entry name goes through a file',
    );
    await expectRefused(forgeArchive([forgeEntry({ name: 'A/b' }), forgeEntry({ name: 'a' })]), 'duplicate entry name');
  });

  test('accepts a directory entry for a directory already implied', async () => {
    expect(await readPaths(forgeArchive([forgeEntry({ name: 'd/f' }), forgeEntry({ name: 'd/', type: '5' })]))).toEqual(
      ['d/f', 'd'],
    );
  });
});

describe('truncation and trailing data', () => {
  async function validArchive(): Promise<Uint8Array> {
    return collectBytes(
      writeTar([
        { path: 'a', size: 700, data: [new Uint8Array(700).fill(1)] },
        { path: 'b', size: 0, data: [] },
        { path: 'c', size: 512, data: [new Uint8Array(512).fill(2)] },
      ]),
    );
  }

  test('refuses the archive truncated at every block boundary', async () => {
    const archive = await validArchive();
    expect(await readPaths(archive)).toEqual(['a', 'b', 'c']);
    for (let end = 0; end < archive.length; end += BLOCK_SIZE) {
      await expectRefused(archive.subarray(0, end), /truncated archive/u);
    }
  });

  test('refuses the archive truncated inside blocks', async () => {
    const archive = await validArchive();
    for (const end of [1, 100, 511, 513, 1000, 1500, 2100, archive.length - 1]) {
      await expectRefused(archive.subarray(0, end), /truncated archive/u);
    }
  });

  test('refuses any non-zero byte after the end marker, wherever it is', async () => {
    const archive = await validArchive();
    const padded = forgeArchive([archive, new Uint8Array(3000)], false);
    expect(await readPaths(padded, undefined, [777])).toEqual(['a', 'b', 'c']);
    for (const offset of [archive.length, archive.length + 1, archive.length + 2999]) {
      const tampered = padded.slice();
      tampered[offset] = 1;
      await expectRefused(tampered, 'non-zero data after end of archive');
    }
    // Another archive hidden after the end marker.
    await expectRefused(forgeArchive([archive, forgeEntry({ name: 'hidden' })]), 'non-zero data after end of archive');
  });

  test('refuses a lone zero block followed by more entries', async () => {
    await expectRefused(
      forgeArchive([forgeEntry({ name: 'a' }), new Uint8Array(BLOCK_SIZE), forgeEntry({ name: 'b' })]),
      'lone zero block inside archive',
    );
  });

  test('refuses non-zero entry padding', async () => {
    const entry = forgeEntry({ name: 'a' }, 'abc');
    entry[BLOCK_SIZE + 100] = 7;
    await expectRefused(forgeArchive([entry]), 'non-zero entry padding');
  });

  test('refuses an empty source', async () => {
    await expectRefused(new Uint8Array(0), /missing end-of-archive marker/u);
  });
});

describe('error codes callers branch on', () => {
  const dataOf = (length: number): Uint8Array => new Uint8Array(length).fill(1);
  const cases: [TarErrorCode, string, () => Uint8Array, Partial<TarLimits>][] = [
    ['invalid-header', 'checksum', () => single({ checksum: 'bad' }), {}],
    ['invalid-header', 'size field', () => single({ size: '0000000001x\0' }), {}],
    ['unsupported-entry', 'symbolic link', () => single({ type: '2' }), {}],
    ['unsafe-name', 'parent segment', () => single({ name: '../x' }), {}],
    [
      'duplicate-name',
      'case collision',
      () => forgeArchive([forgeEntry({ name: 'a' }), forgeEntry({ name: 'A' })]),
      {},
    ],
    [
      'truncated',
      'short data',
      () => forgeArchive([forgeHeader({ name: 'x', size: '00000001000\0' }), new Uint8Array(100)], false),
      {},
    ],
    ['truncated', 'no end marker', () => new Uint8Array(0), {}],
    [
      'invalid-padding',
      'entry padding',
      () => forgeArchive([forgeEntry({ name: 'a' }, 'abc').fill(7, BLOCK_SIZE + 100, BLOCK_SIZE + 101)]),
      {},
    ],
    [
      'invalid-padding',
      'data after the end marker',
      () => forgeArchive([forgeArchive([forgeEntry({ name: 'a' })]), Uint8Array.of(1)], false),
      {},
    ],
    [
      'too-many-entries',
      'three of two',
      () => forgeArchive([forgeEntry({ name: 'a' }), forgeEntry({ name: 'b' }), forgeEntry({ name: 'c' })]),
      { maxEntries: 2 },
    ],
    ['entry-too-large', 'declared', () => single({ size: '00000002000\0' }, dataOf(1024)), { maxEntrySize: 1000 }],
    ['archive-too-large', 'declared', () => single({ size: '77777777777\0' }), { maxTotalSize: 1 << 20 }],
    [
      'archive-too-large',
      'trailing padding',
      () => forgeArchive([forgeEntry({ name: 'a' }), new Uint8Array(10_000)]),
      { maxTotalSize: 8000 },
    ],
  ];

  test.each(cases)('%s: %s', async (code, _label, archive, limits) => {
    const error: unknown = await readPaths(archive(), limits).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TarError);
    expect(error).toMatchObject({ code });
  });

  test('entry data read twice or after moving on is invalid-read', async () => {
    const entries = readTar(
      rechunk(forgeArchive([forgeEntry({ name: 'a' }, 'abc'), forgeEntry({ name: 'b' })]), [1000]),
    );
    const first = (await entries.next()).value!;
    first.data[Symbol.asyncIterator]();
    expect(() => first.data[Symbol.asyncIterator]()).toThrow(withCode('invalid-read'));
    await entries.return();
  });

  test("moving on while entry data is still being read is invalid-read (the reader's re-entrancy guard)", async () => {
    // Pieces of one block: the data read has to wait for the source.
    const entries = readTar(
      rechunk(forgeArchive([forgeEntry({ name: 'a' }, 'abc'), forgeEntry({ name: 'b' })]), [BLOCK_SIZE]),
    );
    const first = (await entries.next()).value!;
    const pending = first.data[Symbol.asyncIterator]().next();
    const error: unknown = await entries.next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TarError);
    expect(error).toMatchObject({ code: 'invalid-read' });
    await pending.catch(() => undefined);
  });

  test('resolveInside: unsafe-name for the path, invalid-root for the root', () => {
    expect(() => resolveInside('/out', '../x')).toThrow(withCode('unsafe-name'));
    expect(() => resolveInside('', 'a')).toThrow(withCode('invalid-root'));
  });
});

describe('resolveInside refuses every escape', () => {
  test.each([
    '../x',
    'a/../../x',
    './../x',
    '..',
    'a/..',
    '/etc/passwd',
    '/',
    '',
    '.',
    './a',
    'a//b',
    'a/',
    'a\\..\\b',
    '..\\x',
    'a\0b',
    'a\nb',
  ])('refuses %j', (path) => {
    expect(() => resolveInside('/out', path)).toThrow(TarError);
  });

  test('refuses an empty root', () => {
    expect(() => resolveInside('', 'a')).toThrow(TarError);
  });

  test('any path either throws or lands strictly inside the root', () => {
    const piece = fc.constantFrom('..', '.', '', 'a', '/', '\\', 'b', '\0', '..a', '보');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
        (path) => {
          let resolved: string;
          try {
            resolved = resolveInside('/out', path);
          } catch (error) {
            expect(error).toBeInstanceOf(TarError);
            return;
          }
          expect(resolved.startsWith('/out/')).toBe(true);
          expect(resolved.slice('/out/'.length).split('/')).not.toContain('..');
          expect(resolved.slice('/out/'.length).split('/')).not.toContain('');
        },
      ),
      { numRuns: numRuns * 4 },
    );
  });
});
