/**
 * Lot traceability over real HTTP (API.md, "Lot traceability (recalls)"): a supplier lot received
 * against a purchase order, used by two blends, one blend's lot used by a third record, a record
 * of the same component naming no lot, one using the lot voided → the forward trace lists the
 * three affected records (one via the blend lot) with their growers and fields, the unlotted one
 * as possible, the voided one as voided; the backward trace of the third record reaches the
 * receipt and its supplier; CSV; the lot at two facilities. And: a correction moves a record
 * between lots' traces, a cycle in lot data ends, a record whose derive has not run is found
 * through the pending-derive index, keys outside their facilities get 403.
 */
import assert from 'node:assert/strict';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { DispensingWorkOrder, DispensingWorkRecord } from '../../functions/generated/documents.ts';
import {
  changePosition,
  changesPk,
  facilityPk,
  pendingDerivePk,
  recordDerivedSk,
  recordSk,
  recordsOfOrderPk,
} from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { records, workRecord } from '../support/records.ts';
import { facilityNames, type KeyedClient, keyed, localTable, useSharedStack } from '../support/shared-stack.ts';

const names = facilityNames('TR');
const ctx = useSharedStack({ erp: ['erp', ['*']] });
const SELLER = 'AssignedBySeller';
const SENDER = 'AssignedBySender';
const HERB = { agency: SELLER, number: 'C-HERB' };
const L = '24-0117';

let db: DynamoDBDocumentClient;
let tableName: string;
beforeAll(() => {
  ({ db, tableName } = localTable(ctx.stack));
});
afterAll(() => db?.destroy());

const qty = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' as const });

/** A record of one blend: its first ingredient is `component`, taken from `lot` (none: no lot named); it makes `makes`. */
function lotRecord(
  number: string,
  o: {
    order: string;
    at: string;
    component?: { agency: string; number: string };
    lot?: string | null;
    lotAgency?: string;
    makes?: string;
    pounds?: number;
  },
): DispensingWorkRecord {
  const r = workRecord(number, { order: o.order, status: 'complete' });
  r.dispensingEndDateTime = o.at;
  const group = r.productGroup[0]!;
  const line = group.product[0]!;
  line.identifier = [{ ...(o.component ?? HERB), name: 'Herbicide concentrate' }] as never;
  line.actualQuantity = qty(o.pounds ?? 12.5);
  if (o.lot) {
    line.sourceContainer = [
      {
        identifier: [{ agency: SENDER, number: 'TOTE-3' }],
        capacity: qty(2000),
        actualQuantity: qty(o.pounds ?? 12.5),
        lotIdentifier: { agency: (o.lotAgency ?? SELLER) as never, number: o.lot },
      },
    ];
  }
  if (o.makes) {
    group.destinationContainer = [
      { identifier: [{ agency: SENDER, number: 'BIN-9' }], capacity: qty(40000), lotIdentifier: { agency: SENDER, number: o.makes } },
    ];
  }
  return r;
}

/** An order whose parties include a grower and a field (as `other` parties). */
function partyOrder(number: string, grower: string, field: string): DispensingWorkOrder {
  const doc = workOrder(number);
  doc.parties = {
    ...doc.parties,
    other: [
      { partyType: 'Grower', identifier: [{ agency: SELLER, number: `G-${grower}`, name: grower }] },
      { partyType: 'Field', identifier: [{ agency: SELLER, number: `F-${field}`, name: field }] },
    ],
  } as never;
  return doc;
}

async function ok(reply: Promise<{ status: number; body: any }>, status = 200) {
  const r = await reply;
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body;
}

const numbersOf = (rows: any[]) => rows.map((r) => r.workRecord.number).sort();

/** A facility with a purchase order from a supplier, a receipt of L against it, and the ERP's orders. */
async function plant(f: string, pcs: KeyedClient, receiptId: string) {
  await ok(
    ctx.erp.post(`/facility/${f}/components`, {
      components: [{ identifier: HERB, name: 'Herbicide concentrate', uom: 'LBR', active: true }],
    }),
  );
  await ok(
    ctx.erp.post(`/facility/${f}/purchaseOrders`, {
      purchaseOrders: [
        {
          identifier: { agency: SELLER, number: 'PO-77' },
          supplier: { name: 'Acme Crop Chemicals' },
          lines: [{ line: 1, component: HERB, quantity: { value: 500, uom: 'LBR' } }],
        },
      ],
    }),
  );
  await ok(
    pcs.post(`/facility/${f}/receipts`, {
      receipts: [
        {
          receiptId,
          component: HERB,
          quantity: { value: 500, uom: 'LBR' },
          purchaseOrder: { number: 'PO-77', line: 1 },
          receivedAt: '2026-03-01T08:00:00Z',
          lot: { number: L },
        },
      ],
    }),
  );
  await ok(
    ctx.erp.post(
      `/facility/${f}/dispensingWorkorders`,
      orders(
        partyOrder('WO-A', 'Hanson', 'North 40'),
        partyOrder('WO-B', 'Vermeer', 'Home 80'),
        partyOrder('WO-C', 'Olsen', 'River'),
        partyOrder('WO-D', 'Berg', 'East'),
        partyOrder('WO-E', 'Lund', 'West'),
      ),
    ),
  );
}

describe('lot traceability', () => {
  const f1 = names.next();
  const f2 = names.next();
  let pcs: KeyedClient;

  beforeAll(async () => {
    pcs = await keyed(ctx.stack, 'pcs', [f1, f2]);
    await plant(f1, pcs, 'GR-1');
    await ok(
      pcs.post(
        `/facility/${f1}/dispensingWorkRecords`,
        records(
          lotRecord('WR-A', { order: 'WO-A', at: '2026-03-02T10:00:00Z', lot: L, makes: 'B-0302' }),
          lotRecord('WR-B', { order: 'WO-B', at: '2026-03-03T10:00:00Z', lot: L }),
          lotRecord('WR-C', {
            order: 'WO-C',
            at: '2026-03-05T10:00:00Z',
            component: { agency: SENDER, number: 'BLEND-BASE' },
            lot: 'B-0302',
            lotAgency: SENDER,
          }),
          lotRecord('WR-D', { order: 'WO-D', at: '2026-03-03T12:00:00Z', lot: null }),
          lotRecord('WR-E', { order: 'WO-E', at: '2026-03-04T10:00:00Z', lot: L }),
          lotRecord('WR-LATE', { order: 'WO-D', at: '2026-06-01T10:00:00Z', lot: null }),
        ),
      ),
    );
    await ok(pcs.post(`/facility/${f1}/dispensingWorkRecords/WR-E/void`, { reason: 'weighed into the wrong tote' }));
    // The same supplier lot reaches a second plant.
    await plant(f2, pcs, 'GR-2');
    await ok(
      pcs.post(`/facility/${f2}/dispensingWorkRecords`, records(lotRecord('WR-Z', { order: 'WO-A', at: '2026-03-06T10:00:00Z', lot: L }))),
    );
  });

  test('forward: three affected (one via the blend lot) with growers and fields, the unlotted one possible, the voided one voided', async () => {
    const t = await ok(ctx.erp.get(`/facility/${f1}/trace?lot=${L}`));
    assert.deepEqual(t.lot, { agency: SELLER, number: L });
    assert.equal(t.direction, 'forward');
    assert.deepEqual(numbersOf(t.affected), ['WR-A', 'WR-B', 'WR-C']);
    const c = t.affected.find((r: any) => r.workRecord.number === 'WR-C');
    assert.deepEqual(c.via, [{ agency: SENDER, number: 'B-0302' }]);
    assert.deepEqual(t.affected.find((r: any) => r.workRecord.number === 'WR-A').destinationLots, [{ agency: SENDER, number: 'B-0302' }]);
    assert.deepEqual(t.affected.find((r: any) => r.workRecord.number === 'WR-B').quantity, { value: 12.5, uom: 'LBR' });
    for (const row of t.affected) {
      const types = row.parties.map((p: any) => p.partyType);
      assert.ok(types.includes('Grower') && types.includes('Field'), JSON.stringify(row.parties));
    }
    assert.equal(c.parties.find((p: any) => p.partyType === 'Grower').name, 'Olsen');
    assert.deepEqual(numbersOf(t.possible), ['WR-D'], 'inside the lot period, naming no lot; WR-LATE is after its last use');
    assert.deepEqual(numbersOf(t.voided), ['WR-E']);
    assert.equal(t.receipts.length, 1);
    assert.equal(t.receipts[0].receiptId, 'GR-1');
    assert.deepEqual(t.receipts[0].supplier, { name: 'Acme Crop Chemicals' });
    assert.deepEqual(t.cycles, []);
  });

  test('backward: the third record reaches the supplier lot, its receipt and supplier, through the blend lot', async () => {
    const t = await ok(ctx.erp.get(`/facility/${f1}/trace?workRecord=WR-C`));
    assert.equal(t.direction, 'backward');
    const blend = t.ingredients.find((i: any) => i.lot?.number === 'B-0302');
    assert.ok(blend, JSON.stringify(t.ingredients));
    const supplierLot = blend.from.find((i: any) => i.lot?.number === L);
    assert.ok(supplierLot, JSON.stringify(blend.from));
    assert.equal(supplierLot.receipts[0].receiptId, 'GR-1');
    assert.deepEqual(supplierLot.receipts[0].supplier, { name: 'Acme Crop Chemicals' });
    assert.deepEqual(supplierLot.receipts[0].purchaseOrder, { agency: SELLER, number: 'PO-77', line: 1 });
    assert.ok(
      t.ingredients.some((i: any) => i.lot === null),
      'the other ingredients named no lot',
    );
    const byLot = await ok(ctx.erp.get(`/facility/${f1}/trace?lot=B-0302&direction=backward`));
    assert.ok(byLot.ingredients.some((i: any) => i.lot?.number === L && i.workRecord.number === 'WR-A'));
  });

  test('CSV: one row per affected and possible record, kind first', async () => {
    const r = await ctx.erp.get(`/facility/${f1}/trace?lot=${L}&agency=${SELLER}`, { accept: 'text/csv' });
    assert.equal(r.status, 200);
    const lines = r.text.trim().split('\r\n');
    assert.ok(lines[0]!.startsWith('kind,facilityId,workRecordAgency,workRecordNumber'));
    assert.equal(lines.length, 1 + 4);
    assert.equal(lines.filter((l) => l.startsWith('affected,')).length, 3);
    assert.equal(lines.filter((l) => l.startsWith('possible,')).length, 1);
  });

  test('across facilities: the lot at both plants, rows carrying their facility; a key scoped to facilities gets 403', async () => {
    const t = await ok(ctx.erp.get(`/trace?lot=${L}`));
    assert.ok(t.facilities.includes(f1) && t.facilities.includes(f2), JSON.stringify(t.facilities));
    const at2 = t.affected.filter((r: any) => r.facilityId === f2);
    assert.deepEqual(numbersOf(at2), ['WR-Z']);
    assert.equal(t.affected.filter((r: any) => r.facilityId === f1).length, 3);
    assert.ok(t.receipts.every((r: any) => typeof r.facilityId === 'string'));
    const scoped = await keyed(ctx.stack, 'erp', [f1]);
    assert.equal((await scoped.get(`/trace?lot=${L}`)).status, 403);
    assert.equal((await scoped.get(`/facility/${f2}/trace?lot=${L}`)).status, 403);
    assert.equal((await scoped.get(`/facility/${f1}/trace?lot=${L}`)).status, 200);
    assert.equal((await pcs.get(`/facility/${f1}/trace?lot=${L}`)).status, 403);
  });

  test('an unknown lot is an empty answer; bad input is a 400 naming the parameter', async () => {
    const t = await ok(ctx.erp.get(`/facility/${f1}/trace?lot=NOBODY`));
    assert.deepEqual([t.affected, t.possible, t.voided, t.receipts], [[], [], [], []]);
    const none = await ctx.erp.get(`/facility/${f1}/trace`);
    assert.equal(none.status, 400);
    assert.equal((await ctx.erp.get(`/facility/${f1}/trace?lot=${L}&direction=sideways`)).status, 400);
    assert.equal((await ctx.erp.get(`/facility/${f1}/trace?lot=${L}&workRecord=WR-A`)).status, 400);
    assert.equal((await ctx.erp.get(`/facility/${f1}/trace?workRecord=NOPE`)).status, 404);
    assert.equal((await ctx.erp.get(`/trace?workRecord=WR-A`)).status, 400);
  });
});

describe('lot traceability under change', () => {
  test("a correction that changes a line's lot moves the record from one lot's trace to the other's", async () => {
    const f = names.next();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await ok(
      pcs.post(
        `/facility/${f}/dispensingWorkRecords`,
        records(lotRecord('WR-1', { order: 'WO-X', at: '2026-03-02T10:00:00Z', lot: 'LOT-OLD' })),
      ),
    );
    assert.deepEqual(numbersOf((await ok(ctx.erp.get(`/facility/${f}/trace?lot=LOT-OLD`))).affected), ['WR-1']);
    await ok(
      pcs.call(
        'PUT',
        `/facility/${f}/dispensingWorkRecords/WR-1`,
        lotRecord('WR-1', { order: 'WO-X', at: '2026-03-02T10:00:00Z', lot: 'LOT-NEW' }),
      ),
    );
    assert.deepEqual((await ok(ctx.erp.get(`/facility/${f}/trace?lot=LOT-OLD`))).affected, []);
    const moved = await ok(ctx.erp.get(`/facility/${f}/trace?lot=LOT-NEW`));
    assert.deepEqual(numbersOf(moved.affected), ['WR-1']);
    assert.equal(moved.affected[0].revision, 2);
  });

  test('a cycle in the lot data ends and is reported', async () => {
    const f = names.next();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    const loop = (number: string, uses: string, makes: string, at: string) =>
      lotRecord(number, { order: 'WO-Y', at, component: { agency: SENDER, number: 'REWORK' }, lot: uses, lotAgency: SENDER, makes });
    await ok(
      pcs.post(
        `/facility/${f}/dispensingWorkRecords`,
        records(
          loop('WR-C1', 'C-1', 'C-2', '2026-03-02T10:00:00Z'),
          loop('WR-C2', 'C-2', 'C-3', '2026-03-03T10:00:00Z'),
          loop('WR-C3', 'C-3', 'C-1', '2026-03-04T10:00:00Z'),
        ),
      ),
    );
    const t = await ok(ctx.erp.get(`/facility/${f}/trace?lot=C-1&agency=${SENDER}`));
    assert.deepEqual(numbersOf(t.affected), ['WR-C1', 'WR-C2', 'WR-C3']);
    assert.deepEqual(
      t.cycles.map((c: any) => c.lots.map((l: any) => l.number)),
      [['C-1', 'C-2', 'C-3', 'C-1']],
    );
  });

  test('a record whose derive has not run yet is found through the pending-derive index', async () => {
    const f = names.next();
    // A head as a submission writes it (with the marker), whose derived state says it is counted but
    // wrote no lot entries: the engine has nothing to do, so the head stays pending — the derive held.
    const doc = lotRecord('WR-P', { order: 'WO-P', at: '2026-03-02T10:00:00Z', lot: 'LOT-P' });
    const at = '2026-03-02T11:00:00.000Z';
    const position = changePosition(at, SENDER, 'WR-P');
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: facilityPk(f),
          sk: recordDerivedSk(SENDER, 'WR-P'),
          kind: 'recordDerived',
          agency: SENDER,
          number: 'WR-P',
          revision: 1,
        },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: facilityPk(f),
          sk: recordSk(SENDER, 'WR-P'),
          gsi1pk: changesPk(f, 'RECORDS'),
          gsi1sk: position,
          gsi2pk: recordsOfOrderPk(f, SENDER, 'WO-P'),
          gsi2sk: position,
          gsi5pk: pendingDerivePk(f),
          gsi5sk: position,
          kind: 'record',
          facilityId: f,
          agency: SENDER,
          number: 'WR-P',
          doc: JSON.stringify(doc),
          size: 1,
          contentHash: 'x',
          orderAgency: SENDER,
          orderNumber: 'WO-P',
          orderMatched: false,
          orderStatus: 'complete',
          receivedAt: at,
          modifiedAt: at,
          revision: 1,
          recordStatus: 'active',
          documents: '[]',
        },
      }),
    );
    const t = await ok(ctx.erp.get(`/facility/${f}/trace?lot=LOT-P&agency=${SELLER}`));
    assert.deepEqual(numbersOf(t.affected), ['WR-P']);
  });
});
