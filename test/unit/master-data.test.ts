/** Master-data upserts (created, unchanged, updated, duplicates, unknown components) and purchase order receipts, pure. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import type { HubError } from '../../functions/domain/errors.ts';
import { checkLines, type MasterState, planMasterBatch } from '../../functions/domain/master-data.ts';
import { purchaseOrderLines, purchaseOrderStatus, withReceipt } from '../../functions/domain/purchase-orders.ts';
import type { Component, PurchaseOrder } from '../../functions/generated/documents.ts';

const id = (number: string) => ({ agency: 'AssignedBySeller' as const, number });
const component = (number: string, name = number): Component => ({ identifier: id(number), name, uom: 'KGM', active: true });
const po: PurchaseOrder = {
  identifier: id('PO-1'),
  lines: [
    { line: 1, component: id('C-1'), quantity: { value: 10, uom: 'TNE' } },
    { line: 2, component: id('C-2'), quantity: { value: 100, uom: 'LTR' } },
  ],
};

describe('master-data upserts', () => {
  test('new, identical and changed documents', () => {
    const first = planMasterBatch('F', '/components', [component('C-1')], new Map(), 1000);
    assert.deepEqual(first.results[0], { index: 0, number: 'C-1', agency: 'AssignedBySeller', outcome: 'created', revision: 1 });
    const stored: MasterState = { ...first.writes[0]!.next, version: 1 };
    const known = new Map([[identityKey('AssignedBySeller', 'C-1'), stored]]);
    const again = planMasterBatch('F', '/components', [component('C-1'), component('C-2')], known, 2000);
    assert.deepEqual(
      again.results.map((r) => [r.outcome, r.revision]),
      [
        ['unchanged', 1],
        ['created', 1],
      ],
    );
    const changed = planMasterBatch('F', '/components', [component('C-1', 'Renamed')], known, 500);
    assert.equal(changed.results[0]!.outcome, 'updated');
    assert.equal(changed.writes[0]!.next.revision, 2);
    assert.equal(changed.writes[0]!.expectedVersion, 1);
    // A clock behind the stored time never moves the document's position backwards.
    assert.ok(changed.writes[0]!.next.modifiedAt > stored.modifiedAt);
  });
  test('the same identifier twice, and lines naming unknown components or repeating a line number, are 400s naming them', () => {
    assert.throws(
      () => planMasterBatch('F', '/components', [component('C-1'), component('C-1')], new Map(), 1),
      (e: HubError) => e.errors?.[0]?.path === '/components/1/identifier',
    );
    const twice = { ...po, lines: [po.lines[0]!, { ...po.lines[0]!, component: id('C-9') }] };
    assert.throws(
      () => checkLines('/purchaseOrders', [twice], new Set([identityKey('AssignedBySeller', 'C-1')])),
      (e: HubError) =>
        JSON.stringify(e.errors?.map((x) => x.path)) ===
        JSON.stringify(['/purchaseOrders/0/lines/1/component', '/purchaseOrders/0/lines/1/line']),
    );
  });
});

describe('purchase order receipts', () => {
  const components = new Map([
    [identityKey('AssignedBySeller', 'C-2'), { agency: 'AssignedBySeller', number: 'C-2', name: 'UAN', uom: 'LTR', density: 1.25 }],
  ]);
  test('received in the line unit, over-receipt visible, status from every line', () => {
    let received = withReceipt({}, 1, 'GR-1', 4000, 'KGM');
    assert.equal(purchaseOrderStatus(po, received, components), 'partlyReceived');
    received = withReceipt(received, 1, 'GR-2', 6.5, 'TNE');
    received = withReceipt(received, 2, 'GR-3', 125, 'KGM');
    const lines = purchaseOrderLines(po, received, components);
    assert.deepEqual(
      lines.map((l) => [l.received.value, l.outstanding.value, l.overReceived, l.receipts]),
      [
        ['10.5', '-0.5', true, ['GR-1', 'GR-2']],
        ['100', '0', false, ['GR-3']],
      ],
    );
    assert.equal(purchaseOrderStatus(po, received, components), 'received');
    assert.equal(purchaseOrderStatus({ ...po, status: 'cancelled' }, received, components), 'cancelled');
    assert.equal(purchaseOrderStatus(po, {}, components), 'open');
  });
  test('a receipt that cannot be converted into the line unit is listed, not counted', () => {
    const lines = purchaseOrderLines(po, withReceipt({}, 1, 'GR-1', 5, 'LTR'), new Map());
    assert.equal(lines[0]!.received.value, '0');
    assert.match(lines[0]!.unconverted![0]!.reason, /density/);
  });
});
