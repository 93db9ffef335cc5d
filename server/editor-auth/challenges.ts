/**
 * Single-use login challenges for editors. A challenge is 32 random bytes the
 * editor signs with the Ed25519 access key listed for them in the manifest
 * (the signed message is the core's, client/core/editor-login.ts); it is
 * forgotten on first use (so a captured signature cannot be replayed) or
 * after a short lifetime. Held in memory only.
 */
import { randomBytes } from 'node:crypto';
import { CHALLENGE_BYTES } from '../../client/core/editor-login.js';

export class ChallengeStore {
  /** base64url challenge -> expiry (ms since epoch). */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxPending: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh challenge as base64url; `null` if too many are pending. */
  issue(): string | null {
    this.purge();
    if (this.pending.size >= this.maxPending) return null;
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    this.pending.set(challenge, this.now() + this.lifetimeMs);
    return challenge;
  }

  /** True exactly once for an issued, unexpired challenge; it is forgotten either way. */
  consume(challenge: string): boolean {
    const expiry = this.pending.get(challenge);
    if (expiry === undefined) return false;
    this.pending.delete(challenge);
    return expiry > this.now();
  }

  private purge(): void {
    const now = this.now();
    for (const [challenge, expiry] of this.pending) if (expiry <= now) this.pending.delete(challenge);
  }
}
