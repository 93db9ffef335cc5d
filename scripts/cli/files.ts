/**
 * Small-file I/O for keys and manifests: bounded reads, exclusive creation
 * (a key is never silently overwritten) and atomic replacement of the
 * manifest being edited. Errors become one-line {@link CliError}s naming the
 * file, never its content.
 */
import { lstat, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { concatBytes } from '../../client/core/bytes.js';
import { MAX_SEALED_DOCUMENT_BYTES } from '../../client/core/sealed-document.js';
import { CliError } from './io.js';

/** Key, manifest and signature files are far smaller than this. */
export const MAX_SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Key files, signatures, identity and access key files: a few lines each.
 * The core's bound on sealed documents, so whatever is read can be opened.
 */
export const MAX_KEY_FILE_BYTES = MAX_SEALED_DOCUMENT_BYTES;

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'EEXIST':
      return 'already exists (not overwritten)';
    default:
      return code ?? 'i/o error';
  }
}

/**
 * Read a whole small file.
 * @throws CliError if it cannot be read or exceeds `limit` bytes.
 */
export async function readSmallFile(file: string, limit = MAX_SMALL_FILE_BYTES): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > limit) throw new CliError(`${file}: file too large`);
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: ${describe(error)}`);
  }
  if (bytes.length > limit) throw new CliError(`${file}: file too large`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Read a small text file (UTF-8). @throws CliError as {@link readSmallFile}. */
export async function readSmallText(file: string, limit = MAX_SMALL_FILE_BYTES): Promise<string> {
  return Buffer.from(await readSmallFile(file, limit)).toString('utf8');
}

/** Whether anything (even a dangling link) is at this path. @throws CliError on errors other than absence. */
export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`${file}: ${describe(error)}`);
  }
}

/**
 * Create a new file (never overwrite), write it and flush it to disk.
 * @param mode - 0o600 for secrets.
 * @throws CliError if it exists or cannot be written.
 */
export async function writeNewFile(file: string, content: Uint8Array | string, mode = 0o644): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (error) {
    throw new CliError(`${file}: ${describe(error)}`);
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(file, { force: true });
    throw new CliError(`${file}: ${describe(error)}`);
  }
  await handle.close();
}

/**
 * Replace a file atomically (write a temporary file next to it, then rename),
 * so an interrupted edit leaves either the old or the new manifest.
 * @throws CliError if it cannot be written.
 */
export async function replaceFile(file: string, content: Uint8Array | string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await rm(temporary, { force: true });
  await writeNewFile(temporary, content);
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(`${file}: ${describe(error)}`);
  }
}

/** Remove a file if it exists. */
export async function removeIfPresent(file: string): Promise<boolean> {
  const present = await exists(file);
  if (present) await rm(file, { force: true });
  return present;
}

/**
 * Read a stream (standard input) to its end into one buffer, stopping early
 * once it passes `limit` bytes; the pieces read are wiped, so a secret piped
 * in (the 12 words) is left only in the result, which the caller wipes.
 * @returns the bytes, or null if there were more than `limit`.
 */
export async function readStreamBounded(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limit: number,
): Promise<Uint8Array | null> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const piece of source) {
      total += piece.length;
      if (total > limit) return null;
      pieces.push(Uint8Array.from(piece));
      piece.fill(0);
    }
    return concatBytes(...pieces);
  } finally {
    for (const piece of pieces) piece.fill(0);
  }
}
