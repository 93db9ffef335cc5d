/**
 * The one home for "the disk is full": which file system errors mean it
 * (ENOSPC: no blocks or inodes left; EDQUOT: the user's quota is used up),
 * the coded answer clients get for it (`507 STORAGE_FULL`, never a 500), and
 * the episode: one warn line when writes start failing, one info line when a
 * write succeeds again, nothing in between, so a full disk under load cannot
 * flood the log. Log lines carry only what failed and the errno code: never
 * a file name (it holds ids) nor anything from a request.
 *
 * Every store that writes runs its writes through {@link storageFaults}.
 * Nothing here holds the disk back: once space returns, the next write simply
 * succeeds, which ends the episode.
 */
import { ApiError } from '../errors.js';

const FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** The errno code of a file system error, if it has one. */
function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` says the file system has no room (ENOSPC or EDQUOT). */
export function isStorageFull(error: unknown): boolean {
  const code = errnoOf(error);
  return code !== undefined && FULL_CODES.has(code);
}

/** Where episodes are reported (the server's pino logger fits). */
export interface StorageFaultLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Tracks disk-full episodes and turns disk-full errors into `STORAGE_FULL`. */
export class StorageFaults {
  private full = false;
  private log: StorageFaultLog | undefined;

  /** Sends episode lines to `log` from now on (the server sets its logger at start-up). */
  reportTo(log: StorageFaultLog | undefined): void {
    this.log = log;
  }

  /** True between a disk-full failure and the next successful write. */
  isFull(): boolean {
    return this.full;
  }

  /**
   * Runs one write. A disk-full failure starts (or continues) an episode and
   * is rethrown as `ApiError('STORAGE_FULL')`; other errors pass unchanged;
   * success ends an episode. `operation` names the kind of write for the log
   * (`upload create`, `chunk`...), never its data.
   * @throws ApiError STORAGE_FULL, or whatever `write` throws otherwise.
   */
  async write<T>(operation: string, write: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      throw this.classify(operation, error);
    }
    this.succeeded();
    return result;
  }

  /**
   * The error to throw for a failed write: `ApiError('STORAGE_FULL')` for a
   * disk-full error (noting the episode), `error` itself otherwise.
   */
  classify(operation: string, error: unknown): unknown {
    if (error instanceof ApiError || !isStorageFull(error)) return error;
    this.failed(operation, errnoOf(error));
    return new ApiError('STORAGE_FULL');
  }

  /**
   * For writes nobody waits on (background checkpoints): a disk-full failure
   * joins the episode; anything else is logged as an error, by code only.
   */
  background(operation: string, error: unknown): void {
    if (isStorageFull(error)) this.failed(operation, errnoOf(error));
    else this.log?.error({ operation, code: errnoOf(error) ?? 'unknown' }, 'storage write failed');
  }

  /** A write succeeded: ends the episode, if one was going on. */
  succeeded(): void {
    if (!this.full) return;
    this.full = false;
    this.log?.info({}, 'storage writable again');
  }

  private failed(operation: string, code: string | undefined): void {
    if (this.full) return;
    this.full = true;
    this.log?.warn({ operation, code }, 'storage full: writes refused with 507 until space returns');
  }
}

/** The process's episode tracker, shared by every store (they all write to one data folder). */
export const storageFaults = new StorageFaults();
