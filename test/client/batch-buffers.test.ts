/**
 * client/app/batch-buffers.ts: batch buffers used again once dropped, only
 * whole buffers of the kept size, at most the limit. (Their effect on the
 * page's memory is measured in scripts/bench/page-memory.ts; that no stale
 * byte reaches a batch is tested with rebatch in upload.test.ts.)
 */
import { BatchBuffers } from '../../client/app/batch-buffers.js';

test('a buffer given back is taken again for a batch of its size, not for another size', () => {
  const buffers = new BatchBuffers(1024, 2);
  const first = buffers.take(1024);
  buffers.give(first);
  expect(buffers.kept).toBe(1);
  expect(buffers.take(512)).not.toBe(first);
  expect(buffers.take(1024)).toBe(first);
  expect(buffers.kept).toBe(0);
  expect(buffers.take(1024)).not.toBe(first);
});

test('only whole buffers of the kept size are kept, and at most the limit', () => {
  const buffers = new BatchBuffers(1024, 2);
  buffers.give(new Uint8Array(2048).subarray(0, 1024));
  buffers.give(new Uint8Array(2048).subarray(1024));
  buffers.give(new Uint8Array(512));
  expect(buffers.kept).toBe(0);
  for (let i = 0; i < 3; i++) buffers.give(new Uint8Array(1024));
  expect(buffers.kept).toBe(2);
});
