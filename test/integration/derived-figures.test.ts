/**
 * Derived figures over real HTTP and the local table stream: a request's records are stored all
 * or nothing in their own transaction, and what they move — order status, consumption, stock —
 * is derived afterwards, exactly once per record revision: in the request when it can (visible
 * when the POST returns), else by the stream's recordDerive function (a crashed request, races
 * lost every round). 50 records for 50 orders fit one request; requests side by side, on the
 * same products, are all accepted.
 */
import assert from 'node:assert/strict';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { changePosition, changesPk, facilityPk, recordSk, recordsOfOrderPk } from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { records, workRecord } from '../support/records.ts';
import { type Client, facilityNames, keyed, localTable, useSharedStack, waitUntil } from '../support/shared-stack.ts';

const facility = facilityNames('DF').next;
const ctx = useSharedStack({ erp: ['erp', ['*']] });
const AT = '2025-03-04T10:00:00Z';
const id = (number: string) => ({ agency: 'AssignedBySeller', number });

let db: DynamoDBDocumentClient;
let tableName: string;
beforeAll(() => {
  ({ db, tableName } = localTable(ctx.stack));
});
afterAll(() => db?.destroy());

function dated(number: string, order: string, status: 'inProgress' | 'complete' = 'inProgress', actual: [number, number] = [1.5, 0.25]) {
  const r = workRecord(number, { order, actual, status });
  r.dispensingEndDateTime = AT;
  return r;
}

async function setUp(orderCount: number) {
  const f = facility();
  const pcs = await keyed(ctx.stack, 'pcs', [f]);
  const numbers = Array.from({ length: orderCount }, (_, i) => `WO-${i}`);
  for (let i = 0; i < numbers.length; i += 50) {
    const r = await ctx.erp.post(`/facility/${f}/dispensingWorkorders`, orders(...numbers.slice(i, i + 50).map((n) => workOrder(n))));
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const c = await ctx.erp.post(`/facility/${f}/components`, {
    components: ['P-DAP', 'P-POTASH'].map((n) => ({ identifier: id(n), name: n, uom: 'LBR', active: true })),
  });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  return { f, pcs, numbers };
}

/** The facility's figures as the API shows them: consumption by product, stock per component, order statuses. */
async function figuresOf(f: string) {
  const consumption = await ctx.erp.get(`/facility/${f}/consumption?from=2025-01-01&to=2026-01-01`);
  const stock = await ctx.erp.get(`/facility/${f}/stock`);
  const statuses: Record<string, number> = {};
  for (const status of ['open', 'inProgress', 'complete']) {
    const page = await ctx.erp.get(`/facility/${f}/workOrderSummaries?status=${status}&limit=1000`);
    statuses[status] = page.body.workOrderSummaries.length;
  }
  return {
    consumption: consumption.body.rows.map((r: { product: { number: string }; quantity: { value: number }; records: number }) => [
      r.product.number,
      r.quantity.value,
      r.records,
    ]),
    stock: stock.body.stock
      .filter((r: { location: string | null }) => r.location === null)
      .map((r: { component: { number: string }; quantity: { value: number } }) => [r.component.number, r.quantity.value])
      .sort(),
    statuses,
  };
}

describe('derived figures', () => {
  test('50 records for 50 orders in one request: 200, every figure exactly once when the POST returns', async () => {
    const { f, pcs, numbers } = await setUp(50);
    const batch = numbers.map((order, i) => dated(`R-${i}`, order));

    const r = await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...batch));
    const again = await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...batch));

    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.results.every((x: { outcome: string; orderMatched: boolean }) => x.outcome === 'created' && x.orderMatched));
    assert.equal(again.status, 200);
    assert.deepEqual(await figuresOf(f), {
      consumption: [
        ['P-DAP', 75, 50],
        ['P-POTASH', 12.5, 50],
      ],
      stock: [
        ['P-DAP', -75],
        ['P-POTASH', -12.5],
      ],
      statuses: { open: 0, inProgress: 50, complete: 0 },
    });
  });

  test('1,010 records for 1,000 orders, 10 a request, 8 in flight, same products: none refused, every figure exactly right', async () => {
    const { f, pcs, numbers } = await setUp(1000);
    // Each order gets one record; ten orders a second one that completes them.
    const all: DispensingWorkRecord[] = [
      ...numbers.map((order, i) => dated(`R-${i}`, order)),
      ...numbers.slice(0, 10).map((order, i) => dated(`R-C-${i}`, order, 'complete')),
    ];
    const requests: DispensingWorkRecord[][] = [];
    for (let i = 0; i < all.length; i += 10) requests.push(all.slice(i, i + 10));

    const statuses: number[] = [];
    let next = 0;
    const worker = async (client: Client) => {
      while (next < requests.length) {
        const batch = requests[next++]!;
        statuses.push((await client.post(`/facility/${f}/dispensingWorkRecords`, records(...batch))).status);
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => worker(pcs)));

    assert.equal(statuses.length, 101);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      'none refused',
    );
    const expected = {
      consumption: [
        ['P-DAP', 1515, 1010],
        ['P-POTASH', 252.5, 1010],
      ],
      stock: [
        ['P-DAP', -1515],
        ['P-POTASH', -252.5],
      ],
      statuses: { open: 0, inProgress: 990, complete: 10 },
    };
    const figures = await waitUntil(
      'every figure derived',
      async () => {
        const now = await figuresOf(f);
        return JSON.stringify(now) === JSON.stringify(expected) ? now : null;
      },
      120_000,
    );
    assert.deepEqual(figures, expected);
  }, 600_000);

  test('a record head left by a crashed request (stored, nothing derived): its figures converge through the stream', async () => {
    const { f } = await setUp(1);
    const record = dated('R-CRASHED', 'WO-0', 'complete', [4, 2]);
    const receivedAt = new Date().toISOString();
    const position = changePosition(receivedAt, 'AssignedBySender', 'R-CRASHED');
    // Exactly what the records' transaction writes, and nothing after it.
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: facilityPk(f),
          sk: recordSk('AssignedBySender', 'R-CRASHED'),
          gsi1pk: changesPk(f, 'RECORDS'),
          gsi1sk: position,
          gsi2pk: recordsOfOrderPk(f, 'AssignedBySender', 'WO-0'),
          gsi2sk: position,
          kind: 'record',
          facilityId: f,
          agency: 'AssignedBySender',
          number: 'R-CRASHED',
          doc: JSON.stringify(record),
          size: 1,
          contentHash: 'crashed',
          orderAgency: 'AssignedBySender',
          orderNumber: 'WO-0',
          orderMatched: true,
          orderStatus: 'complete',
          receivedAt,
          documents: '[]',
        },
      }),
    );

    const expected = {
      consumption: [
        ['P-DAP', 4, 1],
        ['P-POTASH', 2, 1],
      ],
      stock: [
        ['P-DAP', -4],
        ['P-POTASH', -2],
      ],
      statuses: { open: 0, inProgress: 0, complete: 1 },
    };
    const figures = await waitUntil('the stream derived the record', async () => {
      const now = await figuresOf(f);
      return JSON.stringify(now) === JSON.stringify(expected) ? now : null;
    });
    assert.deepEqual(figures, expected);
  });
});
