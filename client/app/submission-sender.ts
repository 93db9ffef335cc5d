/**
 * One send, as the worker runs it: verify the newsroom's keys anew, encrypt
 * the kept message and files to them, upload; and start again by itself when
 * the server says this upload can never complete (docs/PROTOCOL.md §9):
 * the manifest changed since the page encrypted (`manifest-changed`), or the
 * server no longer holds the unfinished upload (`expired`: dropped for
 * others, or expired). Ciphertext cannot be reused across keys, and the
 * server's copy is gone, so each start encrypts afresh.
 *
 * Every start after the first verifies the keys anew, and so does the first
 * unless the caller hands it keys this page verified and the last send did
 * not fail: then the first start saves that round trip (a second or more
 * over Tor) and relies on the server, which refuses an upload declaring any
 * manifest but its current one (`manifest-changed`, a restart with fresh
 * keys). "Try again" after a failed send always verifies, so it uses the
 * newsroom's current keys rather than the page's.
 * No DOM, no worker globals: the steps are given, so tests can fake them.
 */
import { CodedError } from '../core/coded-error.js';
import { manifestExpiry } from '../core/manifest-expiry.js';
import type { RestartReason } from './protocol.js';
import type { TrustedKeys } from './trust.js';
import { UploadError } from './upload-errors.js';

/** How often a send starts again by itself before it fails plainly. */
export const MAX_RESTARTS = 3;

export type SendErrorCode =
  /** The send started again {@link MAX_RESTARTS} times and was refused once more. */
  | 'restarted-too-often'
  /** A re-fetched manifest is older than one this page already verified: a rollback. */
  | 'older-keys';

/** The send cannot go on for a reason of its own (not the upload's, not the keys'). */
export class SendError extends CodedError<SendErrorCode> {
  override name = 'SendError';
}

export interface SendSteps {
  /**
   * The newsroom's keys, fetched and verified now.
   * @throws TrustError when they cannot be.
   */
  verify(): Promise<TrustedKeys>;
  /**
   * Encrypts the kept submission to `keys` and uploads it, declaring `keys.version`.
   * @throws UploadError, or whatever encryption or reading a file throws.
   */
  sealAndUpload(keys: TrustedKeys): Promise<void>;
  /** Called before each start after the first, with why. */
  onRestarting(reason: RestartReason): void;
  /** Called with each verified set of keys, before encrypting to it. */
  onVerified?(keys: TrustedKeys): void;
}

export interface SendOptions {
  /**
   * Keys this page verified earlier, which the first start uses instead of
   * verifying again, unless they have expired since. Leave out after a failed
   * send, so that "try again" fetches the newsroom's current keys.
   */
  readonly verifiedKeys?: TrustedKeys | undefined;
  /** Default {@link MAX_RESTARTS}. */
  readonly maxRestarts?: number;
}

/** Why `error` means "start again", or null if it does not. */
export function restartReason(error: unknown): RestartReason | null {
  if (!(error instanceof UploadError)) return null;
  if (error.code === 'manifest-changed') return 'keys-changed';
  if (error.code === 'expired') return 'upload-dropped';
  return null;
}

/**
 * Runs the send until it is stored, starting again after each refusal that
 * asks for it, at most `maxRestarts` times.
 *
 * @param knownVersion the highest manifest version this page has verified:
 *   a manifest older than it is refused, even if correctly signed.
 * @param options keys to start with without verifying, and the restart limit.
 * @returns the highest manifest version verified, for the next send.
 * @throws SendError `restarted-too-often` or `older-keys`.
 * @throws TrustError from `verify`; whatever `sealAndUpload` throws that is
 *   not a reason to start again.
 */
export async function sendWithRestarts(
  steps: SendSteps,
  knownVersion: number,
  options: SendOptions = {},
): Promise<number> {
  const maxRestarts = options.maxRestarts ?? MAX_RESTARTS;
  let highest = knownVersion;
  for (let restarts = 0; ; restarts++) {
    const reusable = restarts === 0 ? options.verifiedKeys : undefined;
    const keys =
      reusable !== undefined && !manifestExpiry(reusable.expires, new Date(), 0).expired
        ? reusable
        : await steps.verify();
    if (keys.version < highest) throw new SendError('older-keys', 'manifest older than one already verified');
    highest = keys.version;
    steps.onVerified?.(keys);
    try {
      await steps.sealAndUpload(keys);
      return highest;
    } catch (error) {
      const reason = restartReason(error);
      if (reason === null) throw error;
      if (restarts >= maxRestarts) throw new SendError('restarted-too-often', 'the server kept refusing the upload');
      steps.onRestarting(reason);
    }
  }
}
