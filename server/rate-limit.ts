/**
 * The request budget of a listener: a global ceiling, shared fairly between
 * open connections. Over Tor every client arrives from the same local
 * address, so per-IP limits would be meaningless (and would require looking
 * at addresses, which the server never does); what tells clients apart is
 * the connection (Tor gives each circuit's stream its own). Each connection
 * refills only its share of the ceiling, so one flooding connection spends
 * its own share and cannot starve a source's.
 *
 * What it does not stop: every new connection starts with a full burst
 * ({@link CONNECTION_BURST}) drawn from the shared ceiling, so a client that
 * keeps opening new connections can still spend the ceiling (about one new
 * connection per second per 1,800 requests a minute). Over Tor, new streams
 * on a circuit are cheap; what prices them is the onion service's limits in
 * front (HiddenServiceMaxStreams with CloseCircuit, and proof of work per
 * new circuit, docs/OPERATIONS.md), and SEALDROP_MAX_CONNECTIONS here.
 */
import type { RequestHandler } from 'express';
import { ApiError } from './errors.js';

/**
 * Requests a fresh connection may make at once: loading the page (about ten
 * files) and its first API calls, with room to spare.
 */
export const CONNECTION_BURST = 30;

/**
 * The least a connection refills per minute however many are open, so a
 * source's page never waits minutes for its next request. With many
 * connections the shares then add up to more than the ceiling, and the
 * global ceiling decides.
 */
export const CONNECTION_FLOOR_PER_MINUTE = 60;

/** A token bucket; the refill rate is given at each use (a connection's share changes). */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Adds what `perMinute` refilled since the last call; never above capacity. */
  refill(perMinute: number, now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (Math.max(0, now - this.last) * perMinute) / 60_000);
    this.last = now;
  }

  get hasToken(): boolean {
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Whole seconds (at least 1) until a token is back at `perMinute`. */
  secondsToToken(perMinute: number): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) * 60) / perMinute));
  }
}

/** What a budget is kept per: a connection, forgotten when it closes. */
export interface Connection {
  once(event: 'close', listener: () => void): unknown;
}

/** The answer of {@link RequestBudget.take}. */
export type BudgetDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * A listener's budget: `perMinute` requests in total, each connection
 * refilling `max(CONNECTION_FLOOR_PER_MINUTE, perMinute / open connections)`.
 * Memory is one small bucket per open connection (a WeakMap keyed by the
 * socket, dropped with it).
 */
export class RequestBudget {
  private readonly global: TokenBucket;
  private readonly perConnection = new WeakMap<Connection, TokenBucket>();
  private open = 0;
  private readonly burst: number;

  /**
   * @throws RangeError unless `perMinute` is a positive number.
   */
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perMinute > 0)) throw new RangeError('request budget must be positive');
    this.global = new TokenBucket(perMinute, now());
    this.burst = Math.min(CONNECTION_BURST, perMinute);
  }

  /** Connections that have made a request and are still open. */
  get openConnections(): number {
    return this.open;
  }

  /** Takes one request from `connection`'s share and from the ceiling, or says when to retry. */
  take(connection: Connection): BudgetDecision {
    const now = this.now();
    let bucket = this.perConnection.get(connection);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.burst, now);
      this.perConnection.set(connection, bucket);
      this.open += 1;
      connection.once('close', () => {
        this.open -= 1;
      });
    }
    const share = this.share();
    bucket.refill(share, now);
    this.global.refill(this.perMinute, now);
    if (!bucket.hasToken) return { allowed: false, retryAfterSeconds: bucket.secondsToToken(share) };
    if (!this.global.hasToken) return { allowed: false, retryAfterSeconds: this.global.secondsToToken(this.perMinute) };
    bucket.take();
    this.global.take();
    return { allowed: true };
  }

  /** Requests per minute each open connection refills. */
  private share(): number {
    return Math.min(this.perMinute, Math.max(CONNECTION_FLOOR_PER_MINUTE, this.perMinute / Math.max(1, this.open)));
  }
}

/** Refuses requests with `RATE_LIMITED` once their connection's share or the listener's ceiling is spent. */
export function rateLimit(budget: RequestBudget): RequestHandler {
  return (req, _res, next) => {
    const decision = budget.take(req.socket);
    if (decision.allowed) next();
    else next(new ApiError('RATE_LIMITED', { 'Retry-After': String(decision.retryAfterSeconds) }));
  };
}
