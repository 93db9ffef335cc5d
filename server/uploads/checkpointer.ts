/**
 * One upload's durability state machine: which bytes were received (written,
 * perhaps only to the page cache, and told to live clients) and which are
 * durable (fdatasynced, then journaled: what survives a crash), and the
 * checkpoints that move bytes from the first set to the second.
 *
 * A checkpoint runs in the background every {@link CheckpointPolicy.bytes}
 * received or {@link CheckpointPolicy.idleMs} after the first unsynced byte.
 * It fdatasyncs the `.part` file and only then appends and syncs the journal
 * lines for what was received before that fdatasync began, so the journal
 * never claims a byte that is not on disk. Only spans that changed since the
 * last checkpoint are appended, and once the journal would pass
 * {@link JOURNAL_LINE_LIMIT} lines it is rewritten durably as the current span
 * list, so its size (and the replay at restart) stays bounded whatever the
 * client sends. When a sync fails, the bytes not
 * yet journaled are no longer trusted ({@link Checkpointer.distrustUnsynced}):
 * live clients are sent back to the durable offset and send the rest again.
 */
import { appendFile, open } from 'node:fs/promises';
import { storageFaults } from '../storage/disk-faults.js';
import { writeFileDurably } from '../storage/durable.js';
import { formatJournal, MAX_RECEIVED_SPANS, ReceivedSpans, type ReceivedSpan } from './received-spans.js';

/**
 * Journal lines after which a checkpoint compacts the journal. Each
 * checkpoint appends at most {@link MAX_RECEIVED_SPANS} lines, so a journal
 * never holds more than three times that (about 100 KiB), which bounds the
 * replay at restart; a compaction rewrites at most a third of that, and only
 * after at least as many lines were appended since the last one.
 */
export const JOURNAL_LINE_LIMIT = 2 * MAX_RECEIVED_SPANS;

/** Size of a journal file as found on disk (for one replayed at start-up). */
export interface JournalSize {
  readonly lines: number;
  readonly bytes: number;
}

/** When received bytes are made durable and journaled. */
export interface CheckpointPolicy {
  /** Checkpoint once this many bytes were received since the last one. */
  readonly bytes: number;
  /** Checkpoint this long after the first byte not yet checkpointed. */
  readonly idleMs: number;
  /** Compact the journal past this many lines; {@link JOURNAL_LINE_LIMIT} unless given (tests). */
  readonly journalLineLimit?: number;
}

/**
 * 8 MiB bounds what a client must keep in memory until it is durable (it
 * keeps everything from `durableOffset` on, see docs/API.md) while still
 * writing in large runs between syncs; 2 s bounds it for a slow upload over
 * Tor and lets the client drop its copy soon after sending.
 */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { bytes: 8 * 1024 * 1024, idleMs: 2000 };

/** The two files of an upload a checkpoint touches. */
export interface CheckpointFiles {
  /** The ciphertext, fdatasynced by a checkpoint. */
  readonly part: string;
  /** The journal of durable spans, appended to after the data sync. */
  readonly journal: string;
}

/**
 * Taken before a chunk is written and handed back once it is: a chunk whose
 * write spans a {@link Checkpointer.distrustUnsynced} is not recorded.
 */
export interface WriteTicket {
  readonly generation: number;
}

export class Checkpointer {
  /** Written to the file (perhaps only to the page cache): what live clients are told. */
  private received: ReceivedSpans;
  /** Bumped when unsynced bytes can no longer be trusted (a failed sync). */
  private generation = 0;
  /** Bytes received since the last checkpoint started. */
  private unsyncedBytes = 0;
  /** Pending idle checkpoint. */
  private timer: NodeJS.Timeout | undefined;
  /** The checkpoint in progress; checkpoints of one upload run one at a time. */
  private syncing: Promise<void> | undefined;
  /** Checkpoints asked for; a pass runs again if one was asked for after it began. */
  private requests = 0;
  /** While paused (the upload is finalizing) checkpoints write nothing. */
  private paused = false;
  /** Once stopped (the upload is gone) checkpoints write nothing, ever. */
  private stopped = false;
  private journalLines: number;
  private journalSize: number;

  /**
   * @param durable fdatasynced, then journaled: what survives a crash (the
   *   journal replayed at start-up, or empty for a new upload).
   * @param journal the size of that journal file.
   */
  constructor(
    private readonly files: CheckpointFiles,
    private readonly policy: CheckpointPolicy,
    private readonly durable: ReceivedSpans = new ReceivedSpans(),
    journal: JournalSize = { lines: 0, bytes: 0 },
  ) {
    this.received = durable.clone();
    this.journalLines = journal.lines;
    this.journalSize = journal.bytes;
  }

  /** Bytes of the journal file (they count in the storage quota). */
  journalBytes(): number {
    return this.journalSize;
  }

  /** Bytes received so far (the union of every span). */
  receivedBytes(): number {
    return this.received.byteCount();
  }

  /** How many spans the received set would hold with `[start, end)` added. */
  spanCountWith(start: number, end: number): number {
    return this.received.countWith(start, end);
  }

  /** Bytes received contiguously from the start: where a live client resumes. */
  offset(): number {
    return this.received.contiguousPrefix();
  }

  /** Bytes from the start made durable by a checkpoint: what a restart will report. */
  durableOffset(): number {
    return this.durable.contiguousPrefix();
  }

  /** Every received span, in order (for tests and diagnostics; never sent to clients). */
  receivedSpans(): ReceivedSpan[] {
    return this.received.list();
  }

  /** True if every byte of `[0, size)` has been received. */
  covers(size: number): boolean {
    return this.received.covers(size);
  }

  /** To be taken before a chunk's write starts and passed to {@link recordWrite}. */
  startWrite(): WriteTicket {
    return { generation: this.generation };
  }

  /**
   * Records `[start, end)` as received once its write completed, and starts
   * or arms a checkpoint. A write that began before a failed sync is not
   * trusted and not recorded: the client will send it again.
   */
  recordWrite(ticket: WriteTicket, start: number, end: number): void {
    if (ticket.generation !== this.generation) return;
    this.received.add(start, end);
    this.unsyncedBytes += end - start;
    this.schedule();
  }

  /**
   * Trusts only journaled bytes again: what was received since the last
   * checkpoint is no longer claimed (after a failed fsync the kernel may have
   * dropped it), and writes in progress will not be recorded.
   */
  distrustUnsynced(): void {
    this.generation += 1;
    this.received = this.durable.clone();
    this.unsyncedBytes = 0;
  }

  /**
   * Makes every byte received so far durable: fdatasync of the data, then the
   * journal lines, synced. Concurrent calls share one pass, plus one more if
   * bytes arrived after it began. On failure the unsynced bytes are
   * distrusted.
   * @throws the file system's error.
   */
  checkpoint(): Promise<void> {
    this.clearTimer();
    this.requests += 1;
    if (this.syncing !== undefined) return this.syncing;
    const passes = async (): Promise<void> => {
      let served = -1;
      while (served !== this.requests) {
        served = this.requests;
        await this.checkpointOnce();
      }
    };
    const syncing = passes().finally(() => {
      this.syncing = undefined;
    });
    this.syncing = syncing;
    return syncing;
  }

  private async checkpointOnce(): Promise<void> {
    // A finalizing upload is about to be fsynced whole and its journal removed.
    if (this.unsyncedBytes === 0 || this.paused || this.stopped) return;
    this.unsyncedBytes = 0;
    // Only spans whose writes completed before the fdatasync starts are covered by it.
    const covered = this.received.list();
    const generation = this.generation;
    try {
      const handle = await open(this.files.part, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await this.journal(covered);
    } catch (error) {
      if (this.generation === generation) this.distrustUnsynced();
      throw error;
    }
    for (const span of covered) this.durable.add(span.start, span.end);
    storageFaults.succeeded();
  }

  /**
   * Journals `covered` (a superset of what is durable): appends the spans that
   * are new or grew since the last checkpoint, or rewrites the journal as
   * `covered` when appending would pass {@link JOURNAL_LINE_LIMIT}.
   */
  private async journal(covered: readonly ReceivedSpan[]): Promise<void> {
    const changed = covered.filter((span) => !this.durable.hasSpan(span.start, span.end));
    if (changed.length === 0) return;
    if (this.journalLines + changed.length > (this.policy.journalLineLimit ?? JOURNAL_LINE_LIMIT)) {
      const text = formatJournal(covered);
      await writeFileDurably(this.files.journal, text);
      this.journalLines = covered.length;
      this.journalSize = Buffer.byteLength(text);
    } else {
      const text = formatJournal(changed);
      await appendFile(this.files.journal, text, { flush: true });
      this.journalLines += changed.length;
      this.journalSize += Buffer.byteLength(text);
    }
  }

  /** Starts a checkpoint in the background if enough was received, else arms the idle one. */
  private schedule(): void {
    if (this.unsyncedBytes >= this.policy.bytes) {
      // Retried by the next checkpoint or finalize; the failure is logged (a full disk once per episode).
      this.checkpoint().catch((error: unknown) => {
        storageFaults.background('checkpoint', error);
      });
    } else if (this.unsyncedBytes > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.checkpoint().catch((error: unknown) => {
          storageFaults.background('checkpoint', error);
        });
      }, this.policy.idleMs);
      this.timer.unref();
    }
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Holds checkpoints while the upload is finalizing and waits for the one
   * running, so none appends to the journal after it is removed.
   */
  async pause(): Promise<void> {
    this.paused = true;
    await this.settle();
  }

  /** Ends a {@link pause}; unless stopped, arms a checkpoint for what is unsynced. */
  resume(): void {
    this.paused = false;
    if (!this.stopped) this.schedule();
  }

  /** The upload is gone: no checkpoint writes anything from now on. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** Waits until no checkpoint runs (no new chunks may be accepted by then). */
  async settle(): Promise<void> {
    this.clearTimer();
    await this.syncing?.catch(() => undefined);
  }
}
