/**
 * The real portal as the page benchmarks drive it: a demo newsroom in a
 * temporary folder, the client built for its root key, and the real server
 * (both listeners) started in-process on loopback, with limits that let a
 * 1 GiB submission through and a request budget for the benchmark's own
 * requests, not a hostile client's.
 */
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { parseConfig } from '../../server/config.js';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/main.js';
import { buildClient } from '../build-client.js';
import { demoServerSettings, prepareDemoNewsroom, type DemoNewsroom } from '../demo.js';

/** The benchmark's limits: a 1 GiB submission, and far more requests than a benchmark makes. */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  SEALDROP_MAX_SUBMISSION_BYTES: '2GiB',
  SEALDROP_STORAGE_QUOTA_BYTES: '16GiB',
  SEALDROP_RATE_LIMIT_PER_MINUTE: '100000',
};

export interface BenchPortalOptions {
  /**
   * A demo newsroom and the client already built for it (`site`), to serve
   * instead of making both under `work`.
   */
  readonly built?: { readonly newsroom: DemoNewsroom; readonly site: string };
  /** Where the server's log goes, at level `info` (its request log); default: no log. */
  readonly log?: DestinationStream;
  /** Server settings over {@link BENCH_LIMITS} (`SEALDROP_*`); default: those limits. */
  readonly limits?: Readonly<Record<string, string>>;
}

/**
 * Starts the portal under `work` (which must exist, and be empty unless
 * `options.built` is given). Requires libsodium loaded.
 * @throws whatever building the client or starting the server throws.
 */
export async function startBenchPortal(work: string, options: BenchPortalOptions = {}): Promise<RunningServer> {
  let built = options.built;
  if (built === undefined) {
    const newsroom = await prepareDemoNewsroom(path.join(work, 'newsroom'));
    const site = path.join(work, 'site');
    await buildClient({ outDir: site, rootPublicKeyFile: newsroom.rootPublicKeyFile });
    built = { newsroom, site };
  }
  const level = options.log === undefined ? 'silent' : 'info';
  const config = parseConfig(
    {
      ...demoServerSettings(built.newsroom, built.site),
      SEALDROP_SOURCE_PORT: '0',
      SEALDROP_EDITOR_PORT: '0',
      SEALDROP_LOG_LEVEL: level,
      ...BENCH_LIMITS,
      ...options.limits,
    },
    work,
  );
  return startServer(config, createLogger(level, options.log));
}
