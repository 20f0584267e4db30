/**
 * `npm run bench -- trace`: a forward trace of a lot used by 40 records through three levels of
 * blends (20 records take from lot L, two of them make blend lots B-1 and B-2, 10 records take
 * from those, one of them makes C-1, 10 records take from C-1), in a facility of 10,000 records
 * and in one of 100,000, and one Query of 40 items on the same DynamoDB Local (the floor server,
 * test/bench/floor/server.ts, reading the 40 traced records from the records' changes index),
 * runs alternating. The 40 traced records go through the API (the derive engine writes their
 * lot index entries); the other records are written straight into DynamoDB Local with the lot
 * index entries the same domain and store functions make (lotEntries, lotIndexItems), each
 * taking from one of 2,000 other lots, since submitting 100,000 records through the API would
 * measure the submission. A trace should cost what it finds, not what the facility holds.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { lotEntries } from '../../functions/domain/lots.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import type { DispensingWorkRecord } from '../../functions/generated/documents.ts';
import { changesPk, facilityPk, pendingDerivePk, recordSk } from '../../functions/store/keys.ts';
import { lotIndexItems } from '../../functions/store/lot-index-store.ts';
import { TABLE } from '../../functions/store/table.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack } from '../support/local-stack.ts';
import { records, workRecord } from '../support/records.ts';
import { startFloor } from './floor-ratio.ts';
import { fmt, percentile } from './stats.ts';

const SENDER = 'AssignedBySender';
const SELLER = 'AssignedBySeller';
export const TRACED = 40;
const OTHER_LOTS = 2000;
const UNCHECKED = { contract: false } as const;
const qty = (value: number) => ({ value, uom: 'LBR', agency: 'UN_REC_20' as const });

/** A record taking `pounds` of `component` from `lot`; its group (product `makes.product`) makes lot `makes.lot` when given. */
function lotRecord(
  number: string,
  o: { order: string; at: string; component: string; lot: string; makes?: { lot: string; product: string } },
): DispensingWorkRecord {
  const r = workRecord(number, { order: o.order, status: 'complete' });
  r.dispensingEndDateTime = o.at;
  const group = r.productGroup[0]!;
  group.product = [group.product[0]!];
  const line = group.product[0]!;
  line.identifier = [{ agency: SELLER, number: o.component }] as never;
  line.actualQuantity = qty(12.5);
  line.sourceContainer = [
    {
      identifier: [{ agency: SENDER, number: 'TOTE-1' }],
      capacity: qty(2000),
      actualQuantity: qty(12.5),
      lotIdentifier: { agency: SELLER, number: o.lot },
    },
  ] as never;
  if (o.makes) {
    group.identifier = [{ agency: SELLER, number: o.makes.product }] as never;
    group.destinationContainer = [
      { identifier: [{ agency: SENDER, number: 'BIN-9' }], capacity: qty(40000), lotIdentifier: { agency: SENDER, number: o.makes.lot } },
    ] as never;
  }
  return r;
}

/** The facility's other records, straight into the table: heads and their lot index entries. */
export async function seedOthers(db: DynamoDBDocumentClient, tableName: string, facilityId: string, count: number): Promise<void> {
  const start = Date.parse('2025-01-01T00:00:00Z');
  const CHUNK = 250;
  let next = 0;
  const take = () => {
    const from = next;
    next += CHUNK;
    return from;
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let from = take(); from < count; from = take()) {
        const items: Record<string, unknown>[] = [];
        for (let i = from; i < Math.min(count, from + CHUNK); i++) {
          const at = new Date(start + i * 60_000).toISOString();
          const doc = lotRecord(`BG-${i}`, { order: 'BG-ORDER', at, component: `C-${i % 20}`, lot: `BG-LOT-${i % OTHER_LOTS}` });
          items.push({
            [TABLE.partitionKey]: facilityPk(facilityId),
            [TABLE.sortKey]: recordSk(SENDER, `BG-${i}`),
            kind: 'record',
            doc: JSON.stringify(doc),
          });
          const entries = lotEntries({
            agency: SENDER,
            number: `BG-${i}`,
            revision: 1,
            doc: doc as unknown as WorkRecordDocument,
            voided: false,
            receivedAt: Date.parse(at),
          });
          for (const action of lotIndexItems(facilityId, { puts: entries, deletes: [], seen: [] })) {
            items.push((action as { Put: { Item: Record<string, unknown> } }).Put.Item);
          }
        }
        for (let b = 0; b < items.length; b += 25) {
          let request: Record<string, unknown>[] = items.slice(b, b + 25).map((Item) => ({ PutRequest: { Item } }));
          while (request.length > 0) {
            const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: request as never } }));
            request = (out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined) ?? [];
          }
        }
      }
    }),
  );
}

/** The 40 traced records, three levels deep, through the API (the derive engine indexes them). */
export function tracedRecords(): DispensingWorkRecord[] {
  const at = (i: number) => new Date(Date.parse('2026-03-02T08:00:00Z') + i * 600_000).toISOString();
  const out: DispensingWorkRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const makes = i < 2 ? { lot: `B-${i + 1}`, product: 'BLEND-B' } : undefined;
    out.push(lotRecord(`L1-${i}`, { order: `TO-${i % 4}`, at: at(i), component: 'C-HERB', lot: 'L', ...(makes ? { makes } : {}) }));
  }
  for (let i = 0; i < 10; i++) {
    const makes = i === 0 ? { lot: 'C-1', product: 'BLEND-C' } : undefined;
    const lot = `B-${(i % 2) + 1}`;
    out.push(lotRecord(`L2-${i}`, { order: `TO-${i % 4}`, at: at(20 + i), component: 'BLEND-B', lot, ...(makes ? { makes } : {}) }));
  }
  for (let i = 0; i < 10; i++) out.push(lotRecord(`L3-${i}`, { order: `TO-${i % 4}`, at: at(30 + i), component: 'BLEND-C', lot: 'C-1' }));
  // Blend lots are named by the sender's agency (destination containers); uses of them say so too.
  for (const r of out.slice(20)) (r.productGroup[0]!.product[0]!.sourceContainer![0]!.lotIdentifier as { agency: string }).agency = SENDER;
  return out;
}

/** Until the derive engine has indexed every record of the facility (no pending-derive marker left). */
export async function settled(db: DynamoDBDocumentClient, tableName: string, facilityId: string): Promise<void> {
  const { name, partitionKey } = TABLE.recordsPendingDeriveIndex;
  for (let i = 0; i < 600; i++) {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: name,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': partitionKey },
        ExpressionAttributeValues: { ':p': pendingDerivePk(facilityId) },
        Limit: 1,
      }),
    );
    if ((out.Items ?? []).length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${facilityId}: records still pending derive after 2 minutes`);
}

export async function benchTrace(stack: LocalStack, sizes = [10_000, 100_000], rounds = 60): Promise<void> {
  const local = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { dynamodbEndpoint: string; tableName: string };
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
  const facilities = sizes.map((n) => `TRACE-${n / 1000}K`);
  const erp = client(stack.baseUrl, await stack.createKey('erp', facilities), UNCHECKED);
  const pcs = client(stack.baseUrl, await stack.createKey('pcs', facilities), UNCHECKED);
  const floor = await startFloor(stack);
  try {
    const windows = new Map<string, { lo: string; hi: string }>();
    for (const [i, n] of sizes.entries()) {
      const f = facilities[i]!;
      const t0 = performance.now();
      await seedOthers(db, local.tableName, f, n - TRACED);
      const pushed = await erp.post(`/facility/${f}/dispensingWorkorders`, orders(...[0, 1, 2, 3].map((k) => workOrder(`TO-${k}`))));
      if (pushed.status !== 200) throw new Error(`orders: ${pushed.text}`);
      const lo = new Date(Date.now() - 1).toISOString();
      const traced = tracedRecords();
      for (let b = 0; b < traced.length; b += 10) {
        const r = await pcs.post(`/facility/${f}/dispensingWorkRecords`, records(...traced.slice(b, b + 10)));
        if (r.status !== 200) throw new Error(`records: ${r.status} ${r.text.slice(0, 300)}`);
      }
      await settled(db, local.tableName, f);
      windows.set(f, { lo, hi: `${new Date(Date.now() + 60_000).toISOString()}~` });
      console.log(`  seeded ${f}: ${n.toLocaleString('en-US')} records in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }

    const trace = (f: string) => async () => {
      const r = await erp.get(`/facility/${f}/trace?lot=L`);
      const n = r.body?.affected?.length;
      if (r.status !== 200 || n !== TRACED) throw new Error(`trace ${f}: ${r.status}, ${n} affected: ${r.text.slice(0, 300)}`);
    };
    const bare = client(floor.url, undefined, UNCHECKED);
    const big = facilities.at(-1)!;
    const w = windows.get(big)!;
    const pk = encodeURIComponent(changesPk(big, 'RECORDS'));
    const query = async () => {
      const r = await bare.get(`/poll?pk=${pk}&lo=${encodeURIComponent(w.lo)}&hi=${encodeURIComponent(w.hi)}`);
      if (r.body?.dispensingWorkOrder?.length !== TRACED) throw new Error(`floor: ${r.text.slice(0, 200)}`);
    };
    const runs: { name: string; run: () => Promise<void>; samples: number[] }[] = [
      ...facilities.map((f, i) => ({
        name: `trace, ${sizes[i]!.toLocaleString('en-US')} records`,
        run: trace(f),
        samples: [] as number[],
      })),
      { name: 'one Query of 40 items', run: query, samples: [] },
    ];
    const load0 = loadavg()[0]!;
    for (let round = -10; round < rounds; round++) {
      // Rotate who goes first, so none always follows another.
      for (let k = 0; k < runs.length; k++) {
        const r = runs[(k + round + 10) % runs.length]!;
        const t = performance.now();
        await r.run();
        if (round >= 0) r.samples.push(performance.now() - t);
      }
    }
    console.log(
      `\nLot trace: forward trace of a lot used by ${TRACED} records (3 levels of blends), medians of ${rounds} alternating runs (load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)})`,
    );
    const median = (xs: number[]) => percentile(xs, 50);
    for (const r of runs)
      console.log(`  ${r.name.padEnd(28)} median ${fmt(median(r.samples)).padStart(9)}  p95 ${fmt(percentile(r.samples, 95)).padStart(9)}`);
    const [small, large, q] = runs.map((r) => median(r.samples)) as [number, number, number];
    console.log(
      `  ratio ${sizes[1]!.toLocaleString('en-US')} / ${sizes[0]!.toLocaleString('en-US')} records: ${(large / small).toFixed(2)} (goal ≤ 1.2)`,
    );
    console.log(`  trace at ${sizes[1]!.toLocaleString('en-US')} / one Query of 40 items: ${(large / q).toFixed(2)} (goal ≤ 3)`);
  } finally {
    floor.child.kill('SIGTERM');
    db.destroy();
  }
}
