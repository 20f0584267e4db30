/**
 * Upgrade in place: a data folder made before the summaries indexes and the consumption
 * aggregates existed (table without the new indexes, orders and records as the earlier code
 * wrote them: no entry by record time either) gets the indexes and the backfill at start, once — the lot
 * index of its records too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { test } from 'vitest';
import { consumptionDeltas } from '../../functions/domain/consumption.ts';
import { formatDecimal } from '../../functions/domain/decimal.ts';
import { identityKey } from '../../functions/domain/documents.ts';
import {
  changePosition,
  changesPk,
  consumptionPk,
  consumptionSk,
  facilityPk,
  orderSk,
  recordSk,
  recordsOfOrderPk,
} from '../../functions/store/keys.ts';
import { orderItem } from '../../functions/store/order-store.ts';
import { INDEXES, localCreateTableInput } from '../../functions/store/table.ts';
import { startDynamoLocal } from '../../infra/local/dynamodb-local.ts';
import { LOCAL_TABLE_NAME } from '../../infra/local/instance.ts';
import { workOrder } from '../support/documents.ts';
import { type LocalStack, localInstance, runNode, startStack } from '../support/local-stack.ts';
import { workRecord } from '../support/records.ts';
import { keyed } from '../support/shared-stack.ts';

const F = 'UPGRADE-1';
const OLD_INDEXES = ['byFacilityModified', 'recordsByOrder'];

/** The table and items exactly as the code before issue 14 made them. */
async function makeOldDataFolder(dir: string): Promise<void> {
  const dynamo = await startDynamoLocal(join(dir, 'dynamodb'));
  const base = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const db = DynamoDBDocumentClient.from(base);
  try {
    const input = localCreateTableInput(LOCAL_TABLE_NAME);
    const old = INDEXES.filter((i) => OLD_INDEXES.includes(i.name));
    await base.send(
      new CreateTableCommand({
        ...input,
        AttributeDefinitions: input.AttributeDefinitions.filter((a) =>
          ['pk', 'sk', ...old.flatMap((i) => [i.partitionKey, i.sortKey])].includes(a.AttributeName),
        ),
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes.filter((g) => OLD_INDEXES.includes(g.IndexName)),
      }),
    );
    const t = Date.parse('2025-02-03T04:00:00Z');
    const doc = workOrder('OLD-1');
    const orderState = (d: typeof doc, number: string) => ({
      facilityId: F,
      agency: 'AssignedBySender',
      number,
      doc: d,
      status: 'inProgress' as const,
      revision: 1,
      version: 0,
      lastErpChange: 'create' as const,
      createdAt: t,
      modifiedAt: t,
      updatedAt: t,
    });
    const order = orderItem(orderState(doc, 'OLD-1'), 1);
    for (const attr of ['gsi3pk', 'gsi3sk', 'gsi4sk']) delete order[attr];
    await db.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: order }));
    const record = workRecord('OLD-R1', { order: 'OLD-1', actual: [12.5, 0.3], status: 'inProgress' });
    record.dispensingEndDateTime = '2025-02-03T05:00:00Z';
    const position = changePosition('2025-02-03T05:10:00.000Z', 'AssignedBySender', 'OLD-R1');
    await db.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAME,
        Item: {
          pk: facilityPk(F),
          sk: recordSk('AssignedBySender', 'OLD-R1'),
          gsi1pk: changesPk(F, 'RECORDS'),
          gsi1sk: position,
          gsi2pk: recordsOfOrderPk(F, 'AssignedBySender', 'OLD-1'),
          gsi2sk: position,
          kind: 'record',
          facilityId: F,
          agency: 'AssignedBySender',
          number: 'OLD-R1',
          doc: JSON.stringify(record),
          size: 1,
          contentHash: identityKey('old', 'hash'),
          orderAgency: 'AssignedBySender',
          orderNumber: 'OLD-1',
          orderMatched: true,
          orderStatus: 'inProgress',
          receivedAt: '2025-02-03T05:10:00.000Z',
          documents: '[]',
        },
      }),
    );
    // A record of the version before the derive engine: its creating transaction counted it
    // (`aggregated`), so deriving it again (backfill, stream) must count nothing. Its aggregates
    // are left out here: if anything counted it again, the report below would show it.
    const counted = workRecord('OLD-R2', { order: 'OLD-1', actual: [100, 100], status: 'inProgress' });
    counted.dispensingEndDateTime = '2025-02-03T06:00:00Z';
    // It took its first ingredient from a supplier lot: traced once the backfill has indexed it.
    counted.productGroup[0]!.product[0]!.sourceContainer = [
      {
        identifier: [{ agency: 'AssignedBySender', number: 'TOTE-1' }],
        capacity: { value: 2000, uom: 'LBR', agency: 'UN_REC_20' },
        lotIdentifier: { agency: 'AssignedBySeller', number: 'OLD-LOT' },
      },
    ];
    const position2 = changePosition('2025-02-03T06:10:00.000Z', 'AssignedBySender', 'OLD-R2');
    await db.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAME,
        Item: {
          pk: facilityPk(F),
          sk: recordSk('AssignedBySender', 'OLD-R2'),
          gsi1pk: changesPk(F, 'RECORDS'),
          gsi1sk: position2,
          gsi2pk: recordsOfOrderPk(F, 'AssignedBySender', 'OLD-1'),
          gsi2sk: position2,
          kind: 'record',
          facilityId: F,
          agency: 'AssignedBySender',
          number: 'OLD-R2',
          doc: JSON.stringify(counted),
          size: 1,
          contentHash: identityKey('old', 'hash2'),
          orderAgency: 'AssignedBySender',
          orderNumber: 'OLD-1',
          orderMatched: true,
          orderStatus: 'inProgress',
          receivedAt: '2025-02-03T06:10:00.000Z',
          documents: '[]',
          aggregated: true,
        },
      }),
    );
    // Records that move nothing (cancelled), counted when created: the derive part writes no order
    // for them, so only the record-counts part keeps them on OLD-2, and keeps OLD-R4 (whose order
    // OLD-3 the ERP creates later) in an early report.
    const order2 = orderItem({ ...orderState(doc, 'OLD-2'), status: 'open', doc: workOrder('OLD-2') }, 1);
    for (const attr of ['gsi3pk', 'gsi3sk', 'gsi4sk']) delete order2[attr];
    await db.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: order2 }));
    for (const [number, orderNumber, at] of [
      ['OLD-R3', 'OLD-2', '2025-02-03T07:10:00.000Z'],
      ['OLD-R4', 'OLD-3', '2025-02-03T07:20:00.000Z'],
    ] as const) {
      const cancelled = workRecord(number, { order: orderNumber, actual: [1, 1] });
      cancelled.orderStatus = 'cancelled' as never;
      // Dated outside every report below: what it consumed is not this test's.
      cancelled.dispensingEndDateTime = '2024-06-01T00:00:00Z';
      const at3 = changePosition(at, 'AssignedBySender', number);
      await db.send(
        new PutCommand({
          TableName: LOCAL_TABLE_NAME,
          Item: {
            pk: facilityPk(F),
            sk: recordSk('AssignedBySender', number),
            gsi1pk: changesPk(F, 'RECORDS'),
            gsi1sk: at3,
            gsi2pk: recordsOfOrderPk(F, 'AssignedBySender', orderNumber),
            gsi2sk: at3,
            kind: 'record',
            facilityId: F,
            agency: 'AssignedBySender',
            number,
            doc: JSON.stringify(cancelled),
            size: 1,
            contentHash: identityKey('old', number),
            orderAgency: 'AssignedBySender',
            orderNumber,
            orderMatched: orderNumber === 'OLD-2',
            orderStatus: 'cancelled',
            receivedAt: at,
            documents: '[]',
            aggregated: true,
          },
        }),
      );
    }
    // A record of 2023 counted with the roll-up levels every version wrote (hours, slots; an order's
    // days), no year or edge items: its local day in Chicago (15 July, 07:00 CDT) needs the edge
    // cells, its product's and order's year the year totals, all built by the backfill from the hour
    // and day items.
    const older = workRecord('OLD-R5', { order: 'OLD-5', actual: [7, 3], status: 'inProgress' });
    older.dispensingEndDateTime = '2023-07-15T12:00:00Z';
    await db.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAME,
        Item: {
          pk: facilityPk(F),
          sk: recordSk('AssignedBySender', 'OLD-R5'),
          kind: 'record',
          facilityId: F,
          agency: 'AssignedBySender',
          number: 'OLD-R5',
          doc: JSON.stringify(older),
          size: 1,
          contentHash: identityKey('old', 'hash5'),
          orderAgency: 'AssignedBySender',
          orderNumber: 'OLD-5',
          orderMatched: false,
          orderStatus: 'inProgress',
          receivedAt: '2023-07-15T12:10:00.000Z',
          documents: '[]',
          aggregated: true,
        },
      }),
    );
    for (const d of consumptionDeltas([older]).filter((d) => ['H', 'S', 'M'].includes(d.level))) {
      await db.send(
        new PutCommand({
          TableName: LOCAL_TABLE_NAME,
          Item: {
            pk: consumptionPk(F),
            sk: consumptionSk(d.kind, d.level, d.period, d.hash),
            kind: `consumption-${d.kind}`,
            level: d.level,
            period: d.period,
            ...d.refs,
            ...Object.fromEntries([...d.adds].map(([name, value]) => [name, NumberValue.from(formatDecimal(value))])),
          },
        }),
      );
    }
    const { Table } = await base.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
    assert.deepEqual(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort(), [...OLD_INDEXES].sort());
  } finally {
    base.destroy();
    await dynamo.stop();
  }
}

/** The record count kept with each of these orders (undefined: none kept), read from the table itself. */
async function keptCounts(stack: LocalStack, numbers: readonly string[]): Promise<unknown[]> {
  const { dynamodbEndpoint, tableName } = localInstance(stack);
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  try {
    const out: unknown[] = [];
    for (const number of numbers) {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: { pk: facilityPk(F), sk: orderSk('AssignedBySender', number) }, ConsistentRead: true }),
      );
      out.push(Item?.recordCount);
    }
    return out;
  } finally {
    db.destroy();
  }
}

test('a data folder of the previous version gets the new indexes and its records counted at start, once; a record counted when it was created is not counted again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixticket-upgrade-'));
  try {
    await makeOldDataFolder(dir);
    for (const round of [1, 2]) {
      const stack = await startStack({ dataDir: dir, inMemory: false });
      try {
        const erp = await keyed(stack, 'erp', [F]);
        const summaries = await erp.get(`/facility/${F}/workOrderSummaries?status=inProgress`);
        assert.equal(summaries.status, 200, JSON.stringify(summaries.body));
        assert.deepEqual(
          summaries.body.workOrderSummaries.map((s: { workOrderNumber: string; records: number }) => [s.workOrderNumber, s.records]),
          [['OLD-1', 2]],
          `round ${round}`,
        );
        const created = await erp.get(`/facility/${F}/workOrderSummaries?createdFrom=2025-01-01T00:00Z`);
        // OLD-1 and OLD-2; OLD-3 once the ERP has created it (round 1, below).
        assert.equal(created.body.workOrderSummaries.length, round === 1 ? 2 : 3);
        // Every old order keeps its record count (read with it, not counted per row), an order created
        // after records that named it counts them too.
        const kept = await keptCounts(stack, ['OLD-1', 'OLD-2']);
        assert.deepEqual(kept, [2, 1], `round ${round}: the counts kept with OLD-1 and OLD-2`);
        if (round === 1) {
          const push = await erp.post(`/facility/${F}/dispensingWorkorders`, { dispensingWorkOrder: [workOrder('OLD-3')] });
          assert.equal(push.status, 200, JSON.stringify(push.body));
        }
        const counts = await erp.get(`/facility/${F}/workOrderSummaries?status=open`);
        assert.deepEqual(
          counts.body.workOrderSummaries.map((s: { workOrderNumber: string; records: number }) => [s.workOrderNumber, s.records]),
          [
            ['OLD-3', 1],
            ['OLD-2', 1],
          ],
          `round ${round}: open orders' counts`,
        );
        if (round === 2) {
          // The operator's command (what an AWS deployment runs) finds nothing left to count, even forced to scan.
          const cli = await runNode(['infra/backfill-cli.ts', '--force'], { ...process.env, MIXTICKET_DATA_DIR: dir });
          assert.equal(cli.code, 0, cli.stderr);
          assert.match(
            cli.stdout,
            /backfill: 0 orders and 0 records brought up to date, 0 records dated for reports, 0 records' lots indexed, 0 orders' record counts kept, 0 report roll-up items built/,
          );
        }
        // A record stored before the lot index is traced after the backfill (its counted revision's lots).
        const trace = await erp.get(`/facility/${F}/trace?lot=OLD-LOT`);
        assert.equal(trace.status, 200, JSON.stringify(trace.body));
        assert.deepEqual(
          trace.body.affected.map((r: { workRecord: { number: string } }) => r.workRecord.number),
          ['OLD-R2'],
          `round ${round}: traced`,
        );
        assert.deepEqual(
          trace.body.possible.map((r: { workRecord: { number: string } }) => r.workRecord.number),
          [],
          `round ${round}: OLD-R1 (indexed by the engine, no lot named) is dated before the lot's period`,
        );
        // A report's rows by product: [product, quantity, records].
        const productRows = async (url: string) => {
          const r = await erp.get(url);
          assert.equal(r.status, 200, r.text);
          return r.body.rows.map((row: { product: { number: string }; quantity: { value: number }; records: number }) => [
            row.product.number,
            row.quantity.value,
            row.records,
          ]);
        };
        assert.deepEqual(
          await productRows(`/facility/${F}/consumption?from=2025-01-01&to=2026-01-01`),
          [
            ['P-DAP', 12.5, 1],
            ['P-POTASH', 0.3, 1],
          ],
          `round ${round}: counted once`,
        );
        // The old record (05:00:00Z, written without an entry by record time) is found at an edge:
        // a range inside one slot is summed from the records themselves.
        assert.deepEqual(
          await productRows(
            `/facility/${F}/consumption?from=${encodeURIComponent('2025-02-03T04:59:59.999Z')}&to=${encodeURIComponent('2025-02-03T05:07:00Z')}`,
          ),
          [
            ['P-DAP', 12.5, 1],
            ['P-POTASH', 0.3, 1],
          ],
          `round ${round}: the old record at an edge after the backfill`,
        );
        // Counted with the roll-ups of its time, reported from the boundary and year items built from them.
        const rowsOf = async (query: string) => {
          const r = await erp.get(`/facility/${F}/consumption?from=2023-01-01&to=2024-01-01&tz=America/Chicago&${query}`);
          assert.equal(r.status, 200, r.text);
          return r.body.rows.map(
            (row: {
              day?: string;
              workOrder?: { number: string };
              product: { number: string };
              quantity: { value: number };
              records: number;
            }) => [row.day ?? row.workOrder?.number ?? '', row.product.number, row.quantity.value, row.records],
          );
        };
        for (const [groupBy, group] of [
          ['day', '2023-07-15'],
          ['order', 'OLD-5'],
          ['product', ''],
        ] as const) {
          assert.deepEqual(
            await rowsOf(`groupBy=${groupBy}`),
            [
              [group, 'P-DAP', 7, 1],
              [group, 'P-POTASH', 3, 1],
            ],
            `round ${round}: 2023 by ${groupBy}`,
          );
        }
        // Its month (five whole months), from the year item's month totals the backfill built from the hour items.
        assert.deepEqual(
          await productRows(`/facility/${F}/consumption?from=2023-07-01&to=2023-12-01`),
          [
            ['P-DAP', 7, 1],
            ['P-POTASH', 3, 1],
          ],
          `round ${round}: 2023, July to November`,
        );
        // Its slot (12:00–12:15), from the edge item's slots the backfill built from the slot item.
        assert.deepEqual(
          await productRows(
            `/facility/${F}/consumption?from=${encodeURIComponent('2023-07-15T11:45:00Z')}&to=${encodeURIComponent('2023-07-15T12:15:00Z')}`,
          ),
          [
            ['P-DAP', 7, 1],
            ['P-POTASH', 3, 1],
          ],
          `round ${round}: 2023, one half hour`,
        );
      } finally {
        assert.equal(await stack.stop(), 0);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
