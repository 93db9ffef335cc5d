/**
 * Saving a decrypted file to the device (only once the worker has checked
 * its whole reply, mailbox-reader.ts `openReplyFile`): a Blob URL on a temporary
 * `<a download>`, clicked and revoked once the browser has had time to start
 * the download. The name given is the sanitized archive basename
 * (`NNN-<safe>`, see mailbox-reader.ts), never the editor's original name,
 * which could hold separators or controls; browsers sanitize it again.
 */

/** Long enough for a slow device to start reading the Blob; the URL dies with the page anyway. */
const REVOKE_AFTER_MS = 60_000;

/** Offer `blob` as a download called `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, REVOKE_AFTER_MS);
}
