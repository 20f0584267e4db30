/**
 * Event function `facilityStats` (functions/events.ts): the table stream → the facilities
 * overview's counters, off every request's path (a push never waits for nor contends on them).
 * Per change of an order: the open-order count, exactly once (store/facility-stats-store.ts);
 * per facility and batch: the last order change and the last record (idempotent maxima), and the
 * facility's entry in the list of facilities a document names.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { openDelta, shardOf, sortableSequence } from '../domain/facility-stats.ts';
import { positionTime } from '../domain/operator-view.ts';
import { streamHandler } from '../shared/event-handler.ts';
import { countOpenOrder, noteFacility, noteLatest, STATS_SHARDS } from '../store/facility-stats-store.ts';
import { changesPartition } from '../store/keys.ts';

type Image = Record<string, unknown>;
const image = (raw: unknown): Image | null => (raw ? unmarshall(raw as Record<string, AttributeValue>) : null);

/** The facility and stream of an item on the changes index (orders, records, master data), else null. */
function changed(item: Image | null) {
  const where = changesPartition(item?.gsi1pk);
  const at = typeof item?.gsi1sk === 'string' ? positionTime(item.gsi1sk) : null;
  return where && at ? { ...where, at } : null;
}

export const handler = streamHandler(async (change, batch) => {
  const next = image(change.dynamodb?.NewImage);
  const prev = image(change.dynamodb?.OldImage);
  const where = changed(next) ?? changed(prev);
  if (!where) return;
  const { facilityId } = where;
  if (where.stream === 'ORDERS') {
    const delta = openDelta(prev?.status, next?.status);
    const sk = String((next ?? prev)!.sk);
    if (delta !== 0) {
      await countOpenOrder(facilityId, sk, shardOf(sk, STATS_SHARDS), sortableSequence(change.dynamodb?.SequenceNumber ?? '0'), delta);
    }
  }
  // Once per facility and batch: the latest times of the batch, and the facility's listing.
  await batch.once(`stats ${facilityId}`, async () => {
    const mine = batch.changes.map((c) => changed(image(c.dynamodb?.NewImage))).filter((c) => c?.facilityId === facilityId);
    const latest = (stream: string) =>
      mine
        .filter((c) => c!.stream === stream)
        .map((c) => c!.at)
        .sort()
        .at(-1);
    const orders = latest('ORDERS');
    const records = latest('RECORDS');
    await Promise.all([
      orders ? noteLatest(facilityId, 'lastOrderChangeAt', orders) : null,
      records ? noteLatest(facilityId, 'lastRecordAt', records) : null,
      batch.changes.some((c) => c.eventName === 'INSERT') ? noteFacility(facilityId, new Date().toISOString()) : null,
    ]);
  });
});
