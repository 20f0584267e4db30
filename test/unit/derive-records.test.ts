/**
 * The derive engine (use-cases/derive-records.ts) over the in-memory derived store: every
 * record counts its latest revision exactly once — consumption, stock and its ledger, the
 * order's status — through replays, racing appliers, a correction arriving mid-way, voids and
 * records written before the engine. And the pure difference it writes (domain/record-figures.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { consumptionDiff, type RecordHead, recordFigures, stockDiff } from '../../functions/domain/record-figures.ts';
import { withEarlyReports } from '../../functions/domain/work-orders.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { recordToDerive } from '../../functions/store/derive-store.ts';
import { deriveRecords } from '../../functions/use-cases/derive-records.ts';
import { workRecord } from '../support/records.ts';
import { memoryDerivedStore } from './helpers/memory-derived-store.ts';
import { orderDoc, orderState } from './helpers/work-orders.ts';

const FACILITY = 'plant-7';
const ORDER = 'WO-DERIVE';
const NOW = Date.parse('2026-12-02T08:00:00.000Z');
const noWait = { sleep: async () => {}, now: () => NOW };

type Store = ReturnType<typeof memoryDerivedStore>;

const doc = (number: string, opts: Parameters<typeof workRecord>[1] = {}) =>
  workRecord(number, { order: ORDER, ...opts }) as unknown as WorkRecordDocument;

/** A record head at this revision. */
const head = (number: string, revision: number, d: WorkRecordDocument, extra: Partial<RecordHead> = {}): RecordHead => ({
  agency: 'AssignedBySender',
  number,
  doc: d,
  voided: false,
  receivedAt: NOW,
  revision,
  aggregated: false,
  ...extra,
});

const derive = (store: Store, ...numbers: string[]) =>
  deriveRecords(
    store,
    FACILITY,
    numbers.map((number) => ({ agency: 'AssignedBySender', number })),
    noWait,
  );

/** The facility's totals as a test reads them: pounds dispensed (year totals, level T), records counted, stock of P-DAP. */
function figures(store: Store) {
  const dap = [...store.stock.balances.values()].find((b) => b.key.number === 'P-DAP');
  return {
    pounds: store.total('product', 'T', /^q$/),
    records: store.total('product', 'T', /^n$/),
    dapStock: dap?.sums.LBR ?? '0',
  };
}

function withOrder(store: Store, status: 'open' | 'accepted' | 'onHold' = 'accepted') {
  const o = orderState(orderDoc({ number: ORDER }), {
    status,
    facilityId: FACILITY,
    ...(status === 'accepted' ? { acknowledgement: { acknowledgeWorkOrderStatusCode: 'accepted' } } : {}),
  });
  store.orders.orders.set(identityKey(o.agency, o.number), o);
  return () => store.orders.orders.get(identityKey(o.agency, o.number))!;
}

describe('the difference between two revisions (domain)', () => {
  test('a correction of one quantity: only that product moves, by the difference; the ledger shows the reversal and the new movement', () => {
    const before = recordFigures(head('WR-1', 1, doc('WR-1', { actual: [100, 50] })));
    const after = recordFigures(head('WR-1', 2, doc('WR-1', { actual: [90, 50] })));
    const steps = [{ agency: 'AssignedBySender', number: 'WR-1', counted: before, latest: after }];

    const consumption = consumptionDiff(steps);
    const stock = stockDiff(steps);

    // DAP's four product levels and the order's three: q moved by -10 in each cell, the record count unchanged (not written).
    assert.equal(consumption.length, 7);
    for (const d of consumption) {
      assert.ok(d.adds.size >= 1, `${d.kind} ${d.level}`);
      for (const [name, v] of d.adds) assert.deepEqual([name[0], v.units], ['q', -10n], `${d.kind} ${d.level} ${name}`);
    }
    assert.equal(stock.size, 1, 'potash is moved as before: no line');
    const { movements } = [...stock.values()][0]!;
    assert.deepEqual(
      movements.map((m) => m.value),
      ['100', '-90'],
    );
  });

  test('the same revision again, or an identical correction: nothing to write', () => {
    const f = recordFigures(head('WR-1', 1, doc('WR-1')));
    const steps = [{ agency: 'AssignedBySender', number: 'WR-1', counted: f, latest: f }];
    assert.deepEqual(consumptionDiff(steps), []);
    assert.equal(stockDiff(steps).size, 0);
  });

  test('an order created after records reported on it starts at their status and keeps them', () => {
    const created = orderState(orderDoc({ number: ORDER }), { version: 0 });
    const [w] = withEarlyReports(
      [{ next: created, expectedVersion: 0 }],
      new Map([[identityKey(created.agency, ORDER), { status: 'complete', version: 2, records: { r: 'complete' } }]]),
    );
    assert.equal(w!.next.status, 'complete');
    assert.equal(w!.next.statusBeforeRecords, 'open');
    assert.deepEqual(w!.next.recordReports, { r: 'complete' });
    assert.equal(w!.expectedVersion, 2);
  });
});

describe('deriving records (use case)', () => {
  test('a new record: consumption, stock and the order status move once; deriving again writes nothing', async () => {
    const store = memoryDerivedStore();
    const order = withOrder(store);
    store.putHead(head('WR-1', 1, doc('WR-1', { actual: [100, 50] })));

    const first = await derive(store, 'WR-1');
    const again = await derive(store, 'WR-1');

    assert.deepEqual(first, { counted: 1, pending: 0 });
    assert.deepEqual(again, { counted: 0, pending: 0 });
    assert.deepEqual(figures(store), { pounds: '150', records: '2', dapStock: '-100' });
    assert.equal(order().status, 'inProgress');
    assert.equal(order().statusBeforeRecords, 'accepted');
    assert.equal(store.saves.length, 1);
  });

  test('two appliers of one revision at once: counted once', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, doc('WR-1', { actual: [100, 50] })));

    const results = await Promise.all([derive(store, 'WR-1'), derive(store, 'WR-1')]);

    assert.equal(results[0]!.counted + results[1]!.counted, 1);
    assert.deepEqual(figures(store), { pounds: '150', records: '2', dapStock: '-100' });
    const dapLedger = [...store.stock.ledger.entries()].find(([id]) => id.includes('P-DAP'))![1];
    assert.equal(dapLedger.length, 1, 'one ledger entry');
  });

  test('a new revision arriving while an applier runs: it converges to the latest, each counted once', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, doc('WR-1', { actual: [100, 50] })));
    // Right before the applier's write, a correction lands (revision 2) and its own applier starts.
    let second: Promise<unknown> | undefined;
    store.hooks.race = () => {
      store.putHead(head('WR-1', 2, doc('WR-1', { actual: [80, 50] })));
      second = derive(store, 'WR-1');
    };
    const result = await derive(store, 'WR-1');
    await second;
    const corrected = second !== undefined;

    assert.ok(corrected);
    assert.equal(result.pending, 0);
    assert.equal(store.derived.get(identityKey('AssignedBySender', 'WR-1'))!.revision, 2);
    assert.deepEqual(figures(store), { pounds: '130', records: '2', dapStock: '-80' });
  });

  test('a resent correction and two racing appliers of it: the difference counted once, the ledger shows the reversal and the new line once', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, doc('WR-1', { actual: [100, 50] })));
    await derive(store, 'WR-1');
    store.putHead(head('WR-1', 2, doc('WR-1', { actual: [90, 50] })));

    await Promise.all([derive(store, 'WR-1'), derive(store, 'WR-1')]);
    await derive(store, 'WR-1');

    assert.deepEqual(figures(store), { pounds: '140', records: '2', dapStock: '-90' });
    const dapLedger = [...store.stock.ledger.entries()].find(([id]) => id.includes('P-DAP'))![1].flat();
    assert.deepEqual(
      dapLedger.map((m) => m.value),
      ['-100', '100', '-90'],
    );
  });

  test('every record of an order voided: the order returns to the status before its first record; a new correction moves it again', async () => {
    const store = memoryDerivedStore();
    const order = withOrder(store, 'accepted');
    store.putHead(head('WR-1', 1, doc('WR-1', { status: 'inProgress' })));
    store.putHead(head('WR-2', 1, doc('WR-2', { status: 'complete' })));
    await derive(store, 'WR-1', 'WR-2');
    assert.equal(order().status, 'complete');

    store.putHead(head('WR-2', 2, doc('WR-2', { status: 'complete', actual: [0, 0] }), { voided: true }));
    await derive(store, 'WR-2');
    assert.equal(order().status, 'inProgress', 'the active record still holds it in progress');

    store.putHead(head('WR-1', 2, doc('WR-1', { actual: [0, 0] }), { voided: true }));
    await derive(store, 'WR-1');
    assert.equal(order().status, 'accepted');
    assert.deepEqual(figures(store), { pounds: '0', records: '0', dapStock: '0' });

    store.putHead(head('WR-1', 3, doc('WR-1', { status: 'complete' })));
    await derive(store, 'WR-1');
    assert.equal(order().status, 'complete');
  });

  test('an order moved by records before the reports were kept: built once from its records; all voided → open (never acknowledged)', async () => {
    const store = memoryDerivedStore();
    const o = orderState(orderDoc({ number: ORDER }), { status: 'inProgress', facilityId: FACILITY });
    store.orders.orders.set(identityKey(o.agency, ORDER), o);
    // Written before the engine: counted by its own transaction.
    store.putHead(head('WR-OLD', 1, doc('WR-OLD'), { aggregated: true }));
    store.putHead(head('WR-OLD', 2, doc('WR-OLD', { actual: [0, 0] }), { voided: true, aggregated: true }));
    store.firstRevisions.set(identityKey('AssignedBySender', 'WR-OLD'), doc('WR-OLD'));

    await derive(store, 'WR-OLD');

    const after = store.orders.orders.get(identityKey(o.agency, ORDER))!;
    assert.equal(after.status, 'open');
    // Only the reversal of what its creating transaction counted.
    assert.deepEqual(figures(store), { pounds: '-16005.5', records: '-2', dapStock: '8010' });
  });

  test('a record written before the engine (aggregated, revision 1): counts nothing again', async () => {
    const store = memoryDerivedStore();
    store.putHead(head('WR-OLD', 1, doc('WR-OLD'), { aggregated: true }));

    assert.deepEqual(await derive(store, 'WR-OLD'), { counted: 0, pending: 0 });
    assert.deepEqual(store.saves, []);
  });

  test('records for an order not known yet: an early report keeps them; a void takes it back', async () => {
    const store = memoryDerivedStore();
    store.putHead(head('WR-E', 1, doc('WR-E', { status: 'complete' })));
    await derive(store, 'WR-E');
    assert.equal(store.orders.early.get(identityKey('AssignedBySender', ORDER))?.status, 'complete');

    store.putHead(head('WR-E', 2, doc('WR-E', { actual: [0, 0] }), { voided: true }));
    await derive(store, 'WR-E');
    assert.equal(store.orders.early.get(identityKey('AssignedBySender', ORDER))?.status, null);
  });

  test("record counts: an order's reports name every record naming it (read once where they may miss one); a record that moves nothing keeps an early report the order takes over", async () => {
    const store = memoryDerivedStore();
    const order = withOrder(store);
    // Counted when it was created, before the reports were kept: nothing on the order names it.
    store.putHead(head('WR-CANCELLED', 1, doc('WR-CANCELLED', { status: 'cancelled' as never }), { aggregated: true }));
    store.putHead(head('WR-1', 1, doc('WR-1')));
    await derive(store, 'WR-1');
    assert.equal(order().reportsComplete, true);
    assert.deepEqual(Object.keys(order().recordReports ?? {}).sort(), [
      identityKey('AssignedBySender', 'WR-1'),
      identityKey('AssignedBySender', 'WR-CANCELLED'),
    ]);
    // Complete from then on: a void keeps the record in the reports (it still names the order), without reading them again.
    store.putHead(head('WR-1', 2, doc('WR-1', { actual: [0, 0] }), { voided: true }));
    await derive(store, 'WR-1');
    assert.equal(Object.keys(order().recordReports ?? {}).length, 2);

    const other = {
      ...doc('WR-EARLY', { status: 'cancelled' as never }),
      workOrderIdentifier: { agency: 'AssignedBySender', number: 'WO-LATER' },
    };
    store.putHead(head('WR-EARLY', 1, other as WorkRecordDocument));
    await derive(store, 'WR-EARLY');
    const early = store.orders.early.get(identityKey('AssignedBySender', 'WO-LATER'));
    assert.deepEqual(early?.records, { [identityKey('AssignedBySender', 'WR-EARLY')]: 'cancelled' });
    const created = orderState(orderDoc({ number: 'WO-LATER' }), { version: 0 });
    const [w] = withEarlyReports([{ next: created, expectedVersion: 0 }], new Map([[identityKey(created.agency, 'WO-LATER'), early!]]));
    assert.equal(w!.next.status, 'open');
    assert.equal(w!.next.reportsComplete, true);
    assert.equal(Object.keys(w!.next.recordReports ?? {}).length, 1);
  });

  test('losing every round: pending, left to the stream, nothing counted twice afterwards', async () => {
    const store = memoryDerivedStore();
    store.putHead(head('WR-1', 1, doc('WR-1')));
    store.hooks.loseNext = 100;

    const lost = await derive(store, 'WR-1');
    store.hooks.loseNext = 0;
    const later = await derive(store, 'WR-1');

    assert.deepEqual(lost, { counted: 0, pending: 1 });
    assert.deepEqual(later, { counted: 1, pending: 0 });
    assert.equal(figures(store).records, '2');
  });

  test('out of time: no round starts at or after the deadline; what is left is pending for the stream, counted once later', async () => {
    const store = memoryDerivedStore();
    for (const n of ['WR-1', 'WR-2']) store.putHead(head(n, 1, doc(n)));
    const ids = ['WR-1', 'WR-2'].map((number) => ({ agency: 'AssignedBySender', number }));
    // A clock at the deadline: nothing is tried, nothing written.
    const none = await deriveRecords(store, FACILITY, ids, { ...noWait, deadline: NOW });
    assert.deepEqual(none, { counted: 0, pending: 2 });
    assert.equal(figures(store).records, '0');
    // The first round loses; its backoff passes the deadline: the second round never starts.
    let clock = NOW;
    store.hooks.loseNext = 1;
    const partial = await deriveRecords(store, FACILITY, ids, {
      sleep: async () => {
        clock += 5_000;
      },
      now: () => clock,
      deadline: NOW + 1_000,
    });
    assert.deepEqual(partial, { counted: 0, pending: 2 });
    store.hooks.loseNext = 0;
    // The stream's turn, without a deadline: each counted once (two product lines each).
    assert.deepEqual(await derive(store, 'WR-1', 'WR-2'), { counted: 2, pending: 0 });
    assert.equal(figures(store).records, '4');
  });

  test('a record whose one step needs more than one atomic write holds: left pending, the others counted', async () => {
    const store = memoryDerivedStore();
    const large = doc('WR-LARGE');
    const product = large.productGroup![0]!.product[0]!;
    large.productGroup![0]!.product = Array.from({ length: 25 }, (_, i) => ({
      ...structuredClone(product),
      identifier: [{ ...product.identifier[0]!, number: `P-${i}` }],
    }));
    store.putHead(head('WR-LARGE', 1, large));
    store.putHead(head('WR-1', 1, doc('WR-1')));

    const result = await derive(store, 'WR-LARGE', 'WR-1');

    assert.deepEqual(result, { counted: 1, pending: 1 });
    assert.equal(figures(store).records, '2', 'WR-1 counted');
    assert.equal(store.derived.has(identityKey('AssignedBySender', 'WR-LARGE')), false);
  });

  test('50 records for 50 orders: every figure once, in transactions of at most 100 actions', async () => {
    const store = memoryDerivedStore();
    const numbers = Array.from({ length: 50 }, (_, i) => `WR-${i}`);
    for (const [i, n] of numbers.entries()) store.putHead(head(n, 1, doc(n, { order: `WO-${i}`, actual: [2, 1] })));

    const result = await derive(store, ...numbers);

    assert.deepEqual(result, { counted: 50, pending: 0 });
    assert.deepEqual(figures(store), { pounds: '150', records: '100', dapStock: '-100' });
    assert.equal(store.orders.early.size, 50);
    assert.ok(store.saves.every((w) => store.actions(w) <= 100));
  });
});

describe('what the stream asks to derive (recordDerive)', () => {
  const image = (extra: Record<string, unknown>) => ({
    kind: { S: 'record' },
    sk: { S: 'RECORD#WR-1#AssignedBySender' },
    facilityId: { S: FACILITY },
    agency: { S: 'AssignedBySender' },
    number: { S: 'WR-1' },
    ...extra,
  });

  test('a new record head, or a corrected one: derived', () => {
    assert.deepEqual(recordToDerive(image({})), { facilityId: FACILITY, agency: 'AssignedBySender', number: 'WR-1' });
    assert.ok(recordToDerive(image({ aggregated: { BOOL: true }, revision: { N: '2' } })));
  });

  test('nothing to do, without a read: a head written before the engine at its first revision, derived items, other items, a removal', () => {
    assert.equal(recordToDerive(image({ aggregated: { BOOL: true } })), null);
    assert.equal(recordToDerive(image({ sk: { S: 'RECORDDERIVED#WR-1#AssignedBySender' }, kind: { S: 'recordDerived' } })), null);
    assert.equal(recordToDerive(image({ sk: { S: 'RECORDREV#WR-1#AssignedBySender#000001' } })), null);
    assert.equal(recordToDerive(image({ kind: { S: 'order' }, sk: { S: 'ORDER#WO-1#AssignedBySender' } })), null);
    assert.equal(recordToDerive(undefined), null);
  });
});

describe('what the stream asks to derive: the pending-derive marker', () => {
  const image = (extra: Record<string, unknown>) =>
    ({
      sk: { S: 'RECORD#WR-1#AssignedBySender' },
      kind: { S: 'record' },
      facilityId: { S: FACILITY },
      agency: { S: 'AssignedBySender' },
      number: { S: 'WR-1' },
      ...extra,
    }) as never;

  test('a head with the marker is derived; the engine removing it at the revision it counted is skipped without a read', () => {
    assert.ok(recordToDerive(image({ gsi5pk: { S: `FAC#${FACILITY}#PENDING` }, revision: { N: '2' } })));
    assert.equal(recordToDerive(image({ derivedRevision: { N: '2' }, revision: { N: '2' } })), null);
  });

  test('a head written before the marker existed (neither attribute) is derived as before, so no legacy head is skipped', () => {
    assert.ok(recordToDerive(image({ revision: { N: '2' } })));
    assert.ok(recordToDerive(image({})));
  });
});

describe('the lot index, a derived figure', () => {
  const S = 'AssignedBySender';
  const q = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' as const });
  /** A record taking its first ingredient from `uses` (null: no lot) and making `makes`. */
  function lotted(number: string, uses: string | null, makes?: string): WorkRecordDocument {
    const d = doc(number) as unknown as ReturnType<typeof workRecord>;
    const g = d.productGroup[0]!;
    if (uses)
      g.product[0]!.sourceContainer = [
        { identifier: [{ agency: S, number: 'T' }], capacity: q(99), actualQuantity: q(7), lotIdentifier: { agency: S, number: uses } },
      ];
    if (makes)
      g.destinationContainer = [{ identifier: [{ agency: S, number: 'B' }], capacity: q(99), lotIdentifier: { agency: S, number: makes } }];
    return d as unknown as WorkRecordDocument;
  }
  const summary = (store: Store) =>
    store
      .entries()
      .map((e) => `${e.data.record.number}:${e.kind}:${e.number}${e.data.voided ? ':voided' : ''}`)
      .sort();

  test('a new record: its entries written once with its figures, its marker removed in the same step; deriving again writes nothing', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, lotted('WR-1', 'L', 'B')));
    await derive(store, 'WR-1');
    assert.deepEqual(summary(store), ['WR-1:made:B', 'WR-1:unlotted:P-POTASH', 'WR-1:use:L']);
    assert.equal(store.heads.get(identityKey('AssignedBySender', 'WR-1'))!.pending, false);
    assert.deepEqual([...store.seenLots].sort(), [identityKey(S, 'B'), identityKey(S, 'L')].sort());
    const saves = store.saves.length;
    await derive(store, 'WR-1');
    assert.equal(store.saves.length, saves, 'nothing to write');
  });

  test("a correction that changes a line's lot: the old entry removed, the new written; a void keeps the uses, flagged, and drops the unlotted lines", async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, lotted('WR-1', 'L-OLD')));
    await derive(store, 'WR-1');
    store.putHead(head('WR-1', 2, lotted('WR-1', 'L-NEW')));
    await derive(store, 'WR-1');
    assert.deepEqual(summary(store), ['WR-1:unlotted:P-POTASH', 'WR-1:use:L-NEW']);
    const last = store.saves.at(-1)!;
    assert.deepEqual(
      last.lots.deletes.map((d) => d.entry.number),
      ['L-OLD'],
    );
    assert.deepEqual(last.markers, [{ agency: S, number: 'WR-1', revision: 2 }]);
    store.putHead(head('WR-1', 3, lotted('WR-1', 'L-NEW'), { voided: true }));
    await derive(store, 'WR-1');
    assert.deepEqual(summary(store), ['WR-1:use:L-NEW:voided']);
  });

  test('a correction stored while the step runs: the marker removal loses (the head is past the revision), the step reads again and counts the latest', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, lotted('WR-1', 'L-1')));
    // The hook runs once, just before the first save's conditions are checked.
    store.hooks.race = () => store.putHead(head('WR-1', 2, lotted('WR-1', 'L-2')));
    await derive(store, 'WR-1');
    assert.deepEqual(summary(store), ['WR-1:unlotted:P-POTASH', 'WR-1:use:L-2']);
    assert.equal(store.heads.get(identityKey(S, 'WR-1'))!.pending, false);
    assert.equal(store.derived.get(identityKey(S, 'WR-1'))!.revision, 2);
  });

  test('a record derived before the lot index (no entries remembered): its latest entries are written, nothing is removed', async () => {
    const store = memoryDerivedStore();
    withOrder(store);
    store.putHead(head('WR-1', 1, lotted('WR-1', 'L')));
    await derive(store, 'WR-1');
    // As the previous code left it: counted, no lots remembered, no entries.
    const state = store.derived.get(identityKey(S, 'WR-1'))!;
    delete state.lots;
    store.lotIndex.clear();
    store.putHead(head('WR-1', 2, lotted('WR-1', 'L', 'B')));
    await derive(store, 'WR-1');
    assert.deepEqual(summary(store), ['WR-1:made:B', 'WR-1:unlotted:P-POTASH', 'WR-1:use:L']);
    assert.deepEqual(store.saves.at(-1)!.lots.deletes, []);
  });
});
