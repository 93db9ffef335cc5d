/**
 * The resumable uploader against an in-memory server that follows
 * docs/API.md (create, status, chunk at offset, finalize, delete), with
 * injected faults: connections cut mid-chunk, lost answers, proxy errors,
 * server crashes that lose acknowledged bytes, refusals, and cancellation.
 */
import fc from 'fast-check';
import { rechunk } from '../support/streams.js';
import { rebatch, uploadCiphertext, type UploadOptions } from '../../client/app/upload.js';
import { UploadCancelled, UploadError } from '../../client/app/upload-errors.js';
import { RetryNow, type FetchLike } from '../../client/app/upload-requests.js';

const ID = '0123456789abcdef0123456789abcdef';

interface Upload {
  size: number;
  bytes: Uint8Array;
  /** 1 for each byte received: chunks may arrive out of order, as at the real server. */
  held: Uint8Array;
  /** Contiguous prefix received. */
  offset: number;
  /** What a crash keeps: the offset at the last checkpoint. */
  durableOffset: number;
  finalized: boolean;
  deleted: boolean;
}

/** `crash`: the server dies as the chunk arrives and restarts at its last checkpoint. */
type Fault = 'cut' | 'lose-answer' | 'proxy-502' | 'crash' | null;

/**
 * A fake source listener; `faults` is consumed one entry per chunk request.
 * Like the real one it acknowledges chunks before they are durable: a
 * checkpoint makes everything received durable once `checkpointBytes` were
 * received since the last one (after answering, as the real one does it in
 * the background), and every `checkpointEveryGets`-th status request stands
 * for the idle timer.
 */
class FakeServer {
  upload: Upload | null = null;
  readonly log: string[] = [];
  faults: Fault[] = [];
  createError: { status: number; code: string } | null = null;
  /** Refuses the next finalize with this answer (and discards the upload, as the real one does). */
  finalizeError: { status: number; code: string } | null = null;
  /** Per DELETE request: the answer it gets instead of 204 (`cut`: no answer at all). */
  deleteFaults: ('busy' | 'cut')[] = [];
  /** What status answers say about expiry (`expiresInSeconds`); null: the field is left out. */
  expiresInSeconds: number | null = 3600;
  /** The manifest version of each create request. */
  readonly createdFor: unknown[] = [];
  checkpointBytes = Number.POSITIVE_INFINITY;
  checkpointEveryGets = 1;
  /** The next finalize finds the server just restarted at its last checkpoint. */
  crashBeforeFinalize = false;
  /** Largest not-yet-durable span a chunk request reached: what the client had to keep. */
  maxUnsynced = 0;
  private gets = 0;

  /** Restarts the server: only checkpointed bytes are still claimed. */
  crash(): void {
    const upload = this.upload!;
    upload.offset = upload.durableOffset;
    upload.bytes.fill(0, upload.offset);
    upload.held.fill(0, upload.offset);
  }

  /** Restarts the server, losing even its checkpoints (what must never happen). */
  crashLosingCheckpoints(): void {
    this.upload!.durableOffset = 0;
    this.crash();
  }

  private checkpoint(): void {
    this.upload!.durableOffset = this.upload!.offset;
  }

  readonly fetch: FetchLike = async (url, init) => {
    await Promise.resolve();
    const { pathname, searchParams } = new URL(url);
    const method = init.method ?? 'GET';
    this.log.push(`${method} ${pathname}${searchParams.size > 0 ? `?${searchParams.toString()}` : ''}`);
    if (init.signal?.aborted === true) throw new DOMException('aborted', 'AbortError');
    const json = (status: number, body: unknown): Response =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const status = (): unknown => ({
      id: ID,
      size: this.upload!.size,
      offset: this.upload!.offset,
      durableOffset: this.upload!.durableOffset,
      complete: false,
      ...(this.expiresInSeconds === null ? {} : { expiresInSeconds: this.expiresInSeconds }),
    });
    if (method === 'POST' && pathname === '/api/uploads') {
      const { size, manifestVersion } = JSON.parse(init.body as string) as { size: number; manifestVersion: unknown };
      this.createdFor.push(manifestVersion);
      if (this.createError !== null)
        return json(this.createError.status, { error: { code: this.createError.code, message: 'x' } });
      this.upload = {
        size,
        bytes: new Uint8Array(size),
        held: new Uint8Array(size),
        offset: 0,
        durableOffset: 0,
        finalized: false,
        deleted: false,
      };
      return json(201, status());
    }
    const upload = this.upload;
    if (upload === null || upload.deleted) return json(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
    if (method === 'GET') {
      this.gets += 1;
      if (this.gets % this.checkpointEveryGets === 0) this.checkpoint();
      return json(200, status());
    }
    if (method === 'DELETE') {
      const fault = this.deleteFaults.shift();
      if (fault === 'cut') throw new TypeError('Failed to fetch');
      if (fault === 'busy') return json(409, { error: { code: 'UPLOAD_BUSY', message: 'x' } });
      upload.deleted = true;
      return new Response(null, { status: 204 });
    }
    if (method === 'POST' && pathname.endsWith('/finalize') && this.finalizeError !== null) {
      upload.deleted = true;
      return json(this.finalizeError.status, { error: { code: this.finalizeError.code, message: 'x' } });
    }
    if (method === 'POST' && pathname.endsWith('/finalize')) {
      if (this.crashBeforeFinalize) {
        this.crashBeforeFinalize = false;
        this.crash();
      }
      if (upload.offset !== upload.size) return json(409, { error: { code: 'UPLOAD_INCOMPLETE', message: 'x' } });
      upload.finalized = true;
      return json(201, { id: ID, size: upload.size });
    }
    if (method === 'PUT') {
      const offset = Number(searchParams.get('offset'));
      const body = new Uint8Array(await (init.body as Blob).arrayBuffer());
      const fault = this.faults.shift() ?? null;
      if (fault === 'cut') throw new TypeError('Failed to fetch');
      if (fault === 'proxy-502') return new Response('bad gateway', { status: 502 });
      if (fault === 'crash') {
        this.crash();
        throw new TypeError('Failed to fetch');
      }
      if (offset + body.length > upload.size)
        return json(400, { error: { code: 'CHUNK_OUT_OF_BOUNDS', message: 'x' } });
      upload.bytes.set(body, offset);
      upload.held.fill(1, offset, offset + body.length);
      while (upload.offset < upload.size && upload.held[upload.offset] === 1) upload.offset += 1;
      this.maxUnsynced = Math.max(this.maxUnsynced, offset + body.length - upload.durableOffset);
      if (fault === 'lose-answer') throw new TypeError('Failed to fetch');
      const answer = json(200, status());
      if (upload.offset - upload.durableOffset >= this.checkpointBytes) this.checkpoint();
      return answer;
    }
    return json(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  };
}

/** The offsets of the chunk requests, in order. */
function putOffsets(server: FakeServer): number[] {
  return server.log.filter((line) => line.startsWith('PUT')).map((line) => Number(line.split('offset=')[1]));
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
    manifestVersion: 7,
    retryDelaysMs: [0, 0, 0],
    deleteDelaysMs: [0, 0, 0],
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
    // The create declares the manifest version the ciphertext is encrypted to.
    expect(server.createdFor).toEqual([7]);
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
    // One request at a time, so the log reads in order (overlapping ones: below).
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, { maxInFlight: 1, onRetry: () => (retries += 1) }),
    );
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(retries).toBe(1);
    const cutAt = server.log.findIndex(
      (line, i) => line.startsWith('PUT') && i > 1 && server.log[i + 1]?.startsWith('GET'),
    );
    expect(server.log[cutAt + 1]).toBe(`GET /api/uploads/${ID}`);
    // The retried chunk starts where the cut one did, not at 0.
    expect(server.log[cutAt + 2]).toBe(server.log[cutAt]);
    expect(server.log.filter((line) => line.endsWith('offset=0'))).toHaveLength(1);
  });

  test('two chunk requests are on the wire at once; a cut while both are out resumes from the server offset', async () => {
    const server = new FakeServer();
    server.faults = [null, null, 'cut'];
    let out = 0;
    let most = 0;
    const counting: FetchLike = async (url, init) => {
      if (init.method !== 'PUT') return server.fetch(url, init);
      out += 1;
      most = Math.max(most, out);
      try {
        // A chunk takes a while on the wire: long enough for the next batch to be ready.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return await server.fetch(url, init);
      } finally {
        out -= 1;
      }
    };
    const data = bytesOf(600_000);
    let retries = 0;
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, { fetch: counting, onRetry: () => (retries += 1) }),
    );
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(most).toBe(2);
    expect(retries).toBe(1);
    // The cut chunk is sent again after a status request, and nothing starts over.
    const offsets = putOffsets(server);
    const cut = offsets[2]!;
    const get = server.log.indexOf(`GET /api/uploads/${ID}`);
    expect(get).toBeGreaterThan(0);
    expect(server.log.slice(get + 1).filter((line) => line.startsWith('PUT'))[0]).toBe(
      `PUT /api/uploads/${ID}?offset=${cut}`,
    );
    expect(offsets.filter((offset) => offset === 0)).toHaveLength(1);
  });

  test('an answer that crossed an older chunk still on the wire is no reason to send again', async () => {
    const server = new FakeServer();
    let releaseFirst = (): void => undefined;
    const secondHandled = new Promise<void>((resolve) => (releaseFirst = resolve));
    // The first chunk reaches the server only after the second was stored and
    // answered: that answer says the upload holds nothing contiguous yet.
    const crossing: FetchLike = async (url, init) => {
      if (init.method === 'PUT' && url.endsWith('offset=0')) {
        await secondHandled;
        return server.fetch(url, init);
      }
      const answer = await server.fetch(url, init);
      if (init.method === 'PUT') releaseFirst();
      return answer;
    };
    const data = bytesOf(128 * 1024);
    await uploadCiphertext(data.length, chunked(data), options(server, { fetch: crossing }));
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(putOffsets(server)).toEqual([65536, 0]);
    expect(server.log.filter((line) => line.startsWith('GET'))).toEqual([]);
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

  test('gives up with `connection` once the next try would come after the server expires the upload, and deletes it', async () => {
    const server = new FakeServer();
    server.expiresInSeconds = 1;
    server.faults = ['cut', 'cut', 'cut', 'cut', 'cut'];
    const data = bytesOf(50_000);
    const waits: number[] = [];
    await expect(
      uploadCiphertext(
        data.length,
        chunked(data),
        options(server, { retryDelaysMs: [0, 0, 5000], onRetry: (ms) => waits.push(ms) }),
      ),
    ).rejects.toMatchObject({ name: 'UploadError', code: 'connection' });
    // Two quick tries; the third wait (5 s) would outlast the server's 1 s.
    expect(waits).toEqual([0, 0]);
    expect(server.upload!.deleted).toBe(true);
  });

  test('a long outage is retried for as long as the server keeps the upload, the last wait repeating', async () => {
    const server = new FakeServer();
    // Far more failures in a row than a fixed schedule allowed (11, about 3.5 minutes).
    server.faults = [null, ...Array<Fault>(40).fill('cut')];
    const data = bytesOf(200_000);
    const waits: number[] = [];
    await uploadCiphertext(
      data.length,
      chunked(data),
      // One request at a time: each cut is one failed attempt.
      options(server, { maxInFlight: 1, retryDelaysMs: [0, 1], onRetry: (ms) => waits.push(ms) }),
    );
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(waits).toEqual([0, ...Array<number>(39).fill(1)]);
  });

  test('"try now" ends the wait before the next try at once', async () => {
    const server = new FakeServer();
    server.faults = ['cut'];
    const data = bytesOf(50_000);
    const retryNow = new RetryNow();
    const began = Date.now();
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        retryDelaysMs: [60_000],
        retryNow,
        onRetry: () => {
          setTimeout(() => {
            retryNow.fire();
          }, 10);
        },
      }),
    );
    expect(server.upload!.finalized).toBe(true);
    expect(Date.now() - began).toBeLessThan(5000);
  });

  test('before the server has said how long it keeps an upload, creating is retried within a fixed bound', async () => {
    const server = new FakeServer();
    let clock = 0;
    const fetchDown: FetchLike = () => {
      clock += 60_000;
      return Promise.reject(new TypeError('Failed to fetch'));
    };
    await expect(
      uploadCiphertext(10, chunked(bytesOf(10)), {
        ...options(server),
        fetch: fetchDown,
        retryDelaysMs: [0],
        unknownExpiryMs: 5 * 60_000,
        now: () => clock,
      }),
    ).rejects.toMatchObject({ code: 'connection' });
    // Tries at 0, 1, ... 5 minutes (each try takes the fake clock a minute); none after.
    expect(clock / 60_000).toBe(6);
  });

  test.each([
    [409, 'MANIFEST_CHANGED', 'manifest-changed'],
    [503, 'KEYS_EXPIRED', 'keys-expired'],
  ])('a %i %s at creation fails as %s, at once', async (status, code, expected) => {
    const server = new FakeServer();
    server.createError = { status, code };
    await expect(uploadCiphertext(10, chunked(bytesOf(10)), options(server))).rejects.toMatchObject({ code: expected });
    expect(server.log).toEqual(['POST /api/uploads']);
  });

  test('a manifest changed during the upload fails finalize as `manifest-changed`', async () => {
    const server = new FakeServer();
    server.finalizeError = { status: 409, code: 'MANIFEST_CHANGED' };
    const data = bytesOf(50_000);
    await expect(uploadCiphertext(data.length, chunked(data), options(server))).rejects.toMatchObject({
      code: 'manifest-changed',
    });
    expect(server.upload!.finalized).toBe(false);
    // The server discarded it with its refusal: no clean-up request is spent on the link.
    expect(server.log.filter((line) => line.startsWith('DELETE'))).toEqual([]);
  });

  test('an upload the server dropped (410 UPLOAD_GONE) fails as `expired`, not retried', async () => {
    const server = new FakeServer();
    const data = bytesOf(300_000);
    const promise = uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        onProgress: () => {
          server.upload!.deleted = true;
        },
      }),
    );
    await expect(promise).rejects.toMatchObject({ code: 'expired' });
    // The server has already deleted it: no clean-up request is spent on the link.
    expect(server.log.filter((line) => line.startsWith('DELETE'))).toEqual([]);
  });

  test.each([
    [413, 'SUBMISSION_TOO_LARGE', 'too-large'],
    [507, 'QUOTA_EXCEEDED', 'server-busy'],
    [400, 'INVALID_BODY', 'rejected'],
  ])('a %i %s at creation fails as %s, without retrying', async (status, code, expected) => {
    const server = new FakeServer();
    server.createError = { status, code };
    await expect(uploadCiphertext(10, chunked(bytesOf(10)), options(server))).rejects.toMatchObject({ code: expected });
    expect(server.log.filter((line) => line === 'POST /api/uploads')).toHaveLength(1);
  });

  test('a create refused with TOO_MANY_UPLOADS (every slot too new to give way) is tried again', async () => {
    const server = new FakeServer();
    server.createError = { status: 503, code: 'TOO_MANY_UPLOADS' };
    const data = bytesOf(10);
    const stored = await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        onRetry: () => {
          server.createError = null;
        },
      }),
    );
    expect(stored).toEqual({ id: ID, size: 10 });
    expect(server.log.filter((line) => line === 'POST /api/uploads')).toHaveLength(2);
  });

  test('an abort cancels and deletes the upload, and says the server confirmed it', async () => {
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
    const error: unknown = await promise.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UploadCancelled);
    expect(error).toMatchObject({ code: 'cancelled', copy: { state: 'deleted' } });
    expect(server.upload!.deleted).toBe(true);
    expect(server.upload!.finalized).toBe(false);
  });

  test('a cancel retries the delete until the server confirms it (a chunk still settling, a dropped link)', async () => {
    const server = new FakeServer();
    server.deleteFaults = ['busy', 'cut', 'busy'];
    const controller = new AbortController();
    const data = bytesOf(400_000);
    const promise = uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        signal: controller.signal,
        deleteDelaysMs: [0, 0, 0, 0],
        onProgress: () => {
          controller.abort();
        },
      }),
    );
    await expect(promise).rejects.toMatchObject({ copy: { state: 'deleted' } });
    expect(server.log.filter((line) => line.startsWith('DELETE'))).toHaveLength(4);
    expect(server.upload!.deleted).toBe(true);
  });

  test('a cancel the server never confirms says so, with how long the server keeps the upload', async () => {
    const server = new FakeServer();
    server.expiresInSeconds = 600;
    server.deleteFaults = ['busy', 'busy', 'busy'];
    const controller = new AbortController();
    const data = bytesOf(400_000);
    const promise = uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        signal: controller.signal,
        deleteDelaysMs: [0, 0],
        onProgress: () => {
          controller.abort();
        },
      }),
    );
    const error = (await promise.catch((caught: unknown) => caught)) as UploadCancelled;
    expect(error.copy.state).toBe('unconfirmed');
    const left = error.copy.state === 'unconfirmed' ? error.copy.expiresInSeconds : null;
    expect(left).toBeGreaterThan(590);
    expect(left).toBeLessThanOrEqual(600);
    expect(server.upload!.deleted).toBe(false);
  });

  test('an abort before the server created the upload is a plain cancel: nothing was sent', async () => {
    const server = new FakeServer();
    const controller = new AbortController();
    controller.abort();
    const error: unknown = await uploadCiphertext(10, chunked(bytesOf(10)), {
      ...options(server),
      signal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'cancelled' });
    expect(error).not.toBeInstanceOf(UploadCancelled);
    expect(server.upload).toBeNull();
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

  test('a server crash that loses acknowledged bytes is repaired from the retained ciphertext', async () => {
    const server = new FakeServer();
    server.checkpointBytes = 300_000;
    server.checkpointEveryGets = Number.POSITIVE_INFINITY;
    // Four 64 KiB batches, then 128 KiB ones: the crash hits the batch at
    // 512 KiB, with 256 KiB checkpointed at 393,216.
    server.faults = [null, null, null, null, null, 'crash'];
    const data = bytesOf(1_000_000);
    let retries = 0;
    const result = await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, { maxInFlight: 1, maxBatchBytes: 128 * 1024, onRetry: () => (retries += 1) }),
    );
    expect(result).toEqual({ id: ID, size: data.length });
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(retries).toBe(1);
    const offsets = putOffsets(server);
    const crashedAt = offsets[5]!;
    const resumedAt = offsets[6]!;
    // Sent again from below the crashed batch, from where the server's checkpoint was.
    expect(resumedAt).toBeLessThan(crashedAt);
    expect(resumedAt).toBeGreaterThan(0);
    expect(offsets.filter((offset) => offset === 0)).toHaveLength(1);
  });

  test('a crash between the last batch and finalize sends the lost bytes again, then finalizes', async () => {
    const server = new FakeServer();
    server.checkpointBytes = 200_000;
    server.checkpointEveryGets = Number.POSITIVE_INFINITY;
    server.crashBeforeFinalize = true;
    const data = bytesOf(500_000);
    await uploadCiphertext(data.length, chunked(data), options(server));
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(server.log.filter((line) => line.endsWith('/finalize'))).toHaveLength(2);
  });

  test('an offset below the durable offset it reported is still refused (the server lost durable bytes)', async () => {
    const server = new FakeServer();
    server.checkpointBytes = 100_000;
    server.faults = [null, null, null, 'crash'];
    const data = bytesOf(500_000);
    const lossy: FetchLike = async (url, init) => {
      // The restart lost even its checkpoints.
      if (init.method === 'GET' && server.upload !== null) server.crashLosingCheckpoints();
      return server.fetch(url, init);
    };
    await expect(
      uploadCiphertext(data.length, chunked(data), options(server, { fetch: lossy, maxBatchBytes: 64 * 1024 })),
    ).rejects.toMatchObject({ code: 'rejected' });
    expect(server.upload!.deleted).toBe(true);
  });

  test('when the retained ciphertext reaches its cap, sending waits for the server to checkpoint', async () => {
    const server = new FakeServer();
    // No size-based checkpoint: only the "timer", every second status poll.
    server.checkpointEveryGets = 2;
    const cap = 200 * 1024;
    const data = bytesOf(1_000_000);
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, { maxBatchBytes: 64 * 1024, maxRetainedBytes: cap, durablePollDelaysMs: [0, 0, 0] }),
    );
    expect(server.upload!.finalized).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    // It waited (status polls between chunks) and never had more than the cap unsynced.
    expect(server.log.filter((line) => line.startsWith('GET')).length).toBeGreaterThan(0);
    expect(server.maxUnsynced).toBeLessThanOrEqual(cap);
    expect(server.maxUnsynced).toBeGreaterThan(cap - 64 * 1024);
  });

  test('a server that never checkpoints makes the capped upload fail with `connection` once the polls run out', async () => {
    const server = new FakeServer();
    server.checkpointEveryGets = Number.POSITIVE_INFINITY;
    const data = bytesOf(1_000_000);
    await expect(
      uploadCiphertext(
        data.length,
        chunked(data),
        options(server, { maxBatchBytes: 64 * 1024, maxRetainedBytes: 200 * 1024, durablePollDelaysMs: [0, 0, 0] }),
      ),
    ).rejects.toMatchObject({ code: 'connection' });
    expect(server.log.filter((line) => line.startsWith('GET'))).toHaveLength(3);
    expect(server.maxUnsynced).toBeLessThanOrEqual(200 * 1024);
    expect(server.upload!.deleted).toBe(true);
  });

  test('a crash noticed while waiting at the cap is repaired before sending more', async () => {
    const server = new FakeServer();
    server.checkpointEveryGets = Number.POSITIVE_INFINITY;
    const data = bytesOf(600_000);
    let crashed = false;
    const crashing: FetchLike = async (url, init) => {
      // The first status poll finds the server restarted with nothing durable;
      // from then on every poll finds a checkpoint.
      if (init.method === 'GET' && !crashed) {
        crashed = true;
        server.crash();
        server.checkpointEveryGets = 1;
      }
      return server.fetch(url, init);
    };
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, {
        fetch: crashing,
        maxBatchBytes: 64 * 1024,
        maxRetainedBytes: 192 * 1024,
        durablePollDelaysMs: [0, 0, 0],
      }),
    );
    expect(crashed).toBe(true);
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    expect(server.upload!.finalized).toBe(true);
    // The three retained batches went again from 0, each once.
    const offsets = putOffsets(server);
    expect(offsets.slice(0, 6)).toEqual([0, 65_536, 131_072, 0, 65_536, 131_072]);
    expect(offsets.filter((offset) => offset === 0)).toHaveLength(2);
  });

  test('whatever the crashes, cuts and lost answers, the stored bytes are exactly the ciphertext', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Fault>('crash', 'cut', 'lose-answer', null, null, null), { maxLength: 20 }),
        fc.integer({ min: 4096, max: 400_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (faults, checkpointBytes, checkpointEveryGets, crashBeforeFinalize) => {
          const server = new FakeServer();
          server.faults = faults;
          server.checkpointBytes = checkpointBytes;
          server.checkpointEveryGets = checkpointEveryGets;
          server.crashBeforeFinalize = crashBeforeFinalize;
          const data = bytesOf(300_000, checkpointBytes);
          const cap = 128 * 1024;
          await uploadCiphertext(
            data.length,
            chunked(data),
            options(server, {
              retryDelaysMs: new Array<number>(faults.length + 2).fill(0),
              maxBatchBytes: 64 * 1024,
              maxRetainedBytes: cap,
              durablePollDelaysMs: [0, 0, 0, 0, 0],
            }),
          );
          expect(server.upload!.finalized).toBe(true);
          expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
          expect(server.maxUnsynced).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: Number(process.env.SLOW) ? 500 : 40 },
    );
  });

  test('batches grow toward the target duration on a fast link, within bounds', async () => {
    const server = new FakeServer();
    let clock = 0;
    const sizes: number[] = [];
    const fetchWithClock: FetchLike = async (url, init) => {
      if (init.method === 'PUT') {
        sizes.push((init.body as Blob).size);
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

  test('a batch is sized by when its answer arrived, not by when the older one let it be taken in', async () => {
    const server = new FakeServer();
    let clock = 0;
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const olderAnswered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetchWithClock: FetchLike = async (url, init) => {
      if (init.method !== 'PUT') return server.fetch(url, init);
      sizes.push((init.body as Blob).size);
      if (sizes.length === 1) {
        // The first request is slow: answered at 1 s, after the second's answer.
        await olderAnswered;
        clock = 1000;
        return server.fetch(url, init);
      }
      if (sizes.length === 2) {
        // The second (128 KiB, sent at 0) is answered at 100 ms: 1.25 MiB/s
        // (the clock moves once the request is out, not as it is made).
        await Promise.resolve();
        clock = 100;
        const answer = await server.fetch(url, init);
        setTimeout(release, 50);
        return answer;
      }
      return server.fetch(url, init);
    };
    const data = bytesOf(3_000_000);
    await uploadCiphertext(
      data.length,
      chunked(data),
      options(server, { fetch: fetchWithClock, now: () => clock, targetBatchSeconds: 1, maxBatchBytes: 8 << 20 }),
    );
    expect(Buffer.from(server.upload!.bytes).equals(data)).toBe(true);
    // Doubling until a rate is known (the third is filled before any answer),
    // then the first's 64 KiB/s over 1 s, then the second's 1.25 MiB/s: taken
    // in at 1 s, it would have made 128 KiB.
    expect(sizes.slice(0, 5)).toEqual([64 * 1024, 128 * 1024, 256 * 1024, 64 * 1024, 1280 * 1024]);
  });
});

describe('rebatch', () => {
  test('fills every batch from the allocator it is given; stale bytes of a used buffer never show', async () => {
    const data = bytesOf(300_000, 9);
    const handedOut: Uint8Array<ArrayBuffer>[] = [];
    const used = (size: number): Uint8Array<ArrayBuffer> => {
      // A buffer used before: full of old bytes.
      const buffer = new Uint8Array(size).fill(0xee);
      handedOut.push(buffer);
      return buffer;
    };
    const batches: Uint8Array[] = [];
    for await (const batch of rebatch(chunked(data), () => 64 * 1024, used)) batches.push(batch.slice());
    expect(batches.map((batch) => batch.length)).toEqual([65536, 65536, 65536, 65536, 37856]);
    expect(Buffer.concat(batches).equals(data)).toBe(true);
    // One per batch, the last one's unfilled tail never handed on.
    expect(handedOut).toHaveLength(5);
  });

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
