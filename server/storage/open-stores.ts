/**
 * Opens the data folder's stores in the one order that wires them together:
 * submissions first (their bytes count in the quota), then the upload area
 * (recovering whatever a crash left, and owning the data folder's one
 * storage quota), then the reply mailboxes (joining that quota). The server
 * (main.ts) and the test servers all start through here, so they cannot
 * drift apart. The key manifest is opened by each caller: that is where
 * start-up decides what a missing or stale manifest means.
 */
import { MailboxStore, type MailboxLimits } from '../mailboxes/mailbox-store.js';
import { UploadStore, type UploadLimits } from '../uploads/upload-store.js';
import type { CheckpointPolicy } from '../uploads/checkpointer.js';
import { SubmissionStore } from './submission-store.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './submission-retention.js';

/** Every limit the stores enforce (a ServerConfig is one). */
export type StoreLimits = UploadLimits & MailboxLimits & Partial<RetentionPolicy>;

export interface DataStores {
  readonly submissions: SubmissionStore;
  readonly uploads: UploadStore;
  readonly mailboxes: MailboxStore;
}

export interface OpenStoresOptions {
  /** The clock of uploads and mailboxes (tests inject one). */
  readonly now?: () => Date;
  /** When upload checkpoints run (tests); the default otherwise. */
  readonly checkpoints?: CheckpointPolicy;
}

/**
 * Opens (creating if needed) the stores under `dataDir`.
 * @throws the file system's error (an unreadable or unwritable data folder).
 */
export async function openStores(
  dataDir: string,
  limits: StoreLimits,
  options: OpenStoresOptions = {},
): Promise<DataStores> {
  const retention: RetentionPolicy = {
    submissionRetentionDays: limits.submissionRetentionDays ?? DEFAULT_RETENTION.submissionRetentionDays,
    pulledGraceDays: limits.pulledGraceDays ?? DEFAULT_RETENTION.pulledGraceDays,
  };
  const submissions = await SubmissionStore.open(dataDir, retention);
  const uploads = await UploadStore.open(dataDir, submissions, limits, options.now, options.checkpoints);
  // Replies count toward the same storage quota as submissions and uploads.
  const mailboxes = await MailboxStore.open(dataDir, limits, uploads.quota, options.now);
  return { submissions, uploads, mailboxes };
}
