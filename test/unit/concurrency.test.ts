/** mapConcurrently: results in the items' order, never more than the limit in flight; coalesced: calls of one turn answered by one call for many. */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { coalesced, mapConcurrently } from '../../functions/shared/concurrency.ts';

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

test('coalesced: the calls of one turn go in one call for many (at most `max` keys), each answered its own result', async () => {
  const calls: number[][] = [];
  const one = coalesced(async (keys: number[]) => {
    calls.push(keys);
    return keys.map((k) => k * 10);
  }, 3);
  assert.deepEqual(await Promise.all([1, 2, 3, 4].map(one)), [10, 20, 30, 40]);
  assert.deepEqual(calls, [[1, 2, 3], [4]]);
  assert.equal(await one(5), 50, 'a later turn: a call of its own');
  assert.deepEqual(calls.at(-1), [5]);
});

test('coalesced: a failure of the call for many rejects each call it carried, and only those', async () => {
  const one = coalesced(async (keys: number[]) => {
    if (keys.includes(2)) throw new Error('two');
    return keys;
  });
  const [a, b] = await Promise.allSettled([one(1), one(2)]);
  assert.equal(a.status, 'rejected');
  assert.equal(b.status, 'rejected');
  assert.equal(await one(3), 3);
});
