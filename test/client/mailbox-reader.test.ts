/**
 * Reading a mailbox as the worker does, against a fake source listener
 * holding real replies: built with the core's buildReply, age-encrypted to
 * the reply recipient of a source secret and to an editor, fetched in
 * pieces, decrypted with the identity from the same secret, with libsodium's
 * cipher and with noble's (the worker without WebAssembly). Hostile replies
 * (another recipient, a forged archive) are listed as unreadable, never
 * turned into files; hostile file names never reach the download name.
 */
import { libsodiumAead, type Aead } from '../../client/core/aead.js';
import { encrypt } from '../../client/core/age.js';
import { buildReply } from '../../client/core/reply.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, generateSourceSecret, type SourceKeys } from '../../client/core/source-secret.js';
import { X25519Identity, X25519Recipient } from '../../client/core/x25519.js';
import { MailboxClient } from '../../client/app/mailbox-client.js';
import { openReply, readMailbox, REPLY_FILE_TYPE, saveAsName } from '../../client/app/mailbox-reader.js';
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

describe.each<[string, Aead]>([
  ['libsodium', libsodiumAead],
  ['noble (no WebAssembly)', nobleAead],
])('readMailbox with %s', (_name, aead) => {
  test('every reply, in the server order, with its message and files as Blobs', async () => {
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
    const replies = await readMailbox({
      client: client(server),
      identity,
      aead,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(replies.map((reply) => [reply.id, reply.day, reply.readable])).toEqual([
      [id(2), '2026-04-09', true],
      [id(1), '2026-04-02', true],
    ]);
    const [second, first] = replies as Extract<MailboxReply, { readable: true }>[];
    expect(first!.message).toBe('첫 번째 답장입니다.\n고맙습니다.');
    expect(first!.files).toEqual([]);
    expect(second!.message).toBe('Please send the second page.');
    expect(second!.files.map((file) => [file.name, file.saveAs, file.type, file.size])).toEqual([
      ['질문 목록.txt', '001-질문_목록.txt', 'text/plain', 11],
      ['scan.pdf', '002-scan.pdf', 'application/pdf', big.length],
    ]);
    expect(new TextDecoder().decode(await blobBytes(second!.files[0]!.blob))).toBe('1. 언제?\n');
    expectSameBytes(await blobBytes(second!.files[1]!.blob), big);
    // Never typed as what the editor claimed: the browser only ever saves it.
    expect(second!.files.map((file) => file.blob.type)).toEqual([REPLY_FILE_TYPE, REPLY_FILE_TYPE]);
    // Progress counts ciphertext, from 0 to the listed total, never backwards.
    const total = server.replies(source.mailboxCapability).reduce((sum, reply) => sum + reply.bytes.length, 0);
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.every(([done], i) => i === 0 || done >= progress[i - 1]![0])).toBe(true);
    expect(progress.length).toBeGreaterThan(5);
  }, 60_000);
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
    const [reply] = await readMailbox({ client: client(server), identity, aead: libsodiumAead });
    expect(reply!.readable).toBe(true);
    const files = (reply as Extract<MailboxReply, { readable: true }>).files;
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
    expect((reply as Extract<MailboxReply, { readable: true }>).message).toBe('<script>alert(1)</script>');
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
    const replies = await readMailbox({ client: client(server), identity, aead: libsodiumAead });
    expect(replies).toEqual([
      { readable: false, id: id(4), day: '2026-04-01' },
      { readable: false, id: id(5), day: '2026-04-01' },
      { readable: false, id: id(6), day: '2026-04-01' },
      { readable: false, id: id(7), day: '2026-04-01' },
    ]);
  });
});

describe('the network', () => {
  test('an empty mailbox reads as no replies, with one progress report of 0 of 0', async () => {
    const progress: [number, number][] = [];
    const replies = await readMailbox({
      client: client(new FakeMailboxServer()),
      identity,
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
    let calls = 0;
    const flaky = new MailboxClient({
      baseUrl: BASE,
      capability: source.mailboxCapability,
      retryDelaysMs: [1],
      fetch: async (url, init) => {
        calls += 1;
        // The list, then reply 8 cut off, then reply 8 again whole; reply 9 is deleted meanwhile.
        if (calls === 2) server.faults = ['cut'];
        if (calls === 4) server.remove(source.mailboxCapability, id(9));
        return fetch(url, init);
      },
    });
    const replies = await readMailbox({ client: flaky, identity, aead: libsodiumAead });
    expect(replies.map((reply) => [reply.id, reply.readable && reply.message])).toEqual([[id(8), 'whole']]);
    expect(server.log.map((request) => new URL(request.url).pathname)).toEqual([
      '/api/mailbox',
      '/api/mailbox/reply',
      '/api/mailbox/reply',
      '/api/mailbox/reply',
    ]);
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
    await expect(readMailbox({ client: cutting, identity, aead: libsodiumAead })).rejects.toMatchObject({
      code: 'connection',
    });
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
    const opened = await openReply(byteByByte(), identity, nobleAead);
    expect(opened.message).toBe('one byte at a time');
    expect(await blobBytes(opened.files[0]!.blob)).toEqual(new Uint8Array([7]));
  });
});
