/**
 * The encryption worker: everything with keys happens here, off the page's
 * thread, so the page stays responsive while gigabytes are encrypted.
 *
 * On start it loads libsodium, reads the root key shipped with the bundle,
 * and verifies the server's signed key manifest; until that succeeds it
 * refuses to encrypt. It then encrypts and uploads submissions on request
 * (verifying the manifest again after a failure, and starting again by
 * itself when the server asks: submission-sender.ts) and keeps the source secret
 * (if the source wants replies) until sent.
 *
 * For a source who comes back with its 12 words it reads them, derives the
 * reply identity and mailbox capability, fetches and decrypts the replies
 * (mailbox-reader.ts), deletes them on request, and sends follow-ups with
 * the same reply recipient and mailbox. That secret stays here, and only
 * until the page closes the mailbox: the page never holds it, the identity
 * or the capability, only the decrypted replies it shows.
 *
 * Built twice (scripts/build-client.ts): `worker.js` with libsodium's
 * WebAssembly build, and `worker-nowasm.js` for browsers without WebAssembly,
 * where `libsodium-wrappers` is the noble-based stand-in and the bulk cipher
 * is @noble/ciphers.
 */
import { libsodiumAead, type Aead } from '../core/aead.js';
import { KemUnavailableError } from '../core/kem-unavailable.js';
import { TarError } from '../core/tar-header.js';
import { loadSodium } from '../core/sodium.js';
import {
  deriveReplyIdentities,
  deriveSourceKeys,
  generateSourceSecret,
  mnemonicToSecret,
  prepareWordLookup,
  replyRecipientFor,
  secretToMnemonic,
  SourceSecretError,
  type SourceKeys,
} from '../core/source-secret.js';
import { wipe } from '../core/bytes.js';
import type { RecipientKind } from '../core/recipients.js';
import { bip39WordLists } from '../core/word-lists.js';
import { MailboxClient, MailboxError } from './mailbox-client.js';
import { isUnreadableReply, openReplyFile, readMailbox } from './mailbox-reader.js';
import type {
  CancelOutcome,
  FailureReason,
  MailboxFailureReason,
  PageMessage,
  ReplyChoice,
  SetUpFile,
  WorkerMessage,
} from './protocol.js';
import { nobleAead } from './noble-aead.js';
import { reusingSealAead } from './reusing-seal-aead.js';
import { FileReadError, sealSubmission } from './seal.js';
import { SendError, sendWithRestarts } from './submission-sender.js';
import { answersFromPage } from './early-fetch.js';
import { loadRootKey, SET_UP_FILES, TrustError, verifyKeys, type RootKey, type TrustedKeys } from './trust.js';
import { UploadCancelled, UploadError } from './upload-errors.js';
import { RetryNow } from './upload-requests.js';
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
/**
 * The upload's: with libsodium, one output buffer used again per chunk
 * (reusing-seal-aead.ts; the upload copies each chunk before the next).
 */
const sendAead: Aead = SEALDROP_NO_WASM ? nobleAead : reusingSealAead();
const setUpUrls = SET_UP_FILES.map((file) => new URL(file, baseUrl).href);
let handOver: (files: readonly SetUpFile[]) => void = () => undefined;
// The page fetched the set-up files while this script was on its way (early-fetch.ts).
const setUpFetch = answersFromPage(
  (url, init) => fetch(url, init),
  setUpUrls,
  new Promise<readonly SetUpFile[]>((resolve) => {
    handOver = resolve;
  }),
);

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
      case 'keys-expired':
        return 'keys-expired';
      case 'connection':
      case 'expired':
        return 'connection';
      default:
        return 'rejected';
    }
  }
  if (error instanceof SendError)
    return error.code === 'restarted-too-often' ? 'restarted-too-often' : 'manifest-invalid';
  // Keys verified again before sending: unreachable is a connection problem
  // the source can retry in place (a reload would lose the draft).
  if (error instanceof TrustError) return error.code === 'network' ? 'connection' : trustFailure(error);
  // The hybrid KEM's file (xwing-nowasm.js) did not load: nothing was sent,
  // and the next try loads it again.
  if (error instanceof KemUnavailableError) return 'connection';
  // A file that changed size after it was chosen fails the archive writer.
  if (error instanceof FileReadError || (error instanceof TarError && error.code === 'size-mismatch'))
    return 'file-read';
  return 'internal';
}

/** Why a mailbox request failed, in the page's terms. */
function mailboxFailure(error: unknown): MailboxFailureReason {
  if (!(error instanceof MailboxError)) return 'internal';
  switch (error.code) {
    case 'connection':
    case 'cut-off':
      return 'connection';
    case 'busy':
      return 'server-busy';
    case 'cancelled':
      return 'internal';
    default:
      return 'rejected';
  }
}

/** libsodium (or its stand-in), which everything with keys needs; mailboxes need nothing more. */
const sodiumReady: Promise<void> = (async () => {
  if (!SEALDROP_NO_WASM && typeof WebAssembly === 'undefined') throw new Error('webassembly missing');
  await loadSodium();
})();

/** The bundle's trust anchor and the keys first verified against it. */
interface Trust {
  readonly rootKey: RootKey;
  readonly keys: TrustedKeys;
}

async function setUp(): Promise<Trust> {
  await sodiumReady;
  const rootKey = await loadRootKey(baseUrl, setUpFetch);
  post({ type: 'root', fingerprint: rootKey.fingerprint });
  const keys = await verifyKeys(baseUrl, setUpFetch, rootKey, new Date());
  post({ type: 'ready', expires: keys.expires });
  return { rootKey, keys };
}

const trusted: Promise<Trust | null> = setUp().catch((error: unknown) => {
  const reason = error instanceof TrustError ? trustFailure(error) : 'crypto';
  post({ type: 'failed', stage: 'setup', reason });
  return null;
});

/** The source secret, only while the source wants replies and has not sent yet. */
let secret: Uint8Array | null = null;
/** Aborts the upload in progress, if any. */
let cancelSend: AbortController | null = null;
/** Ends the wait before the next reconnection attempt of the upload in progress. */
let retryNow: RetryNow | null = null;
/** The highest manifest version verified so far: an older one is a rollback. */
let highestVersion = 0;
/** The keys verified last (at start or by a send), which the next send may start with. */
let latestKeys: TrustedKeys | undefined;
/** Whether the last send failed: then the next one ("try again") verifies the keys first. */
let lastSendFailed = false;

/** A mailbox the source opened with its words, until the page closes it. */
interface OpenMailbox {
  readonly secret: Uint8Array;
  readonly keys: SourceKeys;
  /** Holds the capability, base64-encoded: a string, which JavaScript cannot wipe; it goes with the mailbox. */
  readonly client: MailboxClient;
  /** Stops the mailbox's requests in flight when it is closed. */
  readonly abort: AbortController;
  /** Each readable reply's ciphertext, by id, kept for saving its files (mailbox-reader.ts). */
  readonly ciphertexts: Map<string, Blob>;
}
let mailbox: OpenMailbox | null = null;
/** Bumped by every open and close, so an answer for a mailbox since closed is dropped. */
let mailboxGeneration = 0;

function closeMailbox(): void {
  mailboxGeneration += 1;
  if (mailbox === null) return;
  mailbox.abort.abort();
  wipe(mailbox.secret);
  wipe(mailbox.keys.mailboxCapability);
  mailbox.ciphertexts.clear();
  mailbox = null;
}

/**
 * The reply recipient and mailbox that go into submission.json, or undefined
 * for none; the recipient is of the manifest's kind (hybrid or classic).
 */
function replyAddress(choice: ReplyChoice, kind: RecipientKind): { recipient: string; mailbox: string } | undefined {
  const source = choice === 'new' ? secret : choice === 'mailbox' ? (mailbox?.secret ?? null) : null;
  if (source === null) return undefined;
  const keys = deriveSourceKeys(source);
  wipe(keys.mailboxCapability);
  return { recipient: replyRecipientFor(source, kind), mailbox: keys.mailboxId };
}

/**
 * What a cancel that ended a send with `error` left on the server;
 * `created` says whether any attempt of this send had an upload created.
 */
function cancelOutcome(error: unknown, created: boolean): CancelOutcome {
  if (error instanceof UploadCancelled) return error.copy;
  // Cancelled between attempts: an earlier one did send, and started again only
  // because the server answered that it no longer holds it (gone, or refused
  // after a rotation): nothing of it is left.
  if (created) return { state: 'deleted' };
  // The server never created an upload: no ciphertext went out.
  return { state: 'nothing-sent' };
}

async function send(message: string, files: readonly File[], choice: ReplyChoice): Promise<void> {
  const trust = await trusted;
  const reply = trust === null ? undefined : replyAddress(choice, trust.keys.recipientKind);
  // Fail closed: no verified manifest, or a reply wanted without its secret.
  if (trust === null || (choice !== 'none' && reply === undefined) || cancelSend !== null) {
    post({ type: 'failed', stage: 'send', reason: trust === null ? 'manifest-invalid' : 'internal' });
    return;
  }
  const controller = new AbortController();
  const wake = new RetryNow();
  cancelSend = controller;
  retryNow = wake;
  let created = false;
  const stopIfCancelled = (): void => {
    if (controller.signal.aborted) throw new UploadError('cancelled', 'send cancelled');
  };
  try {
    await sendWithRestarts(
      {
        verify: async () => {
          stopIfCancelled();
          const keys = await verifyKeys(baseUrl, fetch, trust.rootKey, new Date());
          stopIfCancelled();
          return keys;
        },
        onVerified: (keys) => {
          // Raised at once, not when the send succeeds: a failed send's verified
          // version must still keep an older manifest out of the next try.
          highestVersion = Math.max(highestVersion, keys.version);
          latestKeys = keys;
          post({ type: 'ready', expires: keys.expires });
        },
        sealAndUpload: async (keys) => {
          // A rotation between classic and hybrid keys since the page loaded changes the reply recipient's kind too.
          const address =
            reply === undefined || keys.recipientKind === trust.keys.recipientKind
              ? reply
              : replyAddress(choice, keys.recipientKind);
          if (reply !== undefined && address === undefined) throw new Error('the reply secret is gone');
          const sealed = await sealSubmission({ message, files, reply: address }, keys.recipients, sendAead);
          await uploadCiphertext(sealed.size, sealed.ciphertext, {
            baseUrl,
            signal: controller.signal,
            manifestVersion: keys.version,
            retryNow: wake,
            onCreated: (id) => {
              created = true;
              post({ type: 'created', id });
            },
            onProgress: (sent, total) => {
              post({ type: 'progress', sent, total });
            },
            onRetry: (nextTryInMs) => {
              post({ type: 'retrying', nextTryInMs });
            },
          });
        },
        onRestarting: (reason) => {
          post({ type: 'restarting', reason });
        },
      },
      Math.max(highestVersion, trust.keys.version),
      // Saves a round trip; the server still refuses a stale version (submission-sender.ts).
      { verifiedKeys: lastSendFailed ? undefined : (latestKeys ?? trust.keys) },
    );
    lastSendFailed = false;
    // A new secret has done its job once sent; an open mailbox's stays until it is closed.
    if (choice !== 'mailbox' && secret !== null) {
      wipe(secret);
      secret = null;
    }
    post({ type: 'done' });
  } catch (error) {
    lastSendFailed = true;
    if (controller.signal.aborted) post({ type: 'cancelled', outcome: cancelOutcome(error, created) });
    else post({ type: 'failed', stage: 'send', reason: sendFailure(error) });
  } finally {
    cancelSend = null;
    retryNow = null;
  }
}

/**
 * Whether the BIP39 word lists are at hand: the page's build loads them
 * from words.js here, on first need (client/app/word-lists-loader.ts).
 * Without them no words are drawn or read, and the page is told plainly.
 */
function wordListsLoaded(): boolean {
  try {
    bip39WordLists();
    return true;
  } catch {
    return false;
  }
}

async function openMailbox(words: string): Promise<void> {
  closeMailbox();
  const generation = mailboxGeneration;
  try {
    await sodiumReady;
  } catch {
    post({ type: 'mailbox-failed', reason: 'crypto' });
    return;
  }
  // Closed while libsodium loaded: the words are not read at all.
  if (generation !== mailboxGeneration) return;
  if (!wordListsLoaded()) {
    post({ type: 'mailbox-failed', reason: 'connection' });
    return;
  }
  let opened: OpenMailbox;
  let identities: ReturnType<typeof deriveReplyIdentities>;
  try {
    const { secret: parsed } = mnemonicToSecret(words);
    const keys = deriveSourceKeys(parsed);
    // Both kinds: each reply is to the recipient its submission carried, classic or hybrid.
    identities = deriveReplyIdentities(parsed);
    const abort = new AbortController();
    const client = new MailboxClient({ baseUrl, capability: keys.mailboxCapability, signal: abort.signal });
    opened = { secret: parsed, keys, client, abort, ciphertexts: new Map() };
  } catch (error) {
    if (error instanceof SourceSecretError) {
      post({
        type: 'words-invalid',
        code: error.code,
        ...(error.wordNumber === undefined ? {} : { wordNumber: error.wordNumber }),
        ...(error.language === undefined ? {} : { list: error.language }),
      });
    } else {
      post({ type: 'mailbox-failed', reason: 'internal' });
    }
    return;
  }
  mailbox = opened;
  try {
    const replies = await readMailbox({
      client: opened.client,
      identities,
      aead: bulkAead,
      onProgress: (done, total) => {
        if (generation === mailboxGeneration) post({ type: 'mailbox-progress', done, total });
      },
    });
    if (generation !== mailboxGeneration) return;
    for (const { reply, ciphertext } of replies) if (ciphertext !== null) opened.ciphertexts.set(reply.id, ciphertext);
    post({ type: 'mailbox', replies: replies.map(({ reply }) => reply) });
  } catch (error) {
    if (generation !== mailboxGeneration) return;
    closeMailbox();
    post({ type: 'mailbox-failed', reason: mailboxFailure(error) });
  } finally {
    // Replies are read once per opening: the identities are not needed again.
    for (const identity of identities) identity.wipe();
  }
}

/**
 * Decrypt file `index` of reply `id` again from its kept ciphertext, handing
 * it to the page only once the whole reply verified. The identities are
 * derived again from the open mailbox's secret and wiped after.
 */
async function saveReplyFile(id: string, index: number): Promise<void> {
  const open = mailbox;
  const ciphertext = open?.ciphertexts.get(id);
  if (open === null || ciphertext === undefined) {
    post({ type: 'file-failed', id, file: index, reason: 'gone' });
    return;
  }
  const identities = deriveReplyIdentities(open.secret);
  try {
    const blob = await openReplyFile(ciphertext, identities, bulkAead, index, (done, total) => {
      if (open === mailbox) post({ type: 'file-progress', id, file: index, done, total });
    });
    post(
      open === mailbox
        ? { type: 'file-ready', id, file: index, blob }
        : { type: 'file-failed', id, file: index, reason: 'gone' },
    );
  } catch (error) {
    post({ type: 'file-failed', id, file: index, reason: isUnreadableReply(error) ? 'damaged' : 'internal' });
  } finally {
    for (const identity of identities) identity.wipe();
  }
}

async function deleteReplies(ids: readonly string[]): Promise<void> {
  const open = mailbox;
  for (const id of ids) {
    if (open === null || open !== mailbox) {
      post({ type: 'delete-failed', id, reason: 'internal' });
      return;
    }
    try {
      await open.client.delete(id);
      open.ciphertexts.delete(id);
    } catch (error) {
      post({ type: 'delete-failed', id, reason: mailboxFailure(error) });
      return;
    }
    post({ type: 'reply-deleted', id });
  }
}

scope.addEventListener('message', (event) => {
  const request = event.data;
  switch (request.type) {
    case 'secret': {
      void trusted.then((trust) => {
        // Without verified keys nothing will be sent, so no secret is made.
        if (trust === null) return;
        if (!wordListsLoaded()) {
          post({ type: 'failed', stage: 'send', reason: 'network' });
          return;
        }
        secret ??= generateSourceSecret();
        post({ type: 'secret', words: secretToMnemonic(secret, request.language).split(' ') });
      });
      break;
    }
    case 'new-secret': {
      // After `trusted`, like `secret` and `send`, so the three keep their order.
      void trusted.then((trust) => {
        if (trust === null) return;
        if (!wordListsLoaded()) {
          post({ type: 'failed', stage: 'send', reason: 'network' });
          return;
        }
        if (secret !== null) wipe(secret);
        secret = generateSourceSecret();
        post({ type: 'secret', words: secretToMnemonic(secret, request.language).split(' ') });
      });
      break;
    }
    case 'forget-secret': {
      // In turn after `trusted`, like `secret`: a request still waiting on it
      // would otherwise make a secret after this one was forgotten.
      void trusted.then(() => {
        if (secret !== null) wipe(secret);
        secret = null;
      });
      break;
    }
    case 'cancel': {
      cancelSend?.abort();
      break;
    }
    case 'set-up-files': {
      handOver(request.files);
      break;
    }
    case 'retry-now': {
      retryNow?.fire();
      break;
    }
    case 'send': {
      void send(request.message, request.files, request.reply);
      break;
    }
    case 'prepare-words': {
      // A failure here is not reported: opening the mailbox tries again and says so.
      if (wordListsLoaded()) prepareWordLookup();
      break;
    }
    case 'open-mailbox': {
      void openMailbox(request.words);
      break;
    }
    case 'delete-replies': {
      void deleteReplies(request.ids);
      break;
    }
    case 'close-mailbox': {
      closeMailbox();
      break;
    }
    case 'save-file': {
      void saveReplyFile(request.id, request.file);
      break;
    }
  }
});
