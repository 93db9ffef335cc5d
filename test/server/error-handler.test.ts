// The error handler after an answer has started: a client that went away is
// not a server fault (nothing logged), any other failure still is.
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../server/errors.js';

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
