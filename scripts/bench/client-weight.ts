/**
 * The first-load weight half of `npm run bench:client`: every file the source
 * page loads before it can encrypt, measured raw, as gzip -9 (the estimate),
 * and as the real server (the source listener on a demo newsroom) sends it to
 * a browser that accepts gzip (the build's precompressed .gz files).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MANIFEST_FILE_NAME, SIGNATURE_SUFFIX } from '../../client/core/manifest.js';
import { parseConfig } from '../../server/config.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/main.js';
import { demoServerSettings, type DemoNewsroom } from '../demo.js';

export interface Weight {
  readonly name: string;
  readonly raw: number;
  readonly gzip: number;
  /** Response body bytes the real server sent for it (Accept-Encoding: gzip). */
  readonly served: number;
  /** Response header bytes (status line and headers), for the note under the table. */
  readonly headers: number;
}

interface Transfer {
  readonly body: number;
  readonly headers: number;
  readonly encoding: string | undefined;
}

/** GET `pathname` as a browser that accepts gzip would; counts the bytes as they arrive, undecoded. */
function transfer(baseUrl: string, pathname: string): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      new URL(pathname, baseUrl),
      { headers: { 'accept-encoding': 'gzip' }, agent: false },
      (res) => {
        let body = 0;
        res.on('data', (chunk: Buffer) => {
          body += chunk.length;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`${pathname}: HTTP ${String(res.statusCode)}`));
            return;
          }
          let headers = `HTTP/1.1 ${String(res.statusCode)} ${res.statusMessage ?? ''}\r\n`.length + 2;
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            headers += `${res.rawHeaders[i]!}: ${res.rawHeaders[i + 1]!}\r\n`.length;
          resolve({ body, headers, encoding: res.headers['content-encoding'] });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

/** Raw and gzip -9 size of each file in `directory`, and what the server at `baseUrl` sends for it. */
async function weigh(directory: string, names: readonly string[], baseUrl: string): Promise<Weight[]> {
  const weights: Weight[] = [];
  for (const name of names) {
    const bytes = await readFile(path.join(directory, name));
    const sent = await transfer(baseUrl, name === 'index.html' ? '/' : `/${name}`);
    weights.push({
      name,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      served: sent.body,
      headers: sent.headers,
    });
  }
  return weights;
}

/** The sum of `files`, as one row named "total". */
export function totalWeight(files: readonly Weight[]): Weight {
  return {
    name: 'total',
    raw: files.reduce((sum, file) => sum + file.raw, 0),
    gzip: files.reduce((sum, file) => sum + file.gzip, 0),
    served: files.reduce((sum, file) => sum + file.served, 0),
    headers: files.reduce((sum, file) => sum + file.headers, 0),
  };
}

export interface FirstLoadWeight {
  /** The page, its code and the root key: loaded by every browser. */
  readonly common: Weight[];
  /** The signed manifest and its signature. */
  readonly keys: Weight[];
  /** The encryption worker a browser with WebAssembly loads (libsodium). */
  readonly wasmWorker: Weight;
  /** The one a browser without WebAssembly loads (noble). */
  readonly noWasmWorker: Weight;
}

/**
 * Starts the real server (source listener) on `newsroom`, serving the client
 * build in `site`, weighs every first-load file, and stops it.
 * @throws if the server does not start or a file is not served with 200.
 */
export async function weighFirstLoad(newsroom: DemoNewsroom, site: string, work: string): Promise<FirstLoadWeight> {
  const portal = await startServer(
    parseConfig(
      {
        ...demoServerSettings(newsroom, site),
        SEALDROP_SOURCE_PORT: '0',
        SEALDROP_EDITOR_PORT: '0',
        SEALDROP_LOG_LEVEL: 'silent',
      },
      work,
    ),
    createLogger('silent'),
  );
  try {
    const common = await weigh(
      site,
      ['index.html', 'styles.css', 'favicon.svg', 'main.js', 'root.pub'],
      portal.sourceUrl,
    );
    const keys = await weigh(
      newsroom.keysDir,
      [MANIFEST_FILE_NAME, MANIFEST_FILE_NAME + SIGNATURE_SUFFIX],
      portal.sourceUrl,
    );
    const [wasmWorker, noWasmWorker] = (await weigh(site, ['worker.js', 'worker-nowasm.js'], portal.sourceUrl)) as [
      Weight,
      Weight,
    ];
    return { common, keys, wasmWorker, noWasmWorker };
  } finally {
    await portal.close();
  }
}
