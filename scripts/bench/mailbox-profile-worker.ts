/**
 * Browser side of `npm run bench:mailbox`'s profile (bundled by
 * scripts/bench/mailbox.ts into the bench's copy of the site, never
 * shipped): in a Web Worker like the real encryption worker, with the AEAD
 * and libsodium of the bundle it was built into, it times each step the
 * worker takes to read a mailbox, one after the other so that none hides
 * another: deriving the keys from the words, the list, fetching every reply
 * one at a time (nothing decrypted), opening the age headers, decrypting
 * the payloads whole, reading them as the reader does (only the chunks of
 * reply.json and message.txt decrypted, the ciphertext kept as a Blob), the
 * whole `readMailbox` as the worker runs it (fetch and decryption
 * overlapping), and then saving the largest attachment (its reply decrypted
 * again from the kept Blob and checked to the end).
 */
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { decrypt } from '../../client/core/age.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveReplyIdentities, deriveSourceKeys, mnemonicToSecret } from '../../client/core/source-secret.js';
import { MailboxClient } from '../../client/app/mailbox-client.js';
import { openReply, openReplyFile, READ_CONCURRENCY, readMailbox } from '../../client/app/mailbox-reader.js';
import { nobleAead } from '../../client/app/noble-aead.js';
import { guardWasmAbortInPage } from '../../client/app/wasm-abort-guard.js';
import type { ProfileRequest, ProfileResult } from './mailbox-profile.js';

/** Set by the bundler: true in the variant built like worker-nowasm.js. */
declare const SEALDROP_NO_WASM: boolean;

interface ProfileScope {
  readonly location: { readonly href: string };
  postMessage(message: ProfileResult | { error: string }): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ProfileRequest>) => void): void;
}
const scope = self as unknown as ProfileScope;

/** Every chunk of a body as it arrived (fresh buffers from the network: kept, not copied). */
async function chunksOf(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function* replay(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

async function profile(request: ProfileRequest): Promise<ProfileResult> {
  guardWasmAbortInPage(self);
  await loadSodium();
  const aead: Aead = SEALDROP_NO_WASM ? nobleAead : libsodiumAead;
  const baseUrl = new URL('.', scope.location.href).href;
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const seconds = (now - mark) / 1000;
    mark = now;
    return seconds;
  };

  const { secret } = mnemonicToSecret(request.words);
  const keys = deriveSourceKeys(secret);
  // As the worker does: both kinds, classic and hybrid (the hybrid one costs the most without WebAssembly).
  const identities = deriveReplyIdentities(secret);
  const client = new MailboxClient({ baseUrl, capability: keys.mailboxCapability });
  const keysSeconds = lap();
  const listed = await client.list();
  const listSeconds = lap();
  const ciphertexts: Uint8Array[][] = [];
  for (const reply of listed) ciphertexts.push(await chunksOf(await client.fetchReply(reply.id, reply.size)));
  const fetchSeconds = lap();
  // Headers alone: the plaintext streams are opened but never read.
  for (const chunks of ciphertexts) await (await decrypt(identities, replay(chunks), { aead })).plaintext.return();
  const headersSeconds = lap();
  for (const chunks of ciphertexts) {
    const { plaintext } = await decrypt(identities, replay(chunks), { aead });
    let plainBytes = 0;
    for await (const chunk of plaintext) plainBytes += chunk.length;
    if (plainBytes === 0) throw new Error('empty plaintext');
  }
  const decryptSeconds = lap();
  for (const chunks of ciphertexts) await openReply(replay(chunks), identities, aead);
  const openSeconds = lap();
  const replies = await readMailbox({ client, identities, aead });
  const readSeconds = lap();
  let largest: { ciphertext: Blob; size: number } | undefined;
  for (const { reply, ciphertext } of replies) {
    const size = reply.readable ? (reply.files[0]?.size ?? 0) : 0;
    if (ciphertext !== null && size > (largest?.size ?? -1)) largest = { ciphertext, size };
  }
  if (largest === undefined) throw new Error('no attachment to save');
  lap();
  const saved = await openReplyFile(largest.ciphertext, identities, aead, 0);
  const saveSeconds = lap();
  if (saved.size !== largest.size) throw new Error('saved file of the wrong size');
  return {
    webAssembly: typeof WebAssembly !== 'undefined',
    concurrency: READ_CONCURRENCY,
    keys: keysSeconds,
    list: listSeconds,
    fetch: fetchSeconds,
    headers: headersSeconds,
    decrypt: decryptSeconds,
    open: openSeconds,
    readMailbox: readSeconds,
    save: saveSeconds,
    saveBytes: largest.size,
    replies: replies.filter(({ reply }) => reply.readable).length,
    bytes: ciphertexts.flat().reduce((sum, chunk) => sum + chunk.length, 0),
  };
}

scope.addEventListener('message', (event) => {
  profile(event.data).then(
    (result) => {
      scope.postMessage(result);
    },
    (error: unknown) => {
      scope.postMessage({ error: String(error) });
    },
  );
});
