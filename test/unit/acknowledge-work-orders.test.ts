/** Acknowledge work orders over the in-memory order store: all or nothing, races and storage failures. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { AcknowledgementDocument } from '../../functions/domain/acknowledgements.ts';
import { identityKey } from '../../functions/domain/documents.ts';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import { acknowledgeWorkOrders } from '../../functions/use-cases/acknowledge-work-orders.ts';
import { pushWorkOrders } from '../../functions/use-cases/push-work-orders.ts';
import { memoryOrderStore as memoryStore } from './helpers/memory-order-store.ts';
import { FACILITY, orderDoc, T0 } from './helpers/work-orders.ts';

const input = (...documents: ReturnType<typeof orderDoc>[]) => ({ facilityId: FACILITY, documents });

const ack = (number: string, code: 'accepted' | 'rejected') =>
  ({
    header: orderDoc().header,
    workOrderIdentifier: { agency: 'AssignedBySender', number },
    acknowledgeWorkOrderStatusCode: code,
    acknowledgeWorkOrderDateTime: '2026-04-02T12:00:05.000Z',
  }) satisfies AcknowledgementDocument;

describe('acknowledge work orders', () => {
  test('moves the orders it names and keeps the acknowledgement', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-2' })), () => T0);

    const results = await acknowledgeWorkOrders(
      store,
      { facilityId: FACILITY, acknowledgements: [ack('WO-1', 'accepted'), ack('WO-2', 'rejected')] },
      () => T0 + 5,
    );

    assert.deepEqual(
      results.map((r) => [r.workOrderNumber, r.status]),
      [
        ['WO-1', 'accepted'],
        ['WO-2', 'rejected'],
      ],
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-2'))?.status, 'rejected');
    assert.equal(store.writes.length, 2);
  });

  test('an unknown order fails the whole batch', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    await assert.rejects(
      acknowledgeWorkOrders(
        store,
        { facilityId: FACILITY, acknowledgements: [ack('WO-1', 'accepted'), ack('WO-404', 'accepted')] },
        () => T0,
      ),
      (e: unknown) => e instanceof HubError && e.kind === 'not-found',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'open');
  });
});

describe('acknowledge work orders: races and storage failures', () => {
  test('a lost conditional write is read again and applied', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    store.loseNext = 2;

    const results = await acknowledgeWorkOrders(store, { facilityId: FACILITY, acknowledgements: [ack('WO-1', 'accepted')] }, () => T0 + 5);

    assert.equal(results[0]!.status, 'accepted');
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'accepted');
  });

  test('a race that never ends gives up (kept-changing), nothing applied', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    store.loseNext = 99;

    await assert.rejects(
      acknowledgeWorkOrders(store, { facilityId: FACILITY, acknowledgements: [ack('WO-1', 'accepted')] }, () => T0 + 5),
      (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'open');
  });

  test('throttled storage: the failure reaches the caller, nothing applied', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    store.failNext = new StorageError('throttled', 'storage throttled: ProvisionedThroughputExceededException');

    await assert.rejects(
      acknowledgeWorkOrders(store, { facilityId: FACILITY, acknowledgements: [ack('WO-1', 'accepted')] }, () => T0 + 5),
      (e: unknown) => e instanceof StorageError && e.failure === 'throttled',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'open');
  });
});
