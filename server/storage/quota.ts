/**
 * The storage quota of the data folder (`SEALDROP_STORAGE_QUOTA_BYTES`): one
 * limit for everything the server keeps on behalf of others, stored or about
 * to be. Each store that holds such bytes (submissions, open uploads, reply
 * mailboxes) counts itself in, and every store asks the same question before
 * it accepts a byte, so no store can fill the disk the others need.
 */
import { ApiError } from '../errors.js';

/** Bytes a store holds now, stored plus reserved for writes in progress. */
export type HeldBytes = () => number;

export class StorageQuota {
  private readonly holders: HeldBytes[] = [];

  constructor(readonly limitBytes: number) {}

  /** Counts `held()` toward the limit from now on. */
  include(held: HeldBytes): void {
    this.holders.push(held);
  }

  /** Bytes held by every store together. */
  usedBytes(): number {
    let total = 0;
    for (const held of this.holders) total += held();
    return total;
  }

  /** True if `bytes` more fit. */
  hasRoom(bytes: number): boolean {
    return this.usedBytes() + bytes <= this.limitBytes;
  }

  /**
   * Checks that `bytes` more fit. Callers reserve the bytes before their
   * next `await`, so concurrent requests cannot overshoot together.
   * @throws ApiError QUOTA_EXCEEDED.
   */
  ensureRoom(bytes: number): void {
    if (!this.hasRoom(bytes)) throw new ApiError('QUOTA_EXCEEDED');
  }
}
