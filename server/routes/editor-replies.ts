/**
 * The editor listener's reply routes, behind the same bearer-token gate as
 * every editor route. Editors address a mailbox by its id, which they read
 * from a decrypted submission; they never see a capability.
 *
 *   PUT /api/mailboxes/:mailbox/replies/:id   application/octet-stream age file
 *                                             -> 201 (stored) or 200 (already there) { id, day, size, state }
 *   GET /api/mailboxes/:mailbox/replies       -> { replies: [{ id, day, size, state }] }
 */
import { Router } from 'express';
import { requireEditor } from '../editor-auth/require-editor.js';
import type { TokenStore } from '../editor-auth/tokens.js';
import { checkReplyEnvelope } from '../envelope/check-envelope.js';
import type { MailboxStore } from '../mailboxes/mailbox-store.js';
import type { ManifestStore } from '../manifest/manifest-store.js';
import { mailboxParameter, octetStreamLength, replyParameters } from './http.js';

export interface EditorReplyRouteDeps {
  readonly mailboxes: MailboxStore;
  readonly manifests: ManifestStore;
  readonly tokens: TokenStore;
}

export function editorReplyRoutes({ mailboxes, manifests, tokens }: EditorReplyRouteDeps): Router {
  const router = Router();
  const gate = requireEditor(tokens, manifests);

  router.put('/api/mailboxes/:mailbox/replies/:id', gate, async (req, res) => {
    const { mailbox, id } = replyParameters(req);
    const length = octetStreamLength(req);
    const { record, created } = await mailboxes.receive(mailbox, id, length, req, (handle, size) =>
      checkReplyEnvelope(handle, size, { count: manifests.activeEditorCount(), kind: manifests.recipientKind() }),
    );
    res.status(created ? 201 : 200).json(record);
  });

  router.get('/api/mailboxes/:mailbox/replies', gate, async (req, res) => {
    res.json({ replies: await mailboxes.records(mailboxParameter(req)) });
  });

  return router;
}
