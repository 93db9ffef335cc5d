/**
 * A newsroom with hybrid post-quantum keys, through the real server on
 * loopback: two sources submit (one whose conversation began under classic
 * keys, so its submission carries the classic reply recipient, and one from
 * a hybrid page, with the age1pq1 one); `sealdrop pull` keeps both hybrid
 * submissions (its keyless check is the server's); the editor decrypts,
 * replies and pushes; the server stores both replies (the migration reply's
 * classic source stanza beside the editors' hybrid ones, and the all-hybrid
 * one); each source opens its reply, the hybrid one with the identity file
 * `sealdrop source identity --pq` writes, read by our decrypt and by typage.
 */
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Decrypter } from 'age-encryption';
import { decrypt, type Identity } from '../../client/core/age.js';
import { parseHeader } from '../../client/core/header.js';
import { openIdentityFile } from '../../client/core/identity-file.js';
import { encodeMailboxCapability } from '../../client/core/mailbox.js';
import { loadSodium } from '../../client/core/sodium.js';
import {
  deriveSourceKeys,
  replyRecipientFor,
  secretToMnemonic,
  type SourceKeys,
} from '../../client/core/source-secret.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { runOnlyIf } from '../support/required-tools.js';
import { collect, streamOf } from '../support/age-helpers.js';
import {
  PASSPHRASE,
  makeEditorKeys,
  makeRoot,
  sealdropOk,
  startServer,
  submit,
  tempDir,
  type EditorFiles,
  type RunningServer,
} from './support.js';

const withFetch = runOnlyIf(
  typeof WebAssembly !== 'undefined',
  'the hybrid workflow against the server',
  "Node's fetch needs WebAssembly (llhttp), which node --jitless lacks",
);

/** A source: its words' secret and keys, and the reply recipient its submission carries. */
interface Source {
  readonly secret: Uint8Array;
  readonly keys: SourceKeys;
  readonly recipient: string;
}

function makeSource(seed: number, kind: 'x25519' | 'mlkem768x25519'): Source {
  const secret = new Uint8Array(16).map((_, i) => (i * 31 + seed) & 0xff);
  return { secret, keys: deriveSourceKeys(secret), recipient: replyRecipientFor(secret, kind) };
}

let dir: string;
let server: RunningServer;
let root: { key: string; pub: string };
let alice: EditorFiles;
let bob: EditorFiles;
let manifest: string;
const classicConversation = (): Source => makeSource(1, 'x25519');
const hybridConversation = (): Source => makeSource(2, 'mlkem768x25519');

beforeAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await loadSodium();
  dir = await tempDir('sealdrop-cli-hybrid-workflow-');
  const keys = path.join(dir, 'keys');
  await mkdir(keys);
  root = await makeRoot(dir);
  alice = await makeEditorKeys(dir, 'Alice', 'alice-pq', true);
  bob = await makeEditorKeys(dir, 'Bob', 'bob-pq', true);
  manifest = path.join(dir, 'manifest.json');
  await sealdropOk(['manifest', 'add', '--root-pub', root.pub, '--editor', alice.pub, '--editor', bob.pub], {
    cwd: dir,
  });
  await sealdropOk(['manifest', 'sign', '--root-key', root.key], { cwd: dir });
  await copyFile(root.pub, path.join(keys, 'root.pub'));
  await copyFile(manifest, path.join(keys, 'manifest.json'));
  await copyFile(`${manifest}.minisig`, path.join(keys, 'manifest.json.minisig'));
  server = await startServer(keys, path.join(dir, 'data'));
}, 60_000);
afterAll(async () => {
  if (typeof WebAssembly === 'undefined') return;
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function stanzaTypes(file: string): Promise<string[]> {
  return parseHeader(await readFile(file)).header.stanzas.map((stanza) => stanza.type);
}

/** The source's page: list the mailbox with the capability, fetch the one reply. */
async function fetchOnlyReply(source: Source): Promise<Uint8Array> {
  const capability = encodeMailboxCapability(source.keys.mailboxCapability);
  const post = (route: string, body: object): Promise<Response> =>
    fetch(`${server.sourceUrl}/api/mailbox${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capability, ...body }),
    });
  const listed = (await (await post('', {})).json()) as { replies: { id: string }[] };
  expect(listed.replies).toHaveLength(1);
  const response = await post('/reply', { id: listed.replies[0]!.id });
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

async function openReply(identities: Identity[], bytes: Uint8Array): Promise<string> {
  const { plaintext } = await decrypt(identities, streamOf(bytes), { aead: nodeAead });
  return Buffer.from(await collect(plaintext)).toString('latin1');
}

withFetch.it(
  'pull keeps hybrid submissions; both replies are stored and open for their sources',
  async () => {
    for (const source of [classicConversation(), hybridConversation()]) {
      await submit(
        server.sourceUrl,
        {
          message: `tip from ${source.keys.mailboxId}`,
          files: [],
          reply: { recipient: source.recipient, mailbox: source.keys.mailboxId },
        },
        dir,
      );
    }
    const pulled = await sealdropOk(
      ['pull', '--server', server.editorUrl, '--access-key', alice.access, '--out', 'inbox'],
      {
        cwd: dir,
      },
    );
    expect(pulled.stderr).not.toContain('not a valid age file');
    const inbox = (await readdir(path.join(dir, 'inbox'))).filter((name) => name.endsWith('.age'));
    expect(inbox).toHaveLength(2);
    for (const name of inbox) {
      expect(await stanzaTypes(path.join(dir, 'inbox', name))).toEqual(['mlkem768x25519', 'mlkem768x25519']);
    }

    const read = path.join(dir, 'read');
    await sealdropOk(['decrypt', '--identity', alice.identity, '--out', read, 'inbox'], { cwd: dir });
    const folderOf = new Map<string, string>();
    for (const name of await readdir(read)) {
      const json = JSON.parse(await readFile(path.join(read, name, 'submission.json'), 'utf8')) as {
        reply: { mailbox: string };
      };
      folderOf.set(json.reply.mailbox, path.join(read, name));
    }
    const outbox = path.join(dir, 'outbox');
    for (const source of [classicConversation(), hybridConversation()]) {
      const replied = await sealdropOk(
        [
          'reply',
          folderOf.get(source.keys.mailboxId)!,
          '--message-file',
          '-',
          '--manifest',
          manifest,
          '--root-pub',
          root.pub,
          '--out',
          outbox,
        ],
        { stdin: `answer for ${source.keys.mailboxId}\n` },
      );
      // Only the migration reply is flagged: its source stanza is classic.
      const classicNote =
        /note: the source's stanza is classic \(X25519\), so this reply is only as strong as X25519.*a follow-up from the source carries its hybrid recipient\n/;
      expect(classicNote.test(replied.stdout)).toBe(!source.recipient.startsWith('age1pq1'));
    }
    const pushed = await sealdropOk(['push', '--server', server.editorUrl, '--access-key', bob.access, outbox]);
    expect(pushed.stdout).toMatch(/pushed 2 new reply\(ies\), 0 already delivered\n$/);

    // The migration reply: the source's classic stanza, the editors' hybrid ones.
    const old = classicConversation();
    const oldReply = await fetchOnlyReply(old);
    expect(parseHeader(oldReply).header.stanzas.map((stanza) => stanza.type)).toEqual([
      'X25519',
      'mlkem768x25519',
      'mlkem768x25519',
    ]);
    expect(await openReply([X25519Identity.parse(old.keys.replyIdentity)], oldReply)).toContain(
      `answer for ${old.keys.mailboxId}\n`,
    );
    const editorIdentities = await openIdentityFile(await readFile(bob.identity), () => PASSPHRASE, nodeScrypt);
    expect(await openReply(editorIdentities, oldReply)).toContain(`answer for ${old.keys.mailboxId}\n`);

    // The all-hybrid reply, opened with `source identity --pq`'s file by our decrypt and by typage.
    const pq = hybridConversation();
    const pqReply = await fetchOnlyReply(pq);
    expect(parseHeader(pqReply).header.stanzas.map((stanza) => stanza.type)).toEqual([
      'mlkem768x25519',
      'mlkem768x25519',
      'mlkem768x25519',
    ]);
    const identityFile = path.join(dir, 'pq-reply-key.txt');
    await sealdropOk(['source', 'identity', '--pq', '--out', identityFile], {
      stdin: secretToMnemonic(pq.secret, 'ko'),
    });
    const text = await readFile(identityFile);
    const fromFile = await openIdentityFile(text, () => '', nodeScrypt);
    expect(await openReply(fromFile, pqReply)).toContain(`answer for ${pq.keys.mailboxId}\n`);
    const typage = new Decrypter();
    typage.addIdentity(
      text
        .toString('utf8')
        .split('\n')
        .find((line) => line.startsWith('AGE-SECRET-KEY-PQ-1'))!,
    );
    const opened = Buffer.from(await typage.decrypt(pqReply)).toString('latin1');
    expect(opened).toContain(`answer for ${pq.keys.mailboxId}\n`);
  },
  120_000,
);
