/**
 * Consumption reports over real HTTP: aggregates written by the records' own transaction
 * (exactly once under retries and races), by product, by day in a zone and by order, JSON and
 * CSV, agreeing with the order view's per-product totals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { orders, workOrder } from '../support/documents.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { type Client, facilityNames, keyed, useSharedStack } from '../support/shared-stack.ts';

const facility = facilityNames('CO').next;

const ctx = useSharedStack({ erp: ['erp', ['*']] });

const report = (f: string, query: string, headers?: Record<string, string>) => ctx.erp.get(`/facility/${f}/consumption?${query}`, headers);

function dated(number: string, at: string, actual: [number, number], order = 'WO-1'): DispensingWorkRecord {
  const r = workRecord(number, { order, actual, status: 'inProgress' });
  r.dispensingEndDateTime = at;
  return r;
}

async function submit(f: string, pcs: Client, ...docs: DispensingWorkRecord[]) {
  const r = await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...docs));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r;
}

type Row = {
  product: { number: string };
  day?: string;
  workOrder?: { number: string };
  quantity: { value: number; uom: string };
  records: number;
};
const summary = (rows: Row[]) => rows.map((r) => [r.day ?? r.workOrder?.number ?? '', r.product.number, r.quantity.value, r.records]);

describe('consumption', () => {
  test('by product, exactly: decimals without drift, one record counted once under retries and races', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await ctx.erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('WO-1')));
    const batch = Array.from({ length: 10 }, (_, i) => dated(`R-${i}`, '2025-06-15T10:00:00Z', [0.1, 0.2]));
    await submit(f, pcs, ...batch);
    // A retry of the same records, and two racing submissions of new ones, each counted once.
    await submit(f, pcs, ...batch);
    const racing = [dated('R-X', '2025-06-15T11:00:00Z', [0.1, 0.2]), dated('R-Y', '2025-06-15T11:00:00Z', [0.1, 0.2])];
    const raced = await Promise.all(Array.from({ length: 4 }, () => pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...racing))));
    assert.ok(
      raced.every((r) => r.status === 200 || r.status === 409),
      raced.map((r) => r.status).join(),
    );
    if (raced.some((r) => r.status !== 200)) await submit(f, pcs, ...racing);
    const r = await report(f, 'from=2025-06-01&to=2025-07-01');
    assert.equal(r.status, 200);
    assert.equal(r.body.groupBy, 'product');
    assert.equal(r.body.from, '2025-06-01T00:00:00.000Z');
    assert.deepEqual(summary(r.body.rows), [
      ['', 'P-DAP', 1.2, 12],
      ['', 'P-POTASH', 2.4, 12],
    ]);
    // The exact text, not a float's.
    assert.match(r.text, /"value":1\.2,/);
    // Half-open range at a quarter hour: the 11:00 records are outside [.., 11:00).
    const before = await report(f, `from=2025-06-15T00:00:00Z&to=${encodeURIComponent('2025-06-15T13:00:00+02:00')}`);
    assert.deepEqual(summary(before.body.rows), [
      ['', 'P-DAP', 1, 10],
      ['', 'P-POTASH', 2, 10],
    ]);
  });

  test('50 records with several products in one request are accepted and counted', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    const batch = Array.from({ length: 50 }, (_, i) =>
      dated(`B-${i}`, `2025-01-0${1 + (i % 3)}T0${i % 10}:00:00Z`, [1.5, 2.25], `WO-${i % 2}`),
    );
    await submit(f, pcs, ...batch);
    const r = await report(f, 'from=2025-01-01&to=2025-02-01&groupBy=order');
    assert.deepEqual(summary(r.body.rows), [
      ['WO-0', 'P-DAP', 37.5, 25],
      ['WO-0', 'P-POTASH', 56.25, 25],
      ['WO-1', 'P-DAP', 37.5, 25],
      ['WO-1', 'P-POTASH', 56.25, 25],
    ]);
  });

  test('by day in an IANA zone across a DST change, over a whole year, and as CSV', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await submit(
      f,
      pcs,
      dated('D-1', '2025-03-29T22:59:00Z', [1, 10]), // 23:59 in Berlin, 29 March (CET)
      dated('D-2', '2025-03-29T23:00:00Z', [2, 20]), // 00:00 on the 30th: the 23-hour day
      dated('D-3', '2025-03-30T21:59:00Z', [4, 40]), // 23:59 CEST on the 30th
      dated('D-4', '2025-03-30T22:00:00Z', [8, 80]), // the 31st
      dated('D-5', '2025-12-31T22:30:00Z', [16, 160]), // 23:30 on 31 December in Berlin
    );
    const r = await report(f, 'from=2025-01-01&to=2026-01-01&groupBy=day&tz=Europe/Berlin');
    assert.equal(r.status, 200);
    assert.deepEqual(
      summary(r.body.rows).filter((row) => row[1] === 'P-DAP'),
      [
        ['2025-03-29', 'P-DAP', 1, 1],
        ['2025-03-30', 'P-DAP', 6, 2],
        ['2025-03-31', 'P-DAP', 8, 1],
        ['2025-12-31', 'P-DAP', 16, 1],
      ],
    );
    // The year in UTC ends before D-5's 22:30Z? No: 2025-12-31T22:30Z is inside 2025 in UTC too; in Tokyo it is 2026.
    const tokyo = await report(f, 'from=2025-01-01&to=2026-01-01&tz=Asia/Tokyo');
    assert.deepEqual(summary(tokyo.body.rows), [
      ['', 'P-DAP', 15, 4],
      ['', 'P-POTASH', 150, 4],
    ]);
    const csv = await report(f, 'from=2025-03-29&to=2025-04-01&groupBy=day&tz=Europe/Berlin', { accept: 'text/csv' });
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], 'productAgency,productNumber,productName,day,quantity,uom,records');
    assert.equal(lines[1], 'AssignedBySeller,P-DAP,Diammonium phosphate 18-46-0,2025-03-29,1,LBR,1');
    assert.equal(lines.length, 8);
  });

  test('grouped by order, the report agrees with the order view for the same records', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await ctx.erp.post(`/facility/${f}/dispensingWorkorders`, orders(workOrder('WO-A'), workOrder('WO-B')));
    await submit(
      f,
      pcs,
      dated('A-1', '2025-05-01T08:00:00Z', [100.1, 0.7], 'WO-A'),
      dated('A-2', '2025-05-20T08:00:00Z', [200.2, 0.1], 'WO-A'),
      dated('B-1', '2025-05-02T08:00:00Z', [33.3, 0.2], 'WO-B'),
    );
    const r = await report(f, 'from=2025-01-01&to=2026-01-01&groupBy=order');
    for (const number of ['WO-A', 'WO-B']) {
      const view = await ctx.erp.get(`/facility/${f}/dispensingWorkorders/${number}`);
      const fromView = (
        view.body.products as { product: { number: string }; actualQuantity: { value: number; uom: string }[]; records: number }[]
      )
        .map((p) => [number, p.product.number, p.actualQuantity[0]!.value, p.records])
        .sort();
      const fromReport = summary(r.body.rows)
        .filter((row) => row[0] === number)
        .sort();
      assert.deepEqual(fromReport, fromView);
    }
    assert.deepEqual(
      summary(r.body.rows).find((row) => row[0] === 'WO-A' && row[1] === 'P-DAP'),
      ['WO-A', 'P-DAP', 300.3, 2],
    );
  });

  test('bad parameters are 400 naming them; a pcs key is 403', async () => {
    const f = facility();
    for (const [q, name] of [
      ['to=2025-01-01', 'from'],
      ['from=2025-01-01', 'to'],
      ['from=2025-01-02&to=2025-01-01', 'to'],
      ['from=2025-01-01&to=2025-01-02&tz=Nowhere/Else', 'tz'],
      ['from=2025-01-01&to=2025-01-02&groupBy=hour', 'groupBy'],
      ['from=2025-01-01T00:05:00Z&to=2025-01-02', 'from'],
      ['from=yesterday&to=2025-01-02', 'from'],
    ] as const) {
      const r = await report(f, q);
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), [`/queryStringParameters/${name}`], q);
    }
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    assertProblem(await pcs.get(`/facility/${f}/consumption?from=2025-01-01&to=2025-01-02`), 403);
  });
});
