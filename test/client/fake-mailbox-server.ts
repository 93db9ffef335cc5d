/**
 * An in-memory source listener for the mailbox routes, as docs/API.md and
 * the conversation contract describe them (POST api/mailbox, .../reply,
 * .../delete, the capability in the JSON body), with faults injected one per
 * request: an error answer, no answer at all, a reply body cut off halfway.
 */
import { decodeMailboxCapability, encodeMailboxCapability } from '../../client/core/mailbox.js';
import { mailboxIdFor } from '../../client/core/source-secret.js';
import type { FetchLike } from '../../client/app/upload-requests.js';

export interface StoredReply {
  readonly id: string;
  readonly day: string;
  readonly bytes: Uint8Array;
}

/** What the next request meets instead of the normal answer. */
export type MailboxFault =
  /** An error answer with the registry's JSON body (or none, like a proxy, when `code` is null). */
  | { readonly status: number; readonly code: string | null; readonly retryAfter?: string }
  /** The connection fails before any answer. */
  | 'network'
  /** A reply's body stops halfway. */
  | 'cut';

export interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly credentials: RequestCredentials | undefined;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function notFound(): Response {
  return json(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
}

/** A body that yields its first half, then fails as a dropped connection does. */
function cutBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, bytes.length >> 1));
      controller.error(new TypeError('network error'));
    },
  });
}

/** A body in pieces of `piece` bytes, as a network delivers it. */
function pieces(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

export class FakeMailboxServer {
  /** Replies by mailbox id, newest day first once listed. */
  readonly mailboxes = new Map<string, StoredReply[]>();
  readonly log: LoggedRequest[] = [];
  faults: MailboxFault[] = [];
  /** Bytes per piece of a reply body. */
  piece = 16 * 1024;

  /** Stores a reply in the mailbox that `capability` opens. */
  add(capability: Uint8Array, reply: StoredReply): void {
    const id = mailboxIdFor(capability);
    this.mailboxes.set(id, [...(this.mailboxes.get(id) ?? []), reply]);
  }

  /** Deletes a reply behind the client's back (another device, expiry). */
  remove(capability: Uint8Array, id: string): void {
    const mailbox = mailboxIdFor(capability);
    this.mailboxes.set(
      mailbox,
      (this.mailboxes.get(mailbox) ?? []).filter((reply) => reply.id !== id),
    );
  }

  replies(capability: Uint8Array): readonly StoredReply[] {
    return this.mailboxes.get(mailboxIdFor(capability)) ?? [];
  }

  readonly fetch: FetchLike = async (url, init) => {
    await Promise.resolve();
    if (init.signal?.aborted === true) throw new DOMException('aborted', 'AbortError');
    const body = JSON.parse(typeof init.body === 'string' ? init.body : '{}') as Record<string, unknown>;
    this.log.push({
      method: init.method ?? 'GET',
      url,
      headers: { ...(init.headers as Record<string, string>) },
      body,
      credentials: init.credentials,
    });
    const fault = this.faults.shift();
    if (fault === 'network') throw new TypeError('fetch failed');
    if (fault !== undefined && fault !== 'cut') {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
      return fault.code === null
        ? new Response('<html>bad gateway</html>', { status: fault.status, headers })
        : new Response(JSON.stringify({ error: { code: fault.code, message: 'x' } }), {
            status: fault.status,
            headers: { 'content-type': 'application/json', ...headers },
          });
    }
    const { pathname } = new URL(url);
    const capability = decodeMailboxCapability(body.capability);
    if (init.method !== 'POST') return notFound();
    if (capability === null) return json(400, { error: { code: 'INVALID_BODY', message: 'invalid request body' } });
    const stored = this.mailboxes.get(mailboxIdFor(capability)) ?? [];
    const find = (): StoredReply | undefined => stored.find((reply) => reply.id === body.id);
    switch (pathname) {
      case '/api/mailbox':
        return json(200, {
          replies: [...stored]
            .sort((a, b) => (a.day === b.day ? (a.id < b.id ? -1 : 1) : a.day < b.day ? 1 : -1))
            .map((reply) => ({ id: reply.id, day: reply.day, size: reply.bytes.length })),
        });
      case '/api/mailbox/reply': {
        const reply = find();
        if (reply === undefined) return notFound();
        return new Response(fault === 'cut' ? cutBody(reply.bytes) : pieces(reply.bytes, this.piece), {
          status: 200,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(reply.bytes.length) },
        });
      }
      case '/api/mailbox/delete': {
        const reply = find();
        if (reply === undefined) return notFound();
        this.mailboxes.set(
          mailboxIdFor(capability),
          stored.filter((entry) => entry !== reply),
        );
        return new Response(null, { status: 204 });
      }
      default:
        return notFound();
    }
  };
}

/** The capability as the wire carries it, for assertions on what was sent. */
export function capabilityText(capability: Uint8Array): string {
  return encodeMailboxCapability(capability);
}
