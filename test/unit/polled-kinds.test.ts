/** The table of pollable kinds: who polls each, what a poll serves in each form, which kinds ride on a stream. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'vitest';
import type { MasterState } from '../../functions/domain/master-data.ts';
import type { OrderState } from '../../functions/domain/work-orders.ts';
import { route } from '../../functions/routes.ts';
import { kindsOfStream, POLLED_KINDS, pollAnswer, polledKind } from '../../functions/use-cases/polled-kinds.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/canonical/${name}`, import.meta.url), 'utf8'));

const T0 = Date.parse('2026-11-02T08:00:00Z');
function order(over: Partial<OrderState> = {}): OrderState {
  const doc = fixture('work-order-single.json');
  return {
    facilityId: 'plant-1',
    agency: doc.workOrderIdentifier.agency,
    number: doc.workOrderIdentifier.number,
    doc,
    status: 'accepted',
    revision: 2,
    version: 3,
    lastErpChange: 'update',
    createdAt: T0,
    modifiedAt: T0 + 60_000,
    updatedAt: T0 + 60_000,
    ...over,
  } as OrderState;
}

describe('who may poll each kind', () => {
  test.each(Object.values(POLLED_KINDS))('$envelope: the roles of its poll route, $pollRoute', (kind) => {
    assert.deepEqual([...kind.pollers].sort(), [...route(kind.pollRoute).roles].sort());
  });
});

describe('looking kinds up', () => {
  test('by name: only the table’s own names (no inherited keys)', () => {
    assert.equal(polledKind('dispensingWorkOrder')?.stream, 'ORDERS');
    assert.equal(polledKind('toString'), null);
    assert.equal(polledKind('__proto__'), null);
    assert.equal(polledKind('orders'), null);
  });

  test('by stream: each stream carries its kind', () => {
    assert.deepEqual(kindsOfStream('ORDERS'), ['dispensingWorkOrder']);
    assert.deepEqual(kindsOfStream('RECORDS'), ['dispensingWorkRecord']);
    assert.deepEqual(kindsOfStream('PURCHASE_ORDERS'), ['purchaseOrders']);
    assert.deepEqual(kindsOfStream('NOPE'), []);
  });
});

describe('what a poll serves', () => {
  const orders = polledKind('dispensingWorkOrder')!;

  test('an order is a create in a window that began before it, an update or hold after, a cancel once cancelled', () => {
    const served = (o: OrderState, windowStart: number | null) =>
      (pollAnswer(orders, [o], windowStart, 'canonical').body as { dispensingWorkOrder: { workOrderType: string }[] })
        .dispensingWorkOrder[0]!.workOrderType;
    assert.equal(served(order(), null), 'create', 'the initial load');
    assert.equal(served(order(), T0 - 1), 'create');
    assert.equal(served(order(), T0 + 1), 'update');
    assert.equal(served(order({ lastErpChange: 'hold' }), T0 + 1), 'hold');
    assert.equal(served(order({ status: 'cancelled' }), null), 'cancel');
  });

  test('the canonical form is the envelope; an older form is the bare array of that form', () => {
    const canonical = pollAnswer(orders, [order(), order()], null, 'canonical');
    assert.equal(canonical.count, 2);
    assert.deepEqual(Object.keys(canonical.body as object), ['dispensingWorkOrder']);
    const legacy = pollAnswer(orders, [order()], null, 'legacy');
    assert.ok(Array.isArray(legacy.body));
    assert.equal(legacy.count, 1);
    assert.notDeepEqual((legacy.body as unknown[])[0], (canonical.body as { dispensingWorkOrder: unknown[] }).dispensingWorkOrder[0]);
  });

  test('a kind the standard has no older form of is served canonical whatever the format asked', () => {
    const components = polledKind('components')!;
    const doc = { identifier: { agency: 'AssignedBySeller', number: 'P-DAP' }, name: 'DAP' };
    const stored = { doc } as unknown as MasterState;
    const answer = pollAnswer(components, [stored], null, 'legacy');
    assert.deepEqual(answer.body, { components: [doc] });
  });

  test('a work record is served as the plant sent it', () => {
    const records = polledKind('dispensingWorkRecord')!;
    const doc = fixture('work-record-single.json');
    assert.deepEqual(pollAnswer(records, [{ doc }], null, 'canonical').body, { dispensingWorkRecord: [doc] });
  });
});
