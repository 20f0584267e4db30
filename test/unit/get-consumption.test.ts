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

  test('a table whose year and edge items are not built yet is read by the older levels, with the same rows', async () => {
    const store = memoryConsumptionStore();
    store.count('plant-7', [record('A', '2026-04-01T12:00:00Z', [1.5, 10], 'WO-1'), record('B', '2026-04-02T03:00:00Z', [2, 20], 'WO-2')]);
    for (const groupBy of ['product', 'day', 'order']) {
      const query = parseConsumptionQuery({ from: '2026-01-01', to: '2027-01-01', groupBy, tz: 'America/Chicago' });
      store.rollupSet = 'current';
      const current = await getConsumption(store, { facilityId: 'plant-7', query });
      store.rollupSet = 'legacy';
      store.reads.length = 0;
      const legacy = await getConsumption(store, { facilityId: 'plant-7', query });
      assert.deepEqual(legacy, current, groupBy);
      const levels = new Set(store.reads.flat().map((r) => r.level));
      assert.ok(!levels.has('T') && !levels.has('E') && !levels.has('Y'), `${groupBy}: legacy reads ${[...levels]}`);
    }
  });

  test('any instant: the edges read the records dated in the partial slots, as their latest revision counts', async () => {
    const store = memoryConsumptionStore();
    const at = (n: string, t: string, actual: [number, number]) => record(n, `2026-04-01T${t}Z`, actual);
    store.count('plant-7', [at('A', '08:08', [1, 1]), at('B', '12:00', [2, 2]), at('C', '17:20', [4, 4]), at('D', '17:40', [8, 8])]);
    const query = parseConsumptionQuery({ from: '2026-04-01T08:07:00Z', to: '2026-04-01T17:23:00Z' });
    const dap = async () =>
      (await getConsumption(store, { facilityId: 'plant-7', query }))
        .filter((r) => r.product.number === 'P-DAP')
        .map((r) => [r.quantity.value, r.records]);
    assert.deepEqual(await dap(), [['7', 3]]);
    assert.deepEqual(
      store.recordReads.map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()]),
      [
        ['2026-04-01T08:07:00.000Z', '2026-04-01T08:15:00.000Z'],
        ['2026-04-01T17:15:00.000Z', '2026-04-01T17:23:00.000Z'],
      ],
      'one read per edge',
    );
    // A correction moves D into the last edge and A out of the range; a void takes C out.
    store.write('plant-7', { agency: 'AssignedBySender', number: 'D', doc: at('D', '17:22:59.999', [8, 8]), voided: false });
    store.write('plant-7', { agency: 'AssignedBySender', number: 'A', doc: at('A', '08:06:59.999', [1, 1]), voided: false });
    store.write('plant-7', { agency: 'AssignedBySender', number: 'C', doc: at('C', '17:20', [0, 0]), voided: true });
    assert.deepEqual(await dap(), [['10', 2]]);
    // The same range on slot edges (08:00 to 17:30) from the roll-ups alone agrees with the records.
    const aligned = parseConsumptionQuery({ from: '2026-04-01T08:00:00Z', to: '2026-04-01T17:30:00Z' });
    const reads = store.recordReads.length;
    const rows = await getConsumption(store, { facilityId: 'plant-7', query: aligned });
    assert.equal(store.recordReads.length, reads, 'no record read on slot edges');
    assert.deepEqual(
      rows.filter((r) => r.product.number === 'P-DAP').map((r) => [r.quantity.value, r.records]),
      [['11', 3]],
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
