/**
 * Starting again by itself (CONTRACT "Page: starting again", issue 11): the
 * send verifies the keys before every start, encrypts afresh to the keys it
 * verified, starts again after MANIFEST_CHANGED or a dropped upload, at most
 * MAX_RESTARTS times, and refuses a manifest older than one it has seen.
 */
import { MAX_RESTARTS, restartReason, SendError, sendWithRestarts } from '../../client/app/submission-sender.js';
import type { RestartReason } from '../../client/app/protocol.js';
import { TrustError, type TrustedKeys } from '../../client/app/trust.js';
import { UploadError } from '../../client/app/upload-errors.js';

function keysOf(version: number): TrustedKeys {
  return {
    fingerprint: 'RWQ',
    recipients: [`age1editor-v${version}`],
    recipientKind: 'x25519',
    expires: '2030-01-01T00:00:00Z',
    version,
  };
}

/** A send whose `verify` serves `versions` in turn and whose uploads end as `outcomes` say. */
function steps(versions: number[], outcomes: (Error | null)[]) {
  const log: string[] = [];
  const restarts: RestartReason[] = [];
  return {
    log,
    restarts,
    steps: {
      verify: () => {
        const version = versions.shift();
        log.push(`verify ${version}`);
        return version === undefined
          ? Promise.reject(new TrustError('network', 'server unreachable'))
          : Promise.resolve(keysOf(version));
      },
      sealAndUpload: (keys: TrustedKeys) => {
        log.push(`send to ${keys.recipients.join(',')} declaring v${keys.version}`);
        const outcome = outcomes.shift() ?? null;
        return outcome === null ? Promise.resolve() : Promise.reject(outcome);
      },
      onRestarting: (reason: RestartReason) => {
        restarts.push(reason);
      },
    },
  };
}

test('a send verifies the keys first when it is given none verified', async () => {
  const run = steps([5], [null]);
  await expect(sendWithRestarts(run.steps, 5)).resolves.toBe(5);
  expect(run.log).toEqual(['verify 5', 'send to age1editor-v5 declaring v5']);
  expect(run.restarts).toEqual([]);
});

test('keys the page verified serve the first start without a round trip; a restart verifies anew', async () => {
  const quick = steps([], [null]);
  await expect(sendWithRestarts(quick.steps, 5, { verifiedKeys: keysOf(5) })).resolves.toBe(5);
  expect(quick.log).toEqual(['send to age1editor-v5 declaring v5']);

  // The server rotated since: it refuses the stale version, and the restart fetches the new keys.
  const rotated = steps([6], [new UploadError('manifest-changed', 'manifest changed'), null]);
  await expect(sendWithRestarts(rotated.steps, 5, { verifiedKeys: keysOf(5) })).resolves.toBe(6);
  expect(rotated.log).toEqual(['send to age1editor-v5 declaring v5', 'verify 6', 'send to age1editor-v6 declaring v6']);
  expect(rotated.restarts).toEqual(['keys-changed']);
});

test('verified keys that have expired since are verified again', async () => {
  const run = steps([6], [null]);
  const expired = { ...keysOf(5), expires: '2020-01-01T00:00:00Z' };
  await expect(sendWithRestarts(run.steps, 5, { verifiedKeys: expired })).resolves.toBe(6);
  expect(run.log).toEqual(['verify 6', 'send to age1editor-v6 declaring v6']);
});

test('MANIFEST_CHANGED: verify the new manifest, encrypt to its keys and send again', async () => {
  const run = steps([4, 5], [new UploadError('manifest-changed', 'x'), null]);
  await expect(sendWithRestarts(run.steps, 4)).resolves.toBe(5);
  expect(run.log).toEqual([
    'verify 4',
    'send to age1editor-v4 declaring v4',
    'verify 5',
    'send to age1editor-v5 declaring v5',
  ]);
  expect(run.restarts).toEqual(['keys-changed']);
});

test('an upload the server dropped or no longer knows is sent again from the start', async () => {
  const run = steps([4, 4], [new UploadError('expired', 'x'), null]);
  await sendWithRestarts(run.steps, 4);
  expect(run.restarts).toEqual(['upload-dropped']);
  expect(run.log.filter((line) => line.startsWith('send'))).toHaveLength(2);
});

test(`after ${MAX_RESTARTS} restarts the send fails plainly`, async () => {
  const refusals = Array.from({ length: MAX_RESTARTS + 1 }, () => new UploadError('manifest-changed', 'x'));
  const run = steps(Array<number>(MAX_RESTARTS + 1).fill(4), refusals);
  await expect(sendWithRestarts(run.steps, 4)).rejects.toMatchObject({
    name: 'SendError',
    code: 'restarted-too-often',
  });
  expect(run.restarts).toHaveLength(MAX_RESTARTS);
  expect(run.log.filter((line) => line.startsWith('send'))).toHaveLength(MAX_RESTARTS + 1);
});

test('a manifest older than one the page already verified is refused, signed or not', async () => {
  const run = steps([5, 3], [new UploadError('manifest-changed', 'x')]);
  const failure = sendWithRestarts(run.steps, 5);
  await expect(failure).rejects.toBeInstanceOf(SendError);
  await expect(failure).rejects.toMatchObject({ code: 'older-keys' });
  // Nothing was encrypted to the older keys.
  expect(run.log).not.toContain('send to age1editor-v3 declaring v3');
  await expect(sendWithRestarts(steps([2], []).steps, 3)).rejects.toMatchObject({ code: 'older-keys' });
});

test('other failures end the send as they are; keys that cannot be fetched fail before encrypting', async () => {
  const tooLarge = new UploadError('too-large', 'x');
  await expect(sendWithRestarts(steps([4], [tooLarge]).steps, 4)).rejects.toBe(tooLarge);
  const offline = steps([], []);
  await expect(sendWithRestarts(offline.steps, 4)).rejects.toMatchObject({ name: 'TrustError', code: 'network' });
  expect(offline.log).toEqual(['verify undefined']);
});

test.each([
  [new UploadError('manifest-changed', 'x'), 'keys-changed'],
  [new UploadError('expired', 'x'), 'upload-dropped'],
  [new UploadError('connection', 'x'), null],
  [new UploadError('cancelled', 'x'), null],
  [new Error('file could not be read'), null],
] as const)('%s -> restart reason %s', (error, expected) => {
  expect(restartReason(error)).toBe(expected);
});
