/** Order management (PUT upsert, DELETE cancel) and summaries: use cases on an in-memory store, and the pure query logic. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { toCsv, wantsCsv } from '../../functions/domain/csv.ts';
import { identityKey } from '../../functions/domain/documents.ts';
import type { HubError } from '../../functions/domain/errors.ts';
import { mergePages, pageBounds, parseSummaryQuery, queryBinding, summaryPartitions } from '../../functions/domain/summaries.ts';
import { cancelWorkOrder, upsertWorkOrder } from '../../functions/use-cases/manage-work-order.ts';
import { memoryOrderStore as memoryStore } from './helpers/memory-order-store.ts';
import { FACILITY, orderDoc, T0 } from './helpers/work-orders.ts';

const upsert = (
  store: ReturnType<typeof memoryStore>,
  doc: ReturnType<typeof orderDoc>,
  extra: { agencyParam?: string; pathNumber?: string } = {},
) =>
  upsertWorkOrder(
    store,
    { facilityId: FACILITY, document: doc, pathNumber: extra.pathNumber ?? doc.workOrderIdentifier.number, agencyParam: extra.agencyParam },
    () => T0,
  );

describe('upsert one order', () => {
  test('unknown → created, known → updated, identical → unchanged; hold creates on hold', async () => {
    const store = memoryStore();
    assert.equal((await upsert(store, orderDoc({ number: 'A', type: 'update' }))).result.outcome, 'created');
    const updated = await upsert(store, orderDoc({ number: 'A', type: 'create', pounds: 7 }));
    assert.deepEqual([updated.result.outcome, updated.result.revision, updated.status], ['updated', 2, 'open']);
    assert.equal((await upsert(store, orderDoc({ number: 'A', type: 'update', pounds: 7 }))).result.outcome, 'unchanged');
    const held = await upsert(store, orderDoc({ number: 'B', type: 'hold' }));
    assert.deepEqual([held.result.outcome, held.status], ['created', 'onHold']);
    const released = await upsert(store, orderDoc({ number: 'B', type: 'update' }));
    assert.deepEqual([released.result.outcome, released.status], ['updated', 'open']);
  });

  test('400 before anything is read: number, agency, cancel', async () => {
    const store = memoryStore();
    const expectPath = async (p: Promise<unknown>, path: string) => {
      await assert.rejects(p, (e: HubError) => e.kind === 'invalid-input' && e.errors?.[0]?.path === path);
    };
    await expectPath(upsert(store, orderDoc({ number: 'A' }), { pathNumber: 'B' }), '/workOrderIdentifier/number');
    await expectPath(upsert(store, orderDoc({ number: 'A' }), { agencyParam: 'AssignedByReciever' }), '/queryStringParameters/agency');
    await expectPath(upsert(store, orderDoc({ number: 'A', type: 'cancel' })), '/workOrderType');
    assert.equal(store.orders.size, 0);
  });

  test('a racing create of the same order makes the upsert an update, not a 409', async () => {
    const store = memoryStore();
    const theirs = orderDoc({ number: 'A', pounds: 1 });
    store.race = () => {
      store.orders.set(identityKey(theirs.workOrderIdentifier.agency, 'A'), {
        facilityId: FACILITY,
        agency: theirs.workOrderIdentifier.agency,
        number: 'A',
        doc: theirs,
        status: 'open',
        revision: 1,
        version: 1,
        lastErpChange: 'create',
        createdAt: T0,
        modifiedAt: T0,
        updatedAt: T0,
      });
    };
    const out = await upsert(store, orderDoc({ number: 'A', pounds: 2 }));
    assert.deepEqual([out.result.outcome, out.result.revision], ['updated', 2]);
  });

  test('409 for cancelled, in progress and complete orders, with paths into the document', async () => {
    for (const status of ['cancelled', 'inProgress', 'complete'] as const) {
      const store = memoryStore();
      await upsert(store, orderDoc({ number: 'A' }));
      store.orders.get(identityKey('AssignedBySender', 'A'))!.status = status;
      await assert.rejects(
        upsert(store, orderDoc({ number: 'A', pounds: 3 })),
        (e: HubError) => e.kind === 'conflict' && e.errors?.[0]?.path === '/',
      );
    }
  });
});

describe('cancel one order', () => {
  test('cancels keeping the content, then unchanged; 404 unknown; 409 in progress', async () => {
    const store = memoryStore();
    await upsert(store, orderDoc({ number: 'A', pounds: 9 }));
    const first = await cancelWorkOrder(store, { facilityId: FACILITY, number: 'A' }, () => T0 + 1000);
    assert.deepEqual([first.result.outcome, first.result.revision, first.status], ['cancelled', 2, 'cancelled']);
    assert.equal(first.order.doc.productGroup[0]!.product[0]!.requestedQuantity.value, 9);
    const again = await cancelWorkOrder(store, { facilityId: FACILITY, number: 'A' }, () => T0 + 2000);
    assert.deepEqual([again.result.outcome, again.result.revision, again.order.modifiedAt], ['unchanged', 2, first.order.modifiedAt]);
    await assert.rejects(cancelWorkOrder(store, { facilityId: FACILITY, number: 'B' }), (e: HubError) => e.kind === 'not-found');
    await upsert(store, orderDoc({ number: 'C' }));
    store.orders.get(identityKey('AssignedBySender', 'C'))!.status = 'inProgress';
    await assert.rejects(cancelWorkOrder(store, { facilityId: FACILITY, number: 'C' }), (e: HubError) => e.kind === 'conflict');
  });
});

describe('summary queries', () => {
  test('parses statuses, one time axis, limit; binds the canonical query', () => {
    const q = parseSummaryQuery({ status: 'open,cancelled,open', createdFrom: '2026-01-01T00:00:00+01:00', limit: '5' });
    assert.deepEqual(q, { statuses: ['cancelled', 'open'], axis: 'created', from: Date.parse('2025-12-31T23:00:00Z'), to: null, limit: 5 });
    assert.equal(
      queryBinding(q),
      queryBinding(parseSummaryQuery({ status: 'cancelled,open', createdFrom: '2025-12-31T23:00Z', limit: '5' })),
    );
    assert.notEqual(queryBinding(q), queryBinding(parseSummaryQuery({ status: 'open', createdFrom: '2025-12-31T23:00Z', limit: '5' })));
    assert.deepEqual(parseSummaryQuery({}), { statuses: null, axis: 'modified', from: null, to: null, limit: 100 });
    for (const bad of [
      { status: 'x' },
      { limit: '1001' },
      { createdTo: 'x' },
      { createdFrom: '2026-01-01T00:00Z', modifiedFrom: '2026-01-01T00:00Z' },
    ]) {
      assert.throws(
        () => parseSummaryQuery(bad),
        (e: HubError) => e.kind === 'invalid-input',
      );
    }
  });

  test('every status by modification time is one partition (the change stream); otherwise one per status', () => {
    assert.deepEqual(summaryPartitions(parseSummaryQuery({})), [{ kind: 'allModified' }]);
    assert.equal(summaryPartitions(parseSummaryQuery({ createdFrom: '2026-01-01T00:00Z' })).length, 7);
    assert.deepEqual(summaryPartitions(parseSummaryQuery({ status: 'open' })), [{ kind: 'status', status: 'open', axis: 'modified' }]);
  });

  test('bounds: to exclusive by construction, the cursor position excluded', () => {
    const q = parseSummaryQuery({ modifiedFrom: '2026-01-01T00:00Z', modifiedTo: '2026-02-01T00:00Z' });
    assert.deepEqual(pageBounds(q, null), { lo: '2026-01-01T00:00:00.000Z', hi: '2026-02-01T00:00:00.000Z', exclude: null });
    const at = '2026-01-15T00:00:00.000Z#AssignedBySender#X';
    assert.deepEqual(pageBounds(q, at), { lo: '2026-01-01T00:00:00.000Z', hi: at, exclude: at });
    assert.ok('2026-02-01T00:00:00.000Z#A#B' > pageBounds(q, null).hi, 'an order at `to` is outside');
  });

  test('merge: newest first across partitions, cursor at the last served while more remain', () => {
    const page = (positions: string[], more = false) => ({ items: positions.map((p) => ({ position: p, item: p })), more });
    assert.deepEqual(mergePages([page(['5', '3', '1']), page(['4', '2'])], 3), { items: ['5', '4', '3'], next: '3' });
    assert.deepEqual(mergePages([page(['5']), page(['4'])], 3), { items: ['5', '4'], next: null });
    assert.deepEqual(mergePages([page(['5', '4'], true)], 2), { items: ['5', '4'], next: '4' });
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting and formula-injection escaping of text cells', () => {
    const csv = toCsv(
      ['a', 'b'],
      [
        ['=1+2', 'x,"y"'],
        ['+1', '@a'],
        ['-1', '\tt'],
        ['\rr', null],
        [{ raw: '-1.5' }, 3],
      ],
    );
    assert.equal(csv, `a,b\r\n'=1+2,"x,""y"""\r\n'+1,'@a\r\n'-1,'\tt\r\n"'\rr",\r\n-1.5,3\r\n`);
    assert.ok(wantsCsv('text/csv'));
    assert.ok(wantsCsv('application/json;q=0.5, text/csv'));
    assert.ok(!wantsCsv('application/json'));
    assert.ok(!wantsCsv(undefined));
  });
});
