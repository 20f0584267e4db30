/**
 * `npm run bench -- derive`: how long a record's derived figures (order status, consumption,
 * stock) trail the record. 8 requests in flight, 10 records each for 10 orders, every record on
 * the same two products (the hottest case: every derive step touches the same aggregates and
 * balances). Right after each POST returns, its records' derived items are read (strongly
 * consistent): present → the request's own derive counted them (visible at return); absent →
 * left to the stream's recordDerive, and read again every 10 ms until there: the trail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { facilityPk, recordDerivedSk } from '../../functions/store/keys.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, sleep } from '../support/local-stack.ts';
import { records, workRecord } from '../support/records.ts';
import { fmt, percentile } from './stats.ts';

const IN_FLIGHT = 8;
const PER_REQUEST = 10;

export async function benchDerive(stack: LocalStack, orderCount = 800): Promise<void> {
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials }));
  const f = 'BENCH-DERIVE';
  const erp = client(stack.baseUrl, await stack.createKey('erp', [f]));
  const pcs = client(stack.baseUrl, await stack.createKey('pcs', [f]));
  const numbers = Array.from({ length: orderCount }, (_, i) => `WO-${i}`);
  for (let i = 0; i < numbers.length; i += 50) {
    await erp.post(`/facility/${f}/dispensingWorkorders`, orders(...numbers.slice(i, i + 50).map((n) => workOrder(n))));
  }
  const requests: string[][] = [];
  for (let i = 0; i < numbers.length; i += PER_REQUEST) requests.push(numbers.slice(i, i + PER_REQUEST));

  const latency: number[] = [];
  const trails: number[] = [];
  let atReturn = 0;
  let refused = 0;
  const derivedNow = async (ids: string[]) => {
    const out = await db.send(
      new BatchGetCommand({
        RequestItems: {
          [local.tableName]: {
            Keys: ids.map((n) => ({ pk: facilityPk(f), sk: recordDerivedSk('AssignedBySender', `R-${n}`) })),
            ConsistentRead: true,
          },
        },
      }),
    );
    return new Set((out.Responses?.[local.tableName] ?? []).map((i) => String(i.number).slice(2)));
  };
  const follow = async (pending: string[], returnedAt: number) => {
    let left = pending;
    while (left.length > 0) {
      await sleep(10);
      const found = await derivedNow(left);
      const now = performance.now();
      for (const n of left) if (found.has(n)) trails.push(now - returnedAt);
      left = left.filter((n) => !found.has(n));
    }
  };
  const followers: Promise<void>[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < requests.length) {
        const batch = requests[next++]!;
        const t0 = performance.now();
        const r = await pcs.post(
          `/facility/${f}/dispensingWorkRecords`,
          records(...batch.map((order) => workRecord(`R-${order}`, { order, actual: [1.5, 0.25] }))),
        );
        const returnedAt = performance.now();
        latency.push(returnedAt - t0);
        if (r.status !== 200) refused++;
        const found = await derivedNow(batch);
        atReturn += found.size;
        followers.push(
          follow(
            batch.filter((n) => !found.has(n)),
            returnedAt,
          ),
        );
      }
    }),
  );
  await Promise.all(followers);
  const total = performance.now() - started;
  db.destroy();
  const n = numbers.length;
  console.log(
    `\nderived figures, ${n} records for ${n} orders, ${PER_REQUEST} a request, ${IN_FLIGHT} in flight, same two products (${fmt(total)} in all):`,
  );
  console.log(
    `  requests refused: ${refused} of ${requests.length}; request p50 ${fmt(percentile(latency, 50))}, p95 ${fmt(percentile(latency, 95))}`,
  );
  console.log(
    `  counted by the request itself (visible when the POST returned): ${atReturn} of ${n} (${((100 * atReturn) / n).toFixed(1)} %)`,
  );
  if (trails.length > 0) {
    console.log(
      `  left to the stream (${trails.length}): trail after the POST returned p50 ${fmt(percentile(trails, 50))}, p95 ${fmt(percentile(trails, 95))}, max ${fmt(Math.max(...trails))}`,
    );
  } else console.log('  left to the stream: none');
}
