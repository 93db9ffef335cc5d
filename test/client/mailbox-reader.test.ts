/**
 * Reading a mailbox as the worker does, against a fake source listener
 * holding real replies: built with the core's buildReply, age-encrypted to
 * the reply recipient of a source secret and to an editor, fetched in
 * pieces, decrypted with the identity from the same secret, with libsodium's
 * cipher and with noble's (the worker without WebAssembly). Reading decrypts
 * only the chunks holding reply.json and message.txt and keeps the
 * ciphertext; saving a file decrypts the kept ciphertext again and hands
 * nothing over unless every chunk verified to the end. Hostile replies
 * (another recipient, a forged archive) are listed as unreadable, never
 * turned into files; hostile file names never reach the download name.
 */
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { AgeError, encrypt } from '../../client/core/age.js';
import { buildReply } from '../../client/core/reply.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, generateSourceSecret, type SourceKeys } from '../../client/core/source-secret.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { MailboxClient } from '../../client/app/mailbox-client.js';
import {
  isUnreadableReply,
  openReply,
  openReplyFile,
  READ_CONCURRENCY,
  readMailbox,
  REPLY_FILE_TYPE,
  saveAsName,
  type MailboxReadOptions,
} from '../../client/app/mailbox-reader.js';
import { nobleAead } from '../../client/app/noble-aead.js';
import type { MailboxReply } from '../../client/app/protocol.js';
import { collectBytes, expectSameBytes, patternBytes } from '../support/streams.js';
import { forgeArchive, forgeEntry } from '../support/tar-forge.js';
import { FakeMailboxServer } from './fake-mailbox-server.js';

const BASE = 'http://portal.test/';
const HOSTILE_NAMES = ['../../x', '<img src=x onerror=alert(1)>', 'report\u202Efdp.exe', 'C:\\Windows\\evil.bat', '..'];

let source: SourceKeys;
let identity: X25519Identity;
let editor: X25519Identity;

beforeAll(async () => {
  await loadSodium();
  source = deriveSourceKeys(generateSourceSecret());
  identity = X25519Identity.parse(source.replyIdentity);
  editor = X25519Identity.generate();
});

function id(n: number): string {
  return n.toString(16).padStart(32, '0');
}

async function seal(
  plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  to: readonly string[],
): Promise<Uint8Array> {
  const iterable = (async function* () {
    yield* plaintext;
  })();
  return collectBytes(
    encrypt(
      to.map((recipient) => X25519Recipient.parse(recipient)),
      iterable,
    ),
  );
}

/** A reply as `sealdrop reply` writes it: to the source and the editors. */
async function sealedReply(
  message: string,
  files: { name: string; type: string; bytes: Uint8Array }[],
): Promise<Uint8Array> {
  const built = buildReply({
    message,
    files: files.map((file) => ({ name: file.name, type: file.type, size: file.bytes.length, data: [file.bytes] })),
  });
  return seal(built.stream, [source.replyRecipient, editor.recipient().toString()]);
}

function client(server: FakeMailboxServer): MailboxClient {
  return new MailboxClient({
    baseUrl: BASE,
    capability: source.mailboxCapability,
    fetch: server.fetch,
    retryDelaysMs: [1],
  });
}

async function blobBytes(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** What the page is given: the replies without their kept ciphertext. */
async function readReplies(options: MailboxReadOptions): Promise<MailboxReply[]> {
  return (await readMailbox(options)).map((read) => read.reply);
}

type Readable = Extract<MailboxReply, { readable: true }>;

/** `aead`, counting the chunks it opens. */
function counting(aead: Aead): { aead: Aead; opened: () => number } {
  let opened = 0;
  return {
    aead: {
      ...aead,
      open: (key, nonce, sealed) => {
        opened += 1;
        return aead.open(key, nonce, sealed);
      },
    },
    opened: () => opened,
  };
}

describe.each<[string, Aead]>([
  ['libsodium', libsodiumAead],
  ['noble (no WebAssembly)', nobleAead],
])('readMailbox with %s', (_name, aead) => {
  test('every reply, in the server order, with its message and file list; files open from the kept ciphertext', async () => {
    const server = new FakeMailboxServer();
    server.piece = 7_777;
    const big = patternBytes(3 * 1024 * 1024 + 11, 4);
    server.add(source.mailboxCapability, {
      id: id(1),
      day: '2026-04-02',
      bytes: await sealedReply('첫 번째 답장입니다.\n고맙습니다.', []),
    });
    server.add(source.mailboxCapability, {
      id: id(2),
      day: '2026-04-09',
      bytes: await sealedReply('Please send the second page.', [
        { name: '질문 목록.txt', type: 'text/plain', bytes: new TextEncoder().encode('1. 언제?\n') },
        { name: 'scan.pdf', type: 'application/pdf', bytes: big },
      ]),
    });
    const progress: [number, number][] = [];
    const read = await readMailbox({
      client: client(server),
      identities: [identity],
      aead,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const replies = read.map((each) => each.reply);
    expect(replies.map((reply) => [reply.id, reply.day, reply.readable])).toEqual([
      [id(2), '2026-04-09', true],
      [id(1), '2026-04-02', true],
    ]);
    const [second, first] = replies as Readable[];
    expect(first!.message).toBe('첫 번째 답장입니다.\n고맙습니다.');
    expect(first!.files).toEqual([]);
    expect(first!.check).toBe('whole');
    expect(second!.check).toBe('on-save');
    expect(second!.message).toBe('Please send the second page.');
    expect(second!.files.map((file) => [file.name, file.saveAs, file.type, file.size])).toEqual([
      ['질문 목록.txt', '001-질문_목록.txt', 'text/plain', 11],
      ['scan.pdf', '002-scan.pdf', 'application/pdf', big.length],
    ]);
    // The kept ciphertext is the reply's bytes exactly, and the files open from it.
    const kept = read[0]!.ciphertext!;
    expectSameBytes(await blobBytes(kept), server.replies(source.mailboxCapability)[1]!.bytes);
    const small = await openReplyFile(kept, [identity], aead, 0);
    expect(new TextDecoder().decode(await blobBytes(small))).toBe('1. 언제?\n');
    const saving: [number, number][] = [];
    const large = await openReplyFile(kept, [identity], aead, 1, (done, total) => saving.push([done, total]));
    expectSameBytes(await blobBytes(large), big);
    expect(saving.at(-1)).toEqual([kept.size, kept.size]);
    expect(saving.length).toBeGreaterThan(5);
    // Never typed as what the editor claimed: the browser only ever saves it.
    expect([small.type, large.type]).toEqual([REPLY_FILE_TYPE, REPLY_FILE_TYPE]);
    // Progress counts ciphertext, from 0 to the listed total, never backwards.
    const total = server.replies(source.mailboxCapability).reduce((sum, reply) => sum + reply.bytes.length, 0);
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0])).toBe(true);
    expect(progress.length).toBeGreaterThan(5);
  }, 60_000);

  test('reading decrypts only the chunks of reply.json and message.txt; saving decrypts them all', async () => {
    const server = new FakeMailboxServer();
    const big = patternBytes(2 * 1024 * 1024, 9);
    server.add(source.mailboxCapability, {
      id: id(11),
      day: '2026-04-09',
      bytes: await sealedReply('short text', [{ name: 'big.bin', type: 'application/octet-stream', bytes: big }]),
    });
    const reading = counting(aead);
    const [read] = await readMailbox({ client: client(server), identities: [identity], aead: reading.aead });
    expect((read!.reply as Readable).message).toBe('short text');
    // reply.json, message.txt and the file's tar header fit in the first 64 KiB chunk.
    expect(reading.opened()).toBe(1);
    const saving = counting(aead);
    await openReplyFile(read!.ciphertext!, [identity], saving.aead, 0);
    expect(saving.opened()).toBeGreaterThanOrEqual(Math.ceil(big.length / (64 * 1024)));
  });
});

describe('what the page is never given', () => {
  test('hostile file names stay names: the download name is the sanitized archive basename', async () => {
    const server = new FakeMailboxServer();
    server.add(source.mailboxCapability, {
      id: id(3),
      day: '2026-04-10',
      bytes: await sealedReply(
        '<script>alert(1)</script>',
        HOSTILE_NAMES.map((name) => ({ name, type: 'text/html', bytes: new Uint8Array([1, 2, 3]) })),
      ),
    });
    const [reply] = await readReplies({ client: client(server), identities: [identity], aead: libsodiumAead });
    expect(reply!.readable).toBe(true);
    const files = (reply as Readable).files;
    expect(files.map((file) => file.name)).toEqual(HOSTILE_NAMES);
    expect(files.map((file) => file.saveAs)).toEqual([
      '001-x',
      '002-img_src_x_onerror_alert_1_',
      '003-report_fdp.exe',
      '004-C_Windows_evil.bat',
      '005-file',
    ]);
    for (const file of files) {
      expect(file.saveAs).not.toMatch(/[/\\<>\p{Cc}\p{Cf}]/u);
      expect(file.saveAs.startsWith('.')).toBe(false);
    }
    // The message is text for textContent: handed over exactly, never interpreted.
    expect((reply as Readable).message).toBe('<script>alert(1)</script>');
  });

  test('saveAsName refuses any path that is not files/<one segment>', () => {
    expect(saveAsName('files/001-a.txt')).toBe('001-a.txt');
    for (const path of ['files/', 'files/a/b', '../files/x', 'message.txt', 'files/..\\x', 'filesx/001-a'])
      expect(() => saveAsName(path)).toThrow();
  });

  test('a reply for another recipient, a tampered one and a forged archive are unreadable, not files', async () => {
    const server = new FakeMailboxServer();
    const stranger = X25519Identity.generate().recipient().toString();
    const built = buildReply({ message: 'not for you', files: [] });
    server.add(source.mailboxCapability, { id: id(4), day: '2026-04-01', bytes: await seal(built.stream, [stranger]) });
    const tampered = await sealedReply('tampered', []);
    tampered[tampered.length - 20]! ^= 1;
    server.add(source.mailboxCapability, { id: id(5), day: '2026-04-01', bytes: tampered });
    // reply.json lists a file at ../../x; the archive holds one there too.
    const manifest = JSON.stringify({
      format: 'sealdrop-reply',
      version: 1,
      message: 'message.txt',
      files: [{ path: '../../x', name: 'x', size: 1, type: 'text/plain' }],
    });
    const forged = forgeArchive([
      forgeEntry({ name: 'reply.json' }, manifest),
      forgeEntry({ name: 'message.txt' }, 'hi'),
      forgeEntry({ name: '../../x' }, 'x'),
    ]);
    server.add(source.mailboxCapability, {
      id: id(6),
      day: '2026-04-01',
      bytes: await seal([forged], [source.replyRecipient]),
    });
    // A submission is not a reply either.
    server.add(source.mailboxCapability, {
      id: id(7),
      day: '2026-04-01',
      bytes: await seal([forgeArchive([forgeEntry({ name: 'submission.json' }, '{}')])], [source.replyRecipient]),
    });
    const replies = await readMailbox({ client: client(server), identities: [identity], aead: libsodiumAead });
    expect(replies.map((read) => read.ciphertext)).toEqual([null, null, null, null]);
    expect(replies.map((read) => read.reply)).toEqual([
      { readable: false, id: id(4), day: '2026-04-01' },
      { readable: false, id: id(5), day: '2026-04-01' },
      { readable: false, id: id(6), day: '2026-04-01' },
      { readable: false, id: id(7), day: '2026-04-01' },
    ]);
  });

  test('a chunk tampered after the text: the text shows, and saving refuses every file', async () => {
    const server = new FakeMailboxServer();
    const bytes = await sealedReply('the text is intact', [
      { name: 'a.txt', type: 'text/plain', bytes: new TextEncoder().encode('first') },
      { name: 'b.bin', type: 'application/octet-stream', bytes: patternBytes(300_000, 3) },
    ]);
    // In the last chunk: the first file's bytes (first chunk) are fine, but nothing may be handed over.
    bytes[bytes.length - 30]! ^= 1;
    server.add(source.mailboxCapability, { id: id(12), day: '2026-04-01', bytes });
    const [read] = await readMailbox({ client: client(server), identities: [identity], aead: nobleAead });
    expect(read!.reply).toMatchObject({ readable: true, message: 'the text is intact', check: 'on-save' });
    for (const index of [0, 1]) {
      const saving = openReplyFile(read!.ciphertext!, [identity], nobleAead, index);
      await expect(saving).rejects.toThrow(AgeError);
      await expect(saving.catch((error: unknown) => isUnreadableReply(error))).resolves.toBe(true);
    }
  });

  test('a reply stored cut after its text: shown as incomplete, and saving refuses its file', async () => {
    const server = new FakeMailboxServer();
    const whole = await sealedReply('cut below', [
      { name: 'b.bin', type: 'text/plain', bytes: patternBytes(200_000, 5) },
    ]);
    // Whole chunks dropped: what is left still frames as STREAM, only the final-chunk check can tell.
    const cut = whole.subarray(0, whole.length - (whole.length % (64 * 1024 + 16)) - (64 * 1024 + 16));
    server.add(source.mailboxCapability, { id: id(13), day: '2026-04-01', bytes: cut });
    const [read] = await readMailbox({ client: client(server), identities: [identity], aead: libsodiumAead });
    expect(read!.reply).toMatchObject({ readable: true, message: 'cut below', check: 'incomplete' });
    await expect(openReplyFile(read!.ciphertext!, [identity], libsodiumAead, 0)).rejects.toThrow(AgeError);
  });

  test('a file the reply does not hold is refused', async () => {
    const bytes = await sealedReply('one file', [{ name: 'a', type: 'text/plain', bytes: new Uint8Array([1]) }]);
    await expect(openReplyFile(new Blob([new Uint8Array(bytes)]), [identity], libsodiumAead, 1)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('the network', () => {
  test('an empty mailbox reads as no replies, with one progress report of 0 of 0', async () => {
    const progress: [number, number][] = [];
    const replies = await readMailbox({
      client: client(new FakeMailboxServer()),
      identities: [identity],
      aead: libsodiumAead,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(replies).toEqual([]);
    expect(progress).toEqual([[0, 0]]);
  });

  test('a reply cut off is fetched again from the start; one deleted since the list is left out', async () => {
    const server = new FakeMailboxServer();
    server.add(source.mailboxCapability, { id: id(8), day: '2026-04-03', bytes: await sealedReply('whole', []) });
    server.add(source.mailboxCapability, { id: id(9), day: '2026-04-02', bytes: await sealedReply('gone', []) });
    const fetch = server.fetch;
    let cut = false;
    const flaky = new MailboxClient({
      baseUrl: BASE,
      capability: source.mailboxCapability,
      retryDelaysMs: [1],
      fetch: async (url, init) => {
        const wanted = (JSON.parse(init.body as string) as { id?: string }).id;
        // Reply 8's first body is cut off; reply 9 is deleted before it is fetched.
        if (wanted === id(8) && !cut) {
          cut = true;
          server.faults = ['cut'];
        }
        if (wanted === id(9)) server.remove(source.mailboxCapability, id(9));
        return fetch(url, init);
      },
    });
    const replies = await readReplies({ client: flaky, identities: [identity], aead: libsodiumAead });
    expect(replies.map((reply) => [reply.id, reply.readable && reply.message])).toEqual([[id(8), 'whole']]);
    expect(server.log.map((request) => new URL(request.url).pathname)).toEqual([
      '/api/mailbox',
      '/api/mailbox/reply',
      '/api/mailbox/reply',
      '/api/mailbox/reply',
    ]);
    expect(
      server.log
        .slice(1)
        .map((request) => request.body.id as string)
        .sort(),
    ).toEqual([id(8), id(8), id(9)]);
  });

  test('a reply cut off every time fails the mailbox with connection', async () => {
    const server = new FakeMailboxServer();
    server.add(source.mailboxCapability, { id: id(10), day: '2026-04-03', bytes: await sealedReply('x', []) });
    const fetch = server.fetch;
    let calls = 0;
    const cutting = new MailboxClient({
      baseUrl: BASE,
      capability: source.mailboxCapability,
      fetch: (url, init) => {
        calls += 1;
        if (calls > 1) server.faults = ['cut'];
        return fetch(url, init);
      },
    });
    await expect(readMailbox({ client: cutting, identities: [identity], aead: libsodiumAead })).rejects.toMatchObject({
      code: 'connection',
    });
  });

  test(`up to ${READ_CONCURRENCY} replies are fetched at once, and the answer keeps the list's order`, async () => {
    const server = new FakeMailboxServer();
    server.piece = 1024;
    const count = READ_CONCURRENCY + 3;
    for (let n = 0; n < count; n++)
      server.add(source.mailboxCapability, {
        id: id(20 + n),
        day: '2026-04-01',
        bytes: await sealedReply(`reply ${n}`, [{ name: 'a', type: 'text/plain', bytes: patternBytes(9_000, n) }]),
      });
    let open = 0;
    let mostOpen = 0;
    const countingClient = new MailboxClient({
      baseUrl: BASE,
      capability: source.mailboxCapability,
      retryDelaysMs: [1],
      fetch: async (url, init) => {
        const response = await server.fetch(url, init);
        if (!url.endsWith('/reply') || response.body === null) return response;
        open += 1;
        mostOpen = Math.max(mostOpen, open);
        // Open from the request until its body has been read to the end.
        const body = response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            flush: () => {
              open -= 1;
            },
          }),
        );
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });
    const replies = await readReplies({ client: countingClient, identities: [identity], aead: nobleAead });
    expect(mostOpen).toBe(READ_CONCURRENCY);
    expect(open).toBe(0);
    expect(replies.map((reply) => reply.id)).toEqual(Array.from({ length: count }, (_, n) => id(20 + n)));
    expect(replies.map((reply) => reply.readable && reply.message)).toEqual(
      Array.from({ length: count }, (_, n) => `reply ${n}`),
    );
  });

  test('the largest replies are fetched first (ties in list order); the answer keeps the list order', async () => {
    const server = new FakeMailboxServer();
    const sizes = [1_000, 30_000, 5_000, 30_000, 80_000];
    for (const [n, size] of sizes.entries())
      server.add(source.mailboxCapability, {
        id: id(60 + n),
        day: '2026-04-01',
        bytes: await sealedReply(`reply ${n}`, [{ name: 'a', type: 'text/plain', bytes: patternBytes(size, n) }]),
      });
    const replies = await readReplies({ client: client(server), identities: [identity], aead: nobleAead });
    const fetched = server.log.filter((request) => request.url.endsWith('/reply')).map((request) => request.body.id);
    expect(fetched).toEqual([id(64), id(61), id(63), id(62), id(60)]);
    expect(replies.map((reply) => reply.id)).toEqual(sizes.map((_, n) => id(60 + n)));
  });

  test('after a reply fails the mailbox, no further reply is fetched', async () => {
    const server = new FakeMailboxServer();
    const count = READ_CONCURRENCY + 3;
    for (let n = 0; n < count; n++)
      server.add(source.mailboxCapability, { id: id(40 + n), day: '2026-04-01', bytes: await sealedReply('x', []) });
    const refusing = new MailboxClient({
      baseUrl: BASE,
      capability: source.mailboxCapability,
      retryDelaysMs: [1],
      fetch: (url, init) => {
        const wanted = (JSON.parse(init.body as string) as { id?: string }).id;
        if (wanted === id(40)) server.faults = [{ status: 400, code: 'INVALID_BODY' }];
        return server.fetch(url, init);
      },
    });
    await expect(readMailbox({ client: refusing, identities: [identity], aead: libsodiumAead })).rejects.toMatchObject({
      code: 'refused',
    });
    // The lanes already under way finish their reply; none starts another.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.log.filter((request) => request.url.endsWith('/reply')).length).toBe(READ_CONCURRENCY);
  });

  test('no identity is refused before any request', async () => {
    const server = new FakeMailboxServer();
    await expect(readMailbox({ client: client(server), identities: [], aead: libsodiumAead })).rejects.toThrow(
      TypeError,
    );
    expect(server.log).toEqual([]);
  });

  test('openReply reads one reply from any chunking of its ciphertext', async () => {
    const bytes = await sealedReply('one byte at a time', [
      { name: 'a', type: 'text/plain', bytes: new Uint8Array([7]) },
    ]);
    async function* byteByByte(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 1) {
        await Promise.resolve();
        yield bytes.subarray(i, i + 1);
      }
    }
    const opened = await openReply(byteByByte(), [identity], nobleAead);
    expect(opened.message).toBe('one byte at a time');
    expect(opened.check).toBe('on-save');
    expectSameBytes(await blobBytes(opened.ciphertext), bytes);
    expect(await blobBytes(await openReplyFile(opened.ciphertext, [identity], nobleAead, 0))).toEqual(
      new Uint8Array([7]),
    );
  });
});
