/** Pushing components, recipes and purchase orders over the in-memory master-data store: outcomes, references, races, failures. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { HubError, StorageError } from '../../functions/domain/errors.ts';
import type { MasterDocument, MasterKind } from '../../functions/domain/master-data.ts';
import type { Component, PurchaseOrder } from '../../functions/generated/documents.ts';
import { pushMasterData } from '../../functions/use-cases/push-master-data.ts';
import { memoryMasterDataStore } from './helpers/memory-master-data-store.ts';

const T0 = Date.parse('2026-04-02T12:00:00.000Z');
const id = (number: string) => ({ agency: 'AssignedBySeller' as const, number });
const component = (number: string, name = number): Component => ({ identifier: id(number), name, uom: 'KGM', active: true });
const purchaseOrder = (number: string, components: string[]): PurchaseOrder => ({
  identifier: id(number),
  lines: components.map((c, i) => ({ line: i + 1, component: id(c), quantity: { value: 10, uom: 'KGM' } })),
});

const push = (store: ReturnType<typeof memoryMasterDataStore>, kind: MasterKind, documents: MasterDocument[], now = T0) =>
  pushMasterData(store, { kind, facilityId: 'plant-7', documents }, () => now);

describe('push master data', () => {
  test('created, unchanged, updated: one write per batch, the revision counts changes', async () => {
    const store = memoryMasterDataStore();
    const first = await push(store, 'component', [component('C-1'), component('C-2')]);
    assert.deepEqual(
      first.results.map((r) => [r.number, r.outcome, r.revision]),
      [
        ['C-1', 'created', 1],
        ['C-2', 'created', 1],
      ],
    );
    assert.equal(first.written, 2);

    const again = await push(store, 'component', [component('C-1'), component('C-2', 'Renamed')], T0 + 1000);
    assert.deepEqual(
      again.results.map((r) => [r.outcome, r.revision]),
      [
        ['unchanged', 1],
        ['updated', 2],
      ],
    );
    assert.equal(again.written, 1);
    assert.equal(store.kinds.component.get(identityKey('AssignedBySeller', 'C-2'))?.version, 2);
  });

  test('a purchase order naming an unknown component fails the batch whole, nothing written', async () => {
    const store = memoryMasterDataStore();
    await push(store, 'component', [component('C-1')]);

    await assert.rejects(
      push(store, 'purchaseOrder', [purchaseOrder('PO-1', ['C-1']), purchaseOrder('PO-2', ['C-9'])]),
      (e: unknown) => e instanceof HubError && e.kind === 'invalid-input' && e.errors?.[0]?.path.startsWith('/purchaseOrders/1') === true,
    );
    assert.equal(store.kinds.purchaseOrder.size, 0);
  });

  test('a purchase order gets its status from what was received against it', async () => {
    const store = memoryMasterDataStore();
    await push(store, 'component', [component('C-1')]);
    await push(store, 'purchaseOrder', [purchaseOrder('PO-1', ['C-1'])]);
    assert.equal(store.kinds.purchaseOrder.get(identityKey('AssignedBySeller', 'PO-1'))?.status, 'open');
  });

  test('a lost conditional write is read again and decided on what is stored', async () => {
    const store = memoryMasterDataStore();
    await push(store, 'component', [component('C-1')]);
    // Another request renames C-1 between this push's read and its write.
    store.race = () => {
      const key = identityKey('AssignedBySeller', 'C-1');
      const current = store.kinds.component.get(key)!;
      store.kinds.component.set(key, { ...current, doc: component('C-1', 'Other'), revision: 2, version: current.version + 1 });
    };

    const out = await push(store, 'component', [component('C-1', 'Mine')], T0 + 1);

    assert.deepEqual([out.results[0]!.outcome, out.results[0]!.revision], ['updated', 3]);
    assert.equal((store.kinds.component.get(identityKey('AssignedBySeller', 'C-1'))?.doc as Component).name, 'Mine');
  });

  test('a race that never ends gives up (kept-changing), nothing applied', async () => {
    const store = memoryMasterDataStore();
    store.loseNext = 99;
    await assert.rejects(
      push(store, 'component', [component('C-1')]),
      (e: unknown) => e instanceof StorageError && e.failure === 'kept-changing',
    );
    assert.equal(store.kinds.component.size, 0);
  });

  test('a batch too large for one transaction, and throttled storage, fail with the storage failure, nothing written', async () => {
    const store = memoryMasterDataStore();
    await assert.rejects(
      push(
        store,
        'component',
        Array.from({ length: 101 }, (_, i) => component(`C-${i}`)),
      ),
      (e: unknown) => e instanceof StorageError && e.failure === 'too-many-writes',
    );
    store.failNext = new StorageError('throttled', 'storage throttled: ThrottlingException');
    await assert.rejects(
      push(store, 'component', [component('C-1')]),
      (e: unknown) => e instanceof StorageError && e.failure === 'throttled',
    );
    assert.equal(store.kinds.component.size, 0);
  });
});
