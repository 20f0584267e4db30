/** mapConcurrently: results in the items' order, never more than the limit in flight. */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { mapConcurrently } from '../../functions/shared/concurrency.ts';

test('answers in order with at most `limit` running, and nothing for no items', async () => {
  let running = 0;
  let most = 0;
  const out = await mapConcurrently([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return `${i}:${ms}`;
  });
  assert.deepEqual(out, ['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
  assert.equal(most, 3);
  assert.deepEqual(await mapConcurrently([], 4, async () => 1), []);
});

test('the first failure rejects the whole', async () => {
  await assert.rejects(
    mapConcurrently([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    }),
    /two/,
  );
});
