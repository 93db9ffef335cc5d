/**
 * Reads that leave a file's access time alone. Reading a stored file would
 * otherwise set its atime to the instant of the read (under the default
 * `relatime`, at least the first read after each change), telling a seized
 * disk when an editor downloaded a submission or a source fetched a reply.
 * `O_NOATIME` stops that; Linux allows it only to the file's owner (or with
 * CAP_FOWNER), which the server is for the files it stores. Where it is
 * refused (EPERM) or unknown (not Linux) the read goes ahead without it:
 * docs/OPERATIONS.md asks for a `noatime` mount, which covers every case.
 */
import { close, constants, createReadStream, open as openFd, read, type ReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** `O_RDONLY | O_NOATIME`, or plain `O_RDONLY` off Linux (typed as always present, it is not). */
const QUIET_READ_FLAGS = constants.O_RDONLY | ((constants.O_NOATIME as number | undefined) ?? 0);

/**
 * Opens `file` for reading without updating its access time where allowed.
 * @throws the file system's error (ENOENT for a missing file).
 */
export async function openQuietly(file: string): Promise<FileHandle> {
  try {
    return await open(file, QUIET_READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM' || QUIET_READ_FLAGS === constants.O_RDONLY) throw error;
    return open(file, constants.O_RDONLY);
  }
}

/** Where a quiet read stream reads: both bytes inclusive, as in HTTP ranges. */
export interface QuietRange {
  readonly start: number;
  readonly end: number;
  readonly highWaterMark: number;
}

/** `fs.open` with {@link QUIET_READ_FLAGS}, falling back as {@link openQuietly} does. */
function openQuietlyCallback(name: string, callback: (error: NodeJS.ErrnoException | null, fd: number) => void): void {
  openFd(name, QUIET_READ_FLAGS, (error, fd) => {
    if (error?.code === 'EPERM' && QUIET_READ_FLAGS !== constants.O_RDONLY) openFd(name, constants.O_RDONLY, callback);
    else callback(error, fd);
  });
}

/**
 * A read stream of `file` that opens it as {@link openQuietly} does. The
 * file is opened when the stream starts, as `fs.createReadStream` does; an
 * open failure is the stream's error.
 */
export function createQuietReadStream(file: string, range: QuietRange): ReadStream {
  return createReadStream(file, {
    ...range,
    fs: {
      open: (
        name: string,
        _flags: unknown,
        _mode: unknown,
        callback: (error: NodeJS.ErrnoException | null, fd: number) => void,
      ) => {
        openQuietlyCallback(name, callback);
      },
      read,
      close,
    },
  });
}
