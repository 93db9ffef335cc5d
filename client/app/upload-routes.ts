/**
 * The source listener's upload routes (docs/API.md), relative to the page's
 * base URL: the one place the page spells them. The uploader creates, sends
 * and finalizes through them; the page's quick exit deletes through them.
 */

/** `POST`: create an upload of a declared size. */
export const UPLOADS_ROUTE = 'api/uploads';

/** One upload: `GET` its status, `DELETE` it. */
export function uploadRoute(id: string): string {
  return `${UPLOADS_ROUTE}/${id}`;
}

/** `PUT` the chunk that starts at `offset`. */
export function chunkRoute(id: string, offset: number): string {
  return `${uploadRoute(id)}?offset=${offset}`;
}

/** `POST`: finalize the upload into a stored submission. */
export function finalizeRoute(id: string): string {
  return `${uploadRoute(id)}/finalize`;
}
