/**
 * `npm run bench:mailbox`: how long a source waits to read its replies on
 * the real page, against the time the same bytes take to fetch.
 *
 * A demo newsroom and the real server (both listeners) run in-process; nine
 * replies of 10 KB and one of 10 MiB (a 10 MiB attachment) are encrypted to a
 * source's reply recipient and the demo editor, and pushed through the editor
 * listener as `sealdrop push` does. Then Debian's Chromium opens the built
 * page, with WebAssembly and without it (`--js-flags=--jitless`, Tor Browser
 * Safer), over loopback and over an emulated Tor link (CDP network
 * emulation: 3 Mbit/s each way, 300 ms latency), and for each run:
 *
 *   read      on the loaded page (worker ready, keys verified, as it is
 *             long before a source has typed 12 words), the source presses
 *             "Read replies" (the worker loads the word lists while the
 *             source types), types the words and opens: the worker derives
 *             the keys, lists the mailbox, fetches every reply whole (kept
 *             as a Blob; the largest first), decrypts the chunks holding
 *             reply.json and message.txt, and the page shows all ten with
 *             their file lists (timed in the page from the click to the
 *             frame that draws the tenth reply)
 *   baseline  the same page fetches the same list and the same ten
 *             ciphertexts with `fetch` (capability in the body, as the
 *             worker sends it, as many at once as the worker fetches) and
 *             reads every byte, decrypting nothing: exactly the bytes the
 *             read fetches
 *   save      over loopback, once per kind of page after the reads: the
 *             source presses "Prepare to save" on the 10 MiB attachment;
 *             the worker decrypts its reply again from the kept Blob and
 *             checks it to the end (timed to the "Save" button)
 *
 * Runs alternate read and baseline; the median of each is reported with
 * their ratio and whether it meets the goal (issue 12, goal 5: at most
 * 1.5x, over loopback and over the Tor link, with and without WebAssembly).
 * A profile (scripts/bench/mailbox-profile-worker.ts, bundled into the
 * bench's copy of the site) times each step of the worker alone, over
 * loopback. Options: --runs N (5, loopback), --tor-runs N (1), --loopback-only, --write-docs
 * (replace this benchmark's section of docs/BENCHMARKS.md).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
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
import type { ProfileResult } from './mailbox-profile.js';

const SECTION_START = '<!-- bench:mailbox start -->';
const SECTION_END = '<!-- bench:mailbox end -->';
const SMALL_REPLIES = 9;
const SMALL_BYTES = 10_000;
const LARGE_BYTES = 10 * 1024 * 1024;
const LARGE_MESSAGE = 'the large one';
/** Issue 12, goal 5: reading takes at most this many times the fetch of the same bytes. */
const GOAL_RATIO = 1.5;
/** A Tor circuit as the other slow-link benchmarks emulate it. */
const TOR_LINK = { bitsPerSecond: 3_000_000, latencyMs: 300 };
const PROFILE_WORKERS = { wasm: 'mailbox-profile-wasm.js', nowasm: 'mailbox-profile-nowasm.js' } as const;
/**
 * What the measurements before this benchmark's last changes gave, kept for
 * the before/after comparison, and why the loopback rows stay above the goal.
 */
const BEFORE =
  'Before the last change (2026-12-01 18:1x UTC, quiet machine: the word lists loaded only once "open" was ' +
  "pressed, the replies fetched in the list's order, and the read timed from Playwright's click, whose own " +
  'checks took 40 to 50 ms, to its 20 ms polling): loopback 2.34x with WebAssembly (0.39 s / 0.16 s) and ' +
  '3.27x without (0.60 s / 0.18 s); Tor link 1.02x and 1.02x. Earlier, when reading decrypted every ' +
  'attachment: loopback 1.50x with WebAssembly (0.52 s / 0.34 s, a loaded machine) and 63x without ' +
  '(24.0 s / 0.38 s); one reply at a time, on a quiet machine: loopback 2.6x with WebAssembly (0.40 s / ' +
  '0.16 s) and 44.5x without (10.02 s / 0.23 s); Tor link 1.01x and 1.01x.';

/**
 * Where the page's own part went, measured once with a temporary instrument
 * in the page (reverted), for the explanation below the computed one.
 */
const PAGE_TIMING =
  'Timed in the page with a temporary instrument (2026-12-01 22:2x UTC, 5 runs of each kind): the ' +
  'worker\'s answer reached the page 230 to 310 ms after "open" with WebAssembly and 360 to 530 ms without; ' +
  'handling it took 7 to 15 ms, all the progress messages together 5 to 26 ms, and the rest was the frame ' +
  'that draws the replies. Over the Tor link the fetch hides all of it.';

/** A page's profile beside its loopback medians, for {@link whyAboveGoal}. */
interface ModeFigures {
  readonly webAssembly: boolean;
  readonly profile: ProfileResult;
  /** Medians over loopback. */
  readonly read: number;
  readonly baseline: number;
}

/**
 * Why a loopback row stays above the goal, in this run's own figures: what
 * the worker alone (the profile, which runs without the page) needs, against
 * what the goal allows the whole read. Empty if every loopback row meets it.
 */
function whyAboveGoal(modes: readonly ModeFigures[]): string {
  const s = (seconds: number): string => seconds.toFixed(2);
  const above = modes.filter((mode) => mode.read > GOAL_RATIO * mode.baseline);
  if (above.length === 0) return '';
  const against = (needed: number, mode: ModeFigures): string => {
    const allowed = GOAL_RATIO * mode.baseline;
    const relation = needed > 1.1 * allowed ? 'more than' : needed < 0.9 * allowed ? 'less than' : 'about';
    return `${s(needed)} s, ${relation} the ${s(allowed)} s the goal allows (${GOAL_RATIO}x ${s(mode.baseline)} s)`;
  };
  const parts = [
    `Why loopback stays above ${GOAL_RATIO}x, in this run's figures (the profile times the worker without the page).`,
  ];
  for (const mode of above) {
    const { keys, list, open, readMailbox } = mode.profile;
    parts.push(
      mode.webAssembly
        ? "With WebAssembly the worker's overlapped read alone (`readMailbox`) took " +
            `${against(readMailbox, mode)}. It reads the largest reply's body through JavaScript (for the progress ` +
            'bar) while Chromium also gathers it into the kept Blob (for saving it without fetching it again over ' +
            "Tor), a second copy of every byte that the baseline's `arrayBuffer()` does not make."
        : `Without WebAssembly the worker runs without a JIT: deriving the keys (${s(keys)} s), the list ` +
            `(${s(list)} s) and opening every reply as the page does (${s(open)} s: the ten age headers, X25519 on ` +
            'noble, and the first chunk of each reply, which holds its text and its 10 KB attachment, at about ' +
            `1 MB/s) come to ${against(keys + list + open, mode)}, one after the other and with every byte already fetched.`,
    );
  }
  return parts.join(' ');
}

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

/**
 * On a page whose worker is ready (keys verified), the source presses "Read
 * replies", types its words (the worker meanwhile loads the word lists: the
 * benchmark waits for them, as a source typing 12 words always does), and
 * waits for all ten replies on screen. Timed in the page, from the click on
 * "open" to the frame after the last reply is in the document, so that the
 * automation's own latency (Playwright's click checks, its polling) is not
 * counted; the baseline is timed in the page too.
 */
async function readOnPage(page: Page, url: string, words: string, count: number): Promise<number> {
  await page.goto(url);
  // The page ready, as it long is once a source has typed 12 words: the worker has loaded its cipher and verified the keys.
  await page.waitForSelector('.keys .ok', { timeout: 60_000 });
  const wordLists = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/words.js'));
  await page.click('#read-replies');
  await wordLists;
  await page.fill('#words', words);
  return page.evaluate(async (expected) => {
    const started = performance.now();
    document.querySelector<HTMLButtonElement>('#words-open')!.click();
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        if (document.querySelectorAll('.reply').length !== expected) return;
        observer.disconnect();
        resolve();
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    // On screen: the frame that draws them.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    return (performance.now() - started) / 1000;
  }, count);
}

/**
 * On the open mailbox: "Prepare to save" on the attachment of the reply that
 * says `message`, timed until its "Save" button (the file decrypted again
 * and checked to the end) is on screen.
 */
async function saveOnPage(page: Page, message: string): Promise<number> {
  const reply = page.locator('.reply', { has: page.locator('.reply-message', { hasText: message }) });
  const started = Date.now();
  await reply.locator('.files button').click();
  await reply.locator('.file-save').waitFor({ timeout: 600_000 });
  return (Date.now() - started) / 1000;
}

/** The same requests with `fetch`, `concurrency` at once and in the order the worker makes them, every byte read, nothing decrypted. */
async function fetchOnPage(
  page: Page,
  capability: string,
  concurrency: number,
): Promise<{ seconds: number; bytes: number }> {
  return page.evaluate(
    async ({ capabilityText, lanes }) => {
      const post = (route: string, body: object): Promise<Response> =>
        fetch(route, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const started = performance.now();
      const list = (await (await post('api/mailbox', { capability: capabilityText })).json()) as {
        replies: { id: string; size: number }[];
      };
      // In the worker's order: the largest first.
      const ordered = [...list.replies].sort((a, b) => b.size - a.size);
      let bytes = 0;
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let index = next++; index < ordered.length; index = next++) {
          const id = ordered[index]!.id;
          const response = await post('api/mailbox/reply', { capability: capabilityText, id });
          // Read first, then added: `bytes += await ...` would add to a total read before the wait.
          const size = (await response.arrayBuffer()).byteLength;
          bytes += size;
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));
      return { seconds: (performance.now() - started) / 1000, bytes };
    },
    { capabilityText: capability, lanes: concurrency },
  );
}

/** The profile worker, built twice like the real one: with libsodium's WebAssembly, and with noble. */
async function bundleProfileWorkers(root: string, site: string): Promise<void> {
  for (const noWasm of [false, true]) {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['scripts/bench/mailbox-profile-worker.ts'],
      outfile: path.join(site, noWasm ? PROFILE_WORKERS.nowasm : PROFILE_WORKERS.wasm),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      alias: noWasm ? { 'libsodium-wrappers': './client/app/sodium-noble.ts' } : {},
      define: { SEALDROP_NO_WASM: String(noWasm) },
      logOverride: { 'empty-import-meta': 'silent' },
      logLevel: 'error',
    });
  }
}

async function profileOnPage(page: Page, url: string, words: string, jitless: boolean): Promise<ProfileResult> {
  await page.goto(url);
  const result = await page.evaluate(
    ({ worker, request }) =>
      new Promise<ProfileResult | { error: string }>((resolve) => {
        const w = new Worker(worker);
        w.onmessage = (event: MessageEvent<ProfileResult | { error: string }>) => {
          w.terminate();
          resolve(event.data);
        };
        w.onerror = (event) => {
          resolve({ error: event.message });
        };
        w.postMessage(request);
      }),
    { worker: jitless ? PROFILE_WORKERS.nowasm : PROFILE_WORKERS.wasm, request: { words } },
  );
  if ('error' in result) throw new Error(`profile worker: ${result.error}`);
  if (result.webAssembly === jitless) throw new Error('profile worker: WebAssembly present or absent unexpectedly');
  return result;
}

/** Throttles every request of `page` and its workers to a Tor circuit, for as long as the browser lives. */
async function emulateTor(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = TOR_LINK.bitsPerSecond / 8;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: TOR_LINK.latencyMs,
    downloadThroughput: bytesPerSecond,
    uploadThroughput: bytesPerSecond,
  });
}

type Link = 'loopback' | 'tor';

interface CaseResult {
  readonly link: Link;
  readonly mode: string;
  readonly read: number;
  readonly baseline: number;
  readonly runs: number;
}

/** `runs` alternating reads and baselines of one mode over one link. */
async function measure(
  link: Link,
  mode: string,
  runs: number,
  read: () => Promise<number>,
  baseline: () => Promise<{ seconds: number; bytes: number }>,
  stored: number,
): Promise<CaseResult> {
  const reads: number[] = [];
  const baselines: number[] = [];
  for (let run = 0; run < runs; run++) {
    reads.push(await read());
    const fetched = await baseline();
    if (fetched.bytes !== stored) throw new Error(`fetched ${fetched.bytes} bytes, stored ${stored}`);
    baselines.push(fetched.seconds);
  }
  const result = { link, mode, read: median(reads), baseline: median(baselines), runs };
  // The worker's requests must be throttled as the page's are, or the comparison means nothing.
  const floor = (stored * 8) / TOR_LINK.bitsPerSecond;
  if (link === 'tor' && (result.read < floor || result.baseline < floor))
    throw new Error(`a ${link} run took less than ${floor.toFixed(1)} s: the link was not throttled`);
  return result;
}

async function main(): Promise<void> {
  guardWasmAbortInProcess();
  const runs = option('runs', 5);
  const torRuns = process.argv.includes('--loopback-only') ? 0 : option('tor-runs', 1);
  const loadAtStart = loadavg()[0]!;
  const work = await mkdtemp(path.join(tmpdir(), 'sealdrop-bench-mailbox-'));
  try {
    await loadSodium();
    const newsroom = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const site = path.join(work, 'site');
    await buildClient({ outDir: site, rootPublicKeyFile: newsroom.rootPublicKeyFile });
    await bundleProfileWorkers(findRepoRoot(), site);
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
        { message: LARGE_MESSAGE, size: LARGE_BYTES },
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
      const url = `${server.sourceUrl}?lang=en`;

      const results: CaseResult[] = [];
      const profiles: { mode: string; profile: ProfileResult; pageRead: number; pageSave: number }[] = [];
      for (const jitless of [false, true]) {
        const mode = jitless ? 'without WebAssembly (--jitless)' : 'with WebAssembly';
        const browser: Browser = await launchBenchChromium(jitless);
        try {
          const page = await browser.newPage();
          const profile = await profileOnPage(page, server.sourceUrl, words, jitless);
          if (profile.replies !== contents.length || profile.bytes !== stored)
            throw new Error(`profile read ${profile.replies} replies, ${profile.bytes} bytes`);
          const read = (): Promise<number> => readOnPage(page, url, words, contents.length);
          const baseline = (): Promise<{ seconds: number; bytes: number }> =>
            fetchOnPage(page, capability, profile.concurrency);
          const loopback = await measure('loopback', mode, runs, read, baseline, stored);
          results.push(loopback);
          // The page is still on the mailbox the last read opened.
          const pageSave = await saveOnPage(page, LARGE_MESSAGE);
          profiles.push({ mode, profile, pageRead: loopback.read, pageSave });
          // Last in this browser: the emulation stays until it closes. `--loopback-only` skips it (a quick look).
          if (torRuns > 0) {
            await emulateTor(page);
            results.push(await measure('tor', mode, torRuns, read, baseline, stored));
          }
        } finally {
          await browser.close();
        }
      }
      await report(results, profiles, stored, [loadAtStart, loadavg()[0]!]);
    } finally {
      await server.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function met(result: CaseResult): string {
  return result.read / result.baseline <= GOAL_RATIO ? 'met' : 'NOT met';
}

async function report(
  results: readonly CaseResult[],
  profiles: readonly { mode: string; profile: ProfileResult; pageRead: number; pageSave: number }[],
  bytes: number,
  load: readonly [number, number],
): Promise<void> {
  const mb = (value: number): string => (value / 1e6).toFixed(1);
  const s = (seconds: number): string => seconds.toFixed(2);
  const linkName = (link: Link): string =>
    link === 'tor' ? `Tor link (${TOR_LINK.bitsPerSecond / 1e6} Mbit/s, ${TOR_LINK.latencyMs} ms)` : 'loopback';
  const concurrency = profiles[0]!.profile.concurrency;
  const lines = [
    '## Reading replies on the page (`npm run bench:mailbox`)',
    '',
    'Command: `npm run bench:mailbox` (options: `--runs 5` over loopback, `--tor-runs 1` over the emulated Tor ' +
      'link; `--write-docs` rewrites this section).',
    '',
    `A mailbox of ${SMALL_REPLIES + 1} replies: ${SMALL_REPLIES} of 10 KB and one with a 10 MiB attachment, ` +
      `${mb(bytes)} MB of ciphertext, on the real server, in Debian's Chromium ` +
      `(${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}), over loopback and over a Tor link ` +
      `emulated with CDP (${TOR_LINK.bitsPerSecond / 1e6} Mbit/s each way, ${TOR_LINK.latencyMs} ms latency). ` +
      '"read" is the source\'s wait on the real page (loaded, its worker ready, the word lists loaded while the ' +
      'source typed), timed in the page from the click on "open" with the words typed to the frame that draws ' +
      'the last reply: the worker derives the keys, lists, fetches every reply whole (kept as a Blob for ' +
      'saving; the largest first), ' +
      'decrypts only the chunks holding reply.json and message.txt, and shows each text with its file list, ' +
      `${concurrency} replies at a time. "fetch only" is the same page fetching the same list and the ` +
      `same ciphertexts (exactly the bytes the read fetches) with \`fetch\`, ${concurrency} at a time too, ` +
      'decrypting nothing. Median of alternating runs. Load average (1 min) at the start and the end: ' +
      `${load[0].toFixed(1)} and ${load[1].toFixed(1)}, on ${cpus().length} cores (other work inflates the ` +
      'loopback figures most).',
    '',
    `| link | page | runs | read (s) | fetch only (s) | read / fetch only | goal (≤ ${GOAL_RATIO}x) |`,
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (result) =>
        `| ${linkName(result.link)} | ${result.mode} | ${result.runs} | ${s(result.read)} | ${s(result.baseline)} | ` +
        `${(result.read / result.baseline).toFixed(2)}x | ${met(result)} |`,
    ),
    '',
    'An attachment is decrypted only when the source saves it: without WebAssembly ChaCha20-Poly1305 runs at ' +
      'about 1 MB/s, so decrypting the 10 MiB attachment while reading would keep the source from every text for ' +
      'seconds. Saving decrypts its reply again from the kept ciphertext and checks every chunk to the end ' +
      'before the page offers the file (a tampered or cut reply hands nothing over). Time from "Prepare to ' +
      'save" to "Save" on the page, over loopback, after the reads: ' +
      profiles
        .map((entry) => `${s(entry.pageSave)} s ${entry.mode} (${mb(entry.profile.saveBytes)} MB attachment)`)
        .join(', ') +
      '.',
    '',
    'Where the time goes (profile worker, over loopback: each step alone, one after the other, with the ' +
      "page's bundle of each kind; \"read, overlapped\" is the worker's whole `readMailbox`, and the page's read " +
      'adds the messages to the page and drawing the replies):',
    '',
    '| step | ' + profiles.map((entry) => entry.mode).join(' | ') + ' |',
    '|---|' + profiles.map(() => '---|').join(''),
    ...(
      [
        ['words to keys', (p) => p.keys],
        ['list', (p) => p.list],
        ['fetch all (one at a time)', (p) => p.fetch],
        ['age headers (X25519, HKDF, MAC), all ten', (p) => p.headers],
        ['headers and payloads decrypted', (p) => p.decrypt],
        ['read as the page does (`openReply`: text and file list decrypted, ciphertext kept)', (p) => p.open],
        [`read, overlapped (\`readMailbox\`, ${concurrency} at a time)`, (p) => p.readMailbox],
        ['save the largest attachment (`openReplyFile`, checked to the end)', (p) => p.save],
      ] as [string, (p: ProfileResult) => number][]
    ).map(([name, value]) => `| ${name} | ${profiles.map((entry) => `${s(value(entry.profile))} s`).join(' | ')} |`),
    `| the page's read (above) | ${profiles.map((entry) => `${s(entry.pageRead)} s`).join(' | ')} |`,
    '',
    BEFORE,
    '',
    [
      whyAboveGoal(
        profiles.flatMap((entry) => {
          const loopback = results.find((result) => result.link === 'loopback' && result.mode === entry.mode);
          return loopback === undefined
            ? []
            : [
                {
                  webAssembly: entry.profile.webAssembly,
                  profile: entry.profile,
                  read: loopback.read,
                  baseline: loopback.baseline,
                },
              ];
        }),
      ),
      PAGE_TIMING,
    ]
      .filter((text) => text !== '')
      .join(' '),
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
