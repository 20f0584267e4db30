/**
 * ERP order management over real HTTP: PUT upserts one order, DELETE cancels it, and
 * workOrderSummaries searches and pages the facility's orders (JSON and CSV).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { sleep } from '../support/local-stack.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { facilityNames, keyed, settled, useSharedStack } from '../support/shared-stack.ts';

const facility = facilityNames('OM').next;

const ctx = useSharedStack({ erp: ['erp', ['*']] });

const orderPath = (f: string, n: string, query = '') => `/facility/${f}/dispensingWorkorders/${encodeURIComponent(n)}${query}`;
const put = (f: string, n: string, body: unknown, query = '') => ctx.erp.call('PUT', orderPath(f, n, query), body);
const del = (f: string, n: string, query = '') => ctx.erp.call('DELETE', orderPath(f, n, query));
const summariesPath = (f: string, query = '') => `/facility/${f}/workOrderSummaries${query}`;

describe('PUT one order', () => {
  test('creates (201), replaces (200 updated), answers unchanged, counts revisions', async () => {
    const f = facility();
    const created = await put(f, 'WO-1', workOrder('WO-1'));
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, {
      results: [{ index: 0, workOrderNumber: 'WO-1', agency: 'AssignedBySender', outcome: 'created', revision: 1 }],
      status: 'open',
    });
    const updated = await put(f, 'WO-1', workOrder('WO-1', { type: 'update', quantity: 900 }));
    assert.equal(updated.status, 200);
    assert.equal(updated.body.results[0].outcome, 'updated');
    assert.equal(updated.body.results[0].revision, 2);
    // A create of a known order is a plain upsert too: identical content is a safe retry.
    const same = await put(f, 'WO-1', workOrder('WO-1', { type: 'create', quantity: 900 }));
    assert.equal(same.status, 200);
    assert.equal(same.body.results[0].outcome, 'unchanged');
    assert.equal(same.body.results[0].revision, 2);
    const view = await ctx.erp.get(orderPath(f, 'WO-1'));
    assert.equal(view.body.workOrder.productGroup[0].product[0].requestedQuantity.value, 900);
    assert.equal(view.body.revision, 2);
  });

  test('hold: created or updated on hold; a plain upsert releases it to open', async () => {
    const f = facility();
    const created = await put(f, 'H-1', workOrder('H-1', { type: 'hold' }));
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'onHold');
    assert.equal(created.body.results[0].outcome, 'created');
    await put(f, 'H-2', workOrder('H-2'));
    const held = await put(f, 'H-2', workOrder('H-2', { type: 'hold' }));
    assert.equal(held.body.results[0].outcome, 'held');
    assert.equal(held.body.status, 'onHold');
    const released = await put(f, 'H-2', workOrder('H-2', { type: 'update' }));
    assert.equal(released.body.results[0].outcome, 'updated');
    assert.equal(released.body.status, 'open');
  });

  test('400: number differs from the path, agency differs from ?agency=, cancel type, an envelope', async () => {
    const f = facility();
    const mismatch = await put(f, 'WO-X', workOrder('WO-Y'));
    assertProblem(mismatch, 400);
    assert.deepEqual(errorPaths(mismatch), ['/workOrderIdentifier/number']);
    const agency = await put(f, 'WO-X', workOrder('WO-X'), '?agency=AssignedByReciever');
    assertProblem(agency, 400);
    assert.deepEqual(errorPaths(agency), ['/queryStringParameters/agency']);
    assert.equal((await put(f, 'WO-X', workOrder('WO-X'), '?agency=AssignedBySender')).status, 201);
    const cancel = await put(f, 'WO-X', workOrder('WO-X', { type: 'cancel' }));
    assertProblem(cancel, 400);
    assert.deepEqual(errorPaths(cancel), ['/workOrderType']);
    assertProblem(await put(f, 'WO-X', orders(workOrder('WO-X'))), 400);
    assertProblem(await put(f, 'WO-X', [workOrder('WO-X')]), 400);
    // Schema errors point into the one document sent.
    const invalid = workOrder('WO-X', { type: 'update' }) as unknown as Record<string, unknown>;
    delete invalid.productGroup;
    const schema = await put(f, 'WO-X', invalid);
    assertProblem(schema, 400);
    assert.ok(errorPaths(schema).includes('/productGroup'), JSON.stringify(schema.body));
  });

  test('409 on a cancelled, in-progress or complete order; nothing is applied', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    for (const n of ['C-1', 'P-1', 'D-1']) await put(f, n, workOrder(n));
    assert.equal((await del(f, 'C-1')).status, 200);
    await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(workRecord('R-P', { order: 'P-1', status: 'inProgress' })));
    await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(workRecord('R-D', { order: 'D-1', status: 'complete' })));
    for (const n of ['C-1', 'P-1', 'D-1']) {
      const r = await put(f, n, workOrder(n, { type: 'update', quantity: 1 }));
      assertProblem(r, 409);
      const view = await ctx.erp.get(orderPath(f, n));
      assert.notEqual(view.body.workOrder.productGroup[0].product[0].requestedQuantity.value, 1);
    }
  });

  test('accepts the older form (PascalCase, integer codes) as a single document', async () => {
    const f = facility();
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../fixtures/legacy/', import.meta.url);
    const file = readdirSync(dir).find((n) => n === 'work-order-single.json');
    assert.ok(file, 'a legacy order fixture');
    const parsed = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    const doc = Array.isArray(parsed) ? parsed[0] : (parsed.DispensingWorkOrder?.[0] ?? parsed);
    const number = doc.WorkOrderIdentifier.Number as string;
    const r = await put(f, number, doc);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.results[0].workOrderNumber, number);
  });

  test('a pcs key may not PUT or DELETE (403)', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    assertProblem(await pcs.call('PUT', orderPath(f, 'Z-1'), workOrder('Z-1')), 403);
    assertProblem(await pcs.call('DELETE', orderPath(f, 'Z-1')), 403);
  });
});

describe('DELETE one order', () => {
  test('cancels with the order view, idempotently, never erasing; pollers are served the cancel', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await put(f, 'D-1', workOrder('D-1'));
    await put(f, 'D-2', workOrder('D-2'));
    await settled(ctx.stack);
    const since = new Date().toISOString();
    await pcs.get(`/facility/${f}/dispensingWorkorders`);
    await sleep(10);
    const first = await del(f, 'D-1');
    assert.equal(first.status, 200);
    assert.equal(first.body.outcome, 'cancelled');
    assert.equal(first.body.status, 'cancelled');
    assert.equal(first.body.revision, 2);
    assert.equal(first.body.workOrder.workOrderIdentifier.number, 'D-1');
    const again = await del(f, 'D-1');
    assert.equal(again.status, 200);
    assert.equal(again.body.outcome, 'unchanged');
    assert.equal(again.body.revision, 2);
    assert.equal(again.body.modifiedAt, first.body.modifiedAt);
    // Still there.
    assert.equal((await ctx.erp.get(orderPath(f, 'D-1'))).body.status, 'cancelled');
    await settled(ctx.stack);
    const polled = await pcs.get(`/facility/${f}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
    const served = polled.body.dispensingWorkOrder as { workOrderIdentifier: { number: string }; workOrderType: string }[];
    assert.deepEqual(
      served.map((d) => [d.workOrderIdentifier.number, d.workOrderType]),
      [['D-1', 'cancel']],
    );
  });

  test('404 unknown, 409 in progress, 409 when agencies share the number without ?agency=', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    assertProblem(await del(f, 'NOPE'), 404);
    await put(f, 'P-1', workOrder('P-1'));
    await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(workRecord('R-1', { order: 'P-1', status: 'inProgress' })));
    assertProblem(await del(f, 'P-1'), 409);
    await put(f, 'S-1', workOrder('S-1'));
    await put(f, 'S-1', workOrder('S-1', { agency: 'AssignedByReciever' }), '?agency=AssignedByReciever');
    assertProblem(await del(f, 'S-1'), 409);
    const one = await del(f, 'S-1', '?agency=AssignedByReciever');
    assert.equal(one.body.outcome, 'cancelled');
    assert.equal((await ctx.erp.get(orderPath(f, 'S-1', '?agency=AssignedBySender'))).body.status, 'open');
  });
});

describe('order summaries', () => {
  type Summary = {
    workOrderNumber: string;
    status: string;
    records: number;
    acknowledgement: string | null;
    createdAt: string;
    modifiedAt: string;
  };
  const numbers = (r: { body: { workOrderSummaries: Summary[] } }) => r.body.workOrderSummaries.map((s) => s.workOrderNumber);

  test('filters by status and by created or modified range, newest first, with hub state', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    for (const n of ['A', 'B', 'C', 'D']) {
      await put(f, n, workOrder(n));
      await sleep(5);
    }
    const afterB = (await ctx.erp.get(orderPath(f, 'B'))).body.modifiedAt as string;
    await sleep(5);
    await put(f, 'A', workOrder('A', { type: 'update', quantity: 5 }));
    await del(f, 'C');
    await pcs.post(
      `/facility/${f}/dispensingWorkRecords`,
      records(workRecord('R-1', { order: 'D', status: 'inProgress' }), workRecord('R-2', { order: 'D', status: 'inProgress' })),
    );

    const all = await ctx.erp.get(summariesPath(f));
    assert.equal(all.status, 200);
    assert.deepEqual(numbers(all), ['C', 'A', 'D', 'B']);
    const d = all.body.workOrderSummaries.find((s: Summary) => s.workOrderNumber === 'D');
    assert.equal(d.status, 'inProgress');
    assert.equal(d.records, 2);
    assert.equal(all.body.next, null);
    assert.equal(all.headers.get('link'), null);

    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, '?status=open'))), ['A', 'B']);
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, '?status=cancelled,inProgress'))), ['C', 'D']);
    // By creation time, newest created first.
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, '?createdFrom=2000-01-01T00:00:00Z'))), ['D', 'C', 'B', 'A']);
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, `?status=open&createdTo=${encodeURIComponent(afterB)}`))), ['A']);
    // Modified range, from inclusive, to exclusive; no cap on its length.
    const dModified = encodeURIComponent(d.modifiedAt);
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, `?modifiedFrom=${encodeURIComponent(afterB)}`))), ['C', 'A', 'D', 'B']);
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, `?modifiedFrom=1990-01-01T00:00Z&modifiedTo=${dModified}`))), ['B']);
    assert.deepEqual(numbers(await ctx.erp.get(summariesPath(f, `?status=open,inProgress&modifiedTo=${dModified}`))), ['B']);
  });

  test('pages with a signed cursor and Link, bound to the key, facility and query', async () => {
    const f = facility();
    for (let i = 0; i < 7; i++) await put(f, `N-${i}`, workOrder(`N-${i}`));
    const seen: string[] = [];
    let path: string | null = summariesPath(f, '?limit=3&status=open,onHold');
    let pages = 0;
    let firstNext = '';
    while (path) {
      const r = await ctx.erp.get(path);
      assert.equal(r.status, 200);
      seen.push(...numbers(r));
      pages++;
      const link = r.headers.get('link');
      if (r.body.next) {
        firstNext ||= r.body.next;
        assert.match(link ?? '', /rel="next"/);
        const url = new URL(/<([^>]+)>/.exec(link!)![1]!);
        assert.equal(url.searchParams.get('cursor'), r.body.next);
        path = url.pathname + url.search;
      } else {
        assert.equal(link, null);
        path = null;
      }
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['N-6', 'N-5', 'N-4', 'N-3', 'N-2', 'N-1', 'N-0']);
    const c = encodeURIComponent(firstNext);
    assertProblem(await ctx.erp.get(summariesPath(f, `?limit=3&status=open&cursor=${c}`)), 400);
    assertProblem(await ctx.erp.get(summariesPath(facility(), `?limit=3&status=onHold,open&cursor=${c}`)), 400);
    const other = await keyed(ctx.stack, 'erp', [f]);
    assertProblem(await other.get(summariesPath(f, `?limit=3&status=onHold,open&cursor=${c}`)), 400);
    assertProblem(await ctx.erp.get(summariesPath(f, `?limit=3&status=onHold,open&cursor=${c}x`)), 400);
    // The same query in another spelling (status order) is the same query.
    assert.equal((await ctx.erp.get(summariesPath(f, `?limit=3&status=onHold,open&cursor=${c}`))).status, 200);
  });

  test('bad filters are 400 naming the parameter', async () => {
    const f = facility();
    const cases: [string, string][] = [
      ['?status=nope', 'status'],
      ['?createdFrom=yesterday', 'createdFrom'],
      ['?createdFrom=2026-01-01T00:00Z&modifiedTo=2026-02-01T00:00Z', 'modifiedTo'],
      ['?modifiedFrom=2026-02-01T00:00Z&modifiedTo=2026-01-01T00:00Z', 'modifiedTo'],
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?limit=abc', 'limit'],
      ['?cursor=abc', 'cursor'],
    ];
    for (const [q, name] of cases) {
      const r = await ctx.erp.get(summariesPath(f, q));
      assertProblem(r, 400);
      assert.deepEqual(errorPaths(r), [`/queryStringParameters/${name}`], q);
    }
  });

  test('CSV: header row, RFC 4180 quoting, formula cells escaped; pcs keys may read', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    for (const n of ['=1+2', '@SUM(A1)', '-5', 'a,"b"']) assert.equal((await put(f, n, workOrder(n))).status, 201, n);
    const r = await pcs.get(summariesPath(f), { accept: 'text/csv' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = r.text.split('\r\n');
    assert.equal(lines[0], 'workOrderNumber,agency,status,revision,createdAt,modifiedAt,acknowledgement,records');
    assert.equal(lines.at(-1), '');
    assert.deepEqual(
      lines.slice(1, -1).map((l) => l.split(',open,')[0]),
      ['"a,""b""",AssignedBySender', "'-5,AssignedBySender", "'@SUM(A1),AssignedBySender", "'=1+2,AssignedBySender"],
    );
    assert.match(lines[1]!, /,open,1,\d{4}-.*Z,\d{4}-.*Z,,0$/);
  });
});
