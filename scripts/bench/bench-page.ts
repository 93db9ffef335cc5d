/**
 * The page the in-browser benchmarks (./client.ts, ./pq.ts) run their
 * workers in: each worker bundled once per variant with esbuild, a blank
 * page, and the loopback file server that serves them.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import * as esbuild from 'esbuild';

/** How one variant of a bench worker is bundled: esbuild's options beyond the shared ones. */
export type BenchWorkerVariant = Pick<esbuild.BuildOptions, 'alias' | 'define' | 'external' | 'logOverride'>;

/**
 * Bundle `entry` once per variant into `outDir` (minified browser IIFEs,
 * named by the variants' keys, as the shipped workers are built), and write
 * the blank `index.html` that loads them.
 * @throws Error from esbuild if a bundle fails.
 */
export async function buildBenchPage(
  root: string,
  outDir: string,
  entry: string,
  variants: Readonly<Record<string, BenchWorkerVariant>>,
): Promise<void> {
  for (const [name, variant] of Object.entries(variants)) {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: path.join(outDir, name),
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      ...variant,
      logLevel: 'error',
    });
  }
  await writeFile(path.join(outDir, 'index.html'), '<!doctype html><title>bench</title>');
}

/**
 * Serve the files directly in `directory` on a free loopback port, by base
 * name only (so no request can leave the folder), uncached so a rebuilt
 * worker is always the one measured.
 * @returns the listening server (its port is `server.address()`).
 */
export function serveBenchDirectory(directory: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html';
    try {
      const body = readFileSync(path.join(directory, name));
      res.writeHead(200, {
        'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}
