import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { padmeLength, zeroPadding } from '../../client/core/padme.js';
import { BLOCK_SIZE, TarError, isZero } from '../../client/core/tar-header.js';
import { resolveInside, sanitizeFileName } from '../../client/core/tar-paths.js';
import { readTar, tarLength, writeTar } from '../../client/core/tar.js';
import type { TarEntryInput } from '../../client/core/tar.js';
import { requireTools } from '../support/required-tools.js';
import { collectBytes, patternBytes, rechunk } from '../support/streams.js';
import { withCode } from '../support/coded-errors.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;
const encoder = new TextEncoder();

interface ReadBack {
  path: string;
  type: string;
  size: number;
  data: Uint8Array;
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<ReadBack[]> {
  const out: ReadBack[] = [];
  for await (const entry of readTar(source)) {
    out.push({ path: entry.path, type: entry.type, size: entry.size, data: await collectBytes(entry.data) });
  }
  return out;
}

function fileEntry(path: string, data: Uint8Array, chunkSizes?: number[]): TarEntryInput {
  return { path, size: data.length, data: rechunk(data, chunkSizes) };
}

async function writeAll(entries: TarEntryInput[]): Promise<Uint8Array> {
  return collectBytes(writeTar(entries));
}

function header(archive: Uint8Array, offset = 0): Uint8Array {
  return archive.subarray(offset, offset + BLOCK_SIZE);
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

const KOREAN = ['보고서', '한국어 파일', '회의록_2024', '사진.jpg', '가나다라마바사아자차카타파하'];
const LONG_DIRECTORY = 'd'.repeat(120);

describe('isZero', () => {
  test('finds one set bit at any position, length and alignment (word-at-a-time middle, bytewise ends)', () => {
    const backing = new Uint8Array(300);
    for (const length of [0, 1, 3, 63, 64, 65, 67, 130, 257]) {
      for (let offset = 0; offset < 5; offset++) {
        backing.fill(0);
        expect(isZero(backing.subarray(offset, offset + length))).toBe(true);
        for (let at = 0; at < length; at++) {
          backing.fill(0);
          backing[offset + at] = at % 2 === 0 ? 0x80 : 0x01;
          expect(isZero(backing.subarray(offset, offset + length))).toBe(false);
        }
      }
    }
  });

  test('property: agrees with a byte-by-byte check', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 7 }), (bytes, cut) => {
        const view = bytes.subarray(Math.min(cut, bytes.length));
        expect(isZero(view)).toBe(view.every((byte) => byte === 0));
        expect(isZero(new Uint8Array(view.length))).toBe(true);
      }),
    );
  });
});

describe('writeTar then readTar', () => {
  test('round-trips random entries through random re-chunking', async () => {
    const size = fc.oneof(fc.constantFrom(0, 1, 511, 512, 513, 1023, 1024, 1025), fc.integer({ min: 0, max: 3000 }));
    const segment = fc.oneof(
      fc.constantFrom(...KOREAN, 'a', 'report.pdf', 'x'.repeat(100), '한'.repeat(33)),
      fc.stringMatching(/^[a-z0-9._-]{1,20}$/).filter((s) => s !== '.' && s !== '..'),
    );
    const entry = fc.record({
      directory: fc.constantFrom('', 'dir', '폴더', LONG_DIRECTORY, `${LONG_DIRECTORY}/${'e'.repeat(30)}`),
      name: segment,
      size,
      seed: fc.nat(250),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }),
        async (specs, cuts) => {
          // An index segment keeps every path unique.
          const files = specs.map((spec, i) => ({
            path: [spec.directory, `${i}`, spec.name].filter((s) => s !== '').join('/'),
            data: patternBytes(spec.size, spec.seed),
          }));
          const archive = await writeAll(files.map((file) => fileEntry(file.path, file.data, cuts)));
          expect(archive.length).toBe(tarLength(files.map((file) => file.data.length)));
          const read = await readAll(rechunk(archive, cuts));
          expect(read).toEqual(
            files.map((file) => ({ path: file.path, type: 'file', size: file.data.length, data: file.data })),
          );
        },
      ),
      { numRuns },
    );
  });

  test('also reads an archive followed by Padmé zero padding', async () => {
    const archive = await writeAll([fileEntry('a.txt', encoder.encode('hello'))]);
    const padded = await collectBytes([archive, ...zeroPadding(padmeLength(archive.length + 1000) - archive.length)]);
    expect(await readAll(rechunk(padded, [7, 1000]))).toHaveLength(1);
  });
});

describe('writeTar', () => {
  test('writes a plain ustar header with nothing about the source device', async () => {
    const archive = await writeAll([fileEntry('message.txt', encoder.encode('hi'))]);
    const block = header(archive);
    expect(text(block.subarray(0, 11))).toBe('message.txt');
    expect(text(block.subarray(100, 108))).toBe('0000644\0');
    expect(text(block.subarray(108, 124))).toBe('0000000\x000000000\0'); // uid, gid 0
    expect(text(block.subarray(124, 136))).toBe('00000000002\0');
    expect(text(block.subarray(136, 148))).toBe('00000000000\0'); // mtime: the epoch
    expect(block[156]).toBe(0x30);
    expect(text(block.subarray(257, 265))).toBe('ustar\x0000');
    expect(block.subarray(265, 329).every((byte) => byte === 0)).toBe(true); // uname, gname empty
    let sum = 0;
    for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    expect(text(block.subarray(148, 156))).toBe(`${sum.toString(8).padStart(6, '0')}\0 `);
    // Two zero blocks end the archive.
    expect(archive.length).toBe(4 * BLOCK_SIZE);
    expect(archive.subarray(2 * BLOCK_SIZE).every((byte) => byte === 0)).toBe(true);
  });

  test('spills long paths into the prefix field', async () => {
    const path = `${LONG_DIRECTORY}/${'한'.repeat(30)}.txt`;
    const archive = await writeAll([fileEntry(path, new Uint8Array(0))]);
    expect(text(header(archive).subarray(345, 345 + LONG_DIRECTORY.length))).toBe(LONG_DIRECTORY);
    expect((await readAll(rechunk(archive)))[0]!.path).toBe(path);
  });

  test('refuses paths that do not fit ustar', async () => {
    for (const path of [
      'x'.repeat(101),
      `${'p'.repeat(156)}/name`,
      `${'p'.repeat(100)}/${'n'.repeat(101)}`,
      '한'.repeat(34),
    ]) {
      await expect(writeAll([fileEntry(path, new Uint8Array(0))])).rejects.toThrow('entry name too long for ustar');
      await expect(writeAll([fileEntry(path, new Uint8Array(0))])).rejects.toThrow(withCode('name-too-long'));
    }
  });

  test('refuses non-canonical, unsafe and duplicate paths', async () => {
    for (const path of ['', '/abs', 'a/../b', '..', './a', 'a//b', 'a/', 'a\\b', 'a\nb', 'a\u202eb']) {
      await expect(writeAll([fileEntry(path, new Uint8Array(0))])).rejects.toThrow(TarError);
      await expect(writeAll([fileEntry(path, new Uint8Array(0))])).rejects.toThrow(withCode('unsafe-name'));
    }
    await expect(writeAll([fileEntry('a', new Uint8Array(0)), fileEntry('A', new Uint8Array(0))])).rejects.toThrow(
      'duplicate entry name',
    );
    await expect(writeAll([fileEntry('a', new Uint8Array(0)), fileEntry('A', new Uint8Array(0))])).rejects.toThrow(
      withCode('duplicate-name'),
    );
  });

  test('refuses data longer or shorter than the declared size, without emitting the excess', async () => {
    const emitted: Uint8Array[] = [];
    const tooLong = writeTar([{ path: 'a', size: 3, data: [new Uint8Array(2), new Uint8Array(2)] }]);
    await expect(
      (async () => {
        for await (const chunk of tooLong) emitted.push(chunk);
      })(),
    ).rejects.toThrow('entry data longer than declared size');
    expect(emitted.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(BLOCK_SIZE + 2);
    await expect(writeAll([{ path: 'a', size: 3, data: [new Uint8Array(2)] }])).rejects.toThrow(
      'entry data shorter than declared size',
    );
    await expect(writeAll([{ path: 'a', size: 3, data: [new Uint8Array(2)] }])).rejects.toThrow(
      withCode('size-mismatch'),
    );
    await expect(writeAll([{ path: 'a', size: 1, data: [new Uint8Array(2)] }])).rejects.toThrow(
      withCode('size-mismatch'),
    );
  });

  test('refuses bad sizes and modes', async () => {
    for (const size of [-1, 1.5, 2 ** 33]) {
      await expect(writeAll([{ path: 'a', size, data: [] }])).rejects.toThrow('invalid entry size');
    }
    await expect(writeAll([{ path: 'a', size: 0, data: [], mode: 0o4755 }])).rejects.toThrow('invalid entry mode');
    await expect(writeAll([{ path: 'a', size: -1, data: [] }])).rejects.toThrow(withCode('invalid-entry'));
    await expect(writeAll([{ path: 'a', size: 0, data: [], mode: 0o4755 }])).rejects.toThrow(withCode('invalid-entry'));
  });

  test('streams: the header comes before any data is pulled, and chunks pass through uncopied', async () => {
    let pulled = 0;
    const chunk = new Uint8Array(700);
    async function* data(): AsyncGenerator<Uint8Array> {
      pulled++;
      await Promise.resolve();
      yield chunk;
    }
    const stream = writeTar([{ path: 'a', size: 700, data: data() }]);
    expect((await stream.next()).value).toHaveLength(BLOCK_SIZE);
    expect(pulled).toBe(0);
    expect((await stream.next()).value).toBe(chunk);
  });
});

describe('readTar data handling', () => {
  test('skips data the caller did not read, and refuses reading it later', async () => {
    const archive = await writeAll([fileEntry('a', patternBytes(2000)), fileEntry('b', patternBytes(10))]);
    const seen: string[] = [];
    let first: AsyncIterable<Uint8Array> | undefined;
    for await (const entry of readTar(rechunk(archive, [100]))) {
      seen.push(entry.path);
      first ??= entry.data;
    }
    expect(seen).toEqual(['a', 'b']);
    await expect(collectBytes(first!)).rejects.toThrow('entry data read after moving on');
  });

  test('refuses reading entry data twice', async () => {
    const archive = await writeAll([fileEntry('a', patternBytes(10))]);
    for await (const entry of readTar(rechunk(archive))) {
      await collectBytes(entry.data);
      expect(() => entry.data[Symbol.asyncIterator]()).toThrow('entry data already read');
    }
  });

  test('closes the source when the caller stops early', async () => {
    const archive = await writeAll([fileEntry('a', patternBytes(10)), fileEntry('b', patternBytes(10))]);
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* rechunk(archive, [512]);
      } finally {
        closed = true;
      }
    }
    for await (const entry of readTar(source())) {
      expect(entry.path).toBe('a');
      break;
    }
    expect(closed).toBe(true);
  });
});

describe('sanitizeFileName', () => {
  test('keeps Korean and other letters readable, and numbers files', () => {
    expect(sanitizeFileName('보고서 최종.pdf', 0)).toBe('files/001-보고서_최종.pdf');
    // macOS hands over decomposed Hangul; the archive name is composed.
    expect(sanitizeFileName('보고서.txt'.normalize('NFD'), 1)).toBe('files/002-보고서.txt');
    expect(sanitizeFileName('Résumé (final).docx', 9)).toBe('files/010-Résumé_final_.docx');
    expect(sanitizeFileName('a.txt', 999)).toBe('files/1000-a.txt');
  });

  test('drops separators, traversal, leading dots, controls and bidi tricks', () => {
    expect(sanitizeFileName('../../etc/passwd', 0)).toBe('files/001-etc_passwd');
    expect(sanitizeFileName('..\\..\\boot.ini', 0)).toBe('files/001-boot.ini');
    expect(sanitizeFileName('a..b...txt', 0)).toBe('files/001-a.b.txt');
    expect(sanitizeFileName('.bashrc', 0)).toBe('files/001-bashrc');
    expect(sanitizeFileName('a\u0000b\u001fc\u007fd\u0085e', 0)).toBe('files/001-a_b_c_d_e');
    expect(sanitizeFileName('invoice\u202efdp.exe', 0)).toBe('files/001-invoice_fdp.exe');
    expect(sanitizeFileName('name.', 0)).toBe('files/001-name');
  });

  test('is never empty', () => {
    for (const name of ['', '.', '..', '...', '/', '\u202e', '   '])
      expect(sanitizeFileName(name, 0)).toMatch(/^files\/001-.+/u);
    expect(sanitizeFileName('', 0)).toBe('files/001-file');
  });

  test('caps the name at ustar size, keeping the extension', () => {
    const name = sanitizeFileName(`${'가'.repeat(200)}.pdf`, 0);
    expect(name.endsWith('.pdf')).toBe(true);
    expect(encoder.encode(name.slice('files/'.length)).length).toBeLessThanOrEqual(100);
    expect(encoder.encode(name.slice('files/'.length)).length).toBeGreaterThan(95);
  });

  test('always yields a path the writer and reader accept', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 200 }), { maxLength: 4 }), async (names) => {
        const paths = names.map((name, i) => sanitizeFileName(name, i));
        const archive = await writeAll(paths.map((path) => fileEntry(path, new Uint8Array(0))));
        expect((await readAll(rechunk(archive))).map((entry) => entry.path)).toEqual(paths);
      }),
      { numRuns },
    );
  });
});

describe('resolveInside', () => {
  test('joins a canonical path under the root', () => {
    expect(resolveInside('/out', 'files/001-a.txt')).toBe('/out/files/001-a.txt');
    expect(resolveInside('/out//', 'a')).toBe('/out/a');
    expect(resolveInside('/', 'a/b')).toBe('/a/b');
    expect(resolveInside('out', '보고서')).toBe('out/보고서');
  });
});

// ---------------------------------------------------------------- GNU tar interop

function run(args: string[], cwd: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('tar', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const withTar = requireTools(['tar'], 'GNU tar interop');

withTar.describe('GNU tar interop', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'sealdrop-tar-'));
  });
  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const files = [
    { path: 'submission.json', data: encoder.encode('{}\n') },
    { path: 'empty.txt', data: new Uint8Array(0) },
    { path: 'files/001-보고서_최종.pdf', data: patternBytes(512) },
    { path: `${LONG_DIRECTORY}/${'n'.repeat(90)}.bin`, data: patternBytes(1025, 7) },
    { path: 'files/002-한국어.txt', data: encoder.encode('안녕하세요\n') },
  ];

  test('GNU tar lists and extracts what we write, Padmé padding included', async () => {
    const archive = await writeAll(files.map((file) => fileEntry(file.path, file.data, [300])));
    const padded = await collectBytes([archive, ...zeroPadding(padmeLength(archive.length) - archive.length + 700)]);
    writeFileSync(join(work, 'sub.tar'), padded);

    const listing = run(['-tf', 'sub.tar'], work);
    expect(listing.stderr).toBe('');
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n').filter((line) => line !== '')).toEqual(files.map((file) => file.path));

    mkdirSync(join(work, 'out'));
    const extract = run(['-xf', '../sub.tar'], join(work, 'out'));
    expect(extract.stderr).toBe('');
    expect(extract.status).toBe(0);
    for (const file of files) expect(new Uint8Array(readFileSync(join(work, 'out', file.path)))).toEqual(file.data);
  });

  test('we read what GNU tar writes with --format=ustar', async () => {
    const tree = join(work, 'tree');
    // GNU tar must also fit each directory's own entry, so the long path is nested.
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
    const gnuFiles = [
      ...files.slice(0, 3),
      { path: `${deep}/${'n'.repeat(90)}.bin`, data: patternBytes(1025, 7) },
      files[4]!,
    ];
    for (const file of gnuFiles) {
      const target = join(tree, file.path);
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, file.data);
    }
    const names = readdirSync(tree).sort();
    const created = run(['--format=ustar', '-cf', '../gnu.tar', ...names], tree);
    expect(created.stderr).toBe('');
    const archive = new Uint8Array(readFileSync(join(work, 'gnu.tar')));
    const read = await readAll(rechunk(archive, [4096, 333]));
    const readFiles = read.filter((entry) => entry.type === 'file');
    const byPath = new Map(readFiles.map((entry) => [entry.path, entry.data]));
    expect(readFiles).toHaveLength(gnuFiles.length);
    for (const file of gnuFiles) expect(byPath.get(file.path)).toEqual(file.data);
    const directories = read.filter((entry) => entry.type === 'directory').map((entry) => entry.path);
    expect(directories.sort()).toEqual(['d'.repeat(60), deep, 'files']);
    // Every path can be placed under an extraction root.
    for (const entry of read) expect(resolveInside('/out', entry.path).startsWith('/out/')).toBe(true);
  });
});
