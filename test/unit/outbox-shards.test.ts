/**
 * The outbox's shards (functions/store/keys.ts): a subscription's marker always lands in the same
 * partition, and many subscriptions spread over all of them, so that no one partition takes every
 * mark, claim and release of push delivery (docs/benchmarks.md has the partition math).
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { newId } from '../../functions/domain/webhooks.ts';
import { LEGACY_OUTBOX_PK, OUTBOX_PKS, OUTBOX_SHARDS, outboxPk, outboxShard } from '../../functions/store/keys.ts';

test('300 subscriptions spread over every shard, none with more than twice its share', () => {
  const counts = new Array<number>(OUTBOX_SHARDS).fill(0);
  for (let i = 0; i < 300; i++) counts[outboxShard(newId('sub'))]!++;
  assert.ok(OUTBOX_SHARDS > 1);
  assert.ok(
    counts.every((c) => c > 0 && c <= (2 * 300) / OUTBOX_SHARDS),
    `per shard: ${counts.join(', ')}`,
  );
});

test("a subscription's shard is fixed by its id", () => {
  const id = newId('sub');
  const shard = outboxShard(id);
  assert.ok(Number.isInteger(shard) && shard >= 0 && shard < OUTBOX_SHARDS);
  for (let i = 0; i < 5; i++) assert.equal(outboxShard(id), shard);
});

test('the shards are distinct partitions, none of them the legacy one', () => {
  assert.equal(new Set(OUTBOX_PKS).size, OUTBOX_SHARDS);
  assert.deepEqual(
    OUTBOX_PKS,
    Array.from({ length: OUTBOX_SHARDS }, (_, i) => outboxPk(i)),
  );
  assert.ok(!OUTBOX_PKS.includes(LEGACY_OUTBOX_PK));
});
