/**
 * `npm run bench:mailbox`: how long a source waits to read its replies on
 * the real page, against the time the same bytes take to fetch.
 *
 * A demo newsroom and the real server (both listeners) run in-process; nine
 * replies of 10 KB and one of 10 MiB (a 10 MiB attachment) are encrypted to a
 * source's reply recipient and the demo editor, and pushed through the editor
 * listener as `sealdrop push` does. Then Debian's Chromium opens the built
 * page, with WebAssembly and without it (`--js-flags=--jitless`, Tor Browser
 * Safer), and for each run:
 *
 *   read      the source presses "Read replies", types the words and opens:
 *             the worker derives the keys, lists the mailbox, fetches,
 *             decrypts and unpacks every reply, and the page shows all ten
 *             (timed from the press to the tenth reply on screen)
 *   baseline  the same page fetches the same list and the same ten
 *             ciphertexts with `fetch` (capability in the body, as the
 *             worker sends it) and reads every byte, decrypting nothing
 *
 * Runs alternate read and baseline; the median of each is reported with
 * their ratio. Options: --runs N (5), --write-docs (replace this
 * benchmark's section of docs/BENCHMARKS.md).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { encrypt } from '../../client/core/age.js';
import { concatBytes } from '../../client/core/bytes.js';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { parseIdentityFile } from '../../client/core/identity-file.js';
import { encodeMailboxCapability } from '../../client/core/mailbox.js';
import { buildReply } from '../../client/core/reply.js';
import { loadSodium } from '../../client/core/sodium.js';
import { deriveSourceKeys, generateSourceSecret, secretToMnemonic } from '../../client/core/source-secret.js';
import { X25519Recipient } from '../../client/core/x25519.js';
import { parseConfig } from '../../server/config.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/main.js';
import { EditorClient } from '../cli/editor-client.js';
import { buildClient, findRepoRoot } from '../build-client.js';
import { demoServerSettings, prepareDemoNewsroom } from '../demo.js';
import { launchBenchChromium } from './chromium.js';
import { median, option } from './bench-args.js';

const SECTION_START = '<!-- bench:mailbox start -->';
const SECTION_END = '<!-- bench:mailbox end -->';
const SMALL_REPLIES = 9;
const SMALL_BYTES = 10_000;
const LARGE_BYTES = 10 * 1024 * 1024;

/** Bytes that do not compress (and so are not a best case for anything). */
function noise(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield bytes;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return concatBytes(...parts);
}

/** The source presses "Read replies", types its words, and waits for all ten replies on screen. */
async function readOnPage(page: Page, url: string, words: string, count: number): Promise<number> {
  await page.goto(url);
  await page.waitForSelector('#read-replies');
  await page.click('#read-replies');
  await page.fill('#words', words);
  const started = Date.now();
  await page.click('#words-open');
  await page.waitForFunction((expected) => document.querySelectorAll('.reply').length === expected, count, {
    timeout: 600_000,
    polling: 20,
  });
  return (Date.now() - started) / 1000;
}

/** The same requests with `fetch`, every byte read, nothing decrypted. */
async function fetchOnPage(page: Page, capability: string): Promise<{ seconds: number; bytes: number }> {
  return page.evaluate(async (capabilityText) => {
    const post = (route: string, body: object): Promise<Response> =>
      fetch(route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const started = performance.now();
    const list = (await (await post('api/mailbox', { capability: capabilityText })).json()) as {
      replies: { id: string }[];
    };
    let bytes = 0;
    for (const reply of list.replies) {
      bytes += (await (await post('api/mailbox/reply', { capability: capabilityText, id: reply.id })).arrayBuffer())
        .byteLength;
    }
    return { seconds: (performance.now() - started) / 1000, bytes };
  }, capability);
}

interface ModeResult {
  mode: string;
  read: number;
  baseline: number;
  bytes: number;
}

async function main(): Promise<void> {
  guardWasmAbortInProcess();
  const runs = option('runs', 5);
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-mailbox-'));
  try {
    await loadSodium();
    const newsroom = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const site = path.join(work, 'site');
    await buildClient({ outDir: site, rootPublicKeyFile: newsroom.rootPublicKeyFile });
    const config = parseConfig(
      {
        ...demoServerSettings(newsroom, site),
        SEALDROP_SOURCE_PORT: '0',
        SEALDROP_EDITOR_PORT: '0',
        SEALDROP_LOG_LEVEL: 'silent',
        // The benchmark's own requests, not a hostile client's.
        SEALDROP_RATE_LIMIT_PER_MINUTE: '100000',
      },
      work,
    );
    const server = await startServer(config, createLogger('silent'));
    try {
      const secret = generateSourceSecret();
      const words = secretToMnemonic(secret, 'en');
      const keys = deriveSourceKeys(secret);
      const [editorIdentity] = parseIdentityFile(await readFile(newsroom.identityFile, 'utf8'));
      const recipients = [X25519Recipient.parse(keys.replyRecipient), editorIdentity!.recipient()];
      const editor = await EditorClient.loginWithKeyFile(new URL(server.editorUrl), newsroom.accessKeyFile, () =>
        Promise.reject(new Error('the demo access key has no passphrase')),
      );
      const contents = [
        ...Array.from({ length: SMALL_REPLIES }, (_, i) => ({ message: `reply ${i}`, size: SMALL_BYTES })),
        { message: 'the large one', size: LARGE_BYTES },
      ];
      let stored = 0;
      for (const content of contents) {
        const data = noise(content.size);
        const built = buildReply({
          message: content.message,
          files: [{ name: 'document.bin', type: 'application/octet-stream', size: data.length, data: [data] }],
        });
        const file = await collect(encrypt(recipients, built.stream));
        const delivery = await editor.putReply(
          keys.mailboxId,
          randomBytes(16).toString('hex'),
          once(file),
          file.length,
        );
        if (delivery.outcome !== 'delivered') throw new Error(`reply not stored: ${delivery.outcome}`);
        stored += file.length;
      }
      const capability = encodeMailboxCapability(keys.mailboxCapability);

      const results: ModeResult[] = [];
      for (const jitless of [false, true]) {
        const browser = await launchBenchChromium(jitless);
        try {
          const page = await browser.newPage();
          const url = `${server.sourceUrl}?lang=en`;
          const reads: number[] = [];
          const baselines: number[] = [];
          let bytes = 0;
          for (let run = 0; run < runs; run++) {
            reads.push(await readOnPage(page, url, words, contents.length));
            const fetched = await fetchOnPage(page, capability);
            baselines.push(fetched.seconds);
            bytes = fetched.bytes;
          }
          if (bytes !== stored) throw new Error(`fetched ${bytes} bytes, stored ${stored}`);
          const webAssembly = await page.evaluate(() => typeof WebAssembly !== 'undefined');
          if (webAssembly === jitless) throw new Error('WebAssembly present or absent unexpectedly');
          results.push({
            mode: jitless ? 'without WebAssembly (--jitless)' : 'with WebAssembly',
            read: median(reads),
            baseline: median(baselines),
            bytes,
          });
        } finally {
          await browser.close();
        }
      }
      await report(results, runs);
    } finally {
      await server.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function report(results: readonly ModeResult[], runs: number): Promise<void> {
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  const lines = [
    '## Reading replies on the page (`npm run bench:mailbox`)',
    '',
    'Command: `npm run bench:mailbox` (options: `--runs 5`; `--write-docs` rewrites this section).',
    '',
    `A mailbox of ${SMALL_REPLIES + 1} replies: ${SMALL_REPLIES} of 10 KB and one with a 10 MiB attachment, ` +
      `${mb(results[0]!.bytes)} MB of ciphertext, on the real server over loopback, in Debian's Chromium ` +
      `(${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}). "read" is the source's wait on ` +
      'the real page, from pressing "open" with the words typed to the last reply on screen: the worker ' +
      'derives the keys, lists, fetches, decrypts and unpacks every reply. "fetch only" is the same page ' +
      `fetching the same list and ciphertexts with \`fetch\`, decrypting nothing. Median of ${runs} alternating runs.`,
    '',
    '| page | read (s) | fetch only (s) | read / fetch only |',
    '|---|---|---|---|',
    ...results.map(
      (result) =>
        `| ${result.mode} | ${result.read.toFixed(2)} | ${result.baseline.toFixed(2)} | ` +
        `${(result.read / result.baseline).toFixed(1)}x |`,
    ),
    '',
    // What the slow path is measured against in practice: the link, not loopback.
    `Over a 3 Mbit/s Tor link the same ${mb(results[0]!.bytes)} MB take at least ` +
      `${((results[0]!.bytes * 8) / 3e6).toFixed(0)} s to arrive, so even without WebAssembly decryption ` +
      'is not what the source waits for.',
  ];
  const section = `${SECTION_START}\n${lines.join('\n')}\n${SECTION_END}\n`;
  process.stdout.write(section);
  if (process.argv.includes('--write-docs')) await writeDocs(section);
}

async function writeDocs(section: string): Promise<void> {
  const file = path.join(findRepoRoot(), 'docs', 'BENCHMARKS.md');
  const text = await readFile(file, 'utf8');
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? text.slice(0, start) + section + text.slice(end + SECTION_END.length + 1)
      : `${text.trimEnd()}\n\n${section}`;
  await writeFile(file, next);
}

await main();
