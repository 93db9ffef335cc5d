/**
 * Path and file-name rules for archive entries: which paths the writer
 * accepts and the reader lets through (no traversal, no control or bidi
 * characters, valid UTF-8, no collisions by case or Unicode normalization),
 * joining a path to an extraction root, and the safe archive name of an
 * attached file.
 *
 * These rules are what makes extracting a hostile archive safe; the header
 * block itself is in tar-header.ts, the streaming writer and reader in tar.ts.
 */
import { NAME_LENGTH, TarError } from './tar-header.js';

const encoder = new TextEncoder();

/**
 * Characters refused in names besides C0, DEL and C1 controls: bidirectional
 * overrides and isolates (which make `evil\u202Etxt.exe` display as
 * `evilexe.txt`) and line/paragraph separators (which break listings).
 */
function isForbiddenCodeUnit(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x5c || // backslash: a separator on Windows
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * Split a canonical relative path into its segments.
 * @throws TarError `unsafe-name` if the path is empty, absolute, has an empty, `.` or `..`
 * segment, or contains a control, bidi-control or backslash character.
 */
export function canonicalSegments(path: string): string[] {
  if (path === '') throw new TarError('unsafe-name', 'empty entry name');
  if (path.startsWith('/')) throw new TarError('unsafe-name', 'absolute entry name');
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === 0x5c) throw new TarError('unsafe-name', 'backslash in entry name');
    if (isForbiddenCodeUnit(code)) throw new TarError('unsafe-name', 'control character in entry name');
    // A lone surrogate cannot come from valid UTF-8 but can from a JS string.
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = path.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw new TarError('unsafe-name', 'invalid entry name');
      i += 1;
    }
  }
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '..') throw new TarError('unsafe-name', 'parent segment in entry name');
    if (segment === '' || segment === '.') throw new TarError('unsafe-name', 'invalid entry name');
  }
  return segments;
}

/**
 * The segments of the path a header's prefix and name fields spell, in
 * normal form: a directory's trailing '/' and `.` segments are dropped.
 *
 * @throws TarError `unsafe-name` if the path is absolute, has a `..` segment, is empty once
 * `.` segments are dropped, or is otherwise not canonical (see
 * {@link canonicalSegments}).
 */
export function headerPathSegments(prefix: string, name: string, type: 'file' | 'directory'): string[] {
  let path = prefix === '' ? name : `${prefix}/${name}`;
  if (path.startsWith('/')) throw new TarError('unsafe-name', 'absolute entry name');
  // Directories end in '/'; GNU tar writes names such as "./a": both are normal forms.
  if (type === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
  const parts = path.split('/');
  if (parts.includes('..')) throw new TarError('unsafe-name', 'parent segment in entry name');
  // `.` segments are dropped; a name that was nothing but `.` is then empty and refused.
  const kept = parts.filter((part) => part !== '.');
  return canonicalSegments(kept.join('/'));
}

/**
 * The key two names collide under on case-insensitive, normalization-
 * insensitive filesystems (macOS, Windows), which also ignore trailing dots
 * and spaces (Windows).
 */
function collisionKey(segment: string): string {
  return segment
    .normalize('NFD')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[. ]+$/u, '');
}

/** Refuses names that would collide, or pass through a file, on extraction. */
export class NameRegistry {
  private readonly entries = new Map<string, 'file' | 'directory'>();
  private readonly parents = new Set<string>();

  /**
   * Record one entry's canonical segments.
   * @throws TarError `duplicate-name` if the name duplicates an earlier one (up to
   * {@link collisionKey}) or goes through an earlier file.
   */
  add(segments: readonly string[], type: 'file' | 'directory'): void {
    let key = '';
    for (let i = 0; i < segments.length; i++) {
      key += (i === 0 ? '' : '/') + collisionKey(segments[i]!);
      if (i === segments.length - 1) break;
      if (this.entries.get(key) === 'file') throw new TarError('duplicate-name', 'entry name goes through a file');
      this.parents.add(key);
    }
    if (this.entries.has(key)) throw new TarError('duplicate-name', 'duplicate entry name');
    if (type === 'file' && this.parents.has(key)) throw new TarError('duplicate-name', 'duplicate entry name');
    this.entries.set(key, type);
  }
}

/**
 * Join an archive path to an extraction root, refusing anything that could
 * land outside it. Pure POSIX string logic: the path must be canonical (as
 * {@link readTar} yields), so `..` is refused outright rather than resolved,
 * because lexical resolution is wrong once a directory is a symlink. The
 * caller must still create files without following existing symlinks.
 *
 * @throws TarError `invalid-root` if the root is empty or holds a NUL;
 * `unsafe-name` if the path is empty, absolute, has an empty, `.` or `..`
 * segment, or contains a NUL, control or backslash.
 */
export function resolveInside(root: string, path: string): string {
  if (root === '' || root.includes('\0')) throw new TarError('invalid-root', 'invalid extraction root');
  const segments = canonicalSegments(path);
  let base = root.replace(/\/+/gu, '/');
  if (base.length > 1 && base.endsWith('/')) base = base.slice(0, -1);
  return (base === '/' ? '/' : base + '/') + segments.join('/');
}

/**
 * A safe archive name for the attached file at zero-based position `index`:
 * `files/NNN-<safe>` with NNN = index + 1, at least three digits. The original
 * name is kept in submission.json; this one only has to extract safely and
 * stay readable.
 *
 * `<safe>` is the NFC-normalized name with every run of characters other than
 * Unicode letters, marks, digits, `.`, `-` and `_` replaced by one `_` (so
 * Korean names stay readable; separators, controls, spaces, bidi controls and
 * shell metacharacters go), runs of dots collapsed, leading dots and
 * underscores removed (no hidden files, no `_.._etc`), trailing dots removed
 * (Windows drops them), `file` if nothing is left, and cut at a
 * code point boundary, keeping a short extension, so the whole last segment
 * fits ustar's 100-byte name field. The numeric prefix makes names unique and
 * keeps them clear of reserved names such as `CON` or `..`.
 *
 * @throws RangeError if `index` is not a non-negative safe integer.
 */
export function sanitizeFileName(original: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('invalid file index');
  const numbered = `${String(index + 1).padStart(3, '0')}-`;
  let safe = original
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '_')
    .replace(/\.{2,}/gu, '.')
    .replace(/_{2,}/gu, '_')
    .replace(/^[._]+/u, '')
    .replace(/\.+$/u, '');
  if (safe === '') safe = 'file';
  safe = fitUtf8(safe, NAME_LENGTH - numbered.length);
  return `${FILES_DIRECTORY}/${numbered}${safe}`;
}

/** The directory attached files are written under. */
export const FILES_DIRECTORY = 'files';

/** Cut `name` to at most `limit` UTF-8 bytes, keeping an extension of up to 16 bytes. */
function fitUtf8(name: string, limit: number): string {
  if (encoder.encode(name).length <= limit) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 17 ? name.slice(dot) : '';
  const stem = extension === '' ? name : name.slice(0, dot);
  const budget = limit - encoder.encode(extension).length;
  let out = '';
  let used = 0;
  for (const char of stem) {
    const bytes = encoder.encode(char).length;
    if (used + bytes > budget) break;
    out += char;
    used += bytes;
  }
  return out + extension;
}
