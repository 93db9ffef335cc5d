/**
 * Short-lived bearer tokens for authenticated editors, in memory only: a
 * restart logs everyone out, and nothing on disk grants access. The map is
 * keyed by SHA-256 of the token so a lookup's timing says nothing about
 * stored tokens, and a memory dump of the map yields no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { RANDOM_TOKEN_BYTES } from '../../client/core/wire-shapes.js';

export interface TokenGrant {
  /** The editor's Ed25519 access key (32 bytes, hex), re-checked against the manifest on every use. */
  readonly accessKeyHex: string;
  readonly expires: number;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TokenStore {
  private readonly grants = new Map<string, TokenGrant>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token (43 base64url characters) for the editor with this access key. */
  issue(accessKeyHex: string): { token: string; expiresInSeconds: number } {
    this.purge();
    const token = randomBytes(RANDOM_TOKEN_BYTES).toString('base64url');
    this.grants.set(digest(token), { accessKeyHex, expires: this.now() + this.lifetimeMs });
    return { token, expiresInSeconds: Math.floor(this.lifetimeMs / 1000) };
  }

  /** The grant behind a token; `null` if unknown or expired. */
  resolve(token: string): TokenGrant | null {
    const key = digest(token);
    const grant = this.grants.get(key);
    if (grant === undefined) return null;
    if (grant.expires <= this.now()) {
      this.grants.delete(key);
      return null;
    }
    return grant;
  }

  private purge(): void {
    const now = this.now();
    for (const [key, grant] of this.grants) if (grant.expires <= now) this.grants.delete(key);
  }
}
