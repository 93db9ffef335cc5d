/**
 * Shared helpers for the `sealdrop` command tests: commands run in-process
 * with captured output and scripted passphrases; a newsroom made with the
 * commands themselves (low scrypt work factors); real submissions; and a
 * real server (the app factory on ephemeral loopback ports).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { encrypt } from '../../client/core/age.js';
import { parseManifest, activeRecipients } from '../../client/core/manifest.js';
import { loadSodium } from '../../client/core/sodium.js';
import { buildSubmission, type SubmissionInput } from '../../client/core/submission.js';
import { parseRecipient } from '../../client/core/recipients.js';
import { createEditorApp, createSourceApp } from '../../server/app.js';
import { createLogger } from '../../server/logging.js';
import type { MailboxLimits } from '../../server/mailboxes/mailbox-store.js';
import { ManifestStore } from '../../server/manifest/manifest-store.js';
import { openStores } from '../../server/storage/open-stores.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import type { CliIo, PassphraseRequest } from '../../scripts/cli/io.js';
import { runCli } from '../../scripts/cli/main.js';
import { failOnProcessWarnings } from '../support/node-warnings.js';

// Every suite that runs the commands in-process fails a test in which they made Node print a warning.
failOnProcessWarnings();

/** Test-only scrypt work factor: fast, and valid for both age and minisign files. */
export const LOG_N = ['--scrypt-log-n', '10'];
export const PASSPHRASE = 'correct horse battery staple';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every passphrase prompt shown, in order. */
  readonly prompts: PassphraseRequest[];
}

export interface RunOptions {
  readonly cwd?: string;
  /** Answers to passphrase prompts, in order; the last one repeats. Default: PASSPHRASE. */
  readonly passphrases?: readonly string[];
  readonly now?: Date;
  readonly tty?: boolean;
  /** What standard input holds (default: nothing). */
  readonly stdin?: string | Uint8Array;
  /** Whether standard input is a terminal (default: false). */
  readonly stdinTTY?: boolean;
  /** The environment the command sees (default: empty). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Run `sealdrop ...argv` in-process. */
export async function sealdrop(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const prompts: PassphraseRequest[] = [];
  const answers = options.passphrases ?? [PASSPHRASE];
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty ?? false },
    passphrase: (request) => {
      prompts.push(request);
      return Promise.resolve(answers[Math.min(prompts.length - 1, answers.length - 1)]!);
    },
    stdin: {
      isTTY: options.stdinTTY ?? false,
      read: async function* () {
        await Promise.resolve();
        const input = options.stdin ?? '';
        yield typeof input === 'string' ? new TextEncoder().encode(input) : input;
      },
    },
    env: options.env ?? {},
    now: () => options.now ?? new Date(),
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, prompts };
}

/** Run and require success; returns the result. */
export async function sealdropOk(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await sealdrop(argv, options);
  if (result.code !== 0) throw new Error(`sealdrop ${argv.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

export async function tempDir(prefix = 'sealdrop-cli-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** Every file under `dir`, relative, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(current, entry.name), relative);
      else out.push(relative);
    }
  };
  await walk(dir, '');
  return out.sort();
}

export interface EditorFiles {
  readonly name: string;
  readonly identity: string;
  readonly access: string;
  readonly pub: string;
  readonly recipient: string;
}

/** `sealdrop editor keygen` in `dir`, weak scrypt; `--pq` (hybrid keys) with `pq`. */
export async function makeEditorKeys(dir: string, name: string, prefix?: string, pq = false): Promise<EditorFiles> {
  const args = ['editor', 'keygen', '--name', name, '--out', dir, ...LOG_N];
  if (prefix !== undefined) args.push('--prefix', prefix);
  if (pq) args.push('--pq');
  const result = await sealdropOk(args);
  const base = prefix ?? name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-');
  const pub = path.join(dir, `${base}.pub.json`);
  const { recipient } = JSON.parse(await readFile(pub, 'utf8')) as { recipient: string };
  expect(result.stdout).toContain(recipient);
  return {
    name,
    identity: path.join(dir, `${base}-identity.age`),
    access: path.join(dir, `${base}-access.age`),
    pub,
    recipient,
  };
}

/** `sealdrop root init` in `dir`, weak scrypt. */
export async function makeRoot(dir: string): Promise<{ key: string; pub: string; fingerprint: string }> {
  const result = await sealdropOk(['root', 'init', '--out', dir, ...LOG_N]);
  const fingerprint = /fingerprint: ([0-9A-F ]+)\n/.exec(result.stdout)?.[1] ?? '';
  return { key: path.join(dir, 'root.key'), pub: path.join(dir, 'root.pub'), fingerprint };
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield bytes;
}

/** A file of `size` pseudo-random-looking bytes, generated in 64 KiB pieces. */
export function patternData(size: number, seed = 1): { size: number; data: () => AsyncGenerator<Uint8Array> } {
  return {
    size,
    data: async function* () {
      const piece = 64 * 1024;
      for (let offset = 0; offset < size; offset += piece) {
        const chunk = new Uint8Array(Math.min(piece, size - offset));
        for (let i = 0; i < chunk.length; i++) chunk[i] = ((offset + i) * 2654435761 + seed * 97) >>> 24;
        await Promise.resolve();
        yield chunk;
      }
    },
  };
}

/** Encrypt a plaintext stream to age recipients into `file`. */
export async function encryptToFile(
  recipients: readonly string[],
  plaintext: AsyncIterable<Uint8Array>,
  file: string,
): Promise<void> {
  await loadSodium();
  const stream = encrypt(
    recipients.map((recipient) => parseRecipient(recipient)),
    plaintext,
    { aead: nodeAead },
  );
  await pipeline(Readable.from(stream), createWriteStream(file));
}

/** Encrypt raw plaintext bytes (e.g. a forged archive) to `file`. */
export async function encryptBytesToFile(
  recipients: readonly string[],
  plaintext: Uint8Array,
  file: string,
): Promise<void> {
  await encryptToFile(recipients, single(plaintext), file);
}

/** Build a real submission (as the browser does) and encrypt it to `file`. */
export async function writeSubmission(
  recipients: readonly string[],
  input: SubmissionInput,
  file: string,
): Promise<void> {
  await encryptToFile(recipients, buildSubmission(input).stream, file);
}

export interface RunningServer {
  readonly editorUrl: string;
  readonly sourceUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

async function listen(app: ReturnType<typeof createEditorApp>): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

/**
 * The real server (both listeners) on ephemeral loopback ports, over `keysDir` (root.pub, manifest.json[.minisig]);
 * `mailboxLimits` override the reply limits (defaults: the server's).
 */
export async function startServer(
  keysDir: string,
  dataDir: string,
  mailboxLimits: Partial<MailboxLimits> = {},
): Promise<RunningServer> {
  await loadSodium();
  await mkdir(dataDir, { recursive: true });
  const staticDir = path.join(dataDir, '..', 'static');
  await mkdir(staticDir, { recursive: true });
  await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  const logger = createLogger('silent', { write: () => undefined });
  const manifests = await ManifestStore.open({ keysDir, dataDir, rootPublicKeyFile: path.join(keysDir, 'root.pub') });
  const { submissions, uploads, mailboxes } = await openStores(dataDir, {
    maxSubmissionBytes: 64 * 1024 * 1024,
    storageQuotaBytes: 512 * 1024 * 1024,
    maxChunkBytes: 4 * 1024 * 1024,
    maxConcurrentUploads: 100,
    uploadExpirySeconds: 3600,
    maxReplyBytes: 64 * 1024 * 1024,
    maxRepliesPerMailbox: 50,
    replyRetentionDays: 90,
    ...mailboxLimits,
  });
  const deps = {
    logger,
    uploads,
    submissions,
    mailboxes,
    manifests,
    staticDir,
    rateLimitPerMinute: 1_000_000,
    tokenTtlSeconds: 600,
  };
  const editor = await listen(createEditorApp(deps));
  const source = await listen(createSourceApp(deps));
  return {
    editorUrl: editor.url,
    sourceUrl: source.url,
    dataDir,
    close: async () => {
      for (const server of [editor.server, source.server]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

/**
 * Submit as a source would: fetch the served manifest, encrypt a submission
 * to its active recipients, upload it in chunks and finalize.
 * @returns the submission id.
 */
export async function submit(sourceUrl: string, input: SubmissionInput, scratch: string): Promise<string> {
  const manifest = parseManifest(new Uint8Array(await (await fetch(`${sourceUrl}/manifest.json`)).arrayBuffer()));
  const file = path.join(scratch, `upload-${Date.now()}-${Math.random().toString(16).slice(2)}.age`);
  await writeSubmission(activeRecipients(manifest), input, file);
  const bytes = await readFile(file);
  await rm(file);
  const created = await fetch(`${sourceUrl}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: bytes.length, manifestVersion: manifest.version }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const chunk = 1024 * 1024;
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const put = await fetch(`${sourceUrl}/api/uploads/${id}?offset=${offset}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.subarray(offset, offset + chunk),
    });
    expect(put.status).toBe(200);
  }
  const finalized = await fetch(`${sourceUrl}/api/uploads/${id}/finalize`, { method: 'POST' });
  if (finalized.status !== 201) throw new Error(`finalize failed: ${finalized.status} ${await finalized.text()}`);
  return ((await finalized.json()) as { id: string }).id;
}
