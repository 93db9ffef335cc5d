// The error handler after an answer has started: a client that went away is
// not a server fault (nothing logged), any other failure still is.
import express from 'express';
import request from 'supertest';
import { ApiError, errorHandler } from '../../server/errors.js';

function appFailingMidStream(error: Error, logged: unknown[]): express.Express {
  const app = express();
  app.get('/stream', (_req, res, next) => {
    res.type('application/octet-stream').set('Content-Length', '10');
    res.write('12345');
    next(error);
  });
  app.use(errorHandler((failure) => logged.push(failure)));
  return app;
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

describe('errorHandler once the answer has started', () => {
  test('a premature close (the client went away) is not logged as an internal error', async () => {
    const logged: unknown[] = [];
    await expect(request(appFailingMidStream(prematureClose(), logged)).get('/stream')).rejects.toThrow();
    expect(logged).toEqual([]);
  });

  test('any other failure is, and the connection is cut rather than the answer left short', async () => {
    const logged: unknown[] = [];
    const failure = new Error('disk read failed');
    await expect(request(appFailingMidStream(failure, logged)).get('/stream')).rejects.toThrow();
    expect(logged).toEqual([failure]);
  });
});

describe('errorHandler before the answer', () => {
  function appThrowing(
    error: unknown,
    sinks: { internal: unknown[]; gone: number[] },
    prepare?: express.RequestHandler,
  ): express.Express {
    const app = express();
    const pass: express.RequestHandler = (_req, _res, next) => {
      next();
    };
    app.all('/fail', prepare ?? pass, () => {
      throw error;
    });
    app.use(
      errorHandler({
        onInternal: (failure) => {
          sinks.internal.push(failure);
        },
        onClientGone: () => {
          sinks.gone.push(1);
        },
      }),
    );
    return app;
  }

  test('a request aborted by its client (ECONNRESET) is reported as gone, never as internal', async () => {
    const sinks = { internal: [] as unknown[], gone: [] as number[] };
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    await expect(request(appThrowing(aborted, sinks)).get('/fail')).rejects.toThrow();
    expect(sinks).toEqual({ internal: [], gone: [1] });
  });

  test('a path that does not decode is INVALID_ID, whatever the router says about it', async () => {
    const sinks = { internal: [] as unknown[], gone: [] as number[] };
    const response = await request(appThrowing(new URIError("Failed to decode param '%zz'"), sinks)).get('/fail');
    expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([400, 'INVALID_ID']);
    expect(sinks.internal).toEqual([]);
  });

  test('an error before the body is read closes the connection; headers of the aborted answer are dropped', async () => {
    const sinks = { internal: [] as unknown[], gone: [] as number[] };
    const app = appThrowing(new ApiError('NOT_FOUND'), sinks, (_req, res, next) => {
      res.set({ 'Content-Encoding': 'gzip', 'Content-Disposition': 'attachment', 'Accept-Ranges': 'bytes' });
      next();
    });
    const withBody = await request(app)
      .post('/fail')
      .set('Connection', 'keep-alive')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(10));
    expect([withBody.status, withBody.headers.connection]).toEqual([404, 'close']);
    expect([
      withBody.headers['content-encoding'],
      withBody.headers['content-disposition'],
      withBody.headers['accept-ranges'],
    ]).toEqual([undefined, undefined, undefined]);
    const without = await request(app).get('/fail').set('Connection', 'keep-alive');
    expect([without.status, without.headers.connection]).toEqual([404, 'keep-alive']);
  });
});
