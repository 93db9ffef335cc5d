/**
 * Shared helpers for the server tests: a throw-away newsroom (root key,
 * editors, signed manifest) in a temporary folder, the two apps wired to it
 * with a captured log, real age encryption, editor login, and sources with
 * reply mailboxes.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import { encrypt } from '../../client/core/age.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { signManifest, type KeyManifest } from '../../client/core/manifest.js';
import { formatKeyId, formatPublicKeyFile, generateKeyPair, type MinisignKeyPair } from '../../client/core/minisign.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { formatRfc3339Seconds } from '../../client/core/time.js';
import { encodeMailboxCapability } from '../../client/core/mailbox.js';
import { deriveSourceKeys, generateSourceSecret } from '../../client/core/source-secret.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { createEditorApp, createSourceApp } from '../../server/app.js';
import { createLogger } from '../../server/logging.js';
import type { MailboxStore, MailboxLimits } from '../../server/mailboxes/mailbox-store.js';
import { ManifestStore } from '../../server/manifest/manifest-store.js';
import { openStores } from '../../server/storage/open-stores.js';
import type { SubmissionStore } from '../../server/storage/submission-store.js';
import type { UploadStore, UploadLimits } from '../../server/uploads/upload-store.js';
import { challengeMessage } from '../../client/core/editor-login.js';

export interface TestEditor {
  readonly name: string;
  readonly identity: X25519Identity | HybridIdentity;
  readonly access: { publicKey: Uint8Array; privateKey: Uint8Array };
  status: 'active' | 'retired';
}

export interface Newsroom {
  readonly root: MinisignKeyPair;
  readonly editors: TestEditor[];
  readonly keysDir: string;
  readonly rootPublicKeyFile: string;
  /** Signs a manifest of the current editors at `version` (expiring in a year unless given). */
  sign(version: number, options?: { issued?: Date; expires?: Date }): { manifest: Uint8Array; signature: string };
}

/** An editor with a classic X25519 identity, or a hybrid post-quantum one with `hybrid`. */
export function makeEditor(name: string, status: 'active' | 'retired' = 'active', hybrid = false): TestEditor {
  const identity = hybrid ? HybridIdentity.generate() : X25519Identity.generate();
  return { name, identity, access: sodium().crypto_sign_keypair(), status };
}

/** A root key and editors, with manifest version 1 written to `<dir>/keys`. */
export async function makeNewsroom(dir: string, editors: TestEditor[]): Promise<Newsroom> {
  await loadSodium();
  const root = generateKeyPair();
  const keysDir = path.join(dir, 'keys');
  await mkdir(keysDir, { recursive: true });
  const rootPublicKeyFile = path.join(keysDir, 'root.pub');
  const newsroom: Newsroom = {
    root,
    editors,
    keysDir,
    rootPublicKeyFile,
    sign(version, options = {}) {
      const issued = options.issued ?? new Date(Date.now() - 60_000);
      const manifest: KeyManifest = {
        format: 'sealdrop-key-manifest',
        formatVersion: 1,
        version,
        issued: formatRfc3339Seconds(issued),
        expires: formatRfc3339Seconds(options.expires ?? new Date(Date.now() + 365 * 86_400_000)),
        rootKeyId: formatKeyId(root.publicKey.keyId),
        editors: editors.map((editor) => ({
          name: editor.name,
          recipient: editor.identity.recipient().format(),
          accessKey: encodeBase64(editor.access.publicKey, true),
          status: editor.status,
        })),
      };
      return signManifest(manifest, root.secretKey);
    },
  };
  await writeFile(rootPublicKeyFile, formatPublicKeyFile(root.publicKey));
  const first = newsroom.sign(1);
  await writeFile(path.join(keysDir, 'manifest.json'), first.manifest);
  await writeFile(path.join(keysDir, 'manifest.json.minisig'), first.signature);
  return newsroom;
}

export const TEST_LIMITS: UploadLimits = {
  maxSubmissionBytes: 4 * 1024 * 1024,
  storageQuotaBytes: 64 * 1024 * 1024,
  maxChunkBytes: 256 * 1024,
  maxConcurrentUploads: 1000,
  uploadExpirySeconds: 3600,
};

export const TEST_MAILBOX_LIMITS: MailboxLimits = {
  maxReplyBytes: 1024 * 1024,
  maxRepliesPerMailbox: 50,
  replyRetentionDays: 90,
};

export interface TestServer {
  readonly dir: string;
  readonly dataDir: string;
  readonly newsroom: Newsroom;
  readonly source: Express;
  readonly editor: Express;
  readonly uploads: UploadStore;
  readonly submissions: SubmissionStore;
  readonly mailboxes: MailboxStore;
  readonly manifests: ManifestStore;
  /** Every log line written so far. */
  readonly log: string[];
  cleanup(): Promise<void>;
}

export interface TestServerOptions {
  readonly limits?: Partial<UploadLimits>;
  readonly mailboxLimits?: Partial<MailboxLimits>;
  readonly editors?: TestEditor[];
  readonly rateLimitPerMinute?: number;
  readonly now?: () => Date;
}

export async function makeTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  await loadSodium();
  const dir = await mkdtemp(path.join(tmpdir(), 'sealdrop-server-'));
  const dataDir = path.join(dir, 'data');
  const staticDir = path.join(dir, 'static');
  await mkdir(staticDir);
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  const newsroom = await makeNewsroom(dir, options.editors ?? [makeEditor('Alice'), makeEditor('Bob', 'retired')]);
  const log: string[] = [];
  const logger = createLogger('info', { write: (line: string) => log.push(line) });
  const manifests = await ManifestStore.open({
    keysDir: newsroom.keysDir,
    dataDir,
    rootPublicKeyFile: newsroom.rootPublicKeyFile,
  });
  const limits = { ...TEST_LIMITS, ...TEST_MAILBOX_LIMITS, ...options.limits, ...options.mailboxLimits };
  const { submissions, uploads, mailboxes } = await openStores(
    dataDir,
    limits,
    options.now === undefined ? {} : { now: options.now },
  );
  const deps = {
    logger,
    uploads,
    submissions,
    mailboxes,
    manifests,
    staticDir,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    tokenTtlSeconds: 600,
  };
  return {
    dir,
    dataDir,
    newsroom,
    source: createSourceApp(deps),
    editor: createEditorApp(deps),
    uploads,
    submissions,
    mailboxes,
    manifests,
    log,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return (async function* () {
    await Promise.resolve();
    yield bytes;
  })();
}

/** Real age ciphertext of `plaintext` to the given editors' recipients. */
export async function encryptFor(editors: readonly TestEditor[], plaintext: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of encrypt(
    editors.map((editor) => editor.identity.recipient()),
    once(plaintext),
  )) {
    parts.push(part);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** The active editors of a newsroom (whom a valid submission is encrypted to). */
export function activeEditors(newsroom: Newsroom): TestEditor[] {
  return newsroom.editors.filter((editor) => editor.status === 'active');
}

/** The version of the key manifest `app` serves (what a page encrypts to and declares). */
export async function servedManifestVersion(app: Express): Promise<number> {
  const served = await request(app).get('/manifest.json').expect(200);
  return (served.body as { version: number }).version;
}

export async function createUpload(app: Express, size: number): Promise<string> {
  const manifestVersion = await servedManifestVersion(app);
  const response = await request(app).post('/api/uploads').send({ size, manifestVersion }).expect(201);
  return (response.body as { id: string }).id;
}

export function putChunk(app: Express, id: string, offset: number, bytes: Uint8Array): request.Test {
  return request(app)
    .put(`/api/uploads/${id}?offset=${offset}`)
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from(bytes));
}

/** Uploads `bytes` in chunks and finalizes; returns the finalize response. */
export async function uploadWhole(app: Express, bytes: Uint8Array, chunkSize = 64 * 1024): Promise<request.Response> {
  const id = await createUpload(app, bytes.length);
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    await putChunk(app, id, offset, bytes.subarray(offset, offset + chunkSize)).expect(200);
  }
  return request(app).post(`/api/uploads/${id}/finalize`);
}

/** Signs a fresh challenge with the editor's access key; returns the token request. */
export async function requestToken(app: Express, editor: TestEditor): Promise<request.Response> {
  const challenge = ((await request(app).post('/api/auth/challenge').expect(200)).body as { challenge: string })
    .challenge;
  const signature = sodium().crypto_sign_detached(
    challengeMessage(new Uint8Array(Buffer.from(challenge, 'base64url'))),
    editor.access.privateKey,
  );
  return request(app)
    .post('/api/auth/token')
    .send({
      accessKey: encodeBase64(editor.access.publicKey, true),
      challenge,
      signature: encodeBase64(signature, true),
    });
}

export async function login(app: Express, editor: TestEditor): Promise<string> {
  const response = await requestToken(app, editor);
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return (response.body as { token: string }).token;
}

/** Asserts the JSON error envelope with the expected code. */
export function expectError(response: request.Response, status: number, code: string): void {
  expect({ status: response.status, body: response.body as unknown }).toEqual({
    status,
    body: { error: { code, message: expect.any(String) as unknown } },
  });
}

/** A supertest parser that collects the response body as one Buffer. */
export function binaryBody(res: request.Response, done: (error: Error | null, body: Buffer) => void): void {
  const parts: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (part: Buffer) => {
    parts.push(part);
  });
  stream.on('end', () => {
    done(null, Buffer.concat(parts));
  });
}

/** A source who asked for replies: what the page derives from the 12 words. */
export interface TestSource {
  readonly mailboxId: string;
  /** As it travels in request bodies: 43 characters of unpadded base64. */
  readonly capability: string;
  readonly identity: X25519Identity;
  readonly recipient: X25519Recipient;
}

export function makeSource(): TestSource {
  const keys = deriveSourceKeys(generateSourceSecret());
  return {
    mailboxId: keys.mailboxId,
    capability: encodeMailboxCapability(keys.mailboxCapability),
    identity: X25519Identity.parse(keys.replyIdentity),
    recipient: X25519Recipient.parse(keys.replyRecipient),
  };
}

/** A fresh reply id, as `sealdrop reply` picks one. */
export function newReplyId(): string {
  return randomBytes(16).toString('hex');
}

/** A valid reply: real age ciphertext to the source and every active editor. */
export async function encryptReply(newsroom: Newsroom, source: TestSource, plaintext: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const recipients = [source.recipient, ...activeEditors(newsroom).map((editor) => editor.identity.recipient())];
  for await (const part of encrypt(recipients, once(plaintext))) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

/** Pushes a reply as `sealdrop push` does. */
export function pushReply(app: Express, token: string, mailbox: string, id: string, bytes: Uint8Array): request.Test {
  return request(app)
    .put(`/api/mailboxes/${mailbox}/replies/${id}`)
    .set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from(bytes));
}
