/**
 * Plant master data and live stock over real HTTP: components, recipes and purchase orders
 * pushed and polled without loss, receipts and counts, and stock that equals the arithmetic
 * of counts, receipts and dispensed records exactly — under retries, races, records that
 * arrive before their component, and counts that arrive after movements dated around them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { sleep } from '../support/local-stack.ts';
import { assertProblem, errorPaths } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { facilityNames, keyed, settled, useSharedStack } from '../support/shared-stack.ts';

const facility = facilityNames('ST').next;

const ctx = useSharedStack({ erp: ['erp', ['*']] });

const SELLER = 'AssignedBySeller';
const id = (number: string) => ({ agency: SELLER, number });

/** Exact decimals for the expected figures: BigInt units of 10^-9, the test's own arithmetic. */
const NANO = 10n ** 9n;
const nano = (text: string): bigint => {
  const [int, frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(int!) * NANO + BigInt(frac.padEnd(9, '0').slice(0, 9));
  return text.startsWith('-') ? -v : v;
};
const text = (v: bigint): string => {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % NANO).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / NANO}${frac ? `.${frac}` : ''}`;
};
/** Pounds (exact text) in kilograms: × 0.45359237, exact at 10^-17, shown within the hub's 9 places. */
const lbToKg = (lb: bigint): bigint => {
  const exact = lb * 45359237n; // units of 10^-17
  const q = exact / 10n ** 8n;
  const r = exact % 10n ** 8n;
  return q + (2n * (r < 0n ? -r : r) >= 10n ** 8n ? (exact < 0n ? -1n : 1n) : 0n);
};

function dated(number: string, at: string, dap: string, potash: string, products = ['P-DAP', 'P-POTASH']): DispensingWorkRecord {
  const r = workRecord(number, { order: 'WO-DAY', status: 'inProgress', actual: [Number(dap), Number(potash)] });
  r.dispensingEndDateTime = at;
  r.productGroup[0]!.product.forEach((p, i) => {
    p.identifier[0]!.number = products[i]!;
  });
  return r;
}

async function ok(reply: Promise<{ status: number; body: any }>) {
  const r = await reply;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const stockOf = async (f: string, query = '') => (await ok(ctx.erp.get(`/facility/${f}/stock${query}`))).stock as any[];

describe('plant master data and stock', () => {
  test('a day at a plant: stock and purchase order views equal the arithmetic, exactly', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    const pushed = await ok(
      ctx.erp.post(`/facility/${f}/components`, {
        components: [
          { identifier: id('P-DAP'), name: 'Diammonium phosphate', uom: 'KGM', active: true },
          { identifier: id('P-POTASH'), name: 'Muriate of potash', uom: 'LBR', active: true },
          { identifier: id('P-UAN'), name: 'UAN 32', uom: 'LTR', density: 1.32, active: false },
        ],
      }),
    );
    assert.deepEqual(
      pushed.results.map((r: any) => [r.number, r.outcome, r.revision]),
      [
        ['P-DAP', 'created', 1],
        ['P-POTASH', 'created', 1],
        ['P-UAN', 'created', 1],
      ],
    );
    await ok(
      ctx.erp.post(`/facility/${f}/recipes`, {
        recipes: [
          {
            identifier: id('R-18-46'),
            name: 'Starter blend',
            version: 3,
            lines: [
              { component: id('P-DAP'), quantity: { value: 500, uom: 'KGM' } },
              { component: id('P-POTASH'), quantity: { value: 1100, uom: 'LBR' } },
            ],
          },
        ],
      }),
    );
    await ok(
      ctx.erp.post(`/facility/${f}/purchaseOrders`, {
        purchaseOrders: [
          {
            identifier: id('PO-1'),
            supplier: { name: 'Gulf Coast Fertilizer' },
            lines: [
              { line: 1, component: id('P-DAP'), quantity: { value: 20000, uom: 'KGM' }, expectedDate: '2026-05-04' },
              { line: 2, component: id('P-POTASH'), quantity: { value: 50000, uom: 'LBR' } },
            ],
          },
        ],
      }),
    );
    // Two receipts on line 1 (the second in tonnes, over-receiving it), one on line 2, one into a silo without an order.
    const receipts = await ok(
      pcs.post(`/facility/${f}/receipts`, {
        receipts: [
          {
            receiptId: 'GR-1',
            component: id('P-DAP'),
            quantity: { value: 12000, uom: 'KGM' },
            purchaseOrder: { number: 'PO-1', line: 1 },
            receivedAt: '2026-05-04T06:00:00Z',
          },
          {
            receiptId: 'GR-2',
            component: id('P-DAP'),
            quantity: { value: 9, uom: 'TNE' },
            purchaseOrder: { number: 'PO-1', line: 1 },
            receivedAt: '2026-05-04T07:00:00Z',
          },
          {
            receiptId: 'GR-3',
            component: id('P-POTASH'),
            quantity: { value: 25000, uom: 'LBR' },
            purchaseOrder: { agency: SELLER, number: 'PO-1', line: 2 },
            receivedAt: '2026-05-04T06:30:00Z',
          },
          {
            receiptId: 'GR-4',
            component: id('P-UAN'),
            quantity: { value: 1000, uom: 'KGM' },
            location: 'TANK-2',
            receivedAt: '2026-05-04T06:45:00Z',
          },
        ],
      }),
    );
    assert.deepEqual(
      receipts.results.map((r: any) => r.outcome),
      ['created', 'created', 'created', 'created'],
    );

    // Forty records in four batches, two minutes apart from 08:00 (the last at 09:18).
    const day: { at: string; dap: string; potash: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const at = new Date(Date.parse('2026-05-04T08:00:00Z') + i * 120_000).toISOString();
      day.push({ at, dap: (100.5 + i * 0.1).toFixed(1), potash: (50.25 + i).toFixed(2) });
    }
    for (let b = 0; b < 4; b++) {
      const batch = day.slice(b * 10, b * 10 + 10).map((d, j) => dated(`WR-${b * 10 + j}`, d.at, d.dap, d.potash));
      await ok(pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...batch)));
    }
    // The count of potash arrives last, dated 08:59:30: records before it no longer count, those after it (09:00 on) do.
    const COUNT_AT = '2026-05-04T08:59:30Z';
    await ok(
      pcs.post(`/facility/${f}/stockCounts`, {
        stockCounts: [{ countId: 'CNT-1', component: id('P-POTASH'), quantity: { value: 20000, uom: 'LBR' }, countedAt: COUNT_AT }],
      }),
    );

    const dapLb = day.reduce((s, d) => s + nano(d.dap), 0n);
    const dapKg = nano('21000') - lbToKg(dapLb);
    const potashLb = nano('20000') - day.filter((d) => d.at > COUNT_AT).reduce((s, d) => s + nano(d.potash), 0n);
    const stock = await stockOf(f);
    const row = (n: string) => stock.find((r) => r.component.number === n && r.location === null);
    assert.equal(String(row('P-DAP').quantity.value), text(dapKg));
    assert.equal(row('P-DAP').quantity.uom, 'KGM');
    assert.equal(String(row('P-DAP').kilograms), text(dapKg));
    assert.equal(String(row('P-POTASH').quantity.value), text(potashLb));
    assert.equal(String(row('P-POTASH').kilograms), text(lbToKg(potashLb)));
    assert.equal(row('P-POTASH').lastCount.countId, 'CNT-1');
    assert.equal(row('P-POTASH').lastMovementAt, '2026-05-04T09:18:00.000Z');
    // UAN: received in kg into TANK-2, shown in litres by its density (1000 / 1.32, 9 places) and in kg exactly.
    const uan = stock.find((r) => r.component.number === 'P-UAN');
    assert.equal(uan.location, 'TANK-2');
    assert.equal(String(uan.quantity.value), '757.575757576');
    assert.equal(uan.kilograms, 1000);
    // The JSON carries the exact digits, never a float's rendering.
    const raw = (await ctx.erp.get(`/facility/${f}/stock?component=P-DAP`)).text;
    assert.ok(raw.includes(`"value":${text(dapKg)},`), raw);

    // The ledger explains the potash figure line by line.
    const [explained] = await stockOf(f, '?component=P-POTASH&include=movements');
    const lines = explained.movements as any[];
    assert.equal(lines.length, 1 + 40 + 1);
    const inLevel = lines.filter((m) => m.inLevel);
    assert.deepEqual(
      inLevel.map((m) => m.type),
      ['count', ...Array(10).fill('dispensed')],
    );
    const sum = inLevel.reduce((s, m) => s + nano(String(m.quantity.value)), 0n);
    assert.equal(text(sum), text(potashLb));
    assert.ok(lines.some((m) => m.type === 'receipt' && m.id === 'GR-3' && !m.inLevel));

    // The purchase order: line 1 over-received by 1000 kg, line 2 half received.
    const po = await ok(ctx.erp.get(`/facility/${f}/purchaseOrders/PO-1`));
    assert.equal(po.status, 'partlyReceived');
    assert.equal(po.purchaseOrder.supplier.name, 'Gulf Coast Fertilizer');
    assert.deepEqual(
      po.lines.map((l: any) => [l.line, l.received.value, l.received.uom, l.outstanding.value, l.overReceived, l.receipts]),
      [
        [1, 21000, 'KGM', -1000, true, ['GR-1', 'GR-2']],
        [2, 25000, 'LBR', 25000, false, ['GR-3']],
      ],
    );
    // The rest of line 2 arrives: the order is received and leaves the initial load.
    await ok(
      pcs.post(`/facility/${f}/receipts`, {
        receipts: [
          {
            receiptId: 'GR-5',
            component: id('P-POTASH'),
            quantity: { value: 25000, uom: 'LBR' },
            purchaseOrder: { number: 'PO-1', line: 2 },
            receivedAt: '2026-05-04T10:00:00Z',
          },
        ],
      }),
    );
    assert.equal((await ok(ctx.erp.get(`/facility/${f}/purchaseOrders/PO-1`))).status, 'received');
    const after = await stockOf(f, '?component=P-POTASH');
    assert.equal(String(after[0].quantity.value), text(potashLb + nano('25000')));
    await settled(ctx.stack);
    assert.deepEqual((await ok(pcs.get(`/facility/${f}/purchaseOrders`))).purchaseOrders, []);
  });

  test('a record counts once: retried, racing, before its component exists, and around a count', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    const submit = (...docs: DispensingWorkRecord[]) => pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...docs));
    // Before the component exists: kept, not shown (no such component yet).
    await ok(submit(dated('WR-A', '2026-05-04T08:00:00Z', '10', '1')));
    assertProblem(await ctx.erp.get(`/facility/${f}/stock?component=P-DAP`), 404);
    await ok(
      ctx.erp.post(`/facility/${f}/components`, { components: [{ identifier: id('P-DAP'), name: 'DAP', uom: 'LBR', active: true }] }),
    );
    const level = async () => String((await stockOf(f, '?component=P-DAP'))[0].quantity.value);
    assert.equal(await level(), '-10');
    // A retry changes nothing.
    const retried = await ok(submit(dated('WR-A', '2026-05-04T08:00:00Z', '10', '1')));
    assert.equal(retried.results[0].outcome, 'unchanged');
    assert.equal(await level(), '-10');
    // Four racing identical submissions: one creates, the rest find it.
    const raced = await Promise.all(Array.from({ length: 4 }, () => submit(dated('WR-B', '2026-05-04T08:10:00Z', '5.5', '1'))));
    assert.ok(
      raced.every((r) => r.status === 200 || r.status === 409),
      raced.map((r) => r.status).join(),
    );
    if (!raced.some((r) => r.status === 200 && r.body.results[0].outcome === 'created'))
      await ok(submit(dated('WR-B', '2026-05-04T08:10:00Z', '5.5', '1')));
    assert.equal(await level(), '-15.5');
    // A count at 09:00; then a record dated before it (ledger only) and one after it (applies).
    await ok(
      pcs.post(`/facility/${f}/stockCounts`, {
        stockCounts: [{ countId: 'C-1', component: id('P-DAP'), quantity: { value: 100, uom: 'LBR' }, countedAt: '2026-05-04T09:00:00Z' }],
      }),
    );
    assert.equal(await level(), '100');
    await ok(submit(dated('WR-C', '2026-05-04T08:30:00Z', '7', '1')));
    assert.equal(await level(), '100');
    await ok(submit(dated('WR-D', '2026-05-04T09:30:00Z', '0.25', '1')));
    assert.equal(await level(), '99.75');
    // An older count arriving late is kept in the ledger and changes nothing.
    await ok(
      pcs.post(`/facility/${f}/stockCounts`, {
        stockCounts: [{ countId: 'C-0', component: id('P-DAP'), quantity: { value: 5, uom: 'LBR' }, countedAt: '2026-05-04T08:45:00Z' }],
      }),
    );
    assert.equal(await level(), '99.75');
    const [row] = await stockOf(f, '?component=P-DAP&include=movements');
    assert.deepEqual(
      row.movements.map((m: any) => [m.id, m.inLevel]),
      [
        ['AssignedBySender:WR-A', false],
        ['AssignedBySender:WR-B', false],
        ['AssignedBySender:WR-C', false],
        ['C-0', false],
        ['C-1', true],
        ['AssignedBySender:WR-D', true],
      ],
    );
  });

  test('components, recipes and purchase orders are polled without loss: initial load, changes once, pages', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    const components = Array.from({ length: 25 }, (_, i) => ({
      identifier: id(`C-${String(i).padStart(2, '0')}`),
      name: `Component ${i}`,
      uom: 'KGM',
      active: i % 5 !== 0,
    }));
    await ok(ctx.erp.post(`/facility/${f}/components`, { components }));
    await ok(
      ctx.erp.post(`/facility/${f}/purchaseOrders`, {
        purchaseOrders: [
          { identifier: id('PO-OPEN'), lines: [{ line: 1, component: id('C-01'), quantity: { value: 5, uom: 'KGM' } }] },
          {
            identifier: id('PO-GONE'),
            lines: [{ line: 1, component: id('C-01'), quantity: { value: 5, uom: 'KGM' } }],
            status: 'cancelled',
          },
        ],
      }),
    );
    await settled(ctx.stack);
    // The initial load pages (20 per page on the shared stack) and includes inactive components.
    const first = await pcs.get(`/facility/${f}/components`);
    assert.equal(first.status, 200);
    assert.equal(first.body.components.length, 20);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next);
    const second = await ok(pcs.get(new URL(next).pathname + new URL(next).search));
    const served = [...first.body.components, ...second.components].map((c: any) => c.identifier.number);
    assert.deepEqual(served.sort(), components.map((c) => c.identifier.number).sort());
    assert.deepEqual(
      (await ok(pcs.get(`/facility/${f}/purchaseOrders`))).purchaseOrders.map((p: any) => p.identifier.number),
      ['PO-OPEN'],
    );
    // A change is served once to a poller with a time, as the ERP sent it; an identical push is no change.
    const since = new Date().toISOString();
    await sleep(20);
    const changed = { ...components[3]!, name: 'Renamed', density: 0.95 };
    const upsert = await ok(ctx.erp.post(`/facility/${f}/components`, { components: [changed, components[4]] }));
    assert.deepEqual(
      upsert.results.map((r: any) => [r.outcome, r.revision]),
      [
        ['updated', 2],
        ['unchanged', 1],
      ],
    );
    await settled(ctx.stack);
    const polled = await ok(pcs.get(`/facility/${f}/components?lastExecutionDateTime=${encodeURIComponent(since)}`));
    assert.deepEqual(polled.components, [changed]);
    const later = new Date().toISOString();
    assert.deepEqual((await ok(pcs.get(`/facility/${f}/components?lastExecutionDateTime=${encodeURIComponent(later)}`))).components, []);
    // The ERP polls too; recipes are their own stream.
    assert.deepEqual((await ok(ctx.erp.get(`/facility/${f}/recipes`))).recipes, []);
  });

  test('bad input is a problem that changes nothing: 400, 403, 404, 409', async () => {
    const f = facility();
    const pcs = await keyed(ctx.stack, 'pcs', [f]);
    await ok(
      ctx.erp.post(`/facility/${f}/components`, { components: [{ identifier: id('P-DAP'), name: 'DAP', uom: 'KGM', active: true }] }),
    );
    const recipe = await ctx.erp.post(`/facility/${f}/recipes`, {
      recipes: [
        {
          identifier: id('R-1'),
          name: 'Blend',
          lines: [
            { component: id('P-DAP'), quantity: { value: 1, uom: 'KGM' } },
            { component: id('P-NOPE'), quantity: { value: 1, uom: 'KGM' } },
          ],
        },
      ],
    });
    assertProblem(recipe, 400);
    assert.deepEqual(errorPaths(recipe), ['/recipes/0/lines/1/component']);
    const po = await ctx.erp.post(`/facility/${f}/purchaseOrders`, {
      purchaseOrders: [{ identifier: id('PO-1'), lines: [{ line: 1, component: id('P-NOPE'), quantity: { value: 1, uom: 'KGM' } }] }],
    });
    assert.deepEqual(errorPaths(po), ['/purchaseOrders/0/lines/0/component']);
    const twice = await ctx.erp.post(`/facility/${f}/components`, {
      components: [
        { identifier: id('P-NEW'), name: 'New', uom: 'KGM', active: true },
        { identifier: id('P-NEW'), name: 'New again', uom: 'KGM', active: true },
      ],
    });
    assert.deepEqual(errorPaths(twice), ['/components/1/identifier']);
    assertProblem(
      await pcs.post(`/facility/${f}/components`, { components: [{ identifier: id('P-X'), name: 'X', uom: 'KGM', active: true }] }),
      403,
    );
    assertProblem(await ctx.erp.post(`/facility/${f}/receipts`, { receipts: [] }), 403);
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ identifier: id(`P-${i}`), name: 'X', uom: 'KGM', active: true }));
    assertProblem(await ctx.erp.post(`/facility/${f}/components`, { components: tooMany }), 413); // issue 24: one rule for too many documents, as for orders
    assertProblem(
      await ctx.erp.post(`/facility/${f}/components`, { components: [{ identifier: id('P-U'), name: 'U', uom: 'kg', active: true }] }),
      400,
    );

    const receipt = { receiptId: 'GR-1', component: id('P-DAP'), quantity: { value: 10, uom: 'KGM' }, receivedAt: '2026-05-04T06:00:00Z' };
    const unknownPo = await pcs.post(`/facility/${f}/receipts`, {
      receipts: [receipt, { ...receipt, receiptId: 'GR-2', purchaseOrder: { number: 'PO-X', line: 1 } }],
    });
    assertProblem(unknownPo, 400);
    assert.deepEqual(errorPaths(unknownPo), ['/receipts/1/purchaseOrder']);
    assert.equal(String((await stockOf(f))[0].quantity.value), '0');
    await ok(pcs.post(`/facility/${f}/receipts`, { receipts: [receipt] }));
    assert.equal((await ok(pcs.post(`/facility/${f}/receipts`, { receipts: [receipt] }))).results[0].outcome, 'unchanged');
    const other = await pcs.post(`/facility/${f}/receipts`, { receipts: [{ ...receipt, quantity: { value: 11, uom: 'KGM' } }] });
    assertProblem(other, 409);
    assert.deepEqual(errorPaths(other), ['/receipts/0/receiptId']);
    assert.equal(String((await stockOf(f))[0].quantity.value), '10');

    assertProblem(await ctx.erp.get(`/facility/${f}/purchaseOrders/PO-NONE`), 404);
    assertProblem(await ctx.erp.get(`/facility/${f}/stock?include=movements`), 400);
    assertProblem(await ctx.erp.get(`/facility/${f}/stock?include=everything&component=P-DAP`), 400);
    assertProblem(await pcs.get(`/facility/${f}/components?format=legacy`), 400);
  });
});
