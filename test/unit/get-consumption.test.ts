/** The consumption report over in-memory aggregates: what it reads, what it sums, and a storage failure. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseConsumptionQuery, reportPlan } from '../../functions/domain/consumption.ts';
import { StorageError } from '../../functions/domain/errors.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { getConsumption } from '../../functions/use-cases/get-consumption.ts';
import { workRecord } from '../support/records.ts';
import { memoryConsumptionStore } from './helpers/memory-consumption-store.ts';

const record = (number: string, at: string, actual: [number, number], order = 'WO-1') => {
  const r = workRecord(number, { order, actual }) as WorkRecordDocument & { dispensingEndDateTime?: string };
  r.dispensingEndDateTime = at;
  return r;
};

describe('get consumption', () => {
  test('reads the plan of the range, never the records, and sums per product and day', async () => {
    const store = memoryConsumptionStore();
    store.count('plant-7', [
      record('A', '2026-04-01T08:00:00Z', [1.5, 10]),
      record('B', '2026-04-02T08:00:00Z', [2, 20]),
      record('C', '2026-05-02T08:00:00Z', [100, 100]), // outside the range
    ]);
    store.count('plant-8', [record('X', '2026-04-01T08:00:00Z', [7, 7])]); // another facility
    const query = parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01', groupBy: 'day' });

    const rows = await getConsumption(store, { facilityId: 'plant-7', query });

    assert.deepEqual(store.reads, [reportPlan(query).reads], 'one read of the plan');
    const first = rows.filter((r) => r.product.number === rows[0]!.product.number);
    assert.deepEqual(
      first.map((r) => [r.day, r.quantity.value, r.records]),
      [
        ['2026-04-01', '1.5', 1],
        ['2026-04-02', '2', 1],
      ],
    );
  });

  test('no aggregates: no rows', async () => {
    const rows = await getConsumption(memoryConsumptionStore(), {
      facilityId: 'plant-7',
      query: parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01' }),
    });
    assert.deepEqual(rows, []);
  });

  test('storage throttled after the SDK retries: the failure reaches the caller as it is', async () => {
    const store = memoryConsumptionStore();
    store.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');
    await assert.rejects(
      getConsumption(store, { facilityId: 'plant-7', query: parseConsumptionQuery({ from: '2026-04-01', to: '2026-05-01' }) }),
      (e: unknown) => e instanceof StorageError && e.failure === 'throttled',
    );
  });
});
