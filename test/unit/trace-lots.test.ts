/**
 * The lot trace use case (use-cases/trace-lots.ts) over the memory derive and trace stores:
 * forward with receipts, parties and the exception trace; a record not derived yet found through
 * the pending-derive view; backward from a record to its lots' receipts, one level further for a
 * blend lot; the agency left out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import type { RecordHead } from '../../functions/domain/record-figures.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { deriveRecords } from '../../functions/use-cases/derive-records.ts';
import { traceForward, traceLotBackward, traceRecordBackward } from '../../functions/use-cases/trace-lots.ts';
import { workRecord } from '../support/records.ts';
import { memoryDerivedStore } from './helpers/memory-derived-store.ts';
import { memoryTraceStore } from './helpers/memory-trace-store.ts';

const F = 'plant-7';
const S = 'AssignedBySender';
const q = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' as const });
const noWait = { sleep: async () => {}, now: () => Date.parse('2026-12-02T08:00:00Z') };

function lotted(number: string, order: string, uses: string | null, makes: string | undefined, at: string): WorkRecordDocument {
  const d = workRecord(number, { order });
  d.dispensingEndDateTime = at;
  const g = d.productGroup[0]!;
  if (uses)
    g.product[0]!.sourceContainer = [
      { identifier: [{ agency: S, number: 'T' }], capacity: q(99), actualQuantity: q(7), lotIdentifier: { agency: S, number: uses } },
    ];
  if (makes)
    g.destinationContainer = [{ identifier: [{ agency: S, number: 'B' }], capacity: q(99), lotIdentifier: { agency: S, number: makes } }];
  return d as unknown as WorkRecordDocument;
}
const head = (number: string, d: WorkRecordDocument, revision = 1, voided = false): RecordHead => ({
  agency: S,
  number,
  doc: d,
  voided,
  receivedAt: Date.parse('2026-03-10T00:00:00Z'),
  revision,
  aggregated: false,
});

async function setUp() {
  const derived = memoryDerivedStore();
  const trace = memoryTraceStore(derived, F);
  derived.putHead(head('WR-A', lotted('WR-A', 'WO-A', 'L', 'B', '2026-03-02T10:00:00Z')));
  derived.putHead(head('WR-C', lotted('WR-C', 'WO-C', 'B', undefined, '2026-03-04T10:00:00Z')));
  derived.putHead(head('WR-D', lotted('WR-D', 'WO-D', null, undefined, '2026-03-03T10:00:00Z')));
  await deriveRecords(
    derived,
    F,
    ['WR-A', 'WR-C', 'WR-D'].map((number) => ({ agency: S, number })),
    noWait,
  );
  trace.orders.set(identityKey(S, 'WO-A'), {
    parties: { other: [{ partyType: 'Grower', identifier: [{ agency: S, number: 'G', name: 'Hanson' }] }] },
  });
  trace.addReceipt(
    { agency: '-', number: 'L' },
    {
      receiptId: 'GR-1',
      receivedAt: '2026-03-01T00:00:00.000Z',
      component: { agency: 'AssignedBySeller', number: 'P-DAP' },
      quantity: { value: 100, uom: 'LBR' },
      purchaseOrder: { agency: 'AssignedBySeller', number: 'PO-1', line: 1 },
      supplier: { name: 'Acme' },
    },
  );
  return { derived, trace };
}

const numbers = (rows: { workRecord: { number: string } }[]) => rows.map((r) => r.workRecord.number).sort();

describe('tracing lots (use case)', () => {
  test('forward: receipts (an agency-less receipt of the same number), affected through the blend lot, parties, possible', async () => {
    const { trace } = await setUp();
    const t = await traceForward(trace, F, 'L', null);
    assert.deepEqual(t.lot, { agency: S, number: 'L' });
    assert.deepEqual(numbers(t.affected), ['WR-A', 'WR-C']);
    assert.deepEqual(t.affected.find((r) => r.workRecord.number === 'WR-C')!.via, [{ agency: S, number: 'B' }]);
    assert.deepEqual(
      t.affected.find((r) => r.workRecord.number === 'WR-A')!.parties.map((p) => p.name),
      ['Hanson'],
    );
    assert.deepEqual(numbers(t.possible), ['WR-D']);
    assert.deepEqual(
      t.receipts.map((r) => r.receiptId),
      ['GR-1'],
    );
  });

  test('a record stored but not derived yet is traced from its head (the pending view), never missed nor listed twice', async () => {
    const { derived, trace } = await setUp();
    derived.putHead(head('WR-NEW', lotted('WR-NEW', 'WO-N', 'L', undefined, '2026-03-05T10:00:00Z')));
    // And a correction of WR-A not derived yet: its head (using L2 now) wins over its index entries.
    derived.putHead(head('WR-A', lotted('WR-A', 'WO-A', 'L2', 'B', '2026-03-02T10:00:00Z'), 2));
    const t = await traceForward(trace, F, 'L', S);
    assert.deepEqual(numbers(t.affected), ['WR-NEW']);
    const moved = await traceForward(trace, F, 'L2', S);
    assert.deepEqual(numbers(moved.affected), ['WR-A', 'WR-C']);
  });

  test('a voided record is listed under voided, not affected', async () => {
    const { derived, trace } = await setUp();
    derived.putHead(head('WR-A', lotted('WR-A', 'WO-A', 'L', 'B', '2026-03-02T10:00:00Z'), 2, true));
    await deriveRecords(derived, F, [{ agency: S, number: 'WR-A' }], noWait);
    const t = await traceForward(trace, F, 'L', S);
    assert.deepEqual(numbers(t.affected), []);
    assert.deepEqual(numbers(t.voided), ['WR-A']);
  });

  test('backward: a record reaches the lots it used, their receipts, and one level further for a blend lot', async () => {
    const { trace } = await setUp();
    const t = await traceRecordBackward(trace, F, 'WR-C', null);
    const blend = t.ingredients.find((i) => i.lot?.number === 'B')!;
    const supplier = blend.from.find((i) => i.lot?.number === 'L')!;
    assert.deepEqual(
      supplier.receipts.map((r) => r.supplier),
      [{ name: 'Acme' }],
    );
    const byLot = await traceLotBackward(trace, F, 'B', S);
    assert.ok(byLot.ingredients.some((i) => i.lot?.number === 'L'));
    await assert.rejects(traceRecordBackward(trace, F, 'NOPE', null), /No work record/);
  });

  test('an unknown lot: an empty answer', async () => {
    const { trace } = await setUp();
    const t = await traceForward(trace, F, 'NOBODY', null);
    assert.deepEqual([t.lot, t.affected, t.possible, t.receipts], [{ number: 'NOBODY' }, [], [], []]);
  });
});
