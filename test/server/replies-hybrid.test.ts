/**
 * Pushing replies across a move between classic and hybrid keys. A reply's
 * first stanza is the source's: the recipient its submission carried, fixed
 * when the conversation began, so it may be of either type. Every other
 * stanza is an editor's and must be of the current manifest's kind: a
 * conversation begun under classic keys goes on after the newsroom moves to
 * hybrid keys (classic source stanza, hybrid editor stanzas), and one begun
 * under hybrid keys goes on after a move back; a reply whose editor stanzas
 * are not all of the manifest's kind is refused and nothing is stored.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { decrypt, encrypt, type Identity, type Recipient } from '../../client/core/age.js';
import { utf8 } from '../../client/core/bytes.js';
import { readHeader } from '../../client/core/header.js';
import { loadSodium } from '../../client/core/sodium.js';
import type { HybridIdentity } from '../../client/core/mlkem768x25519.js';
import { deriveHybridReplyIdentity, deriveSourceKeys, generateSourceSecret } from '../../client/core/source-secret.js';
import { X25519Identity } from '../../client/core/x25519.js';
import {
  activeEditors,
  expectError,
  login,
  makeEditor,
  makeTestServer,
  newReplyId,
  pushReply,
  type TestEditor,
  type TestServer,
} from './support.js';
import { collect, streamOf } from '../support/age-helpers.js';

beforeAll(async () => {
  await loadSodium();
});

/** A source as the page derives it from the words: both reply identities. */
interface Source {
  readonly mailboxId: string;
  readonly classic: X25519Identity;
  readonly hybrid: HybridIdentity;
}

function makeSource(): Source {
  const secret = generateSourceSecret();
  const keys = deriveSourceKeys(secret);
  return {
    mailboxId: keys.mailboxId,
    classic: X25519Identity.parse(keys.replyIdentity),
    hybrid: deriveHybridReplyIdentity(secret),
  };
}

async function seal(recipients: Recipient[], plaintext: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of encrypt(recipients, streamOf(plaintext))) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

/** A reply as `sealdrop reply` seals it: the source's recipient first, then the editors'. */
function sealReply(
  source: Identity & { recipient(): Recipient },
  editors: TestEditor[],
  text: string,
): Promise<Uint8Array> {
  return seal([source.recipient(), ...editors.map((editor) => editor.identity.recipient())], utf8(text));
}

async function stanzaTypes(bytes: Uint8Array): Promise<string[]> {
  return (await readHeader(streamOf(bytes))).header.stanzas.map((stanza) => stanza.type);
}

async function opens(identity: Identity, bytes: Uint8Array, text: string): Promise<void> {
  const { plaintext } = await decrypt([identity], streamOf(bytes));
  expect(new TextDecoder().decode(await collect(plaintext))).toBe(text);
}

async function mailboxFiles(server: TestServer, mailbox: string): Promise<string[]> {
  try {
    return await readdir(path.join(server.dataDir, 'mailboxes', mailbox));
  } catch {
    return [];
  }
}

describe('a hybrid newsroom', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await makeTestServer({
      editors: [makeEditor('Alice', 'active', true), makeEditor('Bob', 'active', true), makeEditor('Old', 'retired')],
    });
    token = await login(server.editor, server.newsroom.editors[0]!);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  test('a reply to a conversation begun under classic keys is stored, and both the source and an editor open it', async () => {
    const source = makeSource();
    const text = 'Thank you. Can you tell us which office sent the memo?';
    const bytes = await sealReply(source.classic, activeEditors(server.newsroom), text);
    expect(await stanzaTypes(bytes)).toEqual(['X25519', 'mlkem768x25519', 'mlkem768x25519']);
    const response = await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes);
    expect(response.status).toBe(201);
    await opens(source.classic, bytes, text);
    await opens(activeEditors(server.newsroom)[1]!.identity, bytes, text);
    // The source's hybrid identity is not a recipient of this one.
    await expect(decrypt([source.hybrid], streamOf(bytes))).rejects.toThrow();
  });

  test('an all-hybrid reply (a conversation begun under hybrid keys) is stored and opens with the hybrid identity', async () => {
    const source = makeSource();
    const bytes = await sealReply(source.hybrid, activeEditors(server.newsroom), 'all hybrid');
    expect((await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes)).status).toBe(201);
    await opens(source.hybrid, bytes, 'all hybrid');
  });

  test.each<[string, (source: Source, editors: TestEditor[]) => Promise<Uint8Array>]>([
    [
      'classic editor stanzas of the right count (sealed to old keys)',
      (source) => sealReply(source.classic, [makeEditor('A'), makeEditor('B')], 'old keys'),
    ],
    [
      'a classic stanza among the hybrid editor stanzas',
      (source, [alice]) => sealReply(source.hybrid, [alice!, makeEditor('Classic')], 'mixed'),
    ],
    [
      'no source stanza: the editors only',
      (_source, editors) =>
        seal(
          editors.map((e) => e.identity.recipient()),
          utf8('x'),
        ),
    ],
  ])('refused, and nothing stored: %s', async (_name, build) => {
    const source = makeSource();
    const bytes = await build(source, activeEditors(server.newsroom));
    const response = await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes);
    expectError(response, 422, 'WRONG_RECIPIENTS');
    expect(await mailboxFiles(server, source.mailboxId)).toEqual([]);
  });
});

describe('a classic newsroom (moved back from hybrid keys)', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await makeTestServer({ editors: [makeEditor('Alice'), makeEditor('Bob')] });
    token = await login(server.editor, server.newsroom.editors[0]!);
  });
  afterAll(async () => {
    await server.cleanup();
  });

  test("a reply to a conversation begun under hybrid keys keeps the source's hybrid stanza: stored, opens", async () => {
    const source = makeSource();
    const bytes = await sealReply(source.hybrid, activeEditors(server.newsroom), 'to the hybrid recipient');
    expect(await stanzaTypes(bytes)).toEqual(['mlkem768x25519', 'X25519', 'X25519']);
    expect((await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes)).status).toBe(201);
    await opens(source.hybrid, bytes, 'to the hybrid recipient');
    await opens(activeEditors(server.newsroom)[0]!.identity, bytes, 'to the hybrid recipient');
  });

  test('hybrid editor stanzas are refused: the manifest lists classic keys', async () => {
    const source = makeSource();
    const bytes = await sealReply(
      source.classic,
      [makeEditor('A', 'active', true), makeEditor('B', 'active', true)],
      'to keys not in the manifest',
    );
    expectError(await pushReply(server.editor, token, source.mailboxId, newReplyId(), bytes), 422, 'WRONG_RECIPIENTS');
    expect(await mailboxFiles(server, source.mailboxId)).toEqual([]);
  });
});
