/** Order management (PUT upsert, DELETE cancel) over the in-memory order store, races and storage failures included. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { type HubError, StorageError } from '../../functions/domain/errors.ts';
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

describe('manage one order: races and storage failures', () => {
  test('a cancel that loses a conditional write reads again and cancels', async () => {
    const store = memoryStore();
    await upsert(store, orderDoc({ number: 'A' }));
    store.loseNext = 1;

    const out = await cancelWorkOrder(store, { facilityId: FACILITY, number: 'A' }, () => T0 + 1);

    assert.deepEqual([out.result.outcome, out.status], ['cancelled', 'cancelled']);
  });

  test('a cancel that keeps losing gives up (kept-changing), the order untouched', async () => {
    const store = memoryStore();
    await upsert(store, orderDoc({ number: 'A' }));
    store.loseNext = 99;

    await assert.rejects(
      cancelWorkOrder(store, { facilityId: FACILITY, number: 'A' }, () => T0 + 1),
      (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'A'))?.status, 'open');
  });

  test('throttled storage: the upsert fails with the storage failure, nothing written', async () => {
    const store = memoryStore();
    await upsert(store, orderDoc({ number: 'A' }));
    store.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');

    await assert.rejects(
      upsert(store, orderDoc({ number: 'A', type: 'update', pounds: 9 })),
      (e: unknown) => e instanceof StorageError && e.failure === 'throttled',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'A'))?.revision, 1);
  });
});
