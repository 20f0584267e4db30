/** Order summaries over the in-memory summary store: filters, newest first, paging, record counts, acknowledgements, a failure. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { StorageError } from '../../functions/domain/errors.ts';
import { parseSummaryQuery } from '../../functions/domain/summaries.ts';
import { listWorkOrderSummaries } from '../../functions/use-cases/list-work-order-summaries.ts';
import { memorySummaryStore } from './helpers/memory-summary-store.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 3, 2, 12, minute)).toISOString();

function storeWithOrders() {
  const store = memorySummaryStore();
  const order = (number: string, status: string, created: number, modified: number, acknowledgement?: unknown) => ({
    agency: 'AssignedBySender',
    number,
    status,
    revision: 1,
    createdAt: at(created),
    modifiedAt: at(modified),
    ...(acknowledgement === undefined ? {} : { acknowledgement }),
  });
  store.add(order('WO-1', 'open', 1, 10), 0);
  store.add(order('WO-2', 'accepted', 2, 20, { acknowledgeWorkOrderStatusCode: 'accepted' }), 2);
  store.add(order('WO-3', 'inProgress', 3, 5), 1);
  store.add(order('WO-4', 'rejected', 4, 15, { acknowledgeWorkOrderStatusCode: 'rejected' }), 0);
  return store;
}

const list = (store: ReturnType<typeof memorySummaryStore>, q: Record<string, string>, after: string | null = null) =>
  listWorkOrderSummaries(store, { facilityId: 'plant-7', query: parseSummaryQuery(q), after });

describe('list work order summaries', () => {
  test('every status, newest change first, with record counts and the acknowledgement', async () => {
    const { summaries, next } = await list(storeWithOrders(), {});
    assert.deepEqual(
      summaries.map((s) => [s.workOrderNumber, s.status, s.records, s.acknowledgement]),
      [
        ['WO-2', 'accepted', 2, 'accepted'],
        ['WO-4', 'rejected', 0, 'rejected'],
        ['WO-1', 'open', 0, null],
        ['WO-3', 'inProgress', 1, null],
      ],
    );
    assert.equal(next, null);
    assert.deepEqual(Object.keys(summaries[0]!).sort(), [
      'acknowledgement',
      'agency',
      'createdAt',
      'modifiedAt',
      'records',
      'revision',
      'status',
      'workOrderNumber',
    ]);
  });

  test('statuses merged across partitions, by creation time (newest created first)', async () => {
    const { summaries } = await list(storeWithOrders(), { status: 'open,inProgress', createdFrom: '2026-01-01T00:00Z' });
    assert.deepEqual(
      summaries.map((s) => s.workOrderNumber),
      ['WO-3', 'WO-1'],
    );
    const byChange = await list(storeWithOrders(), { status: 'open,inProgress' });
    assert.deepEqual(
      byChange.summaries.map((s) => s.workOrderNumber),
      ['WO-1', 'WO-3'],
    );
  });

  test('pages: the cursor continues after the last served, nothing twice, nothing lost', async () => {
    const store = storeWithOrders();
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(store, { limit: '3' }, after);
      seen.push(...page.summaries.map((s) => s.workOrderNumber));
      after = page.next;
    } while (after !== null);
    assert.deepEqual(seen, ['WO-2', 'WO-4', 'WO-1', 'WO-3']);
  });

  test('a count kept with the order is read with it: only orders kept before it was are counted on the records index', async () => {
    const store = memorySummaryStore();
    const order = (number: string, minute: number, records?: number) => ({
      agency: 'AssignedBySender',
      number,
      status: 'open',
      revision: 1,
      createdAt: at(minute),
      modifiedAt: at(minute),
      ...(records === undefined ? {} : { records }),
    });
    for (let i = 0; i < 50; i++) store.add(order(`WO-${i}`, i, i % 3), i % 3);
    store.add(order('WO-OLD', 55), 4);
    const { summaries } = await list(store, { limit: '100' });
    assert.equal(summaries.length, 51);
    assert.deepEqual(
      summaries.map((s) => s.records),
      [4, ...Array.from({ length: 50 }, (_, i) => (49 - i) % 3)],
    );
    assert.equal(store.countedOrders, 1);
  });

  test('an index still building after an upgrade: the storage failure reaches the caller', async () => {
    const store = storeWithOrders();
    store.failNext = new StorageError('index-building', 'index ordersByStatusModified is not available');
    await assert.rejects(list(store, { status: 'open' }), (e: unknown) => e instanceof StorageError && e.failure === 'index-building');
  });
});
