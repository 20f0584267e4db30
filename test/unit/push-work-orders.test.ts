/**
 * Push work orders over the in-memory order store: create, update, all or nothing, lost races
 * retried, the guess for a batch of creates, storage failures. The store's real implementation
 * is exercised by the integration tier; these run without Java.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { ConcurrentChangeError, HubError, StorageError } from '../../functions/domain/errors.ts';
import { pushWorkOrders } from '../../functions/use-cases/push-work-orders.ts';
import { memoryOrderStore as memoryStore } from './helpers/memory-order-store.ts';
import { FACILITY, orderDoc, T0 } from './helpers/work-orders.ts';

const input = (...documents: ReturnType<typeof orderDoc>[]) => ({ facilityId: FACILITY, documents });

describe('push work orders', () => {
  test('creates new orders in one write and answers each outcome', async () => {
    const store = memoryStore();

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-2' })), () => T0);

    assert.deepEqual(
      out.results.map((r) => [r.workOrderNumber, r.outcome, r.revision]),
      [
        ['WO-1', 'created', 1],
        ['WO-2', 'created', 1],
      ],
    );
    assert.equal(out.written, 2);
    assert.equal(store.writes.length, 1, 'one transaction');
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'open');
  });

  test('a resent order writes nothing', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    const again = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0 + 1000);

    assert.equal(again.results[0]!.outcome, 'unchanged');
    assert.equal(again.written, 0);
  });

  test('one failing document fails the batch and writes nothing', async () => {
    const store = memoryStore();

    await assert.rejects(
      pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-9', type: 'update' })), () => T0),
      (e: unknown) => e instanceof HubError && e.kind === 'not-found' && e.errors?.[0]?.path === '/dispensingWorkOrder/1',
    );
    assert.equal(store.orders.size, 0);
  });

  test('a lost race is read again and applied on the next round', async () => {
    const store = memoryStore();
    store.loseNext = 2;

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    assert.equal(out.results[0]!.outcome, 'created');
    assert.equal(store.orders.size, 1);
  });

  test('a request that keeps losing gives up with a storage error, nothing applied', async () => {
    const store = memoryStore();
    store.loseNext = 99;

    await assert.rejects(
      pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0),
      (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing',
    );
    assert.equal(store.orders.size, 0);
  });

  test('an order created after records reported it complete starts complete, replacing the report at its version', async () => {
    const store = memoryStore();
    store.early.set(identityKey('AssignedBySender', 'WO-7'), { status: 'complete', version: 2 });
    store.early.set(identityKey('AssignedBySender', 'WO-8'), { status: 'inProgress', version: 1 });

    await pushWorkOrders(store, input(orderDoc({ number: 'WO-7' }), orderDoc({ number: 'WO-8' }), orderDoc({ number: 'WO-9' })), () => T0);

    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-7'))?.status, 'complete');
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-7'))?.version, 3);
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-8'))?.status, 'inProgress', 'an order the PCS already works on');
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-9'))?.status, 'open');
    assert.equal(store.early.size, 0);
  });

  test('a report written between the read and the write is read again, not overwritten', async () => {
    const store = memoryStore();
    // An update is never guessed: it reads, and the report lands between that read and the write.
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    const load = store.loadOrderSlots;
    let raced = false;
    store.loadOrderSlots = async (f, ids) => {
      const slots = await load(f, ids);
      if (!raced) {
        raced = true;
        const o = store.orders.get(identityKey('AssignedBySender', 'WO-1'))!;
        store.orders.set(identityKey('AssignedBySender', 'WO-1'), { ...o, status: 'inProgress', version: o.version + 1 });
      }
      return slots;
    };

    await assert.rejects(
      pushWorkOrders(store, input(orderDoc({ number: 'WO-1', type: 'update', pounds: 5 })), () => T0 + 1),
      (e: unknown) => e instanceof HubError && e.kind === 'conflict',
      'the second round sees the order in progress at the plant',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'inProgress');
  });

  test('a batch of creates of new orders is written without a read', async () => {
    const store = memoryStore();

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-2' })), () => T0);

    assert.deepEqual(
      out.results.map((r) => r.outcome),
      ['created', 'created'],
    );
    assert.equal(store.reads, 0);
    assert.equal(store.writes.length, 1);
  });

  test('a resent batch is planned on what the guess met: unchanged, no read, no write', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-2' })), () => T0);
    store.reads = 0;

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-3' })), () => T0 + 1);

    assert.deepEqual(
      out.results.map((r) => r.outcome),
      ['unchanged', 'created'],
    );
    assert.equal(store.reads, 0, 'what the cancelled transaction met was enough');
    assert.equal(store.writes.length, 2, 'the first push and this one');
    assert.equal(store.writes[1]!.length, 1, 'only the new order');
  });

  test('a guess that met an early report starts the order where the report left it', async () => {
    const store = memoryStore();
    store.early.set(identityKey('AssignedBySender', 'WO-1'), { status: 'complete', version: 1 });

    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.status, 'complete');
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.version, 2);
  });

  test('a guess lost to a racing transaction falls back to reading', async () => {
    const store = memoryStore();
    store.createOrders = async () => {
      throw new ConcurrentChangeError();
    };

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    assert.equal(out.results[0]!.outcome, 'created');
    assert.equal(store.reads, 1);
  });

  test('a batch that fails on an empty table is not guessed: the answer is the stored truth', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    let guesses = 0;
    const create = store.createOrders;
    store.createOrders = async (w) => {
      guesses++;
      return create(w);
    };

    // Two different creates of one order: 409 either way, but the detail names the stored order.
    await assert.rejects(
      pushWorkOrders(store, input(orderDoc({ number: 'WO-1', pounds: 1 }), orderDoc({ number: 'WO-1', pounds: 2 })), () => T0 + 1),
      (e: unknown) => e instanceof HubError && e.kind === 'conflict' && e.errors?.[0]?.path === '/dispensingWorkOrder/0',
    );
    assert.equal(guesses, 0);
  });

  test('an update counts a revision', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1', type: 'update', pounds: 999 })), () => T0 + 1000);

    assert.deepEqual([out.results[0]!.outcome, out.results[0]!.revision], ['updated', 2]);
  });
});

describe('push work orders: storage failures', () => {
  test('throttled after the SDK retries: the failure reaches the caller, nothing written', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    store.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');

    await assert.rejects(
      pushWorkOrders(store, input(orderDoc({ number: 'WO-1', type: 'update', pounds: 5 })), () => T0 + 1),
      (e: unknown) => e instanceof StorageError && e.failure === 'throttled',
    );
    assert.equal(store.orders.get(identityKey('AssignedBySender', 'WO-1'))?.revision, 1);
  });

  test('a batch too large for one transaction fails whole (too-many-writes), nothing written', async () => {
    const store = memoryStore();
    const documents = Array.from({ length: 101 }, (_, i) => orderDoc({ number: `WO-${i}` }));

    await assert.rejects(
      pushWorkOrders(store, input(...documents), () => T0),
      (e: unknown) => e instanceof StorageError && e.failure === 'too-many-writes',
    );
    assert.equal(store.orders.size, 0);
  });

  test('a lost conditional write (an order changed between read and write) is decided again on what is stored', async () => {
    const store = memoryStore();
    await pushWorkOrders(store, input(orderDoc({ number: 'WO-1' })), () => T0);
    // Between this push's read and its write, another request updates the order.
    store.race = () => {
      const id = identityKey('AssignedBySender', 'WO-1');
      const current = store.orders.get(id)!;
      store.orders.set(id, { ...current, doc: orderDoc({ number: 'WO-1', pounds: 42 }), revision: 2, version: current.version + 1 });
    };

    const out = await pushWorkOrders(store, input(orderDoc({ number: 'WO-1', type: 'update', pounds: 7 })), () => T0 + 1);

    assert.deepEqual([out.results[0]!.outcome, out.results[0]!.revision], ['updated', 3], 'planned on the racing revision');
  });
});
