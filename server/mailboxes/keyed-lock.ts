/**
 * One-at-a-time sections per key (a mailbox id): the steps that read a
 * mailbox directory and then change it (commit a reply, delete one, expire
 * its files, remove the directory) must not interleave, or a count could be
 * exceeded or a directory removed under a reply being written. Sections for
 * different keys run concurrently; nothing slow (receiving a body) runs inside.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `section` once every earlier section for `key` has finished. */
  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.tails.set(key, tail);
    await previous;
    try {
      return await section();
    } finally {
      release();
      // The last waiter cleans up, so the map holds only keys in use.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
