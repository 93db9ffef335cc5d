/**
 * Ids of uploads the server dropped to make room for others, so that their
 * clients are told `410 UPLOAD_GONE` (start again) rather than a bare
 * `404 NOT_FOUND`. Bounded: only the most recent {@link GONE_UPLOADS_REMEMBERED}
 * are kept in memory, and none survive a restart (then it is 404 again).
 */

/** How many evicted ids are remembered (32 hex digits each: about 0.5 MiB at most). */
export const GONE_UPLOADS_REMEMBERED = 4096;

export class GoneUploads {
  /** Insertion order is eviction order, so the first entry is the oldest. */
  private readonly ids = new Set<string>();

  constructor(private readonly limit = GONE_UPLOADS_REMEMBERED) {}

  /** Remembers `id`, forgetting the oldest beyond the limit. */
  add(id: string): void {
    this.ids.add(id);
    while (this.ids.size > this.limit) {
      const oldest = this.ids.values().next().value;
      if (oldest === undefined) break;
      this.ids.delete(oldest);
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
