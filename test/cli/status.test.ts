/**
 * `sealdrop status`'s reading and wording of the server's answer: the
 * warning line near and after expiry, editor names made safe for a terminal,
 * and answers that are not a status refused. (The command against the real
 * server, compared with docs/CLI.md's sample: test/docs/production-start.test.ts.)
 */
import { formatStatus, parseServerStatus } from '../../scripts/cli/status.js';

const answer = (manifest: Record<string, unknown> = {}, editors: unknown[] = [{ name: 'Alice', pulled: 2 }]) => ({
  submissions: {
    waiting: 3,
    bytes: 3 * 1024 * 1024,
    expiring: [
      { day: '2027-02-20', count: 1 },
      { day: '2027-03-01', count: 2 },
    ],
  },
  replies: { waiting: 1 },
  editors,
  quota: { usedBytes: 25 * 1024 ** 3, limitBytes: 100 * 1024 ** 3 },
  manifest: {
    version: 4,
    expires: '2027-01-10T00:00:00Z',
    expired: false,
    daysLeft: 40,
    warning: false,
    ...manifest,
  },
});

test('prints counts, pulls per editor, quota and the manifest line', () => {
  expect(
    formatStatus(
      parseServerStatus(
        answer({}, [
          { name: 'Alice', pulled: 2 },
          { name: 'Kim Jiwoo', pulled: 0 },
        ]),
      ),
    ),
  ).toBe(`submissions waiting: 3 (3.0 MiB)
  expiring:          2027-02-20 (1), 2027-03-01 (2)
replies waiting:     1
storage quota:       25.0 GiB used of 100.0 GiB (25.0%)
active editors, submissions pulled:
  Alice      2 of 3
  Kim Jiwoo  0 of 3
manifest version 4 expires in 40 days (2027-01-10T00:00:00Z)
`);
});

test('warns near the expiry and after it', () => {
  const near = formatStatus(parseServerStatus(answer({ daysLeft: 5, warning: true })));
  expect(near.split('\n').at(-2)).toBe(
    'warning: manifest version 4 expires in 5 days (2027-01-10T00:00:00Z): sign and publish a new one',
  );
  const past = formatStatus(parseServerStatus(answer({ daysLeft: -2, expired: true, warning: true })));
  expect(past.split('\n').at(-2)).toMatch(
    /^warning: manifest version 4 expired 2027-01-10T00:00:00Z: sources cannot submit/,
  );
});

test('an editor name cannot write control sequences to the terminal', () => {
  const text = formatStatus(parseServerStatus(answer({}, [{ name: 'Eve\u001b]0;owned\u0007', pulled: 1 }])));
  expect(Array.from(text.replaceAll('\n', ''), (char) => char.charCodeAt(0)).filter((code) => code < 0x20)).toEqual([]);
  expect(text).toContain('Eve?]0;owned?  1 of 3');
});

test.each([
  ['not an object', 'ok'],
  ['a negative count', { ...answer(), replies: { waiting: -1 } }],
  ['a missing manifest', { ...answer(), manifest: undefined }],
  ['an editor without a count', answer({}, [{ name: 'Alice' }])],
  ['an expiry that is not a date', answer({ expires: 'soon' })],
])('refuses %s', (_what, body) => {
  expect(() => parseServerStatus(body)).toThrow('the server sent an invalid status answer');
});
