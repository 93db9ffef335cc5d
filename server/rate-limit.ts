/**
 * One global request budget per listener. Over Tor every client arrives from
 * the same local address, so per-IP limits would be meaningless (and would
 * require looking at addresses, which the server never does).
 */
import type { RequestHandler } from 'express';
import { ApiError } from './errors.js';

/** A token bucket refilled continuously at `perMinute`, holding at most `perMinute`. */
export class RequestBudget {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.last = now();
  }

  /** Takes one request from the budget; false if it is exhausted. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until one request fits again. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) * 60) / this.perMinute));
  }
}

/** Refuses requests with `RATE_LIMITED` once the listener's budget is spent. */
export function rateLimit(budget: RequestBudget): RequestHandler {
  return (_req, _res, next) => {
    if (budget.take()) next();
    else next(new ApiError('RATE_LIMITED', { 'Retry-After': String(budget.retryAfterSeconds()) }));
  };
}
