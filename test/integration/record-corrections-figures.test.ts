/**
 * What a correction or a void does to the figures a record derives (API.md, "Work-record
 * corrections and voids"): consumption and stock move by the difference exactly once — also
 * when a correction is resent and when two race — the order view's actual quantities follow the
 * latest revision, and voiding an order's only record returns the order to `accepted`.
 * The figures are derived by the derived-figures engine (use-cases/derive-records.ts) after
 * the write and from the table's change stream: the checks wait for the outcome, never for a time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { orders, workOrder } from '../support/documents.ts';
import { acknowledgement, acknowledgements, records, workRecord } from '../support/records.ts';
import { facilityNames, keyed, settled, useSharedStack, waitUntil } from '../support/shared-stack.ts';

const facility = facilityNames('RCF').next;
const ctx = useSharedStack({ erp: ['erp', ['*']] });
const SELLER = 'AssignedBySeller';

async function ok(reply: Promise<{ status: number; body: any; text: string }>) {
  const r = await reply;
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const AT = '2026-05-04T08:00:00Z';
function dated(number: string, dap: number, note?: string): DispensingWorkRecord {
  const r = workRecord(number, { order: 'WO-F', status: 'complete', actual: [dap, 7995.5], ...(note ? { note } : {}) });
  r.dispensingEndDateTime = AT;
  return r;
}

/** A facility with the two components, order WO-F accepted, and record WR-F1 (8010 lb of DAP) dispensed against it. */
async function plant() {
  const f = facility();
  const pcs = await keyed(ctx.stack, 'pcs', [f]);
  await ok(
    ctx.erp.post(`/facility/${f}/components`, {
      components: [
        { identifier: { agency: SELLER, number: 'P-DAP' }, name: 'DAP', uom: 'LBR', active: true },
        { identifier: { agency: SELLER, number: 'P-POTASH' }, name: 'Potash', uom: 'LBR', active: true },
      ],
    }),
  );
  await ok(ctx.erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('WO-F'))));
  await ok(pcs.post(`/facility/${f}/acknowledgeWorkOrderReceipt`, acknowledgements(acknowledgement('WO-F', 'accepted'))));
  await ok(pcs.post(`/facility/${f}/dispensingWorkRecords`, records(dated('WR-F1', 8010))));
  const put = (doc: DispensingWorkRecord) =>
    pcs.call('PUT', `/facility/${f}/dispensingWorkRecords/${doc.workRecordIdentifier.number}`, doc);
  const voidIt = (number: string, reason: string) => pcs.call('POST', `/facility/${f}/dispensingWorkRecords/${number}/void`, { reason });
  return { f, pcs, put, voidIt };
}

/** The figures of DAP at a facility: consumed on the record's day, the stock level, ledger lines, the order's status and actual DAP. */
async function figures(f: string) {
  const report = await ok(ctx.erp.get(`/facility/${f}/consumption?from=2026-05-04&to=2026-05-05`));
  const consumed = report.rows.find((r: any) => r.product.number === 'P-DAP')?.quantity.value ?? 0;
  const [stock] = (await ok(ctx.erp.get(`/facility/${f}/stock?component=P-DAP&include=movements`))).stock;
  const order = await ok(ctx.erp.get(`/facility/${f}/dispensingWorkorders/WO-F`));
  const line = order.products.find((p: any) => p.product.identifier?.[0]?.number === 'P-DAP' || p.product.number === 'P-DAP');
  const actual = line?.actualQuantity.reduce((sum: number, q: any) => sum + q.value, 0) ?? 0;
  return {
    consumed: Number(consumed),
    level: Number(stock.quantity.value),
    lines: stock.movements.length as number,
    status: order.status as string,
    actual,
  };
}

/** Waits until the figures are these (the derived-figures engine may trail the record's write), then checks they stay. */
async function expectFigures(f: string, want: { consumed: number; level: number; status?: string }) {
  const seen = await waitUntil(`figures ${JSON.stringify(want)}`, async () => {
    const now = await figures(f);
    return now.consumed === want.consumed && now.level === want.level && (want.status === undefined || now.status === want.status)
      ? now
      : null;
  });
  await settled(ctx.stack);
  assert.deepEqual(await figures(f), seen, 'and they stay: counted once');
  return seen;
}

describe('figures follow the latest revision, exactly once', () => {
  test('correct → consumption, stock and the order view move by the difference once; a resend moves nothing', async () => {
    const { f, put } = await plant();
    const before = await expectFigures(f, { consumed: 8010, level: -8010, status: 'complete' });
    assert.equal(before.actual, 8010);
    assert.equal((await ok(put(dated('WR-F1', 15978)))).results[0].outcome, 'corrected');
    const after = await expectFigures(f, { consumed: 15978, level: -15978, status: 'complete' });
    assert.equal(after.actual, 15978);
    assert.equal(after.lines, before.lines + 2, 'the ledger shows a reversal and the new movement, each once');
    assert.equal((await ok(put(dated('WR-F1', 15978)))).results[0].outcome, 'unchanged');
    assert.deepEqual(await expectFigures(f, { consumed: 15978, level: -15978 }), after);
  });

  test('two racing corrections: the figures count the latest revision once', async () => {
    const { f, put, pcs } = await plant();
    await expectFigures(f, { consumed: 8010, level: -8010 });
    const raced = await Promise.all([put(dated('WR-F1', 7000, 'a')), put(dated('WR-F1', 7500, 'b'))]);
    assert.deepEqual(
      raced.map((r) => r.status),
      [200, 200],
    );
    const latest = (await ok(pcs.get(`/facility/${f}/dispensingWorkRecords/WR-F1`))).workRecord;
    const dap = latest.productGroup[0].product[0].actualQuantity.value;
    assert.ok(dap === 7000 || dap === 7500);
    const now = await expectFigures(f, { consumed: dap, level: -dap });
    assert.equal(now.actual, dap);
  });

  test('void → zero consumption and stock, the order back to accepted; corrected again → counted again', async () => {
    const { f, put, voidIt } = await plant();
    await expectFigures(f, { consumed: 8010, level: -8010, status: 'complete' });
    assert.equal((await ok(voidIt('WR-F1', 'turned back at the gate'))).outcome, 'voided');
    const voided = await expectFigures(f, { consumed: 0, level: 0, status: 'accepted' });
    assert.equal(voided.actual, 0);
    assert.equal((await ok(put(dated('WR-F1', 8010)))).results[0].outcome, 'corrected');
    await expectFigures(f, { consumed: 8010, level: -8010, status: 'complete' });
  });
});
