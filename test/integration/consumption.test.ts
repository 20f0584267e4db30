/**
 * Consumption reports over real HTTP: aggregates written by the records' own transaction
 * (exactly once under retries and races), by product, by day in a zone and by order, JSON and
 * CSV, agreeing with the order view's per-product totals; any instant as from and to, the
 * partial slots at the edges summed from the records themselves.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { orders, workOrder } from '../support/documents.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { type Client, facilityNames, keyed, useSharedStack, waitUntil } from '../support/shared-stack.ts';

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
      ['from=2025-01-01T00:05:00&to=2025-01-02', 'from'], // a date-time needs a zone
      ['from=yesterday&to=2025-01-02', 'from'],
    ] as const) {
      const r = await report(f, q);
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), [`/queryStringParameters/${name}`], q);
    }
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    assertProblem(await pcs.get(`/facility/${f}/consumption?from=2025-01-01&to=2025-01-02`), 403);
  });

  describe('any instant, to the millisecond', () => {
    const q = (from: string, to: string, more = '') => `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${more}`;
    const dap = (rows: Row[]) => summary(rows).filter((row) => row[1] === 'P-DAP');

    test('a record at its exact dispensingEndDateTime is in from that instant, out from one millisecond later', async () => {
      const f = facility();
      const pcs = await keyed(ctx.stack, 'pcs', [f]);
      await submit(f, pcs, dated('E-1', '2025-09-10T08:07:00.250Z', [1.5, 1]), dated('E-2', '2025-09-10T09:00:00Z', [2, 1]));
      const at = async (from: string, to = '2025-09-10T10:00:00Z') => {
        const r = await report(f, q(from, to));
        assert.equal(r.status, 200, r.text);
        return dap(r.body.rows);
      };
      assert.deepEqual(await at('2025-09-10T08:07:00.250Z'), [['', 'P-DAP', 3.5, 2]]);
      assert.deepEqual(await at('2025-09-10T08:07:00.251Z'), [['', 'P-DAP', 2, 1]]);
      // The same instant in another zone; and `to` at it excludes it, one ms later includes it.
      assert.deepEqual(await at('2025-09-10T10:07:00.250+02:00'), [['', 'P-DAP', 3.5, 2]]);
      assert.deepEqual(await at('2025-09-10T08:00:00Z', '2025-09-10T08:07:00.250Z'), []);
      assert.deepEqual(await at('2025-09-10T08:00:00Z', '2025-09-10T08:07:00.251Z'), [['', 'P-DAP', 1.5, 1]]);
      const r = await report(f, q('2025-09-10T08:07:00.251Z', '2025-09-10T10:00:00Z'));
      assert.equal(r.body.from, '2025-09-10T08:07:00.251Z', 'the answer names the instant asked for');
    });

    test('08:07 to 17:23 equals the sum of the records in it, by product, by day in a zone and by order', async () => {
      const f = facility();
      const pcs = await keyed(ctx.stack, 'pcs', [f]);
      // Records around both edges and in the whole slots between; powers of two tell them apart.
      const times = [
        '08:00:00',
        '08:06:59.999',
        '08:07:00',
        '08:14:59.999',
        '08:15:00',
        '12:00:00',
        '17:14:59.999',
        '17:15:00',
        '17:22:59.999',
        '17:23:00',
        '17:29:00',
      ];
      const docs = times.map((t, i) => dated(`S-${i}`, `2025-09-10T${t}Z`, [2 ** i, 1], `WO-${i % 2}`));
      await submit(f, pcs, ...docs);
      const inside = [2, 3, 4, 5, 6, 7, 8];
      const sum = (is: number[]) => is.reduce((s, i) => s + 2 ** i, 0);
      const range = q('2025-09-10T08:07:00Z', '2025-09-10T17:23:00Z');
      const byProduct = await report(f, range);
      assert.deepEqual(dap(byProduct.body.rows), [['', 'P-DAP', sum(inside), inside.length]]);
      const byOrder = await report(f, `${range}&groupBy=order`);
      assert.deepEqual(dap(byOrder.body.rows), [
        ['WO-0', 'P-DAP', sum([2, 4, 6, 8]), 4],
        ['WO-1', 'P-DAP', sum([3, 5, 7]), 3],
      ]);
      // Asia/Kathmandu (UTC+5:45): 11 September starts at 18:15Z on the 10th; a range from 18:10:30Z
      // on the 9th to 18:20:30Z on the 10th has its local midnights between unaligned edges.
      await submit(
        f,
        pcs,
        dated('K-1', '2025-09-09T18:12:00Z', [1000, 1]), // 23:57 on the 9th (first edge)
        dated('K-2', '2025-09-10T18:14:59.999Z', [2000, 1]), // 23:59:59.999 on the 10th (whole slots)
        dated('K-3', '2025-09-10T18:16:00Z', [4000, 1]), // 00:01 on the 11th (last edge)
        dated('K-4', '2025-09-10T18:21:00Z', [8000, 1]), // after to
      );
      const byDay = await report(f, `${q('2025-09-09T18:10:30Z', '2025-09-10T18:20:30Z')}&groupBy=day&tz=Asia/Kathmandu`);
      assert.equal(byDay.status, 200, byDay.text);
      assert.deepEqual(dap(byDay.body.rows), [
        ['2025-09-09', 'P-DAP', 1000, 1],
        ['2025-09-10', 'P-DAP', sum(times.map((_, i) => i)) + 2000, times.length + 1],
        ['2025-09-11', 'P-DAP', 4000, 1],
      ]);
    });

    test('a correction that moves a record’s time moves it between the edges; a void takes it out', async () => {
      const f = facility();
      const pcs = await keyed(ctx.stack, 'pcs', [f]);
      await submit(f, pcs, dated('C-1', '2025-09-10T08:10:00Z', [5, 1]), dated('C-2', '2025-09-10T08:11:00Z', [7, 1]));
      const early = q('2025-09-10T08:07:00Z', '2025-09-10T08:14:00Z'); // one partial slot
      const late = q('2025-09-10T17:16:00Z', '2025-09-10T17:23:00Z');
      const whole = q('2025-09-10T08:07:00Z', '2025-09-10T17:23:00Z');
      const rowsOf = async (range: string) => dap((await report(f, range)).body.rows);
      assert.deepEqual(await rowsOf(early), [['', 'P-DAP', 12, 2]]);
      assert.deepEqual(await rowsOf(late), []);
      const moved = dated('C-1', '2025-09-10T17:20:00Z', [5, 1]);
      const put = await pcs.call('PUT', `/facility/${f}/dispensingWorkRecords/C-1`, moved);
      assert.equal(put.status, 200, put.text);
      const voided = await pcs.call('POST', `/facility/${f}/dispensingWorkRecords/C-2/void`, { reason: 'weighed twice' });
      assert.equal(voided.status, 200, voided.text);
      assert.deepEqual(await rowsOf(early), []);
      assert.deepEqual(await rowsOf(late), [['', 'P-DAP', 5, 1]]);
      // The edges read the records as they are now; the whole slots once the engine has derived them.
      assert.deepEqual(
        await waitUntil('the derived figures of the correction and the void', async () => {
          const rows = await rowsOf(whole);
          return JSON.stringify(rows) === JSON.stringify([['', 'P-DAP', 5, 1]]) ? rows : null;
        }),
        [['', 'P-DAP', 5, 1]],
      );
    });
  });
});
