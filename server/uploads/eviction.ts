/**
 * Which open uploads give way when a new one finds no free slot or no room in
 * the quota. Over Tor every client is the same address, so nothing here is
 * keyed by address: an upload keeps its place by what it costs its client,
 * bytes actually sent, and loses it by holding a slot or quota while sending
 * little.
 *
 * Policy, in order:
 * 1. Never evicted: an upload being finalized.
 * 2. The slowest first: bytes received per second over the upload's life,
 *    so an idle upload (whose rate decays while it waits) or a trickle goes
 *    before a source that is sending. A chunk in flight does not protect an
 *    upload by itself: a slow body that dribbles a byte now and then keeps a
 *    chunk in flight for ever, and must not outrank a source that is between
 *    two fast batches.
 * 3. Same rate: one with no chunk in flight first (nothing is cut off).
 * 4. Then the one idle longest first (among uploads that never received a
 *    byte: the oldest).
 * A new upload has had no time to show its rate: for its first
 * {@link NEW_UPLOAD_WINDOW_MS} it counts as sending at least
 * {@link NEW_UPLOAD_RATE} (slower than any real source, faster than a
 * trickle), so it outranks trickles and stale empty uploads while its
 * first chunk is on the way, and among new ones the oldest goes first. It
 * is a rank, not a shield: a flood of new uploads pushes out its own oldest,
 * and a connection that reconnects to renew it gains nothing over them.
 * This module is pure: the store gives it the numbers and does the deleting.
 */

/** How long a new upload counts as sending at least {@link NEW_UPLOAD_RATE}. */
export const NEW_UPLOAD_WINDOW_MS = 10_000;
/** Bytes per second a new upload is assumed to send: a tenth of a slow Tor link. */
export const NEW_UPLOAD_RATE = 1024;

/** What the policy needs to know of one open upload. */
export interface EvictionCandidate {
  readonly createdAt: number;
  readonly lastActivity: number;
  readonly receivedBytes: number;
  readonly chunksInFlight: number;
  readonly finalizing: boolean;
}

/** Bytes received per second over the upload's life (at least one second; see {@link NEW_UPLOAD_RATE}). */
function rateOf(candidate: EvictionCandidate, now: number): number {
  const rate = candidate.receivedBytes / Math.max(1, (now - candidate.createdAt) / 1000);
  return now - candidate.createdAt < NEW_UPLOAD_WINDOW_MS ? Math.max(rate, NEW_UPLOAD_RATE) : rate;
}

/** The uploads that may be evicted at `now`, the first to go first. */
export function evictionOrder<T extends EvictionCandidate>(candidates: Iterable<T>, now: number): T[] {
  const evictable = [...candidates].filter((candidate) => !candidate.finalizing);
  return evictable
    .map((candidate) => ({ candidate, rate: rateOf(candidate, now) }))
    .sort(
      (a, b) =>
        a.rate - b.rate ||
        Number(a.candidate.chunksInFlight > 0) - Number(b.candidate.chunksInFlight > 0) ||
        a.candidate.lastActivity - b.candidate.lastActivity,
    )
    .map(({ candidate }) => candidate);
}
