/**
 * The resumable uploader against an in-memory server that follows
 * docs/API.md (create, status, chunk at offset, finalize, delete), with
 * injected faults: connections cut mid-chunk, lost answers, proxy errors,
 * refusals, and cancellation.
 */
import fc from 'fast-check';
import { rechunk } from '../support/streams.js';
import { rebatch, UploadError, uploadCiphertext, type FetchLike, type UploadOptions } from '../../client/app/upload.js';

const ID = '0123456789abcdef0123456789abcdef';

interface Upload {
  size: number;
  bytes: Uint8Array;
  /** Contiguous prefix received. */
  offset: number;
  finalized: boolean;
  deleted: boolean;
}

type Fault = 'cut' | 'lose-answer' | 'proxy-502' | null;

/** A fake source listener; `faults` is consumed one entry per chunk request. */
class FakeServer {
  upload: Upload | null = null;
  readonly log: string[] = [];
  faults: Fault[] = [];
  createError: { status: number; code: string } | null = null;

  readonly fetch: FetchLike = async (url, init) => {
    await Promise.resolve();
    const { pathname, searchParams } = new URL(url);
    const method = init.method ?? 'GET';
    this.log.push(`${method} ${pathname}${searchParams.size > 0 ? `?${searchParams.toString()}` : ''}`);
    if (init.signal?.aborted === true) throw new DOMException('aborted', 'AbortError');
    const json = (status: number, body: unknown): Response =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const status = (): unknown => ({ id: ID, size: this.upload!.size, offset: this.upload!.offset, received: [], complete: false });
    if (method === 'POST' && pathname === '/api/uploads') {
      if (this.createError !== null) return json(this.createError.status, { error: { code: this.createError.code, message: 'x' } });
      const { size } = JSON.parse(init.body as string) as { size: number };
      this.upload = { size, bytes: new Uint8Array(size), offset: 0, finalized: false, deleted: false };
      return json(201, status());
    }
    const upload = this.upload;
    if (upload === null || upload.deleted) return json(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    if (method === 'GET') return json(200, status());
    if (method === 'DELETE') {
      upload.deleted = true;
      return new Response(null, { status: 204 });
    }
    if (method === 'POST' && pathname.endsWith('/finalize')) {
      if (upload.offset !== upload.size) return json(409, { error: { code: 'UPLOAD_INCOMPLETE', message: 'x' } });
      upload.finalized = true;
      return json(201, { id: ID, size: upload.size });
    }
    if (method === 'PUT') {
      const offset = Number(searchParams.get('offset'));
      const body = init.body as Uint8Array;
      const fault = this.faults.shift() ?? null;
      if (fault === 'cut') throw new TypeError('Failed to fetch');
      if (fault === 'proxy-502') return new Response('bad gateway', { status: 502 });
      if (offset > upload.offset) return json(400, { error: { code: 'INVALID_OFFSET', message: 'x' } });
      upload.bytes.set(body, offset);
      upload.offset = Math.max(upload.offset, offset + body.length);
      if (fault === 'lose-answer') throw new TypeError('Failed to fetch');
      return json(200, status());
    }
    return json(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  };
}

function bytesOf(length: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** Irregular chunks, as the age encryptor yields them (header, nonce, 64 KiB + 16 ...). */
function chunked(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  return rechunk(bytes, [100, 16, 65552]);
}

function options(server: FakeServer, extra: Partial<UploadOptions> = {}): UploadOptions {
  return {
    baseUrl: 'http://portal.test/',
    fetch: server.fetch,
    retryDelaysMs: [0, 0, 0],
    minBatchBytes: 4096,
    initialBatchBytes: 64 * 1024,
    maxBatchBytes: 256 * 1024,
    ...extra,
  };
}

describe('uploadCiphertext', () => {
  test('uploads every byte in order, reports progress and finalizes', async () => {
    const server = new FakeServer();
    const data = bytesOf(700_001);
    const progress: number[] = [];
    let created = '';
    const result = await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        onProgress: (sent) => progress.push(sent),
        onCreated: (id) => {
          created = id;
        },
      }),
    );
    expect(result).toEqual({ id: ID, size: data.length });
    expect(created).toBe(ID);
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  test('a connection cut mid-chunk resumes from the server offset without starting over', async () => {
    const server = new FakeServer();
    server.faults = [null, 'cut'];
    const data = bytesOf(300_000);
    let retries = 0;
    await uploadCiphertext(data.length, chunked(data), options(server, { onRetry: () => (retries += 1) }));
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(retries).toBe(1);
    const cutAt = server.log.findIndex((line, i) => line.startsWith('PUT') && i > 1 && server.log[i + 1]?.startsWith('GET'));
    expect(server.log[cutAt + 1]).toBe(`GET /api/uploads/${ID}`);
    // The retried chunk starts where the cut one did, not at 0.
    expect(server.log[cutAt + 2]).toBe(server.log[cutAt]);
    expect(server.log.filter((line) => line.endsWith('offset=0'))).toHaveLength(1);
  });

  test('a lost answer is not resent: the status shows the chunk arrived', async () => {
    const server = new FakeServer();
    server.faults = ['lose-answer'];
    const data = bytesOf(100_000);
    await uploadCiphertext(data.length, chunked(data), options(server));
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(server.log.filter((line) => line.endsWith('offset=0'))).toHaveLength(1);
  });

  test('proxy errors without our JSON body are retried', async () => {
    const server = new FakeServer();
    server.faults = ['proxy-502', 'proxy-502'];
    const data = bytesOf(50_000);
    await uploadCiphertext(data.length, chunked(data), options(server));
    expect(server.upload!.finalized).toBe(true);
  });

  test('gives up with `connection` when every retry fails, and deletes the partial upload', async () => {
    const server = new FakeServer();
    server.faults = ['cut', 'cut', 'cut', 'cut', 'cut'];
    const data = bytesOf(50_000);
    await expect(uploadCiphertext(data.length, chunked(data), options(server))).rejects.toMatchObject({
      name: 'UploadError',
      code: 'connection',
    });
    expect(server.upload!.deleted).toBe(true);
  });

  test.each([
    [413, 'SUBMISSION_TOO_LARGE', 'too-large'],
    [507, 'QUOTA_EXCEEDED', 'server-busy'],
    [503, 'TOO_MANY_UPLOADS', 'server-busy'],
    [400, 'INVALID_BODY', 'rejected'],
  ])('a %i %s at creation fails as %s, without retrying', async (status, code, expected) => {
    const server = new FakeServer();
    server.createError = { status, code };
    await expect(uploadCiphertext(10, chunked(bytesOf(10)), options(server))).rejects.toMatchObject({ code: expected });
    expect(server.log.filter((line) => line === 'POST /api/uploads')).toHaveLength(1);
  });

  test('an abort cancels and deletes the upload', async () => {
    const server = new FakeServer();
    const controller = new AbortController();
    const data = bytesOf(400_000);
    const promise = uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        signal: controller.signal,
        onProgress: () => {
          controller.abort();
        },
      }),
    );
    await expect(promise).rejects.toMatchObject({ code: 'cancelled' });
    expect(server.upload!.deleted).toBe(true);
    expect(server.upload!.finalized).toBe(false);
  });

  test('an error from the ciphertext source (a file that cannot be read) is rethrown and the upload deleted', async () => {
    const server = new FakeServer();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytesOf(100_000);
      await Promise.resolve();
      throw new Error('file could not be read');
    }
    await expect(uploadCiphertext(200_000, failing(), options(server))).rejects.toThrow('file could not be read');
    expect(server.upload!.deleted).toBe(true);
    expect(server.upload!.finalized).toBe(false);
  });

  test('ciphertext of the wrong length is never finalized', async () => {
    const server = new FakeServer();
    await expect(uploadCiphertext(1000, chunked(bytesOf(999)), options(server))).rejects.toThrow('shorter');
    await expect(uploadCiphertext(1000, chunked(bytesOf(1001)), options(new FakeServer()))).rejects.toThrow('longer');
    expect(server.upload!.finalized).toBe(false);
  });

  test('batches grow toward the target duration on a fast link, within bounds', async () => {
    const server = new FakeServer();
    let clock = 0;
    const sizes: number[] = [];
    const fetchWithClock: FetchLike = async (url, init) => {
      if (init.method === 'PUT') {
        sizes.push((init.body as Uint8Array).length);
        clock += 100; // 100 ms per request: a fast link
      }
      return server.fetch(url, init);
    };
    const data = bytesOf(3_000_000);
    await uploadCiphertext(data.length, chunked(data), options(server, { fetch: fetchWithClock, now: () => clock }));
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(Math.max(...sizes)).toBe(256 * 1024);
    expect(UploadError.name).toBe('UploadError');
  });
});

describe('rebatch', () => {
  test('regroups any chunking into batches of the requested sizes, losing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 200 }),
        async (chunkSizes, batchSize) => {
          const total = chunkSizes.reduce((a, b) => a + b, 0);
          const data = bytesOf(total, 7);
          async function* source(): AsyncGenerator<Uint8Array> {
            let offset = 0;
            for (const size of chunkSizes) {
              yield data.subarray(offset, offset + size);
              offset += size;
              await Promise.resolve();
            }
          }
          const batches: Uint8Array[] = [];
          for await (const batch of rebatch(source(), () => batchSize)) batches.push(batch.slice());
          expect(batches.slice(0, -1).every((batch) => batch.length === batchSize)).toBe(true);
          const joined = new Uint8Array(total);
          let offset = 0;
          for (const batch of batches) {
            joined.set(batch, offset);
            offset += batch.length;
          }
          expect(offset).toBe(total);
          expect(joined).toEqual(data);
        },
      ),
      { numRuns: Number(process.env.SLOW) ? 1000 : 50 },
    );
  });
});
