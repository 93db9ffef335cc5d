/**
 * The source listener's reply mailbox routes. The mailbox capability is the
 * only credential, and it travels only in the JSON request body, never in a
 * path, query or header that proxies and browsers log or keep. The server
 * computes the mailbox id from it (one HKDF, `mailboxIdFor`) and forgets it.
 *
 *   POST /api/mailbox          { capability }      -> { replies: [{ id, day, size }] }
 *   POST /api/mailbox/reply    { capability, id }  -> the reply's age file
 *   POST /api/mailbox/delete   { capability, id }  -> 204
 *
 * A wrong capability opens a mailbox nobody writes to: it answers exactly as
 * an empty mailbox does, so no answer tells a guess from a real one.
 */
import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import { exactKeys, isRecord } from '../../client/core/json-shape.js';
import { decodeMailboxCapability, isReplyId } from '../../client/core/mailbox.js';
import { mailboxIdFor } from '../../client/core/source-secret.js';
import { ApiError } from '../errors.js';
import type { MailboxStore } from '../mailboxes/mailbox-store.js';
import { JSON_BODY_LIMIT, jsonBody } from './http.js';

export interface MailboxRouteDeps {
  readonly mailboxes: MailboxStore;
}

/**
 * The body's fields when it has exactly `names`, and nothing else: an
 * unexpected field is more likely a client bug than something to ignore.
 * @throws ApiError INVALID_BODY.
 */
function exactFields(body: unknown, names: readonly string[]): Record<string, unknown> {
  if (!isRecord(body) || !exactKeys(body, names)) throw new ApiError('INVALID_BODY');
  return body;
}

/**
 * The mailbox id a capability opens. The capability's bytes are wiped once
 * the id is computed: the server keeps no capability, not even in memory.
 * @throws ApiError INVALID_BODY for anything but a canonical 43-character capability
 *   (a mailbox id in its place included).
 */
function mailboxOf(capability: unknown): string {
  const bytes = decodeMailboxCapability(capability);
  if (bytes === null) throw new ApiError('INVALID_BODY');
  try {
    return mailboxIdFor(bytes);
  } finally {
    bytes.fill(0);
  }
}

/**
 * The mailbox and reply a `{ capability, id }` body names.
 * @throws ApiError INVALID_BODY, or INVALID_ID for a reply id that is not 32 lowercase hex digits.
 */
function replyRequest(body: unknown): { mailbox: string; id: string } {
  const fields = exactFields(body, ['capability', 'id']);
  const mailbox = mailboxOf(fields.capability);
  if (!isReplyId(fields.id)) throw new ApiError('INVALID_ID');
  return { mailbox, id: fields.id };
}

export function mailboxRoutes({ mailboxes }: MailboxRouteDeps): Router {
  const router = Router();
  const json = jsonBody(JSON_BODY_LIMIT);

  router.post('/api/mailbox', ...json, async (req, res) => {
    const mailbox = mailboxOf(exactFields(req.body as unknown, ['capability']).capability);
    res.json({ replies: await mailboxes.waiting(mailbox) });
  });

  router.post('/api/mailbox/reply', ...json, async (req, res) => {
    const { mailbox, id } = replyRequest(req.body as unknown);
    const reply = await mailboxes.openReply(mailbox, id);
    if (reply === null) throw new ApiError('NOT_FOUND');
    res.type('application/octet-stream');
    res.set('Content-Length', String(reply.size));
    await pipeline(reply.stream, res);
  });

  router.post('/api/mailbox/delete', ...json, async (req, res) => {
    const { mailbox, id } = replyRequest(req.body as unknown);
    if (!(await mailboxes.deleteReply(mailbox, id))) throw new ApiError('NOT_FOUND');
    res.status(204).end();
  });

  return router;
}
