/**
 * Reports that cost what they return (issue 14):
 * - summaries: a page of 100 summaries at a facility holding 10,000 orders against one holding
 *   1,000 (the poll benchmark's facilities), for the three index paths (every status by
 *   modification time, one status, every status by creation time). Goal: ratio ≤ 1.3.
 * - consumption: the one-year report at a facility with 10,000 records against one with 100,000,
 *   and a range off the slot edges against one on them. The records are not submitted: their
 *   aggregates are computed by the same domain function the derive engine uses
 *   (consumptionDeltas) and written straight into DynamoDB Local with the records' heads,
 *   since submitting 100,000 records through the API would measure the submission.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, NumberValue, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { consumptionDeltas, parseConsumptionQuery, type RollupSet, reportPlan } from '../../functions/domain/consumption.ts';
import { addDecimal, formatDecimal, parseDecimal } from '../../functions/domain/decimal.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { mapConcurrently } from '../../functions/shared/concurrency.ts';
import { consumptionPk, consumptionRange, consumptionSk, facilityPk, recordSk } from '../../functions/store/keys.ts';
import { recordTimeIndex } from '../../functions/store/record-time-index.ts';
import { client, type LocalStack, useStackStores } from '../support/local-stack.ts';
import { fmt, percentile } from './stats.ts';

async function median(rounds: number, run: () => Promise<void>): Promise<number> {
  return (await alternating(rounds, [run]))[0]!;
}

/**
 * Medians of several runs measured in turn, round by round (after five warm-up rounds): on a
 * machine whose load drifts, each run meets the same load, so their ratio is not the drift's.
 */
async function alternating(rounds: number, runs: readonly (() => Promise<void>)[]): Promise<number[]> {
  const samples = runs.map(() => [] as number[]);
  for (let i = -5; i < rounds; i++) {
    for (const [j, run] of runs.entries()) {
      const t = performance.now();
      await run();
      if (i >= 0) samples[j]!.push(performance.now() - t);
    }
  }
  return samples.map((s) => percentile(s, 50));
}

/** Pages of 100 summaries at the poll benchmark's facilities (seeded there). */
export async function benchSummaries(stack: LocalStack, sizes = [1000, 10_000], rounds = 40): Promise<void> {
  const facilities = sizes.map((n) => `BENCH-${n}`);
  const erp = client(stack.baseUrl, await stack.createKey('erp', facilities));
  console.log('\nOrder summaries (a page of 100, HTTP round trip through the local gateway)');
  for (const [label, query] of [
    ['every status, newest change first', 'limit=100'],
    ['status=open', 'status=open&limit=100'],
    ['every status, by created range (7 Queries merged)', 'createdFrom=2000-01-01T00:00Z&limit=100'],
  ] as const) {
    const medians: number[] = [];
    for (const f of facilities) {
      medians.push(
        await median(rounds, async () => {
          const r = await erp.get(`/facility/${f}/workOrderSummaries?${query}`);
          if (r.status !== 200 || r.body.workOrderSummaries.length !== 100)
            throw new Error(`summaries at ${f}: ${r.status} ${r.text.slice(0, 200)}`);
        }),
      );
    }
    const parts = sizes.map((n, i) => `${n} orders ${fmt(medians[i]!)}`).join(', ');
    console.log(`  ${label}: ${parts}; ratio ${(medians.at(-1)! / medians[0]!).toFixed(2)} (goal ≤ 1.3)`);
  }
}

/**
 * Seeds the aggregates of `count` records spread over 2025 (2 of `products` products each, `orders`
 * orders) and, with `heads`, the records' heads too, with their entries by record time (the edges
 * of a report at any instant read them). A head is marked as counted at creation (`aggregated`,
 * revision 1), as heads stored before the derive engine are: the stream's derive skips it, since
 * its figures are the aggregates seeded here; it has no changes-index entry (no poll, no webhook).
 */
export async function seedConsumption(
  local: { dynamodbEndpoint: string; tableName: string },
  facilityId: string,
  count: number,
  products = 20,
  orders = 500,
  { start = Date.parse('2025-01-01T00:00:00Z'), days = 365, heads = false }: { start?: number; days?: number; heads?: boolean } = {},
): Promise<void> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const year = days * 86_400_000;
  const items = new Map<string, Record<string, unknown>>();
  const headItems: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(start + Math.floor(((i * 7919) % count) * (year / count))).toISOString();
    const product = (n: number) => ({
      identifier: [{ agency: 'AssignedBySeller', number: `P-${n}` }],
      actualQuantity: { value: ((i % 97) + 1) / 10, uom: 'LBR' },
    });
    const record = {
      workRecordIdentifier: { agency: 'AssignedBySender', number: `WR-${i}` },
      workOrderIdentifier: { agency: 'AssignedBySender', number: `WO-${i % orders}` },
      workRecordCreationDateTime: at,
      productGroup: [{ identifier: [], product: [product(i % products), product((i + 7) % products)] }],
    } as unknown as WorkRecordDocument;
    for (const d of consumptionDeltas([record])) {
      const sk = consumptionSk(d.kind, d.level, d.period, d.hash);
      const item: Record<string, unknown> = items.get(sk) ?? {
        pk: consumptionPk(facilityId),
        sk,
        kind: `consumption-${d.kind}`,
        level: d.level,
        period: d.period,
      };
      for (const [k, v] of Object.entries(d.refs)) item[k] ??= v;
      for (const [k, v] of d.adds) item[k] = formatDecimal(addDecimal(parseDecimal((item[k] as string | undefined) ?? '0'), v));
      items.set(sk, item);
    }
    if (heads) {
      const doc = JSON.stringify(record);
      headItems.push({
        pk: facilityPk(facilityId),
        sk: recordSk('AssignedBySender', `WR-${i}`),
        ...recordTimeIndex(facilityId, record, 'AssignedBySender', `WR-${i}`),
        kind: 'record',
        facilityId,
        agency: 'AssignedBySender',
        number: `WR-${i}`,
        doc,
        size: doc.length,
        orderAgency: 'AssignedBySender',
        orderNumber: `WO-${i % orders}`,
        receivedAt: at,
        modifiedAt: at,
        revision: 1,
        recordStatus: 'active',
        documents: '[]',
        aggregated: true,
      });
    }
  }
  const all = [...items.values()].map((item) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) out[k] = /^[qn]\d{4}/.test(k) ? NumberValue.from(v as string) : v;
    return out;
  });
  const write = async (batch: Record<string, unknown>[]) => {
    let request: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
    while (request.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [local.tableName]: request as never } }));
      request = (out.UnprocessedItems?.[local.tableName] as Record<string, unknown>[] | undefined) ?? [];
    }
  };
  const batches: Record<string, unknown>[][] = [];
  for (const list of [all, headItems]) for (let i = 0; i < list.length; i += 25) batches.push(list.slice(i, i + 25));
  await mapConcurrently(batches, 8, write);
  console.log(
    `  seeded the aggregates of ${count} records (${all.length} items)${heads ? ` and their ${headItems.length} heads` : ''} at ${facilityId}`,
  );
  db.destroy();
}

/** What one report's items weigh: how many aggregate items and attributes the plan reads at a facility. */
async function planWeight(local: { dynamodbEndpoint: string; tableName: string }, facilityId: string, query: string) {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const plan = reportPlan(parseConsumptionQuery(Object.fromEntries(new URLSearchParams(query))));
  let items = 0;
  let attributes = 0;
  let bytes = 0;
  let stored = 0;
  for (const read of plan.reads) {
    const [lo, hi] = consumptionRange(read.kind, read.level, read.first, read.last);
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await db.send(
        new QueryCommand({
          TableName: local.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': consumptionPk(facilityId), ':lo': lo, ':hi': hi },
          ExclusiveStartKey,
        }),
      );
      for (const whole of out.Items ?? []) {
        // What the report's read returns: only the attributes it names, when it names them.
        const names = read.attributes;
        const item = names === undefined ? whole : Object.fromEntries(Object.entries(whole).filter(([k]) => names.includes(k)));
        items++;
        attributes += Object.keys(item).length;
        bytes += JSON.stringify(item).length;
        // DynamoDB reads (and bills) the whole item, whatever the projection.
        stored += JSON.stringify(whole).length;
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  db.destroy();
  return { reads: plan.reads.length, items, attributes, bytes, stored };
}

/**
 * The one-year report at a facility with 10,000 records against one with 100,000 (goal: ratio ≤ 1.3,
 * the cost grows with days × products, not with records), by product, day and order; and at
 * 100,000 records the cost of a range that starts and ends off the slot edges (its two partial
 * slots read from the records) against the same range on them.
 */
export async function benchConsumption(stack: LocalStack, sizes = [10_000, 100_000], rounds = 20): Promise<void> {
  console.log(
    `\nConsumption report (facilities with ${sizes.join(' and ')} records over 2025, 20 products, 500 orders, tz=America/Chicago)`,
  );
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const facilities = sizes.map((n) => `BENCH-CONSUMPTION-${n}`);
  for (const [i, n] of sizes.entries()) await seedConsumption(local, facilities[i]!, n, 20, 500, { heads: true });
  const erp = client(stack.baseUrl, await stack.createKey('erp', facilities));
  const report = (f: string, query: string) => async () => {
    const r = await erp.get(`/facility/${f}/consumption?${query}`);
    if (r.status !== 200 || r.body.rows.length === 0) throw new Error(`consumption: ${r.status} ${r.text.slice(0, 200)}`);
  };
  const year = 'from=2025-01-01&to=2026-01-01&tz=America/Chicago';
  for (const groupBy of ['product', 'day', 'order'] as const) {
    const query = `${year}&groupBy=${groupBy}`;
    // The facilities in turn, round by round: the same load for both.
    const medians = await alternating(
      rounds,
      facilities.map((f) => report(f, query)),
    );
    const weights = await Promise.all(facilities.map((f) => planWeight(local, f, query)));
    const parts = sizes.map((n, i) => `${n} records ${fmt(medians[i]!)}`).join(', ');
    const read = sizes
      .map(
        (n, i) =>
          `${n}: ${weights[i]!.items} items, ${weights[i]!.attributes} attributes, ${(weights[i]!.bytes / 1024).toFixed(0)} KiB returned of ${(weights[i]!.stored / 1024).toFixed(0)} KiB stored`,
      )
      .join('; ');
    console.log(
      `  one year, groupBy=${groupBy}: ${parts}; ratio ${(medians.at(-1)! / medians[0]!).toFixed(2)} (goal ≤ 1.3; medians of ${rounds}, in turn)`,
    );
    console.log(`    read (${weights[0]!.reads} Queries): ${read}`);
  }
  // In-process, the same year by the current roll-ups and by the older levels alone (a table whose
  // boundary and year items are not built yet): what the new levels change, on the same items.
  useStackStores(stack);
  const { readAggregates, readRecordsDated } = await import('../../functions/store/consumption-store.ts');
  const { getConsumption } = await import('../../functions/use-cases/get-consumption.ts');
  for (const groupBy of ['product', 'day', 'order'] as const) {
    const query = parseConsumptionQuery({ from: '2025-01-01', to: '2026-01-01', tz: 'America/Chicago', groupBy });
    const run = (facilityId: string, rollups: RollupSet) => async () => {
      const rows = await getConsumption({ readAggregates, readRecordsDated, rollups: async () => rollups }, { facilityId, query });
      if (rows.length === 0) throw new Error(`no rows at ${facilityId}`);
    };
    const runs = facilities.flatMap((f) => [run(f, 'current'), run(f, 'legacy')]);
    const m = await alternating(Math.min(rounds, 10), runs);
    const parts = sizes.map((n, i) => `${n}: ${fmt(m[2 * i]!)} against ${fmt(m[2 * i + 1]!)}`).join('; ');
    console.log(`  in-process, one year, groupBy=${groupBy}, current roll-ups against the older levels alone: ${parts}`);
  }
  // Off the slot edges at both ends (08:07:13.456 and 17:23:00.5 local) against the slot edges just inside them.
  const f = facilities.at(-1)!;
  const unaligned = `from=${encodeURIComponent('2025-01-01T08:07:13.456-06:00')}&to=${encodeURIComponent('2025-12-31T17:23:00.500-06:00')}&tz=America/Chicago`;
  const aligned = `from=${encodeURIComponent('2025-01-01T08:15:00-06:00')}&to=${encodeURIComponent('2025-12-31T17:15:00-06:00')}&tz=America/Chicago`;
  for (const groupBy of ['product', 'day', 'order'] as const) {
    const [on, off] = (await alternating(rounds, [
      report(f, `${aligned}&groupBy=${groupBy}`),
      report(f, `${unaligned}&groupBy=${groupBy}`),
    ])) as [number, number];
    console.log(
      `  ${sizes.at(-1)} records, a year from 08:07:13.456 to 17:23:00.5, groupBy=${groupBy}: ${fmt(off)} against ${fmt(on)} on slot edges; ratio ${(off / on).toFixed(2)}`,
    );
  }
}

/**
 * The largest report each grouping allows (MAX_REPORT_DAYS), at a facility with 100,000 records
 * spread over the ten years 2016–2025: by day in Pacific/Chatham (midnight on no UTC hour: hour
 * and slot items of every month are read), by order over a year, by product over ten years.
 */
export async function benchLargestReports(stack: LocalStack, records = 100_000, rounds = 5): Promise<void> {
  const f = 'BENCH-LARGEST';
  console.log('\nLargest allowed consumption reports (100,000 records over 2016-2025, 20 products, 500 orders)');
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  await seedConsumption(local, f, records, 20, 500, { start: Date.parse('2016-01-01T00:00:00Z'), days: 3653 });
  const erp = client(stack.baseUrl, await stack.createKey('erp', [f]));
  for (const [label, query] of [
    ['groupBy=day, 367 days, Pacific/Chatham', 'from=2024-01-01&to=2025-01-02&groupBy=day&tz=Pacific/Chatham'],
    ['groupBy=order, 367 days, Pacific/Chatham', 'from=2024-01-01&to=2025-01-02&groupBy=order&tz=Pacific/Chatham'],
    ['groupBy=product, 3,660 days, Pacific/Chatham', 'from=2016-01-01&to=2026-01-08&groupBy=product&tz=Pacific/Chatham'],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const r = await erp.get(`/facility/${f}/consumption?${query}`);
      if (r.status !== 200 || r.body.rows.length === 0) throw new Error(`consumption ${query}: ${r.status} ${r.text.slice(0, 200)}`);
      samples.push(performance.now() - t);
    }
    console.log(`  ${label}: median ${fmt(percentile(samples, 50))}, slowest ${fmt(Math.max(...samples))}`);
  }
}
