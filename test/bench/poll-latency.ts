/**
 * Poll latency against facility size: a facility holding 1,000 orders and one holding
 * 10,000, each with 10 recent changes. A poll should cost what it returns (10 orders), not
 * what the facility holds, so the ratio of the medians should stay near 1 (goal ≤ 1.3).
 *
 * The old orders are written straight into DynamoDB Local (BatchWriteItem of the items the
 * store itself builds, with modification times an hour back): pushing 11,000 orders through
 * the API would measure the push, not the poll. The 10 recent changes go through the API.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WorkOrderDocument } from '../../functions/domain/work-orders.ts';
import { orderItem } from '../../functions/store/order-store.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack } from '../support/local-stack.ts';
import { fmt, percentile } from './stats.ts';

/**
 * The item of an open order `number` created and last modified at `t` (epoch ms), as the store
 * writes a new order; `more` adds what the caller's seed keeps with it (its record reports, say).
 */
export function seededOrderItem(facilityId: string, number: string, t: number, more: Partial<Parameters<typeof orderItem>[0]> = {}) {
  return orderItem(
    {
      facilityId,
      agency: 'AssignedBySender',
      number,
      doc: workOrder(number) as unknown as WorkOrderDocument,
      status: 'open',
      revision: 1,
      version: 1,
      lastErpChange: 'create',
      createdAt: t,
      modifiedAt: t,
      updatedAt: t,
      ...more,
    },
    1,
  );
}

/**
 * Writes `count` orders straight into DynamoDB Local at `facilityId`, modified one per millisecond
 * from `base` (default: an hour ago).
 */
export async function seed(stack: LocalStack, facilityId: string, count: number, base = Date.now() - 3_600_000): Promise<void> {
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const items = Array.from({ length: count }, (_, i) => seededOrderItem(facilityId, `OLD-${i}`, base + i));
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let request: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
        while (request.length > 0) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [local.tableName]: request as never } }));
          request = (out.UnprocessedItems?.[local.tableName] as Record<string, unknown>[] | undefined) ?? [];
        }
      }
    }),
  );
  db.destroy();
}

export interface PollLatency {
  holding: number;
  p50: number;
  p95: number;
}

/** Measures polls returning 10 changes at facilities of the given sizes; prints and returns the figures. */
export async function benchPollLatency(stack: LocalStack, sizes = [1000, 10_000], rounds = 200): Promise<PollLatency[]> {
  const facilities = sizes.map((n) => `BENCH-${n}`);
  const erpKey = await stack.createKey('erp', facilities);
  const pcsKey = await stack.createKey('pcs', facilities);
  const erp = client(stack.baseUrl, erpKey);
  const pcs = client(stack.baseUrl, pcsKey);
  const since = new Date(Date.now() - 1000).toISOString();

  for (const [i, n] of sizes.entries()) {
    const t0 = performance.now();
    await seed(stack, facilities[i]!, n);
    const changes = Array.from({ length: 10 }, (_, j) => workOrder(`OLD-${n - 1 - j * 7}`, { type: 'update', quantity: j + 1 }));
    const r = await erp.post(`/facility/${facilities[i]}/dispensingWorkorders`, orders(...changes));
    if (r.status !== 200) throw new Error(`seeding changes failed: ${r.text}`);
    console.log(`  seeded ${n} orders at ${facilities[i]} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await new Promise((r) => setTimeout(r, 1000));

  const samples = sizes.map(() => [] as number[]);
  // Interleave the facilities so that machine noise hits both alike; warm up first.
  for (let round = -20; round < rounds; round++) {
    for (const [i, f] of facilities.entries()) {
      const t = performance.now();
      const r = await pcs.get(`/facility/${f}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
      const ms = performance.now() - t;
      if (r.status !== 200 || r.body.dispensingWorkOrder.length !== 10) {
        throw new Error(`poll at ${f} returned ${r.status} with ${r.body?.dispensingWorkOrder?.length} orders`);
      }
      if (round >= 0) samples[i]!.push(ms);
    }
  }
  const results = sizes.map((holding, i) => ({ holding, p50: percentile(samples[i]!, 50), p95: percentile(samples[i]!, 95) }));
  console.log('\nPoll latency (10 changed orders served, HTTP round trip through the local gateway)');
  for (const r of results)
    console.log(`  facility holding ${String(r.holding).padStart(6)} orders: median ${fmt(r.p50)}, p95 ${fmt(r.p95)}`);
  const ratio = results[results.length - 1]!.p50 / results[0]!.p50;
  console.log(`  ratio of medians ${sizes.at(-1)} / ${sizes[0]}: ${ratio.toFixed(2)} (goal ≤ 1.3)`);
  return results;
}
