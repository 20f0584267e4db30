/** The overview's counters: what one change does to the open-order count, shards, sortable stream sequences. */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { isOpenOrder, openDelta, shardOf, sortableSequence } from '../../functions/domain/facility-stats.ts';

test('an order counts as open until cancelled, complete or rejected; each change moves the count by old → new', () => {
  assert.ok(isOpenOrder('open') && isOpenOrder('onHold') && isOpenOrder('accepted') && isOpenOrder('inProgress'));
  assert.ok(!isOpenOrder('cancelled') && !isOpenOrder('complete') && !isOpenOrder('rejected'));
  assert.equal(openDelta(undefined, 'open'), 1, 'created');
  assert.equal(openDelta('open', 'onHold'), 0);
  assert.equal(openDelta('inProgress', 'complete'), -1);
  assert.equal(openDelta('open', 'cancelled'), -1);
  assert.equal(openDelta('cancelled', 'cancelled'), 0);
  assert.equal(openDelta(undefined, 'cancelled'), 0, 'created cancelled (never happens) counts nothing');
});

test('shards spread orders; stream sequences compare as numbers once padded', () => {
  const shards = new Set(Array.from({ length: 100 }, (_, i) => shardOf(`ORDER#WO-${i}#AssignedBySender`, 4)));
  assert.deepEqual([...shards].sort(), [0, 1, 2, 3]);
  assert.ok(sortableSequence('900') < sortableSequence('1000'));
});
