/**
 * The request budget is fair per connection: one connection flooding spends
 * its own share, never a source's on another connection, and all
 * connections together still stay under the listener's ceiling.
 */
import { EventEmitter } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { CONNECTION_BURST, CONNECTION_FLOOR_PER_MINUTE, RequestBudget } from '../../server/rate-limit.js';
import { startListening, type ListeningServer } from './listening.js';

/** A fake connection: the budget forgets it once it emits 'close'. */
function connection(): EventEmitter {
  return new EventEmitter();
}

describe('RequestBudget', () => {
  test('a fresh connection gets a burst, then refills only its share', () => {
    let now = 0;
    const budget = new RequestBudget(600, () => now);
    const flood = connection();
    let allowed = 0;
    for (let i = 0; i < 1000; i++) if (budget.take(flood).allowed) allowed += 1;
    expect(allowed).toBe(CONNECTION_BURST);
    // Alone on the listener, its share is the whole ceiling: 10 a second.
    now += 1000;
    allowed = 0;
    for (let i = 0; i < 1000; i++) if (budget.take(flood).allowed) allowed += 1;
    expect(allowed).toBe(10);
  });

  test('a flooding connection leaves a second connection its burst and its share', () => {
    let now = 0;
    const budget = new RequestBudget(600, () => now);
    const flood = connection();
    const source = connection();
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 1000; i++) budget.take(flood);
      const ok = Array.from({ length: 5 }, () => budget.take(source).allowed);
      // The source's first seconds come from its burst, then from its share of 300 a minute.
      expect([second, ok]).toEqual([second, [true, true, true, true, true]]);
      now += 1000;
    }
  });

  test('a refused request says when its connection may try again', () => {
    const now = 0;
    const budget = new RequestBudget(60, () => now);
    const flood = connection();
    for (let i = 0; i < CONNECTION_BURST; i++) expect(budget.take(flood).allowed).toBe(true);
    expect(budget.take(flood)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  test('many connections together never pass the global ceiling', () => {
    let now = 0;
    const perMinute = 600;
    const budget = new RequestBudget(perMinute, () => now);
    const many = Array.from({ length: 200 }, connection);
    let allowed = 0;
    for (let second = 0; second < 120; second++) {
      for (const each of many) if (budget.take(each).allowed) allowed += 1;
      now += 1000;
    }
    // Two minutes: the initial bucket plus two minutes of refill, whatever the floor promises each.
    expect(allowed).toBeLessThanOrEqual(perMinute * 3);
    expect(200 * CONNECTION_FLOOR_PER_MINUTE * 2).toBeGreaterThan(perMinute * 3);
  });

  test('closed connections are forgotten, so the share grows back', () => {
    const budget = new RequestBudget(600, () => 0);
    const connections = Array.from({ length: 5 }, connection);
    for (const each of connections) budget.take(each);
    expect(budget.openConnections).toBe(5);
    for (const each of connections.slice(1)) each.emit('close');
    expect(budget.openConnections).toBe(1);
  });
});

describe('on a real listener', () => {
  let server: ListeningServer;
  beforeAll(async () => {
    server = await startListening({ rateLimitPerMinute: 120 });
  });
  afterAll(async () => {
    await server.close();
  });

  /** GET `path` on the one connection `agent` keeps; resolves to the status. */
  function get(agent: Agent, path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.source.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  test("one connection flooding cannot make a second connection's requests fail", async () => {
    const flooder = new Agent({ keepAlive: true, maxSockets: 1 });
    const source = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const flood = await Promise.all(Array.from({ length: 300 }, () => get(flooder, '/manifest.json')));
      expect(flood.filter((status) => status === 429).length).toBeGreaterThan(200);
      // Ten requests, as a page load makes, on the source's own connection.
      const page = await Promise.all(Array.from({ length: 10 }, () => get(source, '/manifest.json')));
      expect(page).toEqual(Array(10).fill(200));
      // The flood goes on meanwhile, and the source still gets through.
      const [moreFlood, more] = await Promise.all([
        Promise.all(Array.from({ length: 100 }, () => get(flooder, '/manifest.json'))),
        Promise.all(Array.from({ length: 5 }, () => get(source, '/manifest.json'))),
      ]);
      expect(moreFlood).toContain(429);
      expect(more).toEqual(Array(5).fill(200));
    } finally {
      flooder.destroy();
      source.destroy();
    }
  });
});
