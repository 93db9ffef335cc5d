/**
 * The encryption worker: everything with keys happens here, off the page's
 * thread, so the page stays responsive while gigabytes are encrypted.
 *
 * On start it loads libsodium, reads the root key shipped with the bundle,
 * and verifies the server's signed key manifest; until that succeeds it
 * refuses to encrypt. It then encrypts and uploads submissions on request
 * and keeps the source secret (if the source wants replies) until sent.
 *
 * Built twice (scripts/build-client.ts): `worker.js` with libsodium's
 * WebAssembly build, and `worker-nowasm.js` for browsers without WebAssembly,
 * where `libsodium-wrappers` is the noble-based stand-in and the bulk cipher
 * is @noble/ciphers.
 */
import { libsodiumAead, type Aead } from '../core/aead.js';
import { TarError } from '../core/tar-header.js';
import { loadSodium } from '../core/sodium.js';
import { deriveSourceKeys, generateSourceSecret, secretToMnemonic } from '../core/source-secret.js';
import { wipe } from '../core/bytes.js';
import type { FailureReason, PageMessage, WorkerMessage } from './protocol.js';
import { nobleAead } from './noble-aead.js';
import { FileReadError, sealSubmission } from './seal.js';
import { loadRootKey, TrustError, verifyKeys, type TrustedKeys } from './trust.js';
import { UploadError } from './upload-errors.js';
import { uploadCiphertext } from './upload.js';
import { guardWasmAbortInPage } from './wasm-abort-guard.js';

/** Set by the build: true in the bundle for browsers without WebAssembly. */
declare const SEALDROP_NO_WASM: boolean;

/** The dedicated worker scope, as far as this file uses it (the project's lib is DOM). */
interface WorkerScope {
  readonly location: { readonly href: string };
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
}

const scope = self as unknown as WorkerScope;
// Before libsodium loads: its stray abort without WebAssembly is not an error.
guardWasmAbortInPage(self);
const baseUrl = new URL('.', scope.location.href).href;
const bulkAead: Aead = SEALDROP_NO_WASM ? nobleAead : libsodiumAead;

function post(message: WorkerMessage): void {
  scope.postMessage(message);
}

function trustFailure(error: TrustError): FailureReason {
  switch (error.code) {
    case 'network':
      return 'network';
    case 'root-key':
      return 'root-key';
    case 'expired':
      return 'manifest-expired';
    case 'not-yet-valid':
      return 'manifest-future';
    default:
      return 'manifest-invalid';
  }
}

function sendFailure(error: unknown): FailureReason {
  if (error instanceof UploadError) {
    switch (error.code) {
      case 'too-large':
        return 'too-large';
      case 'server-busy':
        return 'server-busy';
      case 'connection':
      case 'expired':
        return 'connection';
      default:
        return 'rejected';
    }
  }
  // A file that changed size after it was chosen fails the archive writer.
  if (error instanceof FileReadError || (error instanceof TarError && error.code === 'size-mismatch'))
    return 'file-read';
  return 'internal';
}

async function setUp(): Promise<TrustedKeys> {
  if (!SEALDROP_NO_WASM && typeof WebAssembly === 'undefined') throw new Error('webassembly missing');
  await loadSodium();
  const rootKey = await loadRootKey(baseUrl, fetch);
  post({ type: 'root', fingerprint: rootKey.fingerprint });
  const keys = await verifyKeys(baseUrl, fetch, rootKey, new Date());
  post({ type: 'ready', expires: keys.expires });
  return keys;
}

const trusted: Promise<TrustedKeys | null> = setUp().catch((error: unknown) => {
  const reason = error instanceof TrustError ? trustFailure(error) : 'crypto';
  post({ type: 'failed', stage: 'setup', reason });
  return null;
});

/** The source secret, only while the source wants replies and has not sent yet. */
let secret: Uint8Array | null = null;
/** Aborts the upload in progress, if any. */
let cancelSend: AbortController | null = null;

async function send(message: string, files: readonly File[], reply: boolean): Promise<void> {
  const keys = await trusted;
  // Fail closed: no verified manifest, or a reply wanted without its secret.
  if (keys === null || (reply && secret === null) || cancelSend !== null) {
    post({ type: 'failed', stage: 'send', reason: keys === null ? 'manifest-invalid' : 'internal' });
    return;
  }
  const controller = new AbortController();
  cancelSend = controller;
  try {
    const replyRecipient = reply && secret !== null ? deriveSourceKeys(secret).replyRecipient : undefined;
    const sealed = await sealSubmission({ message, files, replyRecipient }, keys.recipients, bulkAead);
    await uploadCiphertext(sealed.size, sealed.ciphertext, {
      baseUrl,
      signal: controller.signal,
      onCreated: (id) => {
        post({ type: 'created', id });
      },
      onProgress: (sent, total) => {
        post({ type: 'progress', sent, total });
      },
      onRetry: () => {
        post({ type: 'retrying' });
      },
    });
    if (secret !== null) wipe(secret);
    secret = null;
    post({ type: 'done' });
  } catch (error) {
    if (controller.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'failed', stage: 'send', reason: sendFailure(error) });
  } finally {
    cancelSend = null;
  }
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'secret': {
      void trusted.then((keys) => {
        // Without verified keys nothing will be sent, so no secret is made.
        if (keys === null) return;
        secret ??= generateSourceSecret();
        post({ type: 'secret', words: secretToMnemonic(secret, request.language).split(' ') });
      });
      break;
    }
    case 'forget-secret': {
      if (secret !== null) wipe(secret);
      secret = null;
      break;
    }
    case 'cancel': {
      cancelSend?.abort();
      break;
    }
    case 'send': {
      void send(request.message, request.files, request.reply);
      break;
    }
  }
});
