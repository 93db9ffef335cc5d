/**
 * A client for the editor listener (docs/API.md): challenge/response login
 * with the editor's Ed25519 access key, listing, ranged download, deletion,
 * manifest publication, and replies to sources' mailboxes. Errors from the server's registry
 * (`{ error: { code, message } }`) become one-line {@link CliError}s.
 */
import { encodeBase64 } from '../../client/core/base64.js';
import { challengeMessage } from '../../client/core/editor-login.js';
import { isRecord } from '../../client/core/json-shape.js';
import { isMailboxId, isReplyId } from '../../client/core/mailbox.js';
import { sodium } from '../../client/core/sodium.js';
import { isDayShape } from '../../client/core/time.js';
import { isBearerToken, isLoginChallenge, isSubmissionId } from '../../client/core/wire-shapes.js';
import path from 'node:path';
import { DEFAULTS } from '../../server/config.js';
import { optionalString, requiredString, type OptionSpec, type ParsedCommand } from './args.js';
import { HttpTransport, PROXY_OPTION, transportFor, type HttpRequestInit } from './http-transport.js';
import { CliError, type CliIo, type PassphraseSource } from './io.js';
import { readAccessKeyFile, type AccessKey } from './key-files.js';
import { passphraseSource } from './passphrase.js';

/**
 * The options of every command that logs in to the editor listener (pull,
 * push, replies, delete, status): spread them into the command's options
 * and log in with {@link editorLogin}, which honours all of them.
 */
export const EDITOR_CONNECTION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  server: { type: 'string', value: 'URL', description: 'editor listener URL, e.g. http://127.0.0.1:8081' },
  'access-key': { type: 'string', value: 'FILE', description: 'your access key file (NAME-access.age)' },
  'passphrase-file': {
    type: 'string',
    value: 'FILE',
    description: 'passphrase for the access key (instead of the terminal)',
  },
  proxy: PROXY_OPTION,
};

/** One stored submission as the server lists it. */
export interface RemoteSubmission {
  /** 32 lowercase hex digits. */
  readonly id: string;
  /** UTC day of arrival, `YYYY-MM-DD`. */
  readonly day: string;
  readonly size: number;
  /** Active editors who have confirmed a verified download. */
  readonly downloadedBy: readonly string[];
  /** Active editors who have not (a delete waits for them). */
  readonly notDownloadedBy: readonly string[];
  /** UTC day from which the server's retention deletes it, `YYYY-MM-DD`. */
  readonly expires: string;
}

function nameList(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > 1000) return null;
  return value.every((name): name is string => typeof name === 'string' && name.length <= 200) ? value : null;
}

function remoteSubmission(item: unknown): RemoteSubmission | null {
  if (
    !isRecord(item) ||
    !isSubmissionId(item.id) ||
    typeof item.day !== 'string' ||
    !isDayShape(item.day) ||
    typeof item.size !== 'number' ||
    !Number.isSafeInteger(item.size) ||
    item.size < 0 ||
    typeof item.expires !== 'string' ||
    !isDayShape(item.expires)
  ) {
    return null;
  }
  const downloadedBy = nameList(item.downloadedBy);
  const notDownloadedBy = nameList(item.notDownloadedBy);
  if (downloadedBy === null || notDownloadedBy === null) return null;
  return { id: item.id, day: item.day, size: item.size, downloadedBy, notDownloadedBy, expires: item.expires };
}

/** A reply in a source's mailbox as the server lists it. */
export interface RemoteReply {
  /** 32 lowercase hex digits (the editor chose it: the outbox file name). */
  readonly id: string;
  /** UTC day it arrived, `YYYY-MM-DD`. */
  readonly day: string;
  readonly size: number;
  /** `waiting` for the source, or `deleted` by the source (read, then deleted). */
  readonly state: 'waiting' | 'deleted';
}

/** How the server answered a reply upload. */
export interface ReplyDelivery {
  /** `delivered` (201: stored now) or `already` (200: stored before, or deleted by the source since). */
  readonly outcome: 'delivered' | 'already';
  readonly reply: RemoteReply;
}

function remoteReply(item: unknown): RemoteReply | null {
  if (
    !isRecord(item) ||
    !isReplyId(item.id) ||
    typeof item.day !== 'string' ||
    !isDayShape(item.day) ||
    typeof item.size !== 'number' ||
    !Number.isSafeInteger(item.size) ||
    item.size < 0 ||
    (item.state !== 'waiting' && item.state !== 'deleted')
  ) {
    return null;
  }
  return { id: item.id, day: item.day, size: item.size, state: item.state };
}

/** The server answered with an error from its registry. */
export class EditorApiError extends CliError {
  override name = 'EditorApiError';
  readonly code: string;
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(`server refused: ${message} (${code})`);
    this.status = status;
    this.code = code;
  }
}

/**
 * Parse and check a server URL: http or https, no credentials, no query.
 * @throws CliError if it is not such a URL.
 */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`invalid server URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError('server URL must be http:// or https://');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new CliError('server URL must not carry credentials, a query or a fragment');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function errorFrom(response: Response): Promise<EditorApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || 'error';
  try {
    const body = (await response.json()) as unknown;
    const error = isRecord(body) ? body.error : undefined;
    if (isRecord(error) && typeof error.code === 'string' && typeof error.message === 'string') {
      // Shown to the person: keep only what a registry code looks like.
      code = error.code.replace(/[^A-Z0-9_]/g, '').slice(0, 64);
      message = error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
    }
  } catch {
    // Not JSON: keep the HTTP status.
  }
  return new EditorApiError(response.status, code, message);
}

/**
 * What the source listener answers on the editor routes: a person who gave
 * its URL (or port) by mistake is told so, and where the editor listener is.
 */
function sourceListenerHint(error: EditorApiError, base: URL): CliError {
  if (error.status !== 404) return error;
  return new CliError(
    `${base.origin} has no editor login (${error.code}): this looks like the source listener; ` +
      `use the editor listener's URL (port ${DEFAULTS.SEALDROP_EDITOR_PORT} by default, SEALDROP_EDITOR_PORT)`,
  );
}

/** A logged-in session with the editor listener (bearer token in memory only). */
export class EditorClient {
  readonly #base: URL;
  readonly #token: string;
  readonly #transport: HttpTransport;
  /** The editor name the server knows this key by. */
  readonly editorName: string;

  private constructor(base: URL, token: string, editorName: string, transport: HttpTransport) {
    this.#base = base;
    this.#token = token;
    this.editorName = editorName;
    this.#transport = transport;
  }

  static async #json(transport: HttpTransport, url: URL, init: HttpRequestInit): Promise<unknown> {
    const response = await transport.request(url, init);
    if (!response.ok) throw await errorFrom(response);
    try {
      return (await response.json()) as unknown;
    } catch {
      throw new CliError(`${url.pathname}: the server's answer is not JSON`);
    }
  }

  /**
   * Publish a signed manifest: `PUT /api/manifest`, without a login (the root
   * key's signature authorizes it; the server verifies it).
   * @returns the version the server now serves.
   * @throws EditorApiError for a refusal (MANIFEST_NOT_NEWER, MANIFEST_INVALID,
   *   MANIFEST_EXPIRED...); CliError if it cannot be reached or answers nonsense.
   */
  static async publishManifest(
    base: URL,
    manifest: string,
    signature: string,
    transport: HttpTransport = HttpTransport.direct(),
  ): Promise<number> {
    const body = await EditorClient.#json(transport, new URL('api/manifest', base), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ manifest, signature }),
    });
    const version = isRecord(body) ? body.version : undefined;
    if (typeof version !== 'number') throw new CliError('the server sent an invalid publish answer');
    return version;
  }

  /**
   * Log in with the access key in `keyFile` (asking its passphrase if it is
   * sealed), and wipe the key's secret half whatever the outcome: what every
   * command that talks to the editor listener does first.
   * @throws CliError if the file cannot be read or opened; EditorApiError if
   *   the server refuses the key (unknown or retired...); CliError if it
   *   cannot be reached or answers nonsense.
   */
  static async loginWithKeyFile(
    base: URL,
    keyFile: string,
    passphrase: PassphraseSource,
    transport: HttpTransport = HttpTransport.direct(),
  ): Promise<EditorClient> {
    const key = await readAccessKeyFile(keyFile, passphrase);
    try {
      return await EditorClient.#login(base, key, transport);
    } finally {
      key.secretKey.fill(0);
    }
  }

  /**
   * Log in: sign a fresh challenge (prefixed with the login context, so the
   * signature is useless for anything else) and receive a bearer token.
   * Requires libsodium loaded.
   * @throws EditorApiError if the server refuses (unknown or retired key...);
   *   CliError if it cannot be reached or answers nonsense.
   */
  static async #login(base: URL, key: AccessKey, transport: HttpTransport): Promise<EditorClient> {
    let issued: unknown;
    try {
      issued = await EditorClient.#json(transport, new URL('api/auth/challenge', base), { method: 'POST' });
    } catch (error) {
      throw error instanceof EditorApiError ? sourceListenerHint(error, base) : error;
    }
    const challenge = isRecord(issued) ? issued.challenge : undefined;
    if (!isLoginChallenge(challenge)) throw new CliError('the server sent an invalid challenge');
    const signature = sodium().crypto_sign_detached(
      challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
      key.secretKey,
    );
    const granted = await EditorClient.#json(transport, new URL('api/auth/token', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        accessKey: encodeBase64(key.publicKey, true),
        challenge,
        signature: encodeBase64(signature, true),
      }),
    });
    if (!isRecord(granted) || !isBearerToken(granted.token) || typeof granted.editor !== 'string') {
      throw new CliError('the server sent an invalid login answer');
    }
    return new EditorClient(base, granted.token, granted.editor, transport);
  }

  #authorized(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.#token}`, ...extra };
  }

  /**
   * The stored submissions.
   * @throws EditorApiError or CliError.
   */
  async list(): Promise<RemoteSubmission[]> {
    const body = await EditorClient.#json(this.#transport, new URL('api/submissions', this.#base), {
      headers: this.#authorized(),
    });
    const items = isRecord(body) ? body.submissions : undefined;
    if (!Array.isArray(items)) throw new CliError('the server sent an invalid submission list');
    return items.map((item: unknown) => {
      const submission = remoteSubmission(item);
      if (submission === null) throw new CliError('the server sent an invalid submission list');
      return submission;
    });
  }

  /**
   * Tell the server this editor now has a complete, verified copy of `id`
   * (what makes a later delete safe).
   * @returns the submission as the server now lists it.
   * @throws EditorApiError (NOT_FOUND...) or CliError.
   */
  async confirmDownloaded(id: string): Promise<RemoteSubmission> {
    if (!isSubmissionId(id)) throw new TypeError('invalid submission id');
    const body = await EditorClient.#json(this.#transport, new URL(`api/submissions/${id}/downloaded`, this.#base), {
      method: 'POST',
      headers: this.#authorized(),
    });
    const submission = remoteSubmission(body);
    if (submission?.id !== id) throw new CliError('the server sent an invalid download confirmation');
    return submission;
  }

  /**
   * Start downloading a submission from byte `offset`.
   * @returns the response (200 whole file, or 206 from `offset`).
   * @throws EditorApiError (e.g. 416 when the offset is past the end) or CliError.
   */
  async download(id: string, offset: number): Promise<Response> {
    if (!isSubmissionId(id)) throw new TypeError('invalid submission id');
    const headers = this.#authorized(offset > 0 ? { range: `bytes=${offset}-` } : {});
    const response = await this.#transport.request(new URL(`api/submissions/${id}`, this.#base), { headers });
    if (response.status !== 200 && response.status !== 206) throw await errorFrom(response);
    return response;
  }

  /**
   * Delete a submission on the server: refused (NOT_PULLED_BY_ALL) until
   * every active editor has confirmed a download, unless `evenIfNotPulledByAll`.
   * @throws EditorApiError or CliError.
   */
  async remove(id: string, evenIfNotPulledByAll = false): Promise<void> {
    if (!isSubmissionId(id)) throw new TypeError('invalid submission id');
    const url = new URL(`api/submissions/${id}`, this.#base);
    if (evenIfNotPulledByAll) url.searchParams.set('even-if-not-pulled-by-all', '1');
    const response = await this.#transport.request(url, {
      method: 'DELETE',
      headers: this.#authorized(),
    });
    if (response.status !== 204) throw await errorFrom(response);
  }

  /**
   * The server's status for admins (`GET /api/status`), as sent: the
   * `status` command checks its shape.
   * @throws EditorApiError or CliError.
   */
  async status(): Promise<unknown> {
    return EditorClient.#json(this.#transport, new URL('api/status', this.#base), { headers: this.#authorized() });
  }

  /**
   * The replies in a mailbox, waiting or deleted by the source (an unknown
   * mailbox has none).
   * @throws EditorApiError or CliError.
   */
  async listReplies(mailbox: string): Promise<RemoteReply[]> {
    if (!isMailboxId(mailbox)) throw new TypeError('invalid mailbox id');
    const body = await EditorClient.#json(this.#transport, new URL(`api/mailboxes/${mailbox}/replies`, this.#base), {
      headers: this.#authorized(),
    });
    const items = isRecord(body) ? body.replies : undefined;
    if (!Array.isArray(items)) throw new CliError('the server sent an invalid reply list');
    return items.map((item: unknown) => {
      const reply = remoteReply(item);
      if (reply === null) throw new CliError('the server sent an invalid reply list');
      return reply;
    });
  }

  /**
   * Upload a reply (an age file of `size` bytes, streamed from `body`) to a
   * mailbox. The length is declared up front: the server refuses chunked
   * bodies and checks its size limit before reading.
   * @throws EditorApiError for a refusal (REPLY_TOO_LARGE, WRONG_RECIPIENTS,
   *   MAILBOX_FULL, REPLY_CONFLICT...); CliError if the server cannot be
   *   reached or answers nonsense.
   */
  async putReply(
    mailbox: string,
    reply: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
  ): Promise<ReplyDelivery> {
    if (!isMailboxId(mailbox) || !isReplyId(reply)) throw new TypeError('invalid reply address');
    // Streamed as it is read, with the Content-Length given instead of chunked encoding.
    const init: HttpRequestInit = {
      method: 'PUT',
      headers: this.#authorized({ 'content-type': 'application/octet-stream', 'content-length': String(size) }),
      body,
    };
    const response = await this.#transport.request(
      new URL(`api/mailboxes/${mailbox}/replies/${reply}`, this.#base),
      init,
    );
    if (response.status !== 201 && response.status !== 200) throw await errorFrom(response);
    let answer: unknown;
    try {
      answer = await response.json();
    } catch {
      throw new CliError("the server's answer to a reply upload is not JSON");
    }
    const stored = remoteReply(answer);
    if (stored === null || stored.id !== reply) throw new CliError('the server sent an invalid reply upload answer');
    return { outcome: response.status === 201 ? 'delivered' : 'already', reply: stored };
  }
}

/**
 * Log in as every editor listener command does, from the
 * {@link EDITOR_CONNECTION_OPTIONS}: `--server`, `--access-key`, the
 * passphrase (`--passphrase-file` or the terminal) and the proxy (`--proxy`
 * or `ALL_PROXY`).
 * @throws UsageError if `--server` or `--access-key` is missing; CliError or
 *   EditorApiError as {@link EditorClient.loginWithKeyFile}.
 */
export async function editorLogin(parsed: ParsedCommand, io: CliIo, command: string): Promise<EditorClient> {
  const server = parseServerUrl(requiredString(parsed, 'server', command));
  const keyFile = path.resolve(io.cwd, requiredString(parsed, 'access-key', command));
  const transport = transportFor(parsed, io, command);
  return EditorClient.loginWithKeyFile(
    server,
    keyFile,
    passphraseSource(io, optionalString(parsed, 'passphrase-file', command)),
    transport,
  );
}
