/**
 * Reports that cost what they return (issue 14):
 * - summaries: a page of 100 summaries at a facility holding 10,000 orders against one holding
 *   1,000 (the poll benchmark's facilities), for the three index paths (every status by
 *   modification time, one status, every status by creation time). Goal: ratio ≤ 1.3.
 * - consumption: a one-year and a one-week report at a facility with 100,000 records. The
 *   records are not stored: their aggregates are computed by the same domain function the
 *   record transaction uses (consumptionDeltas) and written straight into DynamoDB Local,
 *   since submitting 100,000 records through the API would measure the submission.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, NumberValue } from '@aws-sdk/lib-dynamodb';
import { consumptionDeltas } from '../../functions/domain/consumption.ts';
import { addDecimal, formatDecimal, parseDecimal } from '../../functions/domain/decimal.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import { consumptionPk, consumptionSk } from '../../functions/store/keys.ts';
import { client, type LocalStack } from '../support/local-stack.ts';
import { fmt, percentile } from './stats.ts';

async function median(rounds: number, run: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = -5; i < rounds; i++) {
    const t = performance.now();
    await run();
    if (i >= 0) samples.push(performance.now() - t);
  }
  return percentile(samples, 50);
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

/** Seeds the aggregates of `count` records spread over 2025 (2 of `products` products each, `orders` orders). */
export async function seedConsumption(
  local: { dynamodbEndpoint: string; tableName: string },
  facilityId: string,
  count: number,
  products = 20,
  orders = 500,
  { start = Date.parse('2025-01-01T00:00:00Z'), days = 365 }: { start?: number; days?: number } = {},
): Promise<void> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const year = days * 86_400_000;
  const items = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < count; i++) {
    const at = new Date(start + Math.floor(((i * 7919) % count) * (year / count))).toISOString();
    const product = (n: number) => ({
      identifier: [{ agency: 'AssignedBySeller', number: `P-${n}` }],
      actualQuantity: { value: ((i % 97) + 1) / 10, uom: 'LBR' },
    });
    const record = {
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
  }
  const all = [...items.values()].map((item) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) out[k] = /^[qn]\d{4}/.test(k) ? NumberValue.from(v as string) : v;
    return out;
  });
  for (let i = 0; i < all.length; i += 25) {
    let request: Record<string, unknown>[] = all.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (request.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [local.tableName]: request as never } }));
      request = (out.UnprocessedItems?.[local.tableName] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  console.log(`  seeded the aggregates of ${count} records (${all.length} items) at ${facilityId}`);
  db.destroy();
}

/** A one-year report against a one-week report at a facility with 100,000 records. */
export async function benchConsumption(stack: LocalStack, records = 100_000, rounds = 20): Promise<void> {
  const f = 'BENCH-CONSUMPTION';
  console.log('\nConsumption report (facility with 100,000 records over 2025, 20 products, 500 orders)');
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  await seedConsumption(local, f, records);
  const erp = client(stack.baseUrl, await stack.createKey('erp', [f]));
  for (const groupBy of ['product', 'day', 'order'] as const) {
    const timed = async (range: string) =>
      median(rounds, async () => {
        const r = await erp.get(`/facility/${f}/consumption?${range}&groupBy=${groupBy}&tz=America/Chicago`);
        if (r.status !== 200 || r.body.rows.length === 0) throw new Error(`consumption: ${r.status} ${r.text.slice(0, 200)}`);
      });
    const week = await timed('from=2025-06-02&to=2025-06-09');
    const yearMs = await timed('from=2025-01-01&to=2026-01-01');
    console.log(`  groupBy=${groupBy}: one week ${fmt(week)}, one year ${fmt(yearMs)}; ratio ${(yearMs / week).toFixed(2)}`);
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
